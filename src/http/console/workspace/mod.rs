//! The agent's workspace (`/workspace`, an agent's home after sign-in): presence with a reason, the
//! screen pop of the call ringing them (live, `pop`), the disposition and note of their call, the
//! wrap-up countdown with "ready" and "more time" (once), and their own day. An agent acts only on
//! their own roster entry and their own calls: the agent id comes from the session, never from
//! the form. See docs/workspace.md.

mod actions;
mod pop;

use super::page::{PageError, Viewer};
use super::session::SameOrigin;
use crate::events::Event;
use crate::http::HttpState;
use crate::store::{Agent, Presence, StoreError};
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use minijinja::{Value, context};
use serde::Deserialize;

pub use pop::{events, pop};

/// What the workspace offers and the wallboard measures, from the configuration.
#[derive(Debug, Clone)]
pub struct WorkspaceSettings {
    pub away_reasons: Vec<String>,
    pub disposition_codes: Vec<String>,
    pub note_max_chars: usize,
    pub wrap_up_seconds: u64,
    pub service_level_seconds: u64,
    /// Auto-away after this many rings missed in a row (0: off), and the reason it gives.
    pub missed_rings_limit: u32,
    pub missed_rings_reason: String,
    /// Transfer targets meaning "back to the queue" (`[features] queue_targets`), offered by the
    /// page's target field.
    pub queue_targets: Vec<String>,
}

impl WorkspaceSettings {
    pub fn from_config(config: &crate::config::Config) -> WorkspaceSettings {
        WorkspaceSettings {
            away_reasons: config.workspace.away_reasons.clone(),
            disposition_codes: config.workspace.disposition_codes.clone(),
            note_max_chars: config.workspace.note_max_chars,
            wrap_up_seconds: config.routing.wrap_up_seconds,
            service_level_seconds: config.routing.service_level_seconds,
            missed_rings_limit: config.workspace.away_after_missed_rings,
            missed_rings_reason: config.workspace.missed_rings_reason.clone(),
            queue_targets: config.features.queue_targets.clone(),
        }
    }
}

/// The agent the viewer is: agents (and supervisors who are also on the roster) have one.
fn own_agent(viewer: &Viewer) -> Result<&str, PageError> {
    viewer
        .0
        .agent_id
        .as_deref()
        .ok_or_else(|| PageError::Status {
            status: axum::http::StatusCode::FORBIDDEN,
            message: "this page is for agents: your user is not linked to an agent on the roster"
                .into(),
        })
}

async fn roster_entry(state: &HttpState, id: &str) -> Result<Agent, PageError> {
    state
        .store
        .agent(id)
        .await?
        .ok_or_else(|| PageError::not_found(format!("agent {id:?} is not on the roster")))
}

/// Midnight today in the company's zone, as an instant.
pub fn start_of_day(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&tz).date_naive();
    local
        .and_hms_opt(0, 0, 0)
        .and_then(|m| tz.from_local_datetime(&m).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now - chrono::Duration::hours(24))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// Set after a form: what was just done, said on the page.
    done: Option<String>,
}

pub async fn page(
    State(state): State<HttpState>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let id = own_agent(&viewer)?;
    let agent = roster_entry(&state, id).await?;
    let now = Utc::now();
    let day = state
        .store
        .agent_day(id, start_of_day(now, state.time_zone))
        .await?;
    let log = state
        .store
        .presence_log(id, crate::store::PRESENCE_LOG)
        .await?;
    // The call to close: the one the agent talks to or just ended (not one still ringing).
    let call = match (&agent.last_call, agent.state.as_str()) {
        (Some(call), s) if s != "ringing" && state.store.agent_has_call(id, call).await? => {
            Some(call.clone())
        }
        _ => None,
    };
    // The call in progress: the buttons to pass the caller on and pause the recording act on it.
    let live_call = match (&agent.call_id, agent.state.as_str()) {
        (Some(call), "in_call") => Some(call.clone()),
        _ => None,
    };
    let (paused, targets) = match &live_call {
        Some(call) => (
            actions::recording_paused(&state.store, call).await?,
            actions::targets(&state.store.list_agents().await?, id),
        ),
        None => (false, Vec::new()),
    };
    let settings = &state.workspace;
    let ctx = context! {
        live_call => live_call,
        paused => paused,
        targets => Value::from_serialize(&targets),
        queue_targets => &settings.queue_targets,
        max_target => crate::bridge::keys::MAX_TARGET,
        agent => Value::from_serialize(&agent),
        wrap_left => agent.wrap_up_until.map(|u| (u - now).num_seconds().max(0)),
        ringing_call => (agent.state == "ringing").then_some(agent.call_id.clone()).flatten(),
        call => call,
        day => Value::from_serialize(&day),
        log => Value::from_serialize(&log),
        reasons => &settings.away_reasons,
        codes => &settings.disposition_codes,
        note_max => settings.note_max_chars,
        wrap_up_seconds => settings.wrap_up_seconds,
        missed_limit => settings.missed_rings_limit,
        missed_reason => &settings.missed_rings_reason,
        done => q.done.filter(|d| ["presence", "disposition", "ready", "more-time"].contains(&d.as_str())),
    };
    Ok(viewer.page(&state, "workspace", "workspace.html", ctx))
}

