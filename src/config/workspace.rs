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
}

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
        }
    }
}

impl Workspace {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (key, list) in [
            ("workspace.away_reasons", &self.away_reasons),
            ("workspace.disposition_codes", &self.disposition_codes),
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
    }
}
