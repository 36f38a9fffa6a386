//! `[sip]`: the SIP door's limits (see `sip::gate` and docs/security.md).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Limits of the SIP door, applied by source address before the stack keeps any state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sip {
    /// Requests per second from one trunk source (the PBX); above it they are dropped.
    pub trunk_requests_per_second: u32,
    /// Requests per second from any other source (agents' phones, strangers).
    pub requests_per_second_per_source: u32,
    /// Sources remembered for their rates; beyond this many, strangers share one budget.
    pub tracked_sources: usize,
}

impl Default for Sip {
    fn default() -> Self {
        Sip {
            trunk_requests_per_second: 10_000,
            requests_per_second_per_source: 50,
            tracked_sources: 10_000,
        }
    }
}

impl Sip {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (key, v) in [
            (
                "sip.trunk_requests_per_second",
                self.trunk_requests_per_second as usize,
            ),
            (
                "sip.requests_per_second_per_source",
                self.requests_per_second_per_source as usize,
            ),
            ("sip.tracked_sources", self.tracked_sources),
        ] {
            if v == 0 {
                return Err(ConfigError::Key {
                    key,
                    message: "must be at least 1".into(),
                });
            }
        }
        Ok(())
    }
}
