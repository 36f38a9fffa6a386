//! The HTTP surface: health, and the JSON API under `/api/v1` with bearer tokens and roles
//! (admin > supervisor > agent), metrics, and the supervisor console (server-rendered pages at `/`).

mod auth;
mod calls;
mod cards;
mod complaints;
mod console;
mod erasure;
mod error;
mod extract;
mod front;
mod limits;
mod monitor;
mod range;
mod recordings;
mod roster;
pub mod serve;
mod sessions;
mod transfer;
mod verify;

pub use auth::Caller;
pub use error::ApiError;
pub use verify::Verifier;

use crate::callbacks::Planner;
use crate::config::Config;
use crate::events::EventBus;
use crate::metrics::{self, NodeMetrics};
use crate::phone::Region;
use crate::store::Store;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use serde_json::json;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct HttpState {
    pub store: Store,
    pub auth: Arc<Verifier>,
    pub metrics: Arc<NodeMetrics>,
    /// Reads national numbers in paths and bodies.
    pub region: Region,
    pub planner: Arc<Planner>,
    /// Live notifications for the console's event stream.
    pub events: EventBus,
    /// The console shows instants in the company's zone.
    pub time_zone: chrono_tz::Tz,
    pub company: Arc<str>,
    /// Host names answered to and proxies believed (checked before any handler).
    pub front: Arc<front::Front>,
    /// Recording requests per user (each one is an audit row).
    pub recording_limits: Arc<limits::PerUser>,
    /// How long console sessions live.
    pub sessions: crate::auth::session::Lifetime,
    /// The calls in progress on this node (pausing a recording).
    pub live: crate::sip::call::control::LiveCalls,
    /// Where recordings moved off their node are read from (`[storage]`); `None`: local only.
    pub object_storage: Option<Arc<crate::storage::ObjectStorage>>,
    /// What the agent's workspace offers and the wallboard measures.
    pub workspace: Arc<console::WorkspaceSettings>,
    /// Announcements playing a WAV that no longer says what the configuration does.
    pub stale_announcements: crate::speech::announcer::Stale,
    /// The wallboard's figures, read once for all the boards open on this node.
    pub wallboard: console::WallboardFeed,
}

impl HttpState {
    pub fn new(
        store: Store,
        metrics: Arc<NodeMetrics>,
        config: &Config,
        events: EventBus,
        bound: std::net::SocketAddr,
    ) -> HttpState {
        HttpState {
            store,
            auth: Arc::new(Verifier::new(&config.http)),
            metrics,
            region: config.company.default_region,
            planner: Arc::new(Planner::from_config(config)),
            events,
            time_zone: config.company.time_zone,
            company: Arc::from(config.company.name.as_str()),
            front: Arc::new(front::Front::new(&config.http, bound)),
            recording_limits: Arc::new(limits::PerUser::new(
                limits::Rate {
                    burst: config.http.recording_burst,
                    per_minute: config.http.recording_requests_per_minute,
                },
                RECORDING_LIMIT_KEYS,
            )),
            sessions: config.http.session_lifetime(),
            live: Default::default(),
            object_storage: None,
            workspace: Arc::new(console::WorkspaceSettings::from_config(config)),
            stale_announcements: Default::default(),
            wallboard: Default::default(),
        }
    }

    /// Serves recordings that were moved to object storage from there.
    pub fn with_object_storage(
        mut self,
        storage: Option<Arc<crate::storage::ObjectStorage>>,
    ) -> HttpState {
        self.object_storage = storage;
        self
    }
}

/// Users tracked by the recording limit at most (far above any real roster).
const RECORDING_LIMIT_KEYS: usize = 65_536;

/// Requests carry at most this much body (the API takes small JSON documents only).
const MAX_BODY: usize = 64 * 1024;

/// The OpenAPI document is assembled from the handlers' own annotations as they are routed, so it
/// cannot drift from what is served.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "frontdesk", description = "Call handling: calls, recordings, client cards, lists, agents, callbacks."),
    // The `data` of webhook events (docs/webhooks.md); callback.planned and complaint.* carry
    // CallbackRow and Complaint.
    components(schemas(crate::notify::event::CallbackResult, crate::notify::event::RecordingReady, crate::notify::event::DncAdded)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router(state: HttpState) -> Router {
    use utoipa::OpenApi;
    use utoipa_axum::{router::OpenApiRouter, routes};
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(calls::list))
        .routes(routes!(calls::detail))
        .routes(routes!(calls::pause_recording))
        .routes(routes!(calls::resume_recording))
        .routes(routes!(calls::live))
        .routes(routes!(monitor::start, monitor::stop))
        .routes(routes!(transfer::start))
        .routes(routes!(transfer::complete))
        .routes(routes!(transfer::cancel))
        .routes(routes!(recordings::recording))
        .routes(routes!(recordings::audit))
        .routes(routes!(cards::card, cards::put_card))
        .routes(routes!(cards::list_dnc, cards::add_dnc))
        .routes(routes!(cards::remove_dnc))
        .routes(routes!(cards::list_vip, cards::add_vip))
        .routes(routes!(cards::remove_vip))
        .routes(routes!(erasure::erase))
        .routes(routes!(roster::list_agents))
        .routes(routes!(roster::set_presence))
        .routes(routes!(roster::list_callbacks, roster::request_callback))
        .routes(routes!(roster::cancel_callback))
        .routes(routes!(roster::list_webhooks))
        .routes(routes!(complaints::list))
        .routes(routes!(complaints::assign))
        .routes(routes!(complaints::resolve))
        .routes(routes!(complaints::add_note))
        .split_for_parts();
    let doc = Arc::new(doc);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(prometheus))
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(doc.as_ref().clone()) }),
        )
        .merge(api)
        .route(
            "/api/v1/{*rest}",
            axum::routing::any(|| async { ApiError::not_found("no such API endpoint") }),
        )
        .merge(console::router())
        .fallback(console::not_found)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        // Outermost: a foreign Host is refused before anything else runs.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            front::guard,
        ))
        .with_state(state)
}

/// Prometheus text: node counters plus store-wide figures. Unauthenticated, like `/healthz`: keep
/// `http_listen` on a management network.
async fn prometheus(State(state): State<HttpState>) -> Result<impl IntoResponse, ApiError> {
    let figures = state.store.metric_figures(chrono::Utc::now()).await?;
    let body = metrics::render(&state.metrics, &figures);
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    ))
}

/// 200 when the store answers, 503 otherwise, so a dispatcher can take the node out.
async fn healthz(State(state): State<HttpState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => {
            let stale = state
                .stale_announcements
                .read()
                .map(|s| s.clone())
                .unwrap_or_default();
            (
                StatusCode::OK,
                Json(json!({ "status": "ok", "stale_announcements": stale })),
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "error": "store unreachable" })),
            )
        }
    }
}
