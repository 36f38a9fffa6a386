//! Rendered speech on disk, one 8 kHz mono WAV per (engine version, voice, text), named by the
//! SHA-256 of the three: the same words are never rendered twice, across restarts too, and an
//! engine upgrade or a changed text simply misses.

use super::{Speech, SpeechError, audio::RATE};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// Whether a render came from disk or from the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cached,
    Rendered,
}

impl Cache {
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    pub fn path(&self, version: &str, voice: &str, text: &str) -> PathBuf {
        let mut h = Sha256::new();
        // Length-prefixed, so no two triples hash the same bytes.
        for part in [version, voice, text] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        self.dir.join(format!("{}.wav", hex::encode(h.finalize())))
    }

    /// The speech for `text`, from disk when rendered before. Blocking.
    pub fn get(
        &self,
        engine: &dyn Speech,
        voice: &str,
        text: &str,
    ) -> Result<(Vec<i16>, Source), SpeechError> {
        let path = self.path(engine.version(), voice, text);
        if let Ok(pcm) = read(&path) {
            return Ok((pcm, Source::Cached));
        }
        let pcm = engine.render(voice, text)?;
        self.write(&path, &pcm)?;
        Ok((pcm, Source::Rendered))
    }

    /// Written beside and renamed, so a crash never leaves half a WAV under a valid name.
    fn write(&self, path: &Path, pcm: &[i16]) -> Result<(), SpeechError> {
        let err = |source| SpeechError::Cache {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&tmp, spec)?;
        for s in pcm {
            w.write_sample(*s)?;
        }
        w.finalize()?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}

fn read(path: &Path) -> Result<Vec<i16>, hound::Error> {
    let mut r = hound::WavReader::open(path)?;
    let spec = r.spec();
    if spec.sample_rate != RATE || spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(hound::Error::Unsupported);
    }
    r.samples::<i16>().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(AtomicUsize);

    impl Speech for Counting {
        fn version(&self) -> &str {
            "counting 1"
        }
        fn render(&self, _voice: &str, text: &str) -> Result<Vec<i16>, SpeechError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(text.bytes().map(i16::from).collect())
        }
    }

    #[test]
    fn the_same_words_are_rendered_once_even_by_a_new_process() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Counting(AtomicUsize::new(0));
        let (a, s) = Cache::new(dir.path()).get(&engine, "en", "hello").unwrap();
        assert_eq!(s, Source::Rendered);
        // A new cache over the same directory: as after a restart.
        let (b, s) = Cache::new(dir.path()).get(&engine, "en", "hello").unwrap();
        assert_eq!((s, a), (Source::Cached, b));
        assert_eq!(engine.0.load(Ordering::SeqCst), 1);
        // Another voice or text is another file.
        Cache::new(dir.path()).get(&engine, "ru", "hello").unwrap();
        Cache::new(dir.path()).get(&engine, "en", "hello!").unwrap();
        assert_eq!(engine.0.load(Ordering::SeqCst), 3);
        let c = Cache::new(dir.path());
        assert_ne!(c.path("v1", "en", "a"), c.path("v2", "en", "a"));
        assert_ne!(c.path("v", "en", "a\0b"), c.path("v", "en\0a", "b"));
    }
}