#[derive(Debug, Deserialize)]
pub struct PresenceForm {
    presence: String,
    reason: Option<String>,
}

pub async fn presence(
    State(state): State<HttpState>,
    _csrf: SameOrigin,
    viewer: Viewer,
    Form(form): Form<PresenceForm>,
) -> Result<Response, PageError> {
    let id = own_agent(&viewer)?;
    let presence: Presence = form.presence.parse().map_err(PageError::bad_request)?;
    let reason = match presence {
        Presence::Available => None,
        Presence::Away => {
            let r = form.reason.as_deref().map(str::trim).unwrap_or_default();
            if !state.workspace.away_reasons.iter().any(|k| k == r) {
                return Err(PageError::bad_request(
                    "choose one of the listed reasons for being away",
                ));
            }
            Some(r.to_string())
        }
    };
    let now = Utc::now();
    match state
        .store
        .change_presence(id, presence, reason.as_deref(), &viewer.0.name, now)
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound(m)) => return Err(PageError::not_found(m)),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(agent = id, presence = presence.as_str(), reason = ?reason, "presence from the workspace");
    publish_changed(&state, id, presence.as_str(), reason, now);
    Ok(Redirect::to("/workspace?done=presence").into_response())
}

fn publish_changed(
    state: &HttpState,
    agent: &str,
    presence: &str,
    reason: Option<String>,
    at: DateTime<Utc>,
) {
    state.events.publish(Event::AgentChanged {
        agent: agent.to_string(),
        presence: presence.to_string(),
        reason,
        at,
    });
}

pub async fn ready(
    State(state): State<HttpState>,
    _csrf: SameOrigin,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let id = own_agent(&viewer)?;
    let now = Utc::now();
    if !state.store.end_wrap_up(id, now).await? {
        return Err(PageError::Status {
            status: axum::http::StatusCode::CONFLICT,
            message: "you are not in wrap-up".into(),
        });
    }
    let agent = roster_entry(&state, id).await?;
    publish_changed(&state, id, agent.presence.as_str(), agent.away_reason, now);
    Ok(Redirect::to("/workspace?done=ready").into_response())
}

pub async fn more_time(
    State(state): State<HttpState>,
    _csrf: SameOrigin,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let id = own_agent(&viewer)?;
    let now = Utc::now();
    // At least a minute more, even with a short configured wrap-up.
    let more = state.workspace.wrap_up_seconds.max(60);
    if !state.store.extend_wrap_up(id, more, now).await? {
        return Err(PageError::Status {
            status: axum::http::StatusCode::CONFLICT,
            message: "more time is given once per wrap-up, and only during one".into(),
        });
    }
    let agent = roster_entry(&state, id).await?;
    publish_changed(&state, id, agent.presence.as_str(), agent.away_reason, now);
    Ok(Redirect::to("/workspace?done=more-time").into_response())
}

#[derive(Debug, Deserialize)]
pub struct DispositionForm {
    call_id: String,
    code: String,
    note: Option<String>,
}

/// The disposition code and note of the agent's call, written to the caller's card.
pub async fn disposition(
    State(state): State<HttpState>,
    _csrf: SameOrigin,
    viewer: Viewer,
    Form(form): Form<DispositionForm>,
) -> Result<Response, PageError> {
    let id = own_agent(&viewer)?;
    let code = form.code.trim();
    if !state.workspace.disposition_codes.iter().any(|c| c == code) {
        return Err(PageError::bad_request("choose one of the listed codes"));
    }
    let note = form
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(n) = note
        && n.chars().count() > state.workspace.note_max_chars
    {
        return Err(PageError::Status {
            status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            message: format!(
                "a note is at most {} characters",
                state.workspace.note_max_chars
            ),
        });
    }
    let call_id = form.call_id.trim();
    if uuid::Uuid::parse_str(call_id).is_err() || !state.store.agent_has_call(id, call_id).await? {
        return Err(PageError::not_found("you have no such call"));
    }
    let call = state
        .store
        .pop_call(call_id)
        .await?
        .ok_or_else(|| PageError::not_found("you have no such call"))?;
    state
        .store
        .add_note(
            call.phone.as_deref(),
            Some(call_id),
            &viewer.0.name,
            Some(code),
            note,
            Utc::now(),
        )
        .await?;
    tracing::info!(agent = id, call = call_id, code, "disposition written");
    Ok(Redirect::to("/workspace?done=disposition").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_local_midnight() {
        let tz: Tz = "Europe/Vilnius".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).unwrap();
        assert_eq!(
            start_of_day(now, tz),
            Utc.with_ymd_and_hms(2026, 6, 30, 21, 0, 0).unwrap()
        );
    }
}
