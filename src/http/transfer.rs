//! Transfers asked through the API: the call's agent (or a supervisor) passes the caller on,
//! blind or after consulting the target, and completes or cancels the consultation. The same
//! transfer as the agent's phone asks by REFER or keys; see docs/routing.md.

use super::HttpState;
use super::auth::Caller;
use super::calls::visible_call;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json as JsonBody, Path};
use super::monitor::control_error;
use crate::bridge::keys::MAX_TARGET;
use crate::store::Role;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// An agent id, a queue name (`[features] queue_targets`) or a number outside.
    to: String,
    /// Consult the target first (attended transfer); the caller hears music meanwhile.
    #[serde(default)]
    attended: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferState {
    to: String,
    attended: bool,
}

/// The agent id of an agent asking (they may act only on their own call), `None` for
/// supervisors; and how the timeline names who asked.
fn asker(caller: &Caller) -> (Option<String>, String) {
    match caller.role {
        Role::Agent => {
            let id = caller
                .agent_id
                .clone()
                .unwrap_or_else(|| caller.name.clone());
            (Some(id.clone()), format!("agent {id} (API)"))
        }
        _ => (None, format!("{} (API)", caller.name)),
    }
}

/// The call must be in progress (and visible to this caller).
async fn live_call(state: &HttpState, caller: &Caller, id: &str) -> Result<(), ApiError> {
    let call = visible_call(state, caller, id).await?;
    if call.ended_at.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_live",
            "the call has ended",
        ));
    }
    Ok(())
}

fn valid_target(to: &str) -> Result<(), ApiError> {
    let ok = !to.is_empty()
        && to.len() <= MAX_TARGET
        && to
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '*' | '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "to: 1 to {MAX_TARGET} letters, digits, '+', '*', '.', '_' or '-'"
        )))
    }
}

#[utoipa::path(post, path = "/api/v1/calls/{id}/transfer", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), request_body = TransferRequest, security(("bearer" = [])),
    responses((status = 202, description = "the transfer started (the target rings, or the caller is back in the queue)", body = TransferState), (status = 400, body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 415, description = "not application/json", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "the call has ended or is on another node (not_live), no agent is talking with the caller (not_bridged), a transfer is under way (in_progress), or it is a callback (callback)", body = ErrorBody), (status = 429, description = "too many requests waiting for the call", body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "an agent asking for another agent's call", body = ErrorBody)))]
/// Passes the caller on from the agent talking with them: to an agent (rung whatever their
/// presence), back to the queue (keeping the caller's priority and place) or to a number outside
/// (through the outbound proxy). With `attended`, the agent talks with the target first while
/// the caller hears music, then completes or cancels (`…/transfer/complete`, `…/cancel`, or the
/// keys on the phone).
pub async fn start(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TransferRequest>,
) -> Result<(StatusCode, Json<TransferState>), ApiError> {
    valid_target(&body.to)?;
    live_call(&state, &caller, &id).await?;
    let (agent, who) = asker(&caller);
    state
        .live
        .transfer(&id, &who, agent.as_deref(), &body.to, body.attended)
        .await
        .map_err(control_error)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(TransferState {
            to: body.to,
            attended: body.attended,
        }),
    ))
}

async fn consultation(
    state: &HttpState,
    caller: &Caller,
    id: &str,
    complete: bool,
) -> Result<StatusCode, ApiError> {
    live_call(state, caller, id).await?;
    let (agent, who) = asker(caller);
    state
        .live
        .consultation(id, &who, agent.as_deref(), complete)
        .await
        .map_err(control_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/calls/{id}/transfer/complete", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), security(("bearer" = [])),
    responses((status = 204, description = "the target takes the caller (once they answer, if still ringing) and the agent leaves"), (status = 404, body = ErrorBody), (status = 409, description = "no consultation under way (no_consultation), or the call has ended or is on another node", body = ErrorBody), (status = 429, description = "too many requests waiting for the call", body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "an agent asking for another agent's call", body = ErrorBody)))]
/// Completes the consultation under way: the target takes the caller, the agent leaves.
pub async fn complete(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    consultation(&state, &caller, &id, true).await
}

#[utoipa::path(post, path = "/api/v1/calls/{id}/transfer/cancel", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), security(("bearer" = [])),
    responses((status = 204, description = "the target was hung up and the agent has the caller back"), (status = 404, body = ErrorBody), (status = 409, description = "no consultation under way (no_consultation), or the call has ended or is on another node", body = ErrorBody), (status = 429, description = "too many requests waiting for the call", body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "an agent asking for another agent's call", body = ErrorBody)))]
/// Cancels the consultation under way: the target is hung up, the agent has the caller back.
pub async fn cancel(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    consultation(&state, &caller, &id, false).await
}
