//! The node's rendered announcements kept true: rendered at start and again on SIGHUP (when the
//! configuration may have changed), put in place of the shipped WAVs, and the stale ones
//! reported at start and on `/healthz`.

use super::cache::Cache;
use super::espeak::Espeak;
use super::render::{self, load_texts};
use super::{Speech, SpeechError};
use crate::announce::templates::{Facts, is_holiday};
use crate::config::{Config, SpeechEngine};
use crate::flow::Lang;
use crate::media::prompts::Prompt;
use crate::media::prompts::Prompts;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Promise renders at once, whatever the number of cores: each is one engine process.
const RENDERS_AT_ONCE: usize = 8;

/// `lang/name` of every announcement played from a WAV that no longer says what the
/// configuration does; shared with `/healthz`.
pub type Stale = Arc<RwLock<Vec<String>>>;

#[derive(Clone)]
pub struct Announcer {
    engine: Option<Arc<dyn Speech>>,
    cache: Cache,
    prompts: Prompts,
    stale: Stale,
    /// Each language's voice, from its prompts.toml (read again on SIGHUP).
    voices: Arc<RwLock<HashMap<Lang, String>>>,
    /// Engine processes running at once for promises: a burst of callbacks queues here rather
    /// than starting a process each (the CPU is the limit either way).
    renders: Arc<tokio::sync::Semaphore>,
}

impl Announcer {
    /// Finds the engine `[speech]` names; without one the node still starts.
    pub fn new(config: &Config, prompts: Prompts) -> Announcer {
        let engine: Option<Arc<dyn Speech>> = match config.speech.engine {
            SpeechEngine::None => None,
            SpeechEngine::EspeakNg => match Espeak::detect(&config.speech.program) {
                Ok(e) => {
                    tracing::info!(engine = e.version(), "speech engine found");
                    Some(Arc::new(e))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "no speech engine: announcements stay as shipped");
                    None
                }
            },
        };
        Announcer {
            engine,
            cache: Cache::new(config.speech_cache_dir()),
            prompts,
            stale: Stale::default(),
            voices: Arc::default(),
            renders: Arc::new(tokio::sync::Semaphore::new(RENDERS_AT_ONCE)),
        }
    }

    pub fn stale(&self) -> Stale {
        self.stale.clone()
    }

    pub fn engine(&self) -> Option<Arc<dyn Speech>> {
        self.engine.clone()
    }

    /// Renders every announcement for `config` (cached ones are read, not rendered) and puts
    /// them in place; a failure keeps what was playing before.
    pub async fn refresh(&self, config: &Config) {
        let texts = match load_texts(&config.prompts_dir) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %e, "announcement templates unreadable; nothing re-rendered");
                return;
            }
        };
        let today = chrono::Utc::now()
            .with_timezone(&config.company.time_zone)
            .date_naive();
        *self.voices.write().unwrap_or_else(|e| e.into_inner()) =
            texts.iter().map(|t| (t.lang, t.voice.clone())).collect();
        let (company, hours) = (config.company.name.clone(), config.company.hours.clone());
        let holiday_today = is_holiday(&config.company.holidays, today);
        let (engine, cache) = (self.engine.clone(), self.cache.clone());
        let started = std::time::Instant::now();
        let job = tokio::task::spawn_blocking(move || {
            let facts = Facts {
                company: &company,
                hours: &hours,
                holiday_today,
            };
            render::render(engine.as_deref(), &cache, &texts, &facts)
        });
        let out = match job.await {
            Ok(out) => out,
            Err(e) => {
                tracing::error!(error = %e, "rendering announcements failed");
                return;
            }
        };
        tracing::info!(
            rendered = out.rendered,
            cached = out.cached,
            ms = started.elapsed().as_millis() as u64,
            "announcements rendered from the configuration"
        );
        if !out.stale.is_empty() {
            tracing::warn!(
                stale = ?out.stale,
                "STALE ANNOUNCEMENTS: these play the shipped WAV, which no longer says what the configuration does; install espeak-ng (or set [speech]) and send SIGHUP"
            );
        }
        self.prompts.set_rendered(
            out.prompts
                .into_iter()
                .map(|(lang, name, _, pcm)| (lang.as_str().to_string(), name.to_string(), pcm)),
        );
        *self.stale.write().unwrap_or_else(|e| e.into_inner()) = out.stale;
    }

    /// Starts rendering one call's promise on a blocking thread, so the call goes on (the
    /// confirmation plays) meanwhile. Not cached on disk: each sentence names a date and is
    /// rarely said twice, and the cache is never pruned. `None` without an engine or voice.
    pub fn promise(
        &self,
        lang: Lang,
        text: &str,
    ) -> Option<tokio::task::JoinHandle<Result<Arc<Prompt>, SpeechError>>> {
        let engine = self.engine.clone()?;
        let voice = self
            .voices
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&lang)
            .cloned()?;
        let text = text.to_string();
        let renders = self.renders.clone();
        Some(tokio::spawn(async move {
            let _permit = renders.acquire_owned().await;
            tokio::task::spawn_blocking(move || {
                engine
                    .render(&voice, &text)
                    .map(|pcm| Arc::new(Prompt::from_pcm(pcm)))
            })
            .await
            .map_err(|e| SpeechError::Failed {
                status: "render task failed".into(),
                stderr: e.to_string(),
            })?
        }))
    }
}
