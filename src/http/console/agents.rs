//! The agents board: who is available, ringing, talking, in wrap-up or away, and on which call;
//! with the callers waiting on this node. Supervisors only.

use super::page::{PageError, Viewer};
use crate::http::HttpState;
use crate::store::Role;
use axum::extract::State;
use axum::response::Response;
use minijinja::{Value, context};
use std::sync::atomic::Ordering;

pub async fn agents(State(state): State<HttpState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let agents = state.store.list_agents().await?;
    let count = |s: &str| agents.iter().filter(|a| a.state == s).count();
    let rows: Vec<Value> = agents
        .iter()
        .map(|a| {
            context! {
                id => &a.id,
                name => &a.name,
                uri => &a.uri,
                languages => a.languages.join(", "),
                state => &a.state,
                call_id => &a.call_id,
            }
        })
        .collect();
    let ctx = context! {
        agents => rows,
        available => count("available"),
        ringing => count("ringing"),
        in_call => count("in_call"),
        wrap_up => count("wrap_up"),
        away => count("away"),
        queued => state.metrics.queued.load(Ordering::Relaxed),
    };
    Ok(viewer.page(&state, "agents", "agents.html", ctx))
}
