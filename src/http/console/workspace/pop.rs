//! The screen pop: the agent's own live stream (`/workspace/events`: their screen pops and state
//! changes, nobody else's; no supervisor's listening in) and the pop's facts about the caller (`/workspace/pop/{call}`), read
//! only for a call that is the agent's, as the agent may see the card.

use super::super::live::{sse_response, to_sse};
use super::super::page::{PageError, Viewer};
use super::own_agent;
use crate::events::{Event, EventBus};
use crate::http::HttpState;
use crate::store::{Agent, Store};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::response::sse;
use chrono::Utc;
use futures_util::StreamExt;
use futures_util::stream::{self, Stream};
use serde_json::{Value, json};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

/// How often the stream reads the agent's state (routing changes it without an event: answered,
/// hung up, wrap-up over). One small read per watching agent, and one of the call's timeline
/// while they are in a call (whether its recording is paused).
const STATE_EVERY: Duration = Duration::from_secs(1);

/// `GET /workspace/pop/{call}`: who is calling, for the agent the call is ringing or talking to.
/// Any other call is "not found", whether it exists or not.
pub async fn pop(
    State(state): State<HttpState>,
    viewer: Viewer,
    Path(call): Path<String>,
) -> Result<Json<Value>, PageError> {
    let nothing = || PageError::not_found("no such call of yours");
    if uuid::Uuid::parse_str(&call).is_err() {
        return Err(nothing());
    }
    let mine = match viewer.0.agent_id.as_deref() {
        Some(agent) => state.store.agent_has_call(agent, &call).await?,
        None => false,
    };
    if !mine && !viewer.supervisor() {
        return Err(nothing());
    }
    let c = state.store.pop_call(&call).await?.ok_or_else(nothing)?;
    let now = Utc::now();
    let (client, dnc, vip, past, open) = match c.phone.as_deref() {
        Some(phone) => {
            let lookup = state.store.lookup(phone).await?;
            let past = state.store.past_calls(phone, &call).await?;
            let open = state.store.open_items(phone).await?;
            (
                lookup.client,
                lookup.dnc,
                lookup.vip_agent.is_some(),
                past,
                open,
            )
        }
        None => (None, false, false, Vec::new(), Vec::new()),
    };
    let me = viewer.0.agent_id.as_deref();
    let past: Vec<Value> = past
        .iter()
        .map(|p| {
            // Least privilege as on the card: another agent's call keeps its time only.
            let visible = viewer.supervisor() || p.agent_id.is_none() || p.agent_id.as_deref() == me;
            json!({
                "id": visible.then_some(&p.id),
                "started_at": p.started_at,
                "outcome": if visible { p.outcome.as_deref() } else { Some("handled by another agent") },
                "mine": p.agent_id.is_some() && p.agent_id.as_deref() == me,
            })
        })
        .collect();
    Ok(Json(json!({
        "call_id": c.id,
        "phone": c.phone,
        "name": client.as_ref().and_then(|c| c.name.clone()),
        "needs": client.as_ref().and_then(|c| c.needs.clone()),
        "priority": client.as_ref().map_or(0, |c| c.priority),
        "client_language": client.as_ref().and_then(|c| c.language.clone()),
        "language": c.language,
        "vip": vip,
        "dnc": dnc,
        "path": c.digits,
        "callback_id": c.callback_id,
        "started_at": c.started_at,
        "queued_at": c.queued_at,
        "wait_seconds": c.queued_at.map(|q| (now - q).num_seconds().max(0)),
        "past_calls": past,
        "open": open,
    })))
}

/// `GET /workspace/events`: this agent's screen pops and state, live.
pub async fn events(State(state): State<HttpState>, viewer: Viewer) -> Result<Response, PageError> {
    let agent = own_agent(&viewer)?.to_string();
    let rx = state.events.subscribe();
    Ok(sse_response(agent_stream(
        state.events.clone(),
        rx,
        state.store.clone(),
        agent,
    )))
}

struct Watch {
    bus: EventBus,
    rx: Receiver<Event>,
    store: Store,
    agent: String,
    last: Option<Value>,
    tick: tokio::time::Interval,
}

/// What the page shows of the agent's own state.
pub fn state_json(a: &Agent) -> Value {
    json!({
        "state": a.state,
        "since": a.state_since,
        "presence": a.presence,
        "reason": a.away_reason,
        "call_id": a.call_id,
        "wrap_up_until": a.wrap_up_until,
        "wrap_extended": a.wrap_extended,
        "phone_unreachable": a.phone_unreachable,
        "missed_rings": a.missed_rings,
    })
}

/// The agent's state, and in a call whether its recording is paused (`recording_paused`): the
/// agent's keys and a pause running out change it without the page asking.
async fn with_recording(store: &Store, a: &Agent) -> Value {
    let mut v = state_json(a);
    if let (Some(call), "in_call") = (&a.call_id, a.state.as_str()) {
        match super::actions::recording_paused(store, call).await {
            Ok(paused) => v["recording_paused"] = paused.into(),
            Err(e) => {
                tracing::warn!(error = %e, "workspace stream cannot read the call's timeline")
            }
        }
    }
    v
}

/// `ready`, then the agent's own bus events and a `state` event whenever their state changes.
fn agent_stream(
    bus: EventBus,
    rx: Receiver<Event>,
    store: Store,
    agent: String,
) -> impl Stream<Item = Result<sse::Event, Infallible>> {
    let hello = sse::Event::default().event("ready").data("{}");
    let mut tick = tokio::time::interval(STATE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let watch = Watch {
        bus,
        rx,
        store,
        agent,
        last: None,
        tick,
    };
    let rest = stream::unfold(watch, |mut w| async move {
        loop {
            tokio::select! {
                _ = w.bus.closed() => return None,
                r = w.rx.recv() => match r {
                    Ok(ev) if ev.agent() == Some(w.agent.as_str()) => {
                        return Some((Ok(to_sse(&ev)), w));
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                },
                _ = w.tick.tick() => {
                    let now = match w.store.agent(&w.agent).await {
                        Ok(Some(a)) => with_recording(&w.store, &a).await,
                        Ok(None) => json!({ "state": "removed" }),
                        Err(e) => {
                            tracing::warn!(error = %e, "workspace stream cannot read the agent");
                            continue;
                        }
                    };
                    if w.last.as_ref() != Some(&now) {
                        let ev = sse::Event::default().event("state").data(now.to_string());
                        w.last = Some(now);
                        return Some((Ok(ev), w));
                    }
                }
            }
        }
    });
    stream::once(async move { Ok(hello) }).chain(rest)
}
