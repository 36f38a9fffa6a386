//! Calls: filtered, paginated list; one call with its timeline. Its recording is `recordings`'.

use super::HttpState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Path, Query};
use crate::store::{CallRow, CallsFilter, Role};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    phone: Option<String>,
    agent: Option<String>,
    outcome: Option<String>,
    limit: Option<i64>,
    /// The `next` value of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallsPage {
    pub(super) calls: Vec<CallRow>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub(super) next: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallEvent {
    pub(super) at: DateTime<Utc>,
    pub(super) kind: String,
    pub(super) detail: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallDetail {
    call: CallRow,
    events: Vec<CallEvent>,
}

/// A cursor is `<started_at ms>:<id>` of the last row shown.
fn parse_cursor(c: &str) -> Result<(DateTime<Utc>, String), ApiError> {
    let (ms, id) = c
        .split_once(':')
        .ok_or_else(|| ApiError::bad_request("bad cursor"))?;
    let ms: i64 = ms
        .parse()
        .map_err(|_| ApiError::bad_request("bad cursor"))?;
    Ok((crate::store::from_ms(ms), id.to_string()))
}

/// Call ids are UUIDs; anything else never reaches the store or the file system.
fn valid_id(id: &str) -> Result<(), ApiError> {
    uuid::Uuid::parse_str(id)
        .map(|_| ())
        .map_err(|_| ApiError::not_found("no such call"))
}

/// The call `id` if this caller may see it: agents see only their own calls.
pub(super) async fn visible_call(
    state: &HttpState,
    caller: &Caller,
    id: &str,
) -> Result<CallRow, ApiError> {
    valid_id(id)?;
    let call = state
        .store
        .call(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such call"))?;
    let own = caller.agent_id.is_some() && call.agent == caller.agent_id;
    if caller.role >= Role::Supervisor || own {
        Ok(call)
    } else {
        Err(ApiError::forbidden("agents may see only their own calls"))
    }
}

#[utoipa::path(get, path = "/api/v1/calls", tag = "calls", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = CallsPage), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn list(
    State(state): State<HttpState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<CallsPage>, ApiError> {
    let params = ListParams {
        since: q.since,
        until: q.until,
        phone: q.phone,
        agent: q.agent,
        outcome: q.outcome,
        limit: q.limit.unwrap_or(50),
        cursor: q.cursor,
    };
    Ok(Json(list_page(&state, &caller, params).await?))
}

/// One page of the calls list, as the API and the console both show it.
pub(super) struct ListParams {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub phone: Option<String>,
    pub agent: Option<String>,
    pub outcome: Option<String>,
    pub limit: i64,
    pub cursor: Option<String>,
}

/// Newest first; agents get only their own calls whatever they ask for.
pub(super) async fn list_page(
    state: &HttpState,
    caller: &Caller,
    p: ListParams,
) -> Result<CallsPage, ApiError> {
    let limit = p.limit.clamp(1, 500);
    let mut agent = p.agent;
    if caller.role < Role::Supervisor {
        agent = Some(
            caller
                .agent_id
                .clone()
                .ok_or_else(|| ApiError::forbidden("this user is not linked to an agent"))?,
        );
    }
    let filter = CallsFilter {
        since: p.since,
        until: p.until,
        phone: p.phone,
        agent,
        outcome: p.outcome,
        before: p.cursor.as_deref().map(parse_cursor).transpose()?,
        limit: limit + 1,
    };
    let mut calls = state.store.list_calls(&filter).await?;
    let next = if calls.len() as i64 > limit {
        calls.truncate(limit as usize);
        calls
            .last()
            .map(|c| format!("{}:{}", crate::store::to_ms(c.started_at), c.id))
    } else {
        None
    };
    Ok(CallsPage { calls, next })
}

#[utoipa::path(get, path = "/api/v1/calls/{id}", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), security(("bearer" = [])),
    responses((status = 200, body = CallDetail), (status = 404, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn detail(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CallDetail>, ApiError> {
    let call = visible_call(&state, &caller, &id).await?;
    let events = state
        .store
        .call_events(&id)
        .await?
        .into_iter()
        .map(|(at, kind, detail)| CallEvent { at, kind, detail })
        .collect();
    Ok(Json(CallDetail { call, events }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordingState {
    /// Whether the call's recording is paused now.
    paused: bool,
}

/// Pauses or resumes a live call's recording for its agent or a supervisor.
async fn set_paused(
    state: &HttpState,
    caller: &Caller,
    id: &str,
    paused: bool,
) -> Result<Json<RecordingState>, ApiError> {
    let call = visible_call(state, caller, id).await?;
    if call.ended_at.is_some() {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "not_live",
            "the call has ended",
        ));
    }
    let by = match caller.role {
        Role::Agent => format!(
            "agent {}",
            caller.agent_id.as_deref().unwrap_or(&caller.name)
        ),
        _ => format!("{} (API)", caller.name),
    };
    let paused = state
        .live
        .pause_recording(id, paused, &by)
        .await
        .map_err(super::monitor::control_error)?;
    Ok(Json(RecordingState { paused }))
}

#[utoipa::path(post, path = "/api/v1/calls/{id}/recording/pause", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), security(("bearer" = [])),
    responses((status = 200, body = RecordingState), (status = 404, body = ErrorBody), (status = 409, description = "the call is not in progress on this node (not_live), or not recorded (not_recorded)", body = ErrorBody), (status = 429, description = "too many requests waiting for the call", body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "neither the call's agent nor a supervisor", body = ErrorBody)))]
/// The call's agent or a supervisor pauses its recording (a card number read out): silence in
/// both channels from the next frame, until resumed or `[features] max_pause_seconds`; both ends
/// are on the call's timeline.
pub async fn pause_recording(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecordingState>, ApiError> {
    set_paused(&state, &caller, &id, true).await
}

#[utoipa::path(post, path = "/api/v1/calls/{id}/recording/resume", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), security(("bearer" = [])),
    responses((status = 200, body = RecordingState), (status = 404, body = ErrorBody), (status = 409, description = "the call is not in progress on this node (not_live), or not recorded (not_recorded)", body = ErrorBody), (status = 429, description = "too many requests waiting for the call", body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "neither the call's agent nor a supervisor", body = ErrorBody)))]
/// Resumes a paused recording.
pub async fn resume_recording(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecordingState>, ApiError> {
    set_paused(&state, &caller, &id, false).await
}

#[utoipa::path(get, path = "/api/v1/calls/{id}/live", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), security(("bearer" = [])),
    responses((status = 200, body = crate::sip::legs::LiveState), (status = 404, body = ErrorBody), (status = 409, description = "the call has ended or is not in progress on this node (not_live)", body = ErrorBody), (status = 429, description = "too many requests waiting for the call", body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "an agent asking for another agent's call", body = ErrorBody)))]
/// A call in progress as it is now: its agent, whether the recording is paused, a transfer or
/// consultation under way, a supervisor listening in. Agents see their own calls only.
pub async fn live(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<crate::sip::legs::LiveState>, ApiError> {
    let call = visible_call(&state, &caller, &id).await?;
    if call.ended_at.is_some() {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "not_live",
            "the call has ended",
        ));
    }
    let now = state
        .live
        .state(&id)
        .await
        .map_err(super::monitor::control_error)?;
    Ok(Json(now))
}
