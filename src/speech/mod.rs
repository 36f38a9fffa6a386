//! Speech: announcements whose words come from the configuration, rendered by an engine behind
//! [`Speech`] and cached on disk, so a restart renders nothing it has rendered before.
//!
//! - [`espeak`]: the espeak-ng program (the default engine).
//! - [`audio`]: the engine's output converted to 8 kHz mono 16-bit, trimmed and normalised.
//! - [`cache`]: WAVs keyed by a hash of engine version, voice and text.
//! - [`render`]: which prompts are rendered, at start and on SIGHUP, and which are stale when
//!   no engine is available.

pub mod announcer;
pub mod audio;
pub mod cache;
pub mod espeak;
pub mod render;

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("speech engine {program:?} cannot be run: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("speech engine failed ({status}): {stderr}")]
    Failed { status: String, stderr: String },
    #[error("speech engine took longer than {0} ms")]
    Timeout(u64),
    #[error("speech engine output unreadable: {0}")]
    Output(#[from] hound::Error),
    #[error("speech engine output is {0}; expected mono 16-bit PCM")]
    Format(String),
    #[error("text of {0} characters is too long to speak (limit {MAX_TEXT})")]
    TooLong(usize),
    #[error("speech cache {path}: {source}")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// No announcement is longer; a longer text is a configuration mistake, not something to speak.
pub const MAX_TEXT: usize = 2000;

/// A text-to-speech engine. Blocking: callers run it on a blocking thread.
pub trait Speech: Send + Sync {
    /// Engine name and version: part of the cache key, so an upgrade renders afresh.
    fn version(&self) -> &str;
    /// `text` in `voice`, as 8 kHz mono 16-bit PCM ready to play.
    fn render(&self, voice: &str, text: &str) -> Result<Vec<i16>, SpeechError>;
}
