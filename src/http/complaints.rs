//! The complaints queue (list, assign, resolve with a closure code) and notes/dispositions on calls.

use super::HttpState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json as Body, Path, Query};
use crate::events::Event;
use crate::store::{Complaint, Note, Role, StoreError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;

pub(super) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(m) => ApiError::not_found(m),
        StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
        other => other.into(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComplaintsQuery {
    /// open, assigned or resolved.
    status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ComplaintsQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Complaint>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<HttpState>,
    caller: Caller,
    Query(q): Query<ComplaintsQuery>,
) -> Result<Json<Vec<Complaint>>, ApiError> {
    caller.require(Role::Supervisor)?;
    Ok(Json(
        state.store.list_complaints(q.status.as_deref()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// Who works the complaint (a user or agent name).
    to: String,
}

#[utoipa::path(put, path = "/api/v1/complaints/{id}/assign", tag = "complaints", params(("id" = i64, Path, description = "complaint id")), request_body = Assign, security(("bearer" = [])),
    responses((status = 200, body = Complaint), (status = 404, body = ErrorBody), (status = 409, description = "already resolved", body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 415, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn assign(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<Assign>,
) -> Result<Json<Complaint>, ApiError> {
    caller.require(Role::Supervisor)?;
    if body.to.trim().is_empty() {
        return Err(ApiError::bad_request("`to` must name someone"));
    }
    let complaint = state
        .store
        .assign_complaint(id, body.to.trim())
        .await
        .map_err(store_error)?;
    publish_assigned(&state, &complaint, &caller);
    Ok(Json(complaint))
}

/// Tells live consoles; shared with the console's own form.
pub(super) fn publish_assigned(state: &HttpState, complaint: &Complaint, caller: &Caller) {
    state.events.publish(Event::ComplaintAssigned {
        complaint_id: complaint.id,
        to: complaint.assigned_to.clone().unwrap_or_default(),
        by: caller.name.clone(),
        at: Utc::now(),
    });
}

pub(super) fn publish_resolved(state: &HttpState, complaint: &Complaint, caller: &Caller) {
    state.events.publish(Event::ComplaintResolved {
        complaint_id: complaint.id,
        closure_code: complaint.closure_code.clone().unwrap_or_default(),
        by: caller.name.clone(),
        at: complaint.resolved_at.unwrap_or_else(Utc::now),
    });
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    /// How it was closed, e.g. refunded, explained, unfounded.
    closure_code: String,
}

#[utoipa::path(put, path = "/api/v1/complaints/{id}/resolve", tag = "complaints", params(("id" = i64, Path, description = "complaint id")), request_body = Resolve, security(("bearer" = [])),
    responses((status = 200, body = Complaint), (status = 404, body = ErrorBody), (status = 409, description = "already resolved", body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 415, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body<Resolve>,
) -> Result<Json<Complaint>, ApiError> {
    caller.require(Role::Supervisor)?;
    if body.closure_code.trim().is_empty() {
        return Err(ApiError::bad_request("a closure code is required"));
    }
    let complaint = state
        .store
        .resolve_complaint(
            id,
            body.closure_code.trim(),
            &format!("api:{}", caller.name),
            Utc::now(),
        )
        .await
        .map_err(store_error)?;
    publish_resolved(&state, &complaint, &caller);
    Ok(Json(complaint))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    disposition: Option<String>,
    body: Option<String>,
}

/// A note or disposition on a call; agents on their own calls, supervisors on any.
#[utoipa::path(post, path = "/api/v1/calls/{id}/notes", tag = "calls", params(("id" = String, Path, description = "call id (UUID)")), request_body = NoteBody, security(("bearer" = [])),
    responses((status = 201, body = Note), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 415, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<NoteBody>,
) -> Result<(StatusCode, Json<Note>), ApiError> {
    let call = super::calls::visible_call(&state, &caller, &id).await?;
    if body.disposition.is_none() && body.body.is_none() {
        return Err(ApiError::bad_request("a disposition or a body is required"));
    }
    let note = state
        .store
        .add_note(
            call.phone.as_deref(),
            Some(&id),
            &caller.name,
            body.disposition.as_deref(),
            body.body.as_deref(),
            Utc::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(note)))
}
