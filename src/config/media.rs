//! `[media]`: what callers hear besides prompts.

use crate::media::srtp::SrtpPolicy;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The music-on-hold file in the prompts directory, used when `[media] music_on_hold` is unset.
pub const DEFAULT_MUSIC: &str = "music_on_hold.wav";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// Music on hold (8 kHz mono 16-bit WAV), looped to a held party and to queued callers
    /// between announcements. Unset: `<prompts_dir>/music_on_hold.wav`, and silence when that
    /// file is missing.
    pub music_on_hold: Option<PathBuf>,
    /// SDES-SRTP (RFC 4568) on every leg: `off` (plain RTP; secure-only offers get 488),
    /// `offer` (SRTP when the other side offers a key, plain otherwise; our offers carry a key on
    /// the plain profile) or `require` (SRTP or no call). SDES keys travel in the SDP, so use it
    /// with SIP over TLS.
    #[serde(default)]
    pub srtp: SrtpPolicy,
    /// The media workers' nice value (-20..=19; unset: [`DEFAULT_WORKER_NICE`]). Ahead of the
    /// signalling and the store, so a busy machine delays a call's setup rather than its 20 ms
    /// packets. Raising a priority needs root or `CAP_SYS_NICE`; without it the workers run at
    /// the process's own and the start says so (0: left as the process's).
    #[serde(default)]
    pub worker_nice: Option<i32>,
}

/// The media workers run at nice -10 unless `[media] worker_nice` says otherwise.
pub const DEFAULT_WORKER_NICE: i32 = -10;

impl Media {
    pub fn worker_nice(&self) -> i32 {
        self.worker_nice.unwrap_or(DEFAULT_WORKER_NICE)
    }

    /// The file to load and whether it was named explicitly (a named file that cannot be read
    /// stops the start; the default one only warns).
    pub fn music_path(&self, prompts_dir: &Path) -> (PathBuf, bool) {
        match &self.music_on_hold {
            Some(p) => (p.clone(), true),
            None => (prompts_dir.join(DEFAULT_MUSIC), false),
        }
    }
}
