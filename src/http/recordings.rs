//! Recordings and who reached them: the WAV with Range support, every access written to the
//! append-only audit log first; and that log, a page at a time.
//!
//! Nothing a request chooses freely reaches the log: the Range header is parsed and resolved
//! against the file (`range`), absurd ones are refused before anything is written, and each user
//! may make only so many recording requests a minute (`[http] recording_requests_per_minute`).

use super::HttpState;
use super::auth::Caller;
use super::calls::visible_call;
use super::error::{ApiError, ErrorBody};
use super::extract::{Path, Query};
use super::range::{self, RangeError, Wanted};
use crate::storage::{ByteRange, LocalDir, RecordingStorage, StorageError};
use crate::store::{AuditEntry, RecordingAccess, Role};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::time::Instant;

#[utoipa::path(get, path = "/api/v1/calls/{id}/recording", tag = "calls",
    params(("id" = String, Path, description = "call id (UUID)"),
        ("Range" = Option<String>, Header, description = "one range: bytes=START-END, bytes=START- or bytes=-SUFFIX (at most 64 characters)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "the stereo WAV", content_type = "audio/wav"),
        (status = 206, description = "the requested range", content_type = "audio/wav"),
        (status = 400, description = "a Range header that is not one byte range (too long, several, not bytes=…); nothing is written", body = ErrorBody),
        (status = 416, description = "several ranges, or none inside the recording; nothing is written", body = ErrorBody,
            headers(("Content-Range" = String, description = "bytes */LENGTH"))),
        (status = 429, description = "this user's recording requests are over the limit", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds until the next request is allowed"))),
        (status = 404, body = ErrorBody),
        (status = 401, description = "no or bad token", body = ErrorBody),
        (status = 403, description = "role not allowed", body = ErrorBody)))]
/// The recording as audio/wav; one Range gets 206. Every access is written to the audit log before
/// a byte is sent, with the range as served (`play (bytes=0-1023)`).
pub async fn recording(
    State(state): State<HttpState>,
    caller: Caller,
    Path(id): Path<String>,
    req: Request<Body>,
) -> Result<Response, ApiError> {
    let call = visible_call(&state, &caller, &id).await?;
    let path = call
        .recording
        .clone()
        .ok_or_else(|| ApiError::not_found("this call has no recording"))?;
    state
        .recording_limits
        .spend(&caller.name, Instant::now())
        .map_err(|wait| {
            ApiError::too_many(
                "too_many_requests",
                "too many recording requests; slow down",
                wait.secs(),
            )
        })?;
    let missing = || ApiError::not_found("the recording file is missing");
    // Moved to object storage (`storage::upload`): read from there, whichever node recorded it.
    let stored = state.store.stored_recording(&id).await?;
    let local = LocalDir::new("");
    let (storage, name): (&dyn RecordingStorage, String) = match (&stored, &state.object_storage) {
        (Some(stored), Some(object)) => (object.as_ref(), stored.object_key.clone()),
        (Some(_), None) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_not_configured",
                "the recording is in object storage, which this node has not been given ([storage])",
            ));
        }
        (None, _) => (&local, path),
    };
    let unavailable = |e: StorageError| match e {
        StorageError::NotFound(_) => missing(),
        e => {
            tracing::warn!(call = %id, error = %e, "recording storage did not answer");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the recording storage did not answer; try again",
            )
        }
    };
    let len = storage.len(&name).await.map_err(unavailable)?;
    let wanted = match range::wanted(req.headers(), len) {
        Ok(wanted) => wanted,
        Err(e @ RangeError::Malformed) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_range",
                e.to_string(),
            ));
        }
        Err(e) => {
            let mut resp = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                e.to_string(),
            )
            .into_response();
            let all = HeaderValue::from_str(&format!("bytes */{len}"))
                .unwrap_or_else(|_| HeaderValue::from_static("bytes */*"));
            resp.headers_mut().insert(header::CONTENT_RANGE, all);
            return Ok(resp);
        }
    };
    let access = match wanted {
        Wanted::Whole => RecordingAccess::Download,
        Wanted::Bytes { start, end } => RecordingAccess::Play { start, end },
    };
    state
        .store
        .audit_recording(&caller.name, &id, access, Utc::now())
        .await?;
    // Serve exactly what was audited: the resolved range, whatever the header said.
    let (status, range, length) = match wanted {
        Wanted::Whole => (StatusCode::OK, None, len),
        Wanted::Bytes { start, end } => (
            StatusCode::PARTIAL_CONTENT,
            Some(ByteRange { start, end }),
            end - start + 1,
        ),
    };
    let body = storage.read(&name, range).await.map_err(unavailable)?;
    let mut resp = Response::new(Body::from_stream(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(ByteRange { start, end }) = range {
        let value = HeaderValue::try_from(format!("bytes {start}-{end}/{len}")).map_err(|e| {
            tracing::error!(error = %e, "a content range is not a header value");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the range could not be served",
            )
        })?;
        headers.insert(header::CONTENT_RANGE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// At most this many entries a page.
const MAX_AUDIT_PAGE: i64 = 500;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries a page, 1–500 (default 100); larger values are read as 500.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// Only entries older than this id: the previous page's `next`.
    #[param(minimum = 1)]
    before: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Newest first.
    entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    next: Option<i64>,
}

/// The access-audit log, newest first, a page at a time; admins only.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(state): State<HttpState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    caller.require(Role::Admin)?;
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_AUDIT_PAGE);
    let mut entries = state.store.list_audit(q.before, limit + 1).await?;
    let next = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(Json(AuditPage { entries, next }))
}
