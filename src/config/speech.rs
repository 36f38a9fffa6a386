//! `[speech]`: the engine that renders announcements whose words come from the configuration
//! (greeting, after-hours, callback intro, the callback promise).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// The espeak-ng program (Debian package `espeak-ng`).
    #[default]
    EspeakNg,
    /// Render nothing: the shipped WAVs are played and stale ones reported.
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Speech {
    pub engine: Engine,
    /// The program run for `espeak-ng` (a name on PATH or a path).
    pub program: String,
}

impl Default for Speech {
    fn default() -> Self {
        Speech {
            engine: Engine::EspeakNg,
            program: "espeak-ng".into(),
        }
    }
}
