//! The calls list (filters and keyset pages, as the API) and one call: its fields, the recording
//! player and the event timeline. Agents see only their own calls, decided where the API decides.

use super::format::{input_value, parse_input, query};
use super::page::{PageError, Viewer};
use crate::flow::Outcome;
use crate::http::HttpState;
use crate::http::calls::{ListParams, list_page, visible_call};
use crate::phone;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::{Value, context};
use serde::Deserialize;

/// Rows per page.
const PAGE: i64 = 50;

/// Every outcome a call row can carry, for the filter's choices.
fn outcomes() -> Vec<&'static str> {
    let mut v: Vec<&str> = [
        Outcome::AnsweredByAgent,
        Outcome::AgentRequested,
        Outcome::CallbackRequested,
        Outcome::Complaint,
        Outcome::DncOptOut,
        Outcome::AfterHoursMessage,
        Outcome::Abandoned,
        Outcome::HangupInMenu,
        Outcome::Failed,
    ]
    .iter()
    .map(|o| o.as_str())
    .collect();
    v.push("refused");
    v
}

/// The filter form as typed; empty fields mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    since: Option<String>,
    until: Option<String>,
    phone: Option<String>,
    agent: Option<String>,
    outcome: Option<String>,
    cursor: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub async fn list(
    State(state): State<HttpState>,
    viewer: Viewer,
    Query(f): Query<Filters>,
) -> Result<Response, PageError> {
    let tz = state.time_zone;
    let since = parse_input(f.since.as_deref(), tz).map_err(PageError::bad_request)?;
    let until = parse_input(f.until.as_deref(), tz).map_err(PageError::bad_request)?;
    let phone = given(&f.phone)
        .map(|p| phone::normalize(&p, state.region))
        .transpose()
        .map_err(|e| PageError::bad_request(e.to_string()))?;
    let (agent, outcome) = (given(&f.agent), given(&f.outcome));
    let params = ListParams {
        since,
        until,
        phone: phone.clone(),
        agent: agent.clone(),
        outcome: outcome.clone(),
        limit: PAGE,
        cursor: given(&f.cursor),
    };
    let page = list_page(&state, &viewer.0, params).await?;
    let (since_v, until_v) = (input_value(since, tz), input_value(until, tz));
    let phone_v = phone.unwrap_or_default();
    let agent_v = agent.unwrap_or_default();
    let outcome_v = outcome.unwrap_or_default();
    let filters = [
        ("since", since_v.as_str()),
        ("until", until_v.as_str()),
        ("phone", phone_v.as_str()),
        ("agent", agent_v.as_str()),
        ("outcome", outcome_v.as_str()),
    ];
    let link = |cursor: Option<&str>| {
        let mut pairs = filters.to_vec();
        if let Some(c) = cursor {
            pairs.push(("cursor", c));
        }
        let q = query(&pairs);
        if q.is_empty() {
            "/".to_string()
        } else {
            format!("/?{q}")
        }
    };
    let next_link = page.next.as_deref().map(|c| link(Some(c)));
    let first_link = f.cursor.is_some().then(|| link(None));
    let agents = if viewer.supervisor() {
        state.store.list_agents().await?
    } else {
        Vec::new()
    };
    let ctx = context! {
        calls => Value::from_serialize(&page.calls),
        q => context! {
            since => since_v, until => until_v, phone => phone_v, agent => agent_v,
            outcome => outcome_v,
        },
        agents => Value::from_serialize(&agents),
        outcomes => outcomes(),
        next_link => next_link,
        first_link => first_link,
    };
    Ok(viewer.page(&state, "calls", "calls.html", ctx))
}

pub async fn detail(
    State(state): State<HttpState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    // The id is checked to be a UUID before the store or any file is touched.
    let call = visible_call(&state, &viewer.0, &id).await?;
    let events: Vec<Value> = state
        .store
        .call_events(&id)
        .await?
        .into_iter()
        .map(
            |(at, kind, detail)| context! { at => at.to_rfc3339(), kind => kind, detail => detail },
        )
        .collect();
    // A supervisor on this live call sees the mode they are in (the buttons start from it).
    let monitor_mode = if viewer.supervisor() && call.ended_at.is_none() {
        state
            .store
            .monitoring_modes(&viewer.0.name, call.started_at)
            .await?
            .remove(&call.id)
    } else {
        None
    };
    let ctx = context! {
        call => Value::from_serialize(&call),
        monitor_mode => monitor_mode,
        events => events,
        recording_url => call.recording.as_ref().map(|_| format!("/api/v1/calls/{}/recording", call.id)),
    };
    Ok(viewer.page(&state, "calls", "call.html", ctx))
}
