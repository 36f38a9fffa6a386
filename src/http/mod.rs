//! The HTTP surface: health, and the JSON API under `/api/v1` with bearer tokens and roles
//! (admin > supervisor > agent). The console and metrics mount on the same router.

mod auth;
mod calls;
mod cards;
mod error;
mod roster;

pub use auth::{AuthCache, Caller};
pub use error::ApiError;

use crate::callbacks::Planner;
use crate::config::Config;
use crate::metrics::{self, NodeMetrics};
use crate::phone::Region;
use crate::store::{AuditEntry, Role, Store};
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
    pub auth: Arc<AuthCache>,
    pub metrics: Arc<NodeMetrics>,
    /// Reads national numbers in paths and bodies.
    pub region: Region,
    pub planner: Arc<Planner>,
}

impl HttpState {
    pub fn new(store: Store, metrics: Arc<NodeMetrics>, config: &Config) -> HttpState {
        HttpState {
            store,
            auth: Arc::new(AuthCache::default()),
            metrics,
            region: config.company.default_region,
            planner: Arc::new(Planner::from_config(config)),
        }
    }
}

/// Requests carry at most this much body (the API takes small JSON documents only).
const MAX_BODY: usize = 64 * 1024;

pub fn router(state: HttpState) -> Router {
    let api = Router::new()
        .route("/calls", get(calls::list))
        .route("/calls/{id}", get(calls::detail))
        .route("/calls/{id}/recording", get(calls::recording))
        .route("/audit", get(audit))
        .route("/clients/{phone}", get(cards::card).put(cards::put_card))
        .route("/dnc", get(cards::list_dnc).post(cards::add_dnc))
        .route("/dnc/{phone}", axum::routing::delete(cards::remove_dnc))
        .route("/vip", get(cards::list_vip).post(cards::add_vip))
        .route("/vip/{phone}", axum::routing::delete(cards::remove_vip))
        .route("/agents", get(roster::list_agents))
        .route(
            "/agents/{id}/presence",
            axum::routing::put(roster::set_presence),
        )
        .route(
            "/callbacks",
            get(roster::list_callbacks).post(roster::request_callback),
        )
        .fallback(|| async { ApiError::not_found("no such API endpoint") });
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(prometheus))
        .nest("/api/v1", api)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
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

/// The access-audit log, newest first; admins only.
async fn audit(
    State(state): State<HttpState>,
    caller: Caller,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(state.store.list_audit(500).await?))
}

/// 200 when the store answers, 503 otherwise, so a dispatcher can take the node out.
async fn healthz(State(state): State<HttpState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "error": "store unreachable" })),
            )
        }
    }
}
