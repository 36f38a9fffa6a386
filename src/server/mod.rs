//! `frontdesk serve`: opens the store, binds every listener, and runs each component as a task under
//! one cancellation tree. SIGINT/SIGTERM cancel the root; each component drains and returns, and
//! `serve` waits for all of them (bounded by a deadline) before closing the store.

mod recover;

use crate::config::Config;
use crate::events::EventBus;
use crate::http::{self, HttpState};
use crate::media::ports::PortPool;
use crate::media::prompts::{PromptError, Prompts};
use crate::recording::{Recorder, RecordingError, WriterThread};
use crate::sip::call::CallContext;
use crate::sip::endpoint::{self, SipError};
use crate::store::{Store, StoreError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long components get to finish after shutdown is asked.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen for HTTP on {addr}: {source}")]
    HttpBind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Sip(#[from] SipError),
    #[error(transparent)]
    Prompts(#[from] PromptError),
    #[error("cannot start the media workers: {0}")]
    Media(#[source] std::io::Error),
    #[error("cannot start the recording writer: {0}")]
    Recorder(#[from] RecordingError),
    #[error("recording storage: {0}")]
    Storage(#[from] crate::storage::StorageError),
    #[error("{component} failed: {message}")]
    Component {
        component: &'static str,
        message: String,
    },
}

/// The addresses actually bound (ports may have been 0).
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub http: SocketAddr,
    pub sip: SocketAddr,
    /// SIP over TCP and TLS, when on.
    pub sip_tcp: Option<SocketAddr>,
    pub sip_tls: Option<SocketAddr>,
}

/// Everything started and running; `wait` drives it to the end.
pub struct Running {
    pub bound: Bound,
    tasks: JoinSet<(&'static str, Result<(), String>)>,
    store: Store,
    writer: Option<WriterThread>,
    shutdown: CancellationToken,
}

/// Prepares the node: data directories, store, migrations, listeners. Nothing answers before this
/// has fully succeeded, so a bad setting never leaves a half-started node.
pub async fn start(config: Config, shutdown: CancellationToken) -> Result<Running, ServeError> {
    start_with_reload(config, shutdown, None).await
}

/// Reads the configuration again (the same file, environment and flags), for SIGHUP.
pub type Reload = Box<dyn Fn() -> Result<Config, crate::config::ConfigError> + Send + Sync>;

/// As [`start`]; on SIGHUP the configuration is read again through `reload` (the one given at
/// start when `None`) and the announcements that depend on it are rendered afresh.
pub async fn start_with_reload(
    config: Config,
    shutdown: CancellationToken,
    reload: Option<Reload>,
) -> Result<Running, ServeError> {
    for dir in [config.data_dir.clone(), config.recordings_dir()] {
        std::fs::create_dir_all(&dir).map_err(|source| ServeError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let store = Store::connect(&config.database_url()).await?;
    store.migrate().await?;
    store.set_subscribers(crate::notify::event::Subscribers::from_config(
        &config.notify,
        config.storage.kind == crate::config::StorageKind::S3,
    ));
    tracing::info!(backend = ?store.backend(), "store ready");
    let node = config.node_name();
    // Alive before anything answers: a node back after being taken for lost must not have the
    // calls it takes now closed by the others (the distributor's sweep says it from then on).
    store.node_seen(&node, chrono::Utc::now()).await?;
    let closed = recover::close_open_calls(&store, &node).await?;
    if closed > 0 {
        tracing::warn!(closed, "closed calls left open by a crash");
    }
    // Callers the previous run had waiting in the line were lost with it: called back, in place.
    let planner = crate::callbacks::Planner::from_config(&config);
    let now = chrono::Utc::now();
    // No console is connected yet: nobody to show them to.
    match crate::nodes::callers_to_callbacks(&store, &planner, None, &node, None, now).await {
        0 => {}
        n => tracing::warn!(
            callers = n,
            "callers waiting in the previous run: called back"
        ),
    }
    // Calls other nodes closed as lost while this one was gone: their recordings repaired too.
    recover::repair_lost_recordings(&store, &node).await?;
    // Calls this node had in progress died with it: their agents are free again.
    match store.reset_agent_lines(&node, chrono::Utc::now()).await? {
        0 => {}
        n => tracing::warn!(agents = n, "freed agents held by calls of the previous run"),
    }
    // Callbacks it was dialling go back to the pool at once rather than after their lease.
    match store
        .release_node_callbacks(&node, chrono::Utc::now())
        .await?
    {
        0 => {}
        n => tracing::warn!(
            callbacks = n,
            "callbacks the previous run was dialling are due again"
        ),
    }
    crate::media::engine::priority::configure(config.media.worker_nice());
    // The process's media workers start here rather than with the first call, so a priority
    // they cannot take is said at start.
    crate::media::engine::Engine::shared().map_err(ServeError::Media)?;
    let mut prompts = Prompts::load(&config.prompts_dir)?;
    let (music, named) = config.media.music_path(&config.prompts_dir);
    match prompts.load_music(&music) {
        Ok(()) => tracing::info!(path = %music.display(), "music on hold loaded"),
        Err(e) if !named => tracing::warn!(error = %e, "no music on hold: silence instead"),
        Err(e) => return Err(e.into()),
    }
    let announcer = crate::speech::announcer::Announcer::new(&config, prompts.clone());
    announcer.refresh(&config).await;
    let prompts = Arc::new(prompts);
    tracing::info!(prompts = prompts.len(), languages = ?prompts.languages(), "prompts loaded");
    let (mut recorder, writer) = Recorder::start(8192)?;
    let metrics = Arc::new(crate::metrics::NodeMetrics::default());
    // Every sample of `/metrics` names the node.
    metrics.node.get_or_init(|| node.clone());
    // With object storage, every finished recording is moved there (see `storage::upload`).
    let object_storage = crate::storage::from_config(&config.storage)?;
    let uploader = object_storage.clone().map(|storage| {
        let (uploader, notices) = crate::storage::upload::Uploader::new(
            store.clone(),
            storage.clone(),
            crate::storage::upload::Settings {
                node: node.clone(),
                recordings_dir: config.recordings_dir(),
                prefix: config.storage.prefix.clone(),
                retry_min: Duration::from_secs(config.storage.retry_min_seconds),
                retry_max: Duration::from_secs(config.storage.retry_max_seconds),
            },
            metrics.clone(),
        );
        recorder.on_finished(Arc::new(move |done| notices.finished(done)));
        tracing::info!(storage = storage.label(), "recordings go to object storage");
        uploader
    });
    let edge = crate::sip::edge::Edge::start(
        crate::sip::gate::GateConfig {
            trunk: crate::sip::call::allowed_sources(&config.pbx),
            trunk_per_second: config.sip.trunk_requests_per_second,
            other_per_second: config.sip.requests_per_second_per_source,
            max_sources: config.sip.tracked_sources,
            new_calls_per_second: config.calls.max_new_per_second,
        },
        crate::sip::gate::ConnectionConfig {
            total: config.sip.max_connections,
            per_source: config.sip.max_connections_per_source,
            unlimited: crate::sip::call::allowed_sources(&config.pbx),
        },
        config.calls.max_concurrent,
        metrics.clone(),
        store.clone(),
        crate::sip::call::identity_policy(&config),
        node.clone(),
        shutdown.child_token(),
    );
    let listen = endpoint::Listen::from_config(config.sip_listen, &config.sip)?;
    let sip = endpoint::bind(listen, shutdown.child_token(), edge).await?;
    let sip_addr = sip.local;
    let (sip_tcp, sip_tls) = (sip.tcp, sip.tls);

    let listener = TcpListener::bind(config.http_listen)
        .await
        .map_err(|source| ServeError::HttpBind {
            addr: config.http_listen,
            source,
        })?;
    let http_addr = listener
        .local_addr()
        .map_err(|source| ServeError::HttpBind {
            addr: config.http_listen,
            source,
        })?;

    let mut tasks = JoinSet::new();
    // One bus per node: the HTTP handlers publish to it and the console's live stream reads it.
    let events = EventBus::new();
    let call_events = events.clone();
    let mut http_state = HttpState::new(
        store.clone(),
        metrics.clone(),
        &config,
        events.clone(),
        http_addr,
    )
    .with_object_storage(object_storage);
    let live = http_state.live.clone();
    http_state.stale_announcements = announcer.stale();
    let app = http::router(http_state);
    spawn_reload_on_hangup(
        &mut tasks,
        announcer.clone(),
        config.clone(),
        reload,
        shutdown.child_token(),
    );
    let token = shutdown.child_token();
    let limits = http::serve::limits(&config.http);
    tasks.spawn(async move {
        // Live streams never end by themselves; end them so the drain can finish.
        http::serve::serve(listener, app, limits, token, move || events.close()).await;
        ("http", Ok(()))
    });
    tracing::info!(%http_addr, "http listening");

    // Several nodes on PostgreSQL: every node's consoles see every node's events.
    if store.backend() == crate::store::Backend::Postgres {
        let relay = crate::live::Relay::new(
            store.clone(),
            call_events.clone(),
            node.clone(),
            config.database_url(),
        );
        let token = shutdown.child_token();
        tasks.spawn(async move {
            relay.run(token).await;
            ("live", Ok(()))
        });
    }

    // Every node watches for lost ones and closes what they left open.
    let (watch_store, watch_node) = (store.clone(), node.clone());
    let watch_planner = crate::callbacks::Planner::from_config(&config);
    let token = shutdown.child_token();
    let watch_events = call_events.clone();
    tasks.spawn(async move {
        crate::nodes::watch(watch_store, watch_planner, watch_node, watch_events, token).await;
        ("nodes", Ok(()))
    });

    // Webhook deliveries from the outbox (a restart resumes where the last run stopped).
    let (notify_store, notify_cfg) = (store.clone(), config.notify.clone());
    let token = shutdown.child_token();
    tasks.spawn(async move {
        crate::notify::deliver::run(notify_store, notify_cfg, token).await;
        ("webhooks", Ok(()))
    });

    // Retention: every node checks, one runs it a day (see `retention::daily`).
    let (retention_store, retention_cfg, retention_node) =
        (store.clone(), config.retention.clone(), node.clone());
    let token = shutdown.child_token();
    tasks.spawn(async move {
        crate::retention::daily(retention_store, retention_cfg, retention_node, token).await;
        ("retention", Ok(()))
    });

    if let Some(uploader) = uploader {
        let token = shutdown.child_token();
        tasks.spawn(async move {
            uploader.run(token).await;
            ("uploads", Ok(()))
        });
    }

    let ports = PortPool::new(config.sip_listen.ip(), config.rtp_ports);
    let flow = config.flow.clone();
    let mut ctx = CallContext::new(
        Arc::new(config),
        store.clone(),
        prompts,
        recorder,
        ports,
        flow,
        node,
        sip_addr.ip(),
        metrics,
        call_events,
    );
    ctx.live = live;
    ctx.announcer = Some(announcer.clone());
    let ctx = Arc::new(ctx);
    let router = ctx.router.clone();
    let token = shutdown.child_token();
    tasks.spawn(async move {
        router.run(token).await;
        ("routing", Ok(()))
    });
    tasks.spawn(async move { ("sip", sip.run(ctx).await) });
    Ok(Running {
        bound: Bound {
            http: http_addr,
            sip: sip_addr,
            sip_tcp,
            sip_tls,
        },
        tasks,
        store,
        writer: Some(writer),
        shutdown,
    })
}

impl Running {
    /// Runs until shutdown is asked or a component fails; then drains every component.
    pub async fn wait(mut self) -> Result<(), ServeError> {
        let mut failure = None;
        tokio::select! {
            _ = self.shutdown.cancelled() => {}
            Some(joined) = self.tasks.join_next() => {
                failure = Some(component_failure(joined));
                self.shutdown.cancel();
            }
        }
        let drained = tokio::time::timeout(DRAIN_DEADLINE, async {
            while let Some(joined) = self.tasks.join_next().await {
                if let Err(e) = component_failure(joined) {
                    tracing::error!(error = %e, "component failed while draining");
                }
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!("components did not drain within {DRAIN_DEADLINE:?}; aborting them");
            self.tasks.shutdown().await;
        }
        // Every call has dropped its recorder handle by now; the writer finalises and exits. A call
        // still stuck (on a store that stopped answering) must not keep the process alive: past
        // the deadline we exit, and the next start repairs the files and closes the rows.
        if let Some(writer) = self.writer.take() {
            let joined = tokio::time::timeout(
                DRAIN_DEADLINE,
                tokio::task::spawn_blocking(move || writer.join()),
            )
            .await;
            if joined.is_err() {
                tracing::warn!("recordings still open at exit; they are repaired at next start");
            }
        }
        if tokio::time::timeout(DRAIN_DEADLINE, self.store.close())
            .await
            .is_err()
        {
            tracing::warn!("store connections still busy at exit");
        }
        tracing::info!("stopped");
        failure.unwrap_or(Ok(()))
    }
}

fn component_failure(
    joined: Result<(&'static str, Result<(), String>), tokio::task::JoinError>,
) -> Result<(), ServeError> {
    match joined {
        Ok((_, Ok(()))) => Ok(()),
        Ok((component, Err(message))) => Err(ServeError::Component { component, message }),
        Err(e) => Err(ServeError::Component {
            component: "task",
            message: e.to_string(),
        }),
    }
}

/// Cancels `token` on SIGINT or SIGTERM.
pub fn cancel_on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = ctrl_c => tracing::info!("SIGINT: shutting down"),
                        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot watch SIGTERM; only SIGINT stops the service");
                    let _ = ctrl_c.await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        token.cancel();
    });
}

/// SIGHUP: the configuration read again and the announcements rendered from it; a bad
/// configuration is logged and the running one kept.
fn spawn_reload_on_hangup(
    tasks: &mut JoinSet<(&'static str, Result<(), String>)>,
    announcer: crate::speech::announcer::Announcer,
    config: Config,
    reload: Option<Reload>,
    token: CancellationToken,
) {
    #[cfg(unix)]
    tasks.spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGHUP; announcements render at start only");
                // A component that ends stops the node: wait for the shutdown instead.
                token.cancelled().await;
                return ("reload", Ok(()));
            }
        };
        let mut current = config;
        loop {
            let midnight = until_next_day(current.company.time_zone);
            tokio::select! {
                _ = token.cancelled() => return ("reload", Ok(())),
                got = hangup.recv() => if got.is_none() {
                    token.cancelled().await;
                    return ("reload", Ok(()));
                },
                // A new day may be a holiday (or no longer one): after-hours says so.
                _ = tokio::time::sleep(midnight) => {
                    tracing::info!("a new day: rendering announcements again");
                    announcer.refresh(&current).await;
                    continue;
                }
            }
            if let Some(reload) = &reload {
                match reload() {
                    Ok(c) => current = c,
                    Err(e) => {
                        tracing::error!(error = %e, "SIGHUP: configuration rejected; keeping the running one");
                        continue;
                    }
                }
            }
            tracing::info!("SIGHUP: rendering announcements from the configuration");
            announcer.refresh(&current).await;
        }
    });
    #[cfg(not(unix))]
    let _ = (tasks, announcer, config, reload, token);
}

/// How long until one minute past the next midnight in `tz` (DST-safe: the earliest such instant).
fn until_next_day(tz: chrono_tz::Tz) -> std::time::Duration {
    use chrono::TimeZone;
    let now = chrono::Utc::now();
    let next = now
        .with_timezone(&tz)
        .date_naive()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 1, 0))
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&chrono::Utc));
    next.and_then(|t| (t - now).to_std().ok())
        .unwrap_or(std::time::Duration::from_secs(3600))
}
