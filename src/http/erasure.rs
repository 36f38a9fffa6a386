//! `POST /api/v1/clients/{phone}/erase`: an admin erases a client (see `store::erasure`). The
//! act is attributed to the API user and kept in `erasures` and on the audit log.

use super::HttpState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json as Body, Path};
use crate::store::{Erasure, MAX_REASON_CHARS, Role};
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// Why (e.g. the data-subject request's reference); at most 500 characters.
    reason: String,
    /// Also pseudonymise and close the do-not-call entry; by default it stays, so the person is
    /// never called again.
    #[serde(default)]
    include_dnc: bool,
}

#[utoipa::path(post, path = "/api/v1/clients/{phone}/erase", tag = "cards", params(("phone" = String, Path, description = "E.164 or national number (URL-encode +)")), request_body = EraseRequest, security(("bearer" = [])),
    responses((status = 200, description = "erased; what was removed", body = Erasure), (status = 400, body = ErrorBody), (status = 404, description = "nothing is known about the number", body = ErrorBody), (status = 409, description = "a call with the number is in progress", body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 415, description = "not application/json", body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "admin role required", body = ErrorBody)))]
/// Erases a client: admins only.
pub async fn erase(
    State(state): State<HttpState>,
    caller: Caller,
    Path(raw): Path<String>,
    Body(body): Body<EraseRequest>,
) -> Result<Json<Erasure>, ApiError> {
    caller.require(Role::Admin)?;
    let phone = crate::phone::normalize(&raw, state.region)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::bad_request("a reason is required"));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::bad_request(format!(
            "the reason is longer than {MAX_REASON_CHARS} characters"
        )));
    }
    let erasure = state
        .store
        .erase_client(
            &phone,
            &format!("api:{}", caller.name),
            reason,
            body.include_dnc,
            Utc::now(),
        )
        .await
        .map_err(super::complaints::store_error)?;
    Ok(Json(erasure))
}
