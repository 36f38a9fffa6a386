//! Call recording: one stereo WAV per call (left = caller, right = what the
//! caller hears), written on a dedicated thread so the packet path never waits
//! on the disk, plus header repair for files cut short by a crash.

pub mod pause;
mod repair;
mod writer;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

pub use self::repair::{RepairOutcome, repair};
pub use self::writer::{FinishedHook, Recorder, RecordingHandle, WriterThread};

/// Finalises a call's recording: its path and SHA-256 for the call row, or `None` (logged) when
/// there was none or it failed.
pub async fn finished(handle: Option<RecordingHandle>) -> Option<(String, String)> {
    let mut handle = handle?;
    let hook = handle.on_finished.take();
    match handle.finish().await {
        Ok(Ok(done)) => {
            if let Some(hook) = hook {
                hook(&done);
            }
            Some((done.path.display().to_string(), done.sha256))
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "recording failed");
            None
        }
        Err(_) => None,
    }
}

/// Telephony audio rate; every recording uses it so durations are frame counts / 8000.
pub const SAMPLE_RATE: u32 = 8000;

/// Left = caller, right = what the caller hears.
pub const CHANNELS: u16 = 2;

/// Signed 16-bit PCM: lossless for decoded G.711 and readable by any player.
pub const BITS_PER_SAMPLE: u16 = 16;

/// The WAV format every recording is written with.
pub fn wav_spec() -> hound::WavSpec {
    hound::WavSpec {
        channels: CHANNELS,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: BITS_PER_SAMPLE,
        sample_format: hound::SampleFormat::Int,
    }
}

/// Failures of recording, hashing or repair; each names the file involved so
/// an operator can find it.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("recording I/O error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("WAV error on {}: {source}", path.display())]
    Wav {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
    #[error("{} is not a repairable WAV file: {reason}", path.display())]
    NotWav { path: PathBuf, reason: &'static str },
    #[error("recording {} exceeds the 4 GiB WAV size limit", path.display())]
    TooLarge { path: PathBuf },
    #[error("the recording writer thread is gone")]
    WriterGone,
    #[error("could not spawn the recording writer thread: {0}")]
    Spawn(#[source] io::Error),
}

impl RecordingError {
    fn io(path: &Path, source: io::Error) -> Self {
        RecordingError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn wav(path: &Path, source: hound::Error) -> Self {
        RecordingError::Wav {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What a completed recording reports, so the call record can reference the
/// file and prove its integrity later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub path: PathBuf,
    /// Lowercase hex SHA-256 of the finalised file bytes.
    pub sha256: String,
    /// Sample frames per channel actually written.
    pub frames: u64,
    /// Blocks refused because the writer queue was full.
    pub dropped_blocks: u64,
}

impl Finished {
    /// Length of the recorded audio.
    pub fn duration(&self) -> Duration {
        let rate = u64::from(SAMPLE_RATE);
        let secs = self.frames / rate;
        let rem = self.frames % rate;
        // rem < 8000, so the nanosecond value stays well inside u32.
        Duration::new(secs, (rem * 1_000_000_000 / rate) as u32)
    }
}

/// Lowercase hex SHA-256 of a file's bytes, read in chunks so large
/// recordings don't need to fit in memory.
pub fn sha256_file(path: &Path) -> Result<String, RecordingError> {
    let mut file = File::open(path).map_err(|e| RecordingError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(RecordingError::io(path, e)),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
