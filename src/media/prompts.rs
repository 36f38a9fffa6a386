//! Prompts: `prompts/<lang>/<name>.wav` (8 kHz mono 16-bit), loaded once at start and pre-encoded to
//! both G.711 laws so playing one costs a copy per packet, not an encode.

use super::g711::Law;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("prompts directory or file {0} is missing")]
    NoDir(PathBuf),
    #[error("cannot read prompt {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },
    #[error(
        "prompt {path} is {rate} Hz, {channels} channel(s), {bits} bit; expected 8000 Hz mono 16-bit"
    )]
    Format {
        path: PathBuf,
        rate: u32,
        channels: u16,
        bits: u16,
    },
    #[error("cannot list {path}: {source}")]
    List {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One prompt in every form the media path needs.
#[derive(Debug)]
pub struct Prompt {
    pub pcm: Vec<i16>,
    pub ulaw: Vec<u8>,
    pub alaw: Vec<u8>,
}

impl Prompt {
    pub fn from_pcm(pcm: Vec<i16>) -> Prompt {
        Prompt {
            ulaw: pcm.iter().map(|&s| Law::Ulaw.encode(s)).collect(),
            alaw: pcm.iter().map(|&s| Law::Alaw.encode(s)).collect(),
            pcm,
        }
    }

    pub fn encoded(&self, law: Law) -> &[u8] {
        match law {
            Law::Ulaw => &self.ulaw,
            Law::Alaw => &self.alaw,
        }
    }

    pub fn duration_ms(&self) -> u64 {
        self.pcm.len() as u64 / 8
    }
}

type Map = HashMap<(String, String), Arc<Prompt>>;

/// Every prompt of every language, keyed by (language, name).
#[derive(Debug, Default, Clone)]
pub struct Prompts {
    map: Map,
    /// Announcements rendered from the configuration (`speech::render`); they take the place of
    /// the shipped WAV of the same name and are replaced whole on SIGHUP, while calls play on.
    rendered: Arc<RwLock<Map>>,
    /// Music on hold (`[media] music_on_hold`), the same in every language.
    music: Option<Arc<Prompt>>,
}

impl Prompts {
    /// Loads `dir/<lang>/<name>.wav` for every language directory found.
    pub fn load(dir: &Path) -> Result<Prompts, PromptError> {
        if !dir.is_dir() {
            return Err(PromptError::NoDir(dir.to_path_buf()));
        }
        let list = |path: &Path| {
            std::fs::read_dir(path).map_err(|source| PromptError::List {
                path: path.to_path_buf(),
                source,
            })
        };
        let mut map = HashMap::new();
        for lang in list(dir)?.flatten() {
            if !lang.path().is_dir() {
                continue;
            }
            let lang_name = lang.file_name().to_string_lossy().to_string();
            for file in list(&lang.path())?.flatten() {
                let path = file.path();
                if path.extension().and_then(|e| e.to_str()) != Some("wav") {
                    continue;
                }
                let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                let prompt = read_wav(&path)?;
                map.insert((lang_name.clone(), name.to_string()), Arc::new(prompt));
            }
        }
        Ok(Prompts {
            map,
            rendered: Arc::default(),
            music: None,
        })
    }

    /// Loads the music on hold (8 kHz mono 16-bit WAV, like every prompt).
    pub fn load_music(&mut self, path: &Path) -> Result<(), PromptError> {
        if !path.is_file() {
            return Err(PromptError::NoDir(path.to_path_buf()));
        }
        self.music = Some(Arc::new(read_wav(path)?));
        Ok(())
    }

    /// The music on hold; `None` plays silence.
    pub fn music(&self) -> Option<Arc<Prompt>> {
        self.music.clone()
    }

    pub fn get(&self, lang: &str, name: &str) -> Option<Arc<Prompt>> {
        let key = (lang.to_string(), name.to_string());
        // A poisoned lock only means a writer panicked mid-swap of a whole map: still usable.
        let rendered = self.rendered.read().unwrap_or_else(|e| e.into_inner());
        rendered
            .get(&key)
            .cloned()
            .or_else(|| self.map.get(&key).cloned())
    }

    /// Puts rendered announcements in place of the shipped ones (all at once; the previous
    /// rendered set goes). Every clone of these prompts sees the change.
    pub fn set_rendered(&self, prompts: impl IntoIterator<Item = (String, String, Vec<i16>)>) {
        let map: Map = prompts
            .into_iter()
            .map(|(lang, name, pcm)| ((lang, name), Arc::new(Prompt::from_pcm(pcm))))
            .collect();
        *self.rendered.write().unwrap_or_else(|e| e.into_inner()) = map;
    }

    /// Whether (lang, name) plays a rendered announcement rather than the shipped WAV.
    pub fn is_rendered(&self, lang: &str, name: &str) -> bool {
        self.rendered
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&(lang.to_string(), name.to_string()))
    }

    pub fn languages(&self) -> Vec<String> {
        let mut v: Vec<String> = self.map.keys().map(|(l, _)| l.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    pub fn names(&self, lang: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .map
            .keys()
            .filter(|(l, _)| l == lang)
            .map(|(_, n)| n.clone())
            .collect();
        v.sort();
        v
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn read_wav(path: &Path) -> Result<Prompt, PromptError> {
    let read_err = |source| PromptError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = hound::WavReader::open(path).map_err(read_err)?;
    let spec = reader.spec();
    if spec.sample_rate != 8000
        || spec.channels != 1
        || spec.bits_per_sample != 16
        || spec.sample_format != hound::SampleFormat::Int
    {
        return Err(PromptError::Format {
            path: path.to_path_buf(),
            rate: spec.sample_rate,
            channels: spec.channels,
            bits: spec.bits_per_sample,
        });
    }
    let pcm = reader
        .samples::<i16>()
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_err)?;
    Ok(Prompt::from_pcm(pcm))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prompts shipped in the repository: every name in every language, each real audio.
    #[test]
    fn every_prompt_exists_in_every_language_and_decodes() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
        let prompts = Prompts::load(&dir).unwrap();
        assert_eq!(prompts.languages(), ["en", "lt", "ru", "uk"]);
        let names = prompts.names("en");
        for required in [
            "greeting",
            "recording_notice",
            "language_menu",
            "main_menu",
            "invalid_choice",
            "goodbye",
            "dnc_confirmation",
            "callback_confirmation",
            "queue_position",
            "estimated_wait",
            "complaint_instructions",
            "survey_question",
            "after_hours",
            "number_0",
            "number_10",
        ] {
            assert!(names.iter().any(|n| n == required), "en lacks {required}");
        }
        for lang in ["ru", "uk", "lt"] {
            assert_eq!(prompts.names(lang), names, "{lang} differs from en");
        }
        for lang in prompts.languages() {
            for name in prompts.names(&lang) {
                let p = prompts.get(&lang, &name).unwrap();
                assert!(p.duration_ms() >= 300, "{lang}/{name} is too short");
                let peak = p.pcm.iter().map(|s| i32::from(*s).abs()).max().unwrap_or(0);
                assert!(peak > 3000, "{lang}/{name} is silent (peak {peak})");
            }
        }
    }

    #[test]
    fn a_wrong_format_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("en")).unwrap();
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let path = dir.path().join("en/greeting.wav");
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        w.write_sample(0i16).unwrap();
        w.finalize().unwrap();
        let e = Prompts::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("greeting.wav") && e.contains("16000"), "{e}");
    }
}
