//! The rendered announcements of every language: templates filled from the configuration,
//! spoken through the cache, handed to the media layer; and, without an engine, the list of
//! announcements whose shipped WAV no longer says what the configuration does.

use super::Speech;
use super::cache::{Cache, Source};
use crate::announce::templates::{Facts, Templates};
use crate::flow::Lang;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// One language's voice, templates and the texts its shipped WAVs say.
#[derive(Debug, Clone)]
pub struct LangTexts {
    pub lang: Lang,
    pub voice: String,
    pub templates: Templates,
    /// The static `greeting`, `after_hours`, `callback_intro` texts, `{company}` as generated.
    pub shipped: Vec<(String, String)>,
}

/// The company name the shipped WAVs were generated with (prompts/generate.sh's default).
pub const SHIPPED_COMPANY: &str = "Example Ltd";

/// Reads `dir/<lang>/prompts.toml` for every language that has a `[templates]` table.
pub fn load_texts(dir: &Path) -> Result<Vec<LangTexts>, RenderError> {
    #[derive(Deserialize)]
    struct File {
        voice: String,
        templates: Option<Templates>,
        greeting: Option<String>,
        after_hours: Option<String>,
        callback_intro: Option<String>,
    }
    let mut out = Vec::new();
    for lang in Lang::ALL {
        let path = dir.join(lang.as_str()).join("prompts.toml");
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|source| RenderError::Read {
            path: path.clone(),
            source,
        })?;
        let file: File = toml::from_str(&text).map_err(|e| RenderError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let Some(templates) = file.templates else {
            continue;
        };
        let shipped = [
            ("greeting", file.greeting),
            ("after_hours", file.after_hours),
            ("callback_intro", file.callback_intro),
        ]
        .into_iter()
        .filter_map(|(n, t)| t.map(|t| (n.to_string(), t.replace("{company}", SHIPPED_COMPANY))))
        .collect();
        out.push(LangTexts {
            lang,
            voice: file.voice,
            templates,
            shipped,
        });
    }
    Ok(out)
}

/// What a render pass produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// (language, prompt name, text, 8 kHz PCM).
    pub prompts: Vec<(Lang, &'static str, String, Vec<i16>)>,
    /// `lang/name` of every announcement still played from a WAV that says something else.
    pub stale: Vec<String>,
    pub rendered: usize,
    pub cached: usize,
}

/// Fills and speaks every template; blocking (run it on a blocking thread).
pub fn render(
    engine: Option<&dyn Speech>,
    cache: &Cache,
    texts: &[LangTexts],
    facts: &Facts<'_>,
) -> Outcome {
    let mut out = Outcome::default();
    for lt in texts {
        for (name, text) in lt.templates.fill(lt.lang, facts) {
            let same_as_shipped = lt
                .shipped
                .iter()
                .any(|(n, t)| n == name && normalise(t) == normalise(&text));
            let spoken = match engine {
                Some(e) => match cache.get(e, &lt.voice, &text) {
                    Ok((pcm, source)) => {
                        match source {
                            Source::Cached => out.cached += 1,
                            Source::Rendered => out.rendered += 1,
                        }
                        Some(pcm)
                    }
                    Err(err) => {
                        tracing::warn!(lang = %lt.lang, name, error = %err, "cannot render an announcement");
                        None
                    }
                },
                None => None,
            };
            match spoken {
                Some(pcm) => out.prompts.push((lt.lang, name, text, pcm)),
                None if !same_as_shipped => out.stale.push(format!("{}/{name}", lt.lang)),
                None => {}
            }
        }
    }
    out
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
