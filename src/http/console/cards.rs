//! The client card: fields, DNC and VIP state, and the whole timeline, each line linking to the
//! call, complaint or callback it is about. Any signed-in role may read a card, as in the API; an
//! agent sees other agents' entries summarised, without a link.

use super::format::query_escape;
use super::page::{PageError, Viewer};
use crate::http::HttpState;
use crate::phone;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Find {
    phone: Option<String>,
}

/// The header's search box: a number as typed (national or international) to its card's page.
pub async fn find(
    State(state): State<HttpState>,
    _viewer: Viewer,
    Query(f): Query<Find>,
) -> Result<Response, PageError> {
    let raw = f.phone.unwrap_or_default();
    let e164 = phone::normalize(raw.trim(), state.region)
        .map_err(|e| PageError::bad_request(e.to_string()))?;
    Ok(Redirect::to(&format!("/clients/{}", query_escape(&e164))).into_response())
}

pub async fn card(
    State(state): State<HttpState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let phone =
        phone::normalize(&raw, state.region).map_err(|e| PageError::bad_request(e.to_string()))?;
    let card = state
        .store
        .card_for(&phone, &viewer.0.visibility())
        .await?
        .ok_or_else(|| PageError::not_found(format!("nothing is known about {phone}")))?;
    let timeline: Vec<Value> = card
        .timeline
        .iter()
        .rev()
        .map(|item| {
            let link = item
                .reference
                .as_deref()
                .and_then(|r| match item.kind.as_str() {
                    "call" | "survey" | "note" => Some(format!("/calls/{}", query_escape(r))),
                    "complaint" if viewer.supervisor() => {
                        Some(format!("/complaints?status=all#c{r}"))
                    }
                    "callback" if viewer.supervisor() => Some(format!("/callbacks#cb{r}")),
                    _ => None,
                });
            context! { item => Value::from_serialize(item), link => link }
        })
        .collect();
    let ctx = context! {
        card => Value::from_serialize(&card),
        timeline => timeline,
    };
    Ok(viewer.page(&state, "card", "card.html", ctx))
}
