//! A supervisor listens in on a live call: frontdesk rings the phone on their account and joins it
//! to the call in a mode (listen, whisper to the agent, barge in), switched from the API or by
//! keys 4/5/6 on that phone. Agents cannot; the phone comes from the account an administrator
//! set, never from the request, so the API cannot be used to ring a number of someone's choosing.

use super::HttpState;
use super::auth::Caller;
use super::calls::visible_call;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json as JsonBody, Path};
use crate::bridge::Mode;
use crate::sip::call::control::ControlError;
use crate::sip::legs::{Supervisor, TransferRefusal};
use crate::store::Role;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorRequest {
    mode: Mode,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MonitorState {
    mode: Mode,
    /// `true`: your phone rings now and joins the call when you answer; `false`: you were on the
    /// call already and the mode switched.
    ringing: bool,
}

/// The API's answer to a live call that could not do what was asked.
pub(super) fn control_error(e: ControlError) -> ApiError {
    match e {
        ControlError::Busy => ApiError::too_many("busy", e.to_string(), 1),
        ControlError::NotLive => ApiError::new(StatusCode::CONFLICT, "not_live", e.to_string()),
        ControlError::NotRecording => {
            ApiError::new(StatusCode::CONFLICT, "not_recorded", e.to_string())
        }
        ControlError::NotBridged => {
            ApiError::new(StatusCode::CONFLICT, "not_bridged", e.to_string())
        }
        ControlError::Taken => ApiError::new(StatusCode::CONFLICT, "monitored", e.to_string()),
        ControlError::NotMonitoring => ApiError::not_found(e.to_string()),
        ControlError::Transfer(r) => {
            let code = match r {
                TransferRefusal::NotYours => return ApiError::forbidden(e.to_string()),
                TransferRefusal::NotBridged => "not_bridged",
                TransferRefusal::InProgress => "in_progress",
                TransferRefusal::Callback => "callback",
                TransferRefusal::NoConsultation => "no_consultation",
            };
            ApiError::new(StatusCode::CONFLICT, code, e.to_string())
        }
    }
}

fn supervisors_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.role < Role::Supervisor {
        return Err(ApiError::forbidden("only supervisors listen in on calls"));
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/calls/{id}/monitor", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), request_body = MonitorRequest, security(("bearer" = [])),
    responses((status = 202, description = "your phone rings", body = MonitorState), (status = 200, description = "the mode switched", body = MonitorState), (status = 400, body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 415, description = "not application/json", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "the call has ended, is not on this node, has no agent talking yet, is monitored by someone else, or your account has no phone", body = ErrorBody), (status = 429, description = "too many requests waiting for the call", body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "not a supervisor", body = ErrorBody)))]
/// A supervisor listens in on a live call in `mode` (`listen`: hears the caller and the agent;
/// `whisper`: only the agent hears them too; `barge`: everyone hears everyone). The phone on
/// their account (`frontdesk users phone NAME URI`) rings; keys 4/5/6 on it switch the mode.
/// Asked again while on the call, it switches the mode. Every start, switch and end is on the
/// call's timeline and in the audit log.
pub async fn start(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MonitorRequest>,
) -> Result<(StatusCode, Json<MonitorState>), ApiError> {
    supervisors_only(&caller)?;
    let call = visible_call(&state, &caller, &id).await?;
    if call.ended_at.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_live",
            "the call has ended",
        ));
    }
    let phone = state
        .store
        .user(&caller.name)
        .await?
        .and_then(|u| u.phone)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "no_phone",
                format!(
                    "no phone on your account: an administrator sets it with \
                     `frontdesk users phone {} sip:...`",
                    caller.name
                ),
            )
        })?;
    // Evidence first: who asked to hear which call, before anything rings.
    state
        .store
        .audit(
            &caller.name,
            "monitor-request",
            &id,
            Some(body.mode.as_str()),
            Utc::now(),
        )
        .await?;
    let who = Supervisor {
        name: caller.name.clone(),
        phone,
    };
    let ringing = state
        .live
        .monitor(&id, who, body.mode)
        .await
        .map_err(control_error)?;
    let status = if ringing {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(MonitorState {
            mode: body.mode,
            ringing,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/calls/{id}/monitor", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), security(("bearer" = [])),
    responses((status = 204, description = "your phone was hung up"), (status = 404, description = "no such call, or you are not listening to it", body = ErrorBody), (status = 409, description = "the call has ended or is not on this node", body = ErrorBody), (status = 429, description = "too many requests waiting for the call", body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "not a supervisor", body = ErrorBody)))]
/// The supervisor stops listening in: their phone is hung up (hanging up the phone does the same).
pub async fn stop(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    supervisors_only(&caller)?;
    visible_call(&state, &caller, &id).await?;
    state
        .live
        .stop_monitor(&id, &caller.name)
        .await
        .map_err(control_error)?;
    Ok(StatusCode::NO_CONTENT)
}
