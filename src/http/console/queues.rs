//! The supervisors' work queues: complaints (assign, resolve with a closure code) and the callbacks
//! board with each request's SLA state. Supervisors and admins only.

use super::page::{PageError, Viewer};
use super::session::SameOrigin;
use crate::http::HttpState;
use crate::http::complaints::{publish_assigned, publish_resolved, store_error};
use crate::store::{CallbackRow, Role, SlaState};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use minijinja::{Value, context};
use serde::Deserialize;

/// Closure codes offered by the resolve form (any other text is accepted too).
const CLOSURE_CODES: &[&str] = &["explained", "refunded", "fixed", "apologised", "unfounded"];

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    /// open, assigned, resolved, all; absent: everything not yet resolved.
    status: Option<String>,
}

pub async fn complaints(
    State(state): State<HttpState>,
    viewer: Viewer,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let tab = q.status.as_deref().unwrap_or("").trim();
    let filter = match tab {
        "" | "working" => None,
        "all" => None,
        "open" | "assigned" | "resolved" => Some(tab),
        other => {
            return Err(PageError::bad_request(format!(
                "no complaint status {other:?}"
            )));
        }
    };
    let mut list = state.store.list_complaints(filter).await?;
    if matches!(tab, "" | "working") {
        list.retain(|c| c.status != "resolved");
    }
    let people: Vec<String> = state
        .store
        .list_agents()
        .await?
        .into_iter()
        .map(|a| a.id)
        .chain(std::iter::once(viewer.0.name.clone()))
        .collect();
    let ctx = context! {
        complaints => Value::from_serialize(&list),
        tab => if tab.is_empty() { "working" } else { tab },
        people => people,
        codes => CLOSURE_CODES,
    };
    Ok(viewer.page(&state, "complaints", "complaints.html", ctx))
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    to: String,
    back: Option<String>,
}

/// Where to go after a form: the queue tab it was sent from, at the complaint's row.
fn back_to(tab: Option<&str>, id: i64) -> Response {
    let tab = tab
        .filter(|t| matches!(*t, "open" | "assigned" | "resolved" | "all"))
        .unwrap_or("working");
    Redirect::to(&format!("/complaints?status={tab}#c{id}")).into_response()
}

pub async fn assign(
    State(state): State<HttpState>,
    _csrf: SameOrigin,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let to = form.to.trim();
    if to.is_empty() {
        return Err(PageError::bad_request(
            "say whom to assign the complaint to",
        ));
    }
    let complaint = state
        .store
        .assign_complaint(id, to)
        .await
        .map_err(store_error)?;
    publish_assigned(&state, &complaint, &viewer.0);
    Ok(back_to(form.back.as_deref(), id))
}

#[derive(Debug, Deserialize)]
pub struct ResolveForm {
    closure_code: String,
    back: Option<String>,
}

pub async fn resolve(
    State(state): State<HttpState>,
    _csrf: SameOrigin,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ResolveForm>,
) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let code = form.closure_code.trim();
    if code.is_empty() {
        return Err(PageError::bad_request("a closure code is required"));
    }
    let by = format!("console:{}", viewer.0.name);
    let complaint = state
        .store
        .resolve_complaint(id, code, &by, Utc::now())
        .await
        .map_err(store_error)?;
    publish_resolved(&state, &complaint, &viewer.0);
    Ok(back_to(form.back.as_deref(), id))
}

/// The same rules as `/metrics`' `frontdesk_callbacks{state=…}`.
pub fn sla_state(cb: &CallbackRow, now: DateTime<Utc>) -> SlaState {
    cb.sla_state(now)
}

pub async fn callbacks(
    State(state): State<HttpState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let now = Utc::now();
    let open = state.store.list_callbacks(None).await?;
    let (mut on_time, mut at_risk, mut breached, mut due) = (0, 0, 0, 0);
    let rows: Vec<Value> = open
        .iter()
        .map(|cb| {
            let sla = sla_state(cb, now);
            match sla {
                SlaState::OnTime => on_time += 1,
                SlaState::AtRisk => at_risk += 1,
                SlaState::Breached => breached += 1,
            }
            let is_due = cb.next_attempt_at <= now;
            due += i32::from(is_due);
            context! {
                cb => Value::from_serialize(cb),
                sla => Value::from_serialize(sla),
                due => is_due,
                left_minutes => (cb.sla_deadline - now).num_minutes(),
            }
        })
        .collect();
    let ctx = context! {
        rows => rows,
        counts => context! { on_time => on_time, at_risk => at_risk, breached => breached, due => due },
    };
    Ok(viewer.page(&state, "callbacks", "callbacks.html", ctx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CallbackStatus;
    use chrono::TimeZone;

    fn cb(deadline: DateTime<Utc>, at_risk: bool) -> CallbackRow {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        CallbackRow {
            id: 1,
            phone: "+37061234567".into(),
            source: "menu".into(),
            reason: None,
            requested_at: t,
            requested_by: None,
            agent_id: None,
            queue_position: None,
            dnc_consent: false,
            slot_start: t,
            slot_end: t,
            sla_deadline: deadline,
            at_risk,
            client_tz: "Europe/Vilnius".into(),
            plan_reason: String::new(),
            promise: None,
            status: CallbackStatus::Planned,
            attempts: 0,
            next_attempt_at: t,
            result: None,
            closed_at: None,
        }
    }

    #[test]
    fn sla_state_follows_deadline_then_flag() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let later = now + chrono::Duration::hours(2);
        let earlier = now - chrono::Duration::minutes(1);
        assert_eq!(sla_state(&cb(later, false), now), SlaState::OnTime);
        assert_eq!(sla_state(&cb(later, true), now), SlaState::AtRisk);
        assert_eq!(sla_state(&cb(earlier, false), now), SlaState::Breached);
        assert_eq!(sla_state(&cb(earlier, true), now), SlaState::Breached);
    }
}
