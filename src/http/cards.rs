//! Client cards and the DNC/VIP lists, as the CLI offers them, attributed to the API user.

use super::HttpState;
use super::auth::Caller;
use super::error::{ApiError, ErrorBody};
use super::extract::Path;
use crate::import::LANGUAGES;
use crate::phone;
use crate::schedule::hours::WeeklyHours;
use crate::store::{Added, Card, Client, DncEntry, ListSource, Role, StoreError, VipEntry};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use chrono_tz::Tz;
use serde::Deserialize;

fn e164(state: &HttpState, raw: &str) -> Result<String, ApiError> {
    phone::normalize(raw, state.region).map_err(|e| ApiError::bad_request(e.to_string()))
}

fn actor(caller: &Caller) -> String {
    format!("api:{}", caller.name)
}

/// Any role may read a card; an agent's timeline shows other agents' entries summarised (no keys,
/// notes, names or references).
#[utoipa::path(get, path = "/api/v1/clients/{phone}", tag = "cards", params(("phone" = String, Path, description = "E.164 or national number (URL-encode +)")), security(("bearer" = [])),
    responses((status = 200, body = Card), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn card(
    State(state): State<HttpState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<Card>, ApiError> {
    let phone = e164(&state, &raw)?;
    state
        .store
        .card_for(&phone, &caller.visibility())
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no card for {phone}")))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardUpdate {
    name: Option<String>,
    language: Option<String>,
    time_zone: Option<String>,
    hours: Option<String>,
    email: Option<String>,
    notes: Option<String>,
    /// Special needs (hearing, age, language help...), shown first on the screen pop.
    needs: Option<String>,
    /// Queue priority 0-9 (absent: 0); ahead of others, behind VIP callers.
    priority: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/clients/{phone}", tag = "cards", params(("phone" = String, Path, description = "E.164 or national number (URL-encode +)")), request_body = CardUpdate, security(("bearer" = [])),
    responses((status = 415, description = "not application/json", body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 200, body = Card), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
/// Replaces the card's fields (absent fields become empty); validated like a CSV row.
pub async fn put_card(
    State(state): State<HttpState>,
    caller: Caller,
    Path(raw): Path<String>,
    super::extract::Json(body): super::extract::Json<CardUpdate>,
) -> Result<Json<Card>, ApiError> {
    caller.require(Role::Supervisor)?;
    let phone = e164(&state, &raw)?;
    let now = Utc::now();
    let mut client = state
        .store
        .client(&phone)
        .await?
        .unwrap_or_else(|| Client::new(&phone, now));
    if let Some(lang) = &body.language
        && !LANGUAGES.contains(&lang.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "language {lang:?} is not one of en, ru, uk, lt"
        )));
    }
    if let Some(tz) = &body.time_zone {
        tz.parse::<Tz>()
            .map_err(|_| ApiError::bad_request(format!("unknown time zone {tz:?}")))?;
    }
    let hours = match &body.hours {
        Some(h) => Some(
            h.parse::<WeeklyHours>()
                .map_err(|e| ApiError::bad_request(e.to_string()))?
                .to_string(),
        ),
        None => None,
    };
    client.name = body.name;
    client.language = body.language;
    client.time_zone = body.time_zone;
    client.hours = hours;
    client.email = body.email;
    client.notes = body.notes;
    if let Some(n) = &body.needs
        && n.chars().count() > crate::import::MAX_NEEDS
    {
        return Err(ApiError::bad_request(format!(
            "needs is at most {} characters",
            crate::import::MAX_NEEDS
        )));
    }
    let priority = body.priority.unwrap_or(0);
    if !(0..=crate::import::MAX_PRIORITY).contains(&priority) {
        return Err(ApiError::bad_request(format!(
            "priority is 0 to {}",
            crate::import::MAX_PRIORITY
        )));
    }
    client.needs = body.needs;
    client.priority = priority;
    client.updated_at = now;
    state.store.upsert_client(&client, &actor(&caller)).await?;
    card(State(state), caller, Path(phone)).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DncRequest {
    phone: String,
    reason: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/dnc", tag = "lists", security(("bearer" = [])),
    responses((status = 200, body = Vec<DncEntry>), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn list_dnc(
    State(state): State<HttpState>,
    caller: Caller,
) -> Result<Json<Vec<DncEntry>>, ApiError> {
    caller.require(Role::Supervisor)?;
    Ok(Json(state.store.list_dnc().await?))
}

#[utoipa::path(post, path = "/api/v1/dnc", tag = "lists", request_body = DncRequest, security(("bearer" = [])),
    responses((status = 415, description = "not application/json", body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 201, body = DncEntry), (status = 200, description = "already listed", body = DncEntry), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
/// Any user may record a client's wish not to be called; adding twice keeps the first entry.
pub async fn add_dnc(
    State(state): State<HttpState>,
    caller: Caller,
    super::extract::Json(body): super::extract::Json<DncRequest>,
) -> Result<(StatusCode, Json<DncEntry>), ApiError> {
    let phone = e164(&state, &body.phone)?;
    let added = state
        .store
        .add_dnc(
            &phone,
            body.reason.as_deref(),
            ListSource::Api,
            &actor(&caller),
            Utc::now(),
        )
        .await?;
    Ok(match added {
        Added::New(e) => (StatusCode::CREATED, Json(e)),
        Added::Existing(e) => (StatusCode::OK, Json(e)),
    })
}

#[utoipa::path(delete, path = "/api/v1/dnc/{phone}", tag = "lists", params(("phone" = String, Path, description = "E.164 or national number (URL-encode +)")), security(("bearer" = [])),
    responses((status = 204, description = "closed"), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn remove_dnc(
    State(state): State<HttpState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Supervisor)?;
    let phone = e164(&state, &raw)?;
    if state
        .store
        .remove_dnc(&phone, &actor(&caller), Utc::now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "{phone} is not on the do-not-call list"
        )))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VipRequest {
    phone: String,
    agent: String,
}

#[utoipa::path(get, path = "/api/v1/vip", tag = "lists", security(("bearer" = [])),
    responses((status = 200, body = Vec<VipEntry>), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn list_vip(
    State(state): State<HttpState>,
    caller: Caller,
) -> Result<Json<Vec<VipEntry>>, ApiError> {
    caller.require(Role::Supervisor)?;
    Ok(Json(state.store.list_vip().await?))
}

#[utoipa::path(post, path = "/api/v1/vip", tag = "lists", request_body = VipRequest, security(("bearer" = [])),
    responses((status = 415, description = "not application/json", body = ErrorBody), (status = 413, description = "body over 64 KiB"), (status = 201, body = VipEntry), (status = 200, body = VipEntry), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn add_vip(
    State(state): State<HttpState>,
    caller: Caller,
    super::extract::Json(body): super::extract::Json<VipRequest>,
) -> Result<(StatusCode, Json<VipEntry>), ApiError> {
    caller.require(Role::Supervisor)?;
    let phone = e164(&state, &body.phone)?;
    match state
        .store
        .add_vip(&phone, &body.agent, &actor(&caller), Utc::now())
        .await
    {
        Ok(Added::New(e)) => Ok((StatusCode::CREATED, Json(e))),
        Ok(Added::Existing(e)) => Ok((StatusCode::OK, Json(e))),
        Err(StoreError::NotFound(m)) => Err(ApiError::bad_request(m)),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(delete, path = "/api/v1/vip/{phone}", tag = "lists", params(("phone" = String, Path, description = "E.164 or national number (URL-encode +)")), security(("bearer" = [])),
    responses((status = 204, description = "closed"), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody), (status = 401, description = "no or bad token", body = ErrorBody), (status = 403, description = "role not allowed", body = ErrorBody)))]
pub async fn remove_vip(
    State(state): State<HttpState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Supervisor)?;
    let phone = e164(&state, &raw)?;
    if state
        .store
        .remove_vip(&phone, &actor(&caller), Utc::now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "{phone} is not on the VIP list"
        )))
    }
}
