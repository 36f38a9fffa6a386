//! `[features]`: what an agent can do from their phone during a call — pass it on (SIP REFER or
//! keys) and pause the recording — with key codes as Asterisk's `features.conf` has them.

use super::ConfigError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Features {
    /// Keys an agent presses to pass the caller on (blind transfer), then the target's digits
    /// and `#` (or a pause of `digit_timeout_ms`). Asterisk's `blindxfer`.
    pub blind_transfer: String,
    /// Keys an agent presses to consult another agent or a number first (attended transfer),
    /// then the target and `#`: the caller hears music while the agent talks with the target.
    /// Pressed again during the consultation it completes the transfer (so does hanging up once
    /// the target answered). Asterisk's `atxfer` and `atxfercomplete`.
    pub attended_transfer: String,
    /// During a consultation: the target is hung up and the agent has the caller back
    /// (Asterisk's `atxferabort`).
    pub consult_abort: String,
    /// How long to wait for the next key of a target before taking what was typed.
    pub digit_timeout_ms: u64,
    /// Targets (a REFER's user part, or typed digits) meaning "back to the queue", keeping the
    /// caller's priority and place.
    pub queue_targets: Vec<String>,
    /// Keys that pause the call's recording, and resume it when pressed again (Asterisk's
    /// `automon` key).
    pub pause_recording: String,
    /// A pause longer than this ends by itself (a forgotten pause must not leave the rest of a
    /// call unrecorded).
    pub max_pause_seconds: u64,
}

impl Default for Features {
    fn default() -> Features {
        Features {
            blind_transfer: "#1".into(),
            attended_transfer: "#2".into(),
            consult_abort: "#0".into(),
            digit_timeout_ms: 3_000,
            queue_targets: vec!["queue".into(), "0".into()],
            pause_recording: "*1".into(),
            max_pause_seconds: 180,
        }
    }
}

/// Keys an agent's phone can send (RFC 4733 events 0–15).
fn is_key(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')
}

impl Features {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let codes = [
            ("features.blind_transfer", &self.blind_transfer),
            ("features.attended_transfer", &self.attended_transfer),
            ("features.consult_abort", &self.consult_abort),
            ("features.pause_recording", &self.pause_recording),
        ];
        for (key, code) in codes {
            if !code.is_empty() && (code.len() > 8 || !code.chars().all(is_key)) {
                return Err(ConfigError::Key {
                    key,
                    message: format!(
                        "{code:?}: up to 8 keys of 0-9 * # A-D, or empty to turn it off"
                    ),
                });
            }
        }
        for (i, (ka, a)) in codes.iter().enumerate() {
            for (kb, b) in &codes[i + 1..] {
                if !a.is_empty()
                    && !b.is_empty()
                    && (a.starts_with(b.as_str()) || b.starts_with(a.as_str()))
                {
                    return Err(ConfigError::Key {
                        key: kb,
                        message: format!("{b:?} and {ka} {a:?}: one must not start the other"),
                    });
                }
            }
        }
        if !(1..=3600).contains(&self.max_pause_seconds) {
            return Err(ConfigError::Key {
                key: "features.max_pause_seconds",
                message: "must be between 1 and 3600".into(),
            });
        }
        if !(500..=30_000).contains(&self.digit_timeout_ms) {
            return Err(ConfigError::Key {
                key: "features.digit_timeout_ms",
                message: "must be between 500 and 30000".into(),
            });
        }
        if self
            .queue_targets
            .iter()
            .any(|t| t.is_empty() || t.len() > 64)
        {
            return Err(ConfigError::Key {
                key: "features.queue_targets",
                message: "each must be 1 to 64 characters".into(),
            });
        }
        Ok(())
    }

    /// Whether `user` (a REFER's user part or typed digits) names the queue.
    pub fn is_queue(&self, user: &str) -> bool {
        self.queue_targets
            .iter()
            .any(|t| t.eq_ignore_ascii_case(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(f: Features) -> String {
        f.validate().unwrap_err().to_string()
    }

    #[test]
    fn codes_and_limits_are_checked_naming_the_key() {
        assert!(Features::default().validate().is_ok());
        let e = error(Features {
            blind_transfer: "#x".into(),
            ..Features::default()
        });
        assert!(e.contains("features.blind_transfer"), "{e}");
        let e = error(Features {
            pause_recording: "#1".into(),
            ..Features::default()
        });
        assert!(e.contains("must not start the other"), "{e}");
        let e = error(Features {
            pause_recording: "123456789".into(),
            ..Features::default()
        });
        assert!(e.contains("features.pause_recording"), "{e}");
        let e = error(Features {
            max_pause_seconds: 0,
            ..Features::default()
        });
        assert!(e.contains("features.max_pause_seconds"), "{e}");
        let e = error(Features {
            queue_targets: vec![String::new()],
            ..Features::default()
        });
        assert!(e.contains("features.queue_targets"), "{e}");
        // Empty codes turn a feature off.
        let off = Features {
            blind_transfer: String::new(),
            pause_recording: String::new(),
            ..Features::default()
        };
        assert!(off.validate().is_ok());
        assert!(Features::default().is_queue("QUEUE") && !Features::default().is_queue("bob"));
    }
}
