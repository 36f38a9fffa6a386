//! JSON, query and path extractors whose rejections use the API's error shape (axum's own answer
//! in plain text), so every 4xx a client sees is documented JSON.

use super::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A body or query that cannot be read is 400 whatever the reason (axum says 422 for well-formed
/// JSON of the wrong shape); only a missing JSON content type (415) and an oversized body (413) keep
/// their own status.
fn rejected(status: axum::http::StatusCode, text: String) -> ApiError {
    match status.as_u16() {
        415 => ApiError::new(status, "unsupported_media_type", text),
        413 => ApiError::new(status, "payload_too_large", text),
        _ => ApiError::bad_request(text),
    }
}

pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Json(v))
            .map_err(|e| rejected(e.status(), e.body_text()))
    }
}

pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e| rejected(e.status(), e.body_text()))
    }
}

pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e| rejected(e.status(), e.body_text()))
    }
}
