//! The supervisor's wallboard (`/wallboard`): callers waiting and the longest wait, agents by state
//! with the time in it, the service level (answered within `[routing] service_level_seconds`) for
//! the last 15 minutes and today, abandonment, and callbacks due, at risk and breached. Everything
//! is read from the store, so with several nodes it shows the whole service. Live: the stream
//! sends the figures again when they change (read every 2 s, and soon after any event, once for
//! all the boards of a node: `feed`).

mod feed;

pub use feed::Feed;

use super::live::sse_response;
use super::page::{PageError, Viewer};
use super::workspace::start_of_day;
use crate::events::EventBus;
use crate::http::HttpState;
use crate::store::{Role, SlaState, queue_figures, to_ms};
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use axum::response::sse;
use chrono::Utc;
use futures_util::StreamExt;
use futures_util::stream;
use minijinja::context;
use serde_json::{Value, json};
use std::sync::Arc;

/// How far back the page looks for the viewer's own listening in (no call lasts longer).
const MONITOR_LOOKBACK_HOURS: i64 = 12;

/// The whole board as JSON (the page's script and scripts of others read the same).
pub async fn read_figures(state: &HttpState) -> Result<Value, crate::store::StoreError> {
    let now = Utc::now();
    let day = start_of_day(now, state.time_zone);
    let calls = state.store.queued_calls(day).await?;
    let sl = state.workspace.service_level_seconds;
    let queue = queue_figures(&calls, to_ms(now), to_ms(day), sl);
    let agents = state.store.list_agents().await?;
    let count = |s: &str| agents.iter().filter(|a| a.state == s).count();
    let rows: Vec<Value> = agents
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "name": a.name, "state": a.state, "since": a.state_since,
                "reason": a.away_reason, "call_id": a.call_id,
            })
        })
        .collect();
    let callbacks = state.store.list_callbacks(None).await?;
    let due = callbacks
        .iter()
        .filter(|c| c.next_attempt_at <= now)
        .count();
    let sla = |s: SlaState| callbacks.iter().filter(|c| c.sla_state(now) == s).count();
    Ok(json!({
        "service_level_seconds": sl,
        "queue": queue,
        "agents": rows,
        "counts": {
            "available": count("available"), "ringing": count("ringing"),
            "in_call": count("in_call"), "wrap_up": count("wrap_up"), "away": count("away"),
        },
        "callbacks": {
            "open": callbacks.len(), "due": due,
            "at_risk": sla(SlaState::AtRisk), "breached": sla(SlaState::Breached),
        },
    }))
}

pub async fn page(State(state): State<HttpState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let figures = read_figures(&state).await?;
    // The calls this supervisor is listening in on, and how (the buttons start from it).
    let since = Utc::now() - chrono::Duration::hours(MONITOR_LOOKBACK_HOURS);
    let modes = state.store.monitoring_modes(&viewer.0.name, since).await?;
    let ctx = context! {
        reasons => reason_codes(&state, &figures),
        f => minijinja::Value::from_serialize(&figures),
        monitor_modes => modes,
        now => Utc::now(),
    };
    Ok(viewer.page(&state, "wallboard", "wallboard.html", ctx))
}

/// Every away reason the live redraw may meet, for the page to give their words to the script
/// (the server's first render and the redraws then say the same): the configured and default
/// reasons, the two frontdesk sets by itself, and any an agent holds now.
fn reason_codes(state: &HttpState, figures: &Value) -> Vec<String> {
    let defaults = crate::config::Workspace::default();
    let held = figures["agents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["reason"].as_str().map(str::to_string));
    let all: std::collections::BTreeSet<String> = state
        .workspace
        .away_reasons
        .iter()
        .chain(&defaults.away_reasons)
        .cloned()
        .chain([
            state.workspace.missed_rings_reason.clone(),
            "phone-unreachable".to_string(),
        ])
        .chain(held)
        .collect();
    all.into_iter().collect()
}

pub async fn figures(
    State(state): State<HttpState>,
    viewer: Viewer,
) -> Result<Json<Value>, PageError> {
    viewer.require(Role::Supervisor)?;
    Ok(Json(read_figures(&state).await?))
}

pub async fn events(State(state): State<HttpState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let hello = sse::Event::default().event("ready").data("{}");
    // The board starts from the figures as they are now; the feed may have read nothing while
    // no board was open.
    let first = read_figures(&state).await?;
    let figures = state.wallboard.subscribe(&state);
    let ev = sse::Event::default()
        .event("figures")
        .data(first.to_string());
    let board = Board {
        bus: state.events.clone(),
        figures,
        last: Some(Arc::new(first)),
    };
    let rest = stream::unfold(board, |mut board| async move {
        let figures = board.next().await?;
        let ev = sse::Event::default()
            .event("figures")
            .data(figures.to_string());
        Some((Ok(ev), board))
    });
    Ok(sse_response(stream::iter([Ok(hello), Ok(ev)]).chain(rest)))
}

/// One supervisor's live board: what the node's feed reads, each value once.
struct Board {
    bus: EventBus,
    figures: tokio::sync::watch::Receiver<feed::Figures>,
    last: Option<Arc<Value>>,
}

impl Board {
    /// The next figures that differ from the last sent; `None` when the service stops.
    async fn next(&mut self) -> Option<Arc<Value>> {
        loop {
            tokio::select! {
                _ = self.bus.closed() => return None,
                r = self.figures.changed() => r.ok()?,
            }
            let now = self.figures.borrow_and_update().clone();
            if let Some(now) = now
                && self.last.as_ref() != Some(&now)
            {
                self.last = Some(now.clone());
                return Some(now);
            }
        }
    }
}
