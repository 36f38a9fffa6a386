//! `[workspace]`: what the agent's page offers: the reasons an agent may give for being away and
//! the disposition codes a call is closed with. See docs/configuration.md and docs/workspace.md.

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Longest code or reason: they are shown on buttons and stored on every change.
const MAX_CODE: usize = 40;
/// At most this many codes or reasons (a page of buttons, not a catalogue).
const MAX_CODES: usize = 50;
/// The longest note accepted at all, whatever is configured.
const MAX_NOTE: usize = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    /// Reasons an agent picks when going away, in the order shown.
    pub away_reasons: Vec<String>,
    /// Codes an agent closes a call with, in the order shown.
    pub disposition_codes: Vec<String>,
    /// Longest note an agent may write with a disposition (characters).
    pub note_max_chars: usize,
    /// Rings in a row an agent may leave unanswered before frontdesk sets them away; 0: never.
    #[serde(default = "default_missed_rings")]
    pub away_after_missed_rings: u32,
    /// The away reason those agents get (a code like `away_reasons`, worded by the console).
    #[serde(default = "default_missed_reason")]
    pub missed_rings_reason: String,
    /// How often each agent's phone is sent SIP OPTIONS (seconds); 0: never.
    #[serde(default = "default_check_seconds")]
    pub phone_check_seconds: u64,
    /// OPTIONS in a row without an answer that make a phone unreachable.
    #[serde(default = "default_check_failures")]
    pub phone_check_failures: u32,
}

fn default_missed_rings() -> u32 {
    3
}
fn default_missed_reason() -> String {
    "missed-calls".into()
}
fn default_check_seconds() -> u64 {
    30
}
fn default_check_failures() -> u32 {
    3
}

/// Most rings in a row before auto-away that may be configured.
const MAX_MISSED_RINGS: u32 = 100;
/// Longest OPTIONS interval (an hour): a check rarer than that tells nobody anything.
const MAX_CHECK_SECONDS: u64 = 3600;
/// Most failures in a row that may be asked for before a phone is unreachable.
const MAX_CHECK_FAILURES: u32 = 20;

impl Default for Workspace {
    fn default() -> Self {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Workspace {
            away_reasons: list(&["break", "lunch", "training", "meeting", "coaching"]),
            disposition_codes: list(&[
                "resolved",
                "follow-up",
                "information",
                "sale",
                "complaint",
                "wrong-number",
            ]),
            note_max_chars: 2000,
            away_after_missed_rings: default_missed_rings(),
            missed_rings_reason: default_missed_reason(),
            phone_check_seconds: default_check_seconds(),
            phone_check_failures: default_check_failures(),
        }
    }
}

impl Workspace {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let missed_reason = vec![self.missed_rings_reason.clone()];
        for (key, list) in [
            ("workspace.away_reasons", &self.away_reasons),
            ("workspace.disposition_codes", &self.disposition_codes),
            ("workspace.missed_rings_reason", &missed_reason),
        ] {
            if list.is_empty() || list.len() > MAX_CODES {
                return Err(ConfigError::Key {
                    key,
                    message: format!("must list between 1 and {MAX_CODES} entries"),
                });
            }
            let bad = list.iter().find(|c| {
                c.is_empty()
                    || c.len() > MAX_CODE
                    || !c
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            });
            if let Some(bad) = bad {
                return Err(ConfigError::Key {
                    key,
                    message: format!(
                        "{bad:?}: entries are 1 to {MAX_CODE} letters, digits, '-' or '_' \
                         (their wording per language is in the console's messages)"
                    ),
                });
            }
        }
        if !(1..=MAX_NOTE).contains(&self.note_max_chars) {
            return Err(ConfigError::Key {
                key: "workspace.note_max_chars",
                message: format!("must be between 1 and {MAX_NOTE}"),
            });
        }
        let ranges = [
            (
                "workspace.away_after_missed_rings",
                u64::from(self.away_after_missed_rings),
                0,
                u64::from(MAX_MISSED_RINGS),
            ),
            (
                "workspace.phone_check_seconds",
                self.phone_check_seconds,
                0,
                MAX_CHECK_SECONDS,
            ),
            (
                "workspace.phone_check_failures",
                u64::from(self.phone_check_failures),
                1,
                u64::from(MAX_CHECK_FAILURES),
            ),
        ];
        for (key, value, low, high) in ranges {
            if !(low..=high).contains(&value) {
                return Err(ConfigError::Key {
                    key,
                    message: format!("must be between {low} and {high}"),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_odd_codes_do_not() {
        assert!(Workspace::default().validate().is_ok());
        let mut w = Workspace::default();
        w.away_reasons.push("coffee break".into());
        assert!(w.validate().is_err());
        let mut w = Workspace::default();
        w.disposition_codes.clear();
        assert!(w.validate().is_err());
        let w = Workspace {
            note_max_chars: 0,
            ..Workspace::default()
        };
        assert!(w.validate().is_err());
        let w = Workspace {
            missed_rings_reason: "missed calls".into(),
            ..Workspace::default()
        };
        assert!(w.validate().is_err());
        let w = Workspace {
            phone_check_failures: 0,
            ..Workspace::default()
        };
        assert!(w.validate().is_err());
        let w = Workspace {
            phone_check_seconds: 0,
            away_after_missed_rings: 0,
            ..Workspace::default()
        };
        assert!(w.validate().is_ok(), "0 turns both off");
    }
}
