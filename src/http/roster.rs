//! Agents (roster, presence) and callback requests.

use super::HttpState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Path, Query};
use crate::callbacks::{CallbackError, CallbackRequest};
use crate::events::Event;
use crate::phone;
use crate::store::{Agent, CallbackRow, CallbackSource, Presence, Role, StoreError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;

#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", security(("bearer" = [])),
    responses((status = 200, body = Vec<Agent>), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn list_agents(
    State(state): State<HttpState>,
    _caller: Caller,
) -> Result<Json<Vec<Agent>>, ApiError> {
    Ok(Json(state.store.list_agents().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceBody {
    presence: String,
}

#[utoipa::path(put, path = "/api/v1/agents/{id}/presence", tag = "agents", params(("id" = String, Path, description = "agent id")), request_body = PresenceBody, security(("bearer" = [])),
    responses((status = 415, description = "not application/json", body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 200, body = Agent), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
/// Agents set their own presence; supervisors anyone's.
pub async fn set_presence(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
    super::extract::Json(body): super::extract::Json<PresenceBody>,
) -> Result<Json<Agent>, ApiError> {
    if caller.role < Role::Supervisor && caller.agent_id.as_deref() != Some(id.as_str()) {
        return Err(ApiError::forbidden(
            "agents may change only their own presence",
        ));
    }
    let presence: Presence = body.presence.parse().map_err(ApiError::bad_request)?;
    match state.store.set_presence(&id, presence, Utc::now()).await {
        Ok(()) => {}
        Err(StoreError::NotFound(m)) => return Err(ApiError::not_found(m)),
        Err(e) => return Err(e.into()),
    }
    let agent = state
        .store
        .agent(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such agent"))?;
    Ok(Json(agent))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CallbacksQuery {
    /// Only those whose slot (or next attempt) has come.
    due: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/callbacks", tag = "callbacks", params(CallbacksQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<CallbackRow>), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn list_callbacks(
    State(state): State<HttpState>,
    caller: Caller,
    Query(q): Query<CallbacksQuery>,
) -> Result<Json<Vec<CallbackRow>>, ApiError> {
    caller.require(Role::Supervisor)?;
    let due = q.due.unwrap_or(false).then(Utc::now);
    Ok(Json(state.store.list_callbacks(due).await?))
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses((status = 200, body = Vec<crate::store::Delivery>), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
/// The newest 200 webhook deliveries (the outbox), each with its attempts and last answer. The
/// events and their bodies: callback.planned (CallbackRow), callback.result (CallbackResult),
/// complaint.escalated and complaint.resolved (Complaint), recording.ready (RecordingReady),
/// dnc.added (DncAdded), each as `{"event", "at", "data"}`.
pub async fn list_webhooks(
    State(state): State<HttpState>,
    caller: Caller,
) -> Result<Json<Vec<crate::store::Delivery>>, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(state.store.list_webhooks(200).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackBody {
    phone: String,
    reason: Option<String>,
    /// Pass it to a named agent: then due the same working day.
    agent: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/callbacks", tag = "callbacks", request_body = CallbackBody, security(("bearer" = [])),
    responses((status = 415, description = "not application/json", body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 201, body = CallbackRow), (status = 409, description = "the number is on the DNC list", body = ErrorBody), (status = 422, description = "no slot can be planned", body = ErrorBody), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
/// Registers a request that came by another channel; planned like any other. A DNC number is 409.
pub async fn request_callback(
    State(state): State<HttpState>,
    caller: Caller,
    super::extract::Json(body): super::extract::Json<CallbackBody>,
) -> Result<(StatusCode, Json<CallbackRow>), ApiError> {
    let phone = phone::normalize(&body.phone, state.region)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let now = Utc::now();
    let req = CallbackRequest {
        phone,
        source: CallbackSource::Api,
        reason: body.reason,
        requested_at: now,
        requested_by: Some(format!("api:{}", caller.name)),
        agent_id: body.agent,
        call_id: None,
        dnc_consent: false,
        lang: None,
    };
    match state.planner.request(&state.store, req, now).await {
        Ok(row) => {
            publish_requested(&state, &row);
            Ok((StatusCode::CREATED, Json(row)))
        }
        Err(e @ CallbackError::DoNotCall { .. }) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "do_not_call",
            e.to_string(),
        )),
        Err(
            e @ (CallbackError::UnknownAgent(_)
            | CallbackError::Plan(_)
            | CallbackError::BadCard { .. }),
        ) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "cannot_plan",
            e.to_string(),
        )),
        Err(CallbackError::Store(e)) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/callbacks/{id}/cancel", tag = "callbacks", params(("id" = i64, Path, description = "callback id")), request_body = CancelBody, security(("bearer" = [])),
    responses((status = 415, description = "not application/json", body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 200, body = CallbackRow), (status = 404, body = ErrorBody), (status = 409, description = "not waiting any more (being dialled, done, closed or cancelled)", body = ErrorBody), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
/// Cancels a waiting request (supervisors); the card records who and why.
pub async fn cancel_callback(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<i64>,
    super::extract::Json(body): super::extract::Json<CancelBody>,
) -> Result<Json<CallbackRow>, ApiError> {
    caller.require(Role::Supervisor)?;
    let Some(_) = state.store.callback(id).await? else {
        return Err(ApiError::not_found(format!("no callback #{id}")));
    };
    let by = format!("api:{}", caller.name);
    let cancelled = state
        .store
        .cancel_callback(id, &by, body.reason.as_deref(), Utc::now())
        .await?;
    if !cancelled {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_waiting",
            format!("callback #{id} is not waiting any more"),
        ));
    }
    let row = state
        .store
        .callback(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no callback #{id}")))?;
    Ok(Json(row))
}

/// Tells live consoles about a new request.
pub(super) fn publish_requested(state: &HttpState, row: &CallbackRow) {
    state.events.publish(Event::callback_requested(row));
}
