//! `[retention]`: how long call data, recordings and the access-audit log are kept. Unset means
//! kept for ever (the default); see docs/configuration.md and docs/security.md.

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// The longest period accepted (100 years): beyond it, leave the key unset.
const MAX_DAYS: u32 = 36_500;

/// Retention periods in days, counted from when a call started (recordings, calls), a callback or
/// complaint was closed, or an audit entry was written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Recording files (and complaint messages) are deleted after this many days; the call row
    /// stays and says when its recording went.
    pub recordings_days: Option<u32>,
    /// Calls with their timelines, notes and survey answers, closed callbacks and resolved
    /// complaints are deleted after this many days.
    pub calls_days: Option<u32>,
    /// Access-audit entries are deleted after this many days.
    pub audit_days: Option<u32>,
    /// Rows removed per transaction, so a run never holds the store for long.
    pub batch_rows: u32,
    /// Pause between two batches, so the call path's writes get in between.
    pub batch_pause_ms: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            recordings_days: None,
            calls_days: None,
            audit_days: None,
            batch_rows: 100,
            batch_pause_ms: 20,
        }
    }
}

impl Retention {
    /// Whether any period is set (otherwise the daily job has nothing to do).
    pub fn any(&self) -> bool {
        self.recordings_days.is_some() || self.calls_days.is_some() || self.audit_days.is_some()
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (key, v) in [
            ("retention.recordings_days", self.recordings_days),
            ("retention.calls_days", self.calls_days),
            ("retention.audit_days", self.audit_days),
        ] {
            if let Some(days) = v
                && !(1..=MAX_DAYS).contains(&days)
            {
                return Err(ConfigError::Key {
                    key,
                    message: format!("must be between 1 and {MAX_DAYS} days (or unset: keep)"),
                });
            }
        }
        if let (Some(rec), Some(calls)) = (self.recordings_days, self.calls_days)
            && rec > calls
        {
            return Err(ConfigError::Key {
                key: "retention.recordings_days",
                message: format!(
                    "{rec} is longer than calls_days ({calls}): a recording goes with its call"
                ),
            });
        }
        if !(1..=10_000).contains(&self.batch_rows) {
            return Err(ConfigError::Key {
                key: "retention.batch_rows",
                message: "must be between 1 and 10000".into(),
            });
        }
        if self.batch_pause_ms > 60_000 {
            return Err(ConfigError::Key {
                key: "retention.batch_pause_ms",
                message: "must be at most 60000".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_keep_everything_and_validate() {
        let r = Retention::default();
        assert!(!r.any());
        r.validate().unwrap();
    }

    #[test]
    fn bad_periods_are_named() {
        let zero = Retention {
            calls_days: Some(0),
            ..Retention::default()
        };
        let e = zero.validate().unwrap_err().to_string();
        assert!(e.contains("retention.calls_days"), "{e}");
        let longer = Retention {
            recordings_days: Some(90),
            calls_days: Some(30),
            ..Retention::default()
        };
        let e = longer.validate().unwrap_err().to_string();
        assert!(e.contains("retention.recordings_days"), "{e}");
        let batch = Retention {
            batch_rows: 0,
            ..Retention::default()
        };
        assert!(batch.validate().is_err());
        let ok = Retention {
            recordings_days: Some(30),
            calls_days: Some(365),
            audit_days: Some(730),
            ..Retention::default()
        };
        ok.validate().unwrap();
        assert!(ok.any());
    }
}
