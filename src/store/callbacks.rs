//! Callback requests with their planned slot, SLA deadline and the planner's reason.

use super::{Result, Store, StoreError, from_ms, from_ms_opt, to_ms};
use crate::notify::event::Event;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::str::FromStr;

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackSource {
    /// Menu key 2.
    Menu,
    /// The "callback, keeping your place" offer while queued.
    Queue,
    /// The caller hung up while queued.
    Abandoned,
    Complaint,
    AfterHours,
    Api,
    /// `frontdesk callbacks request` (e-mail, web form, walk-in…).
    Cli,
    /// The caller was waiting in the queue on a node that was lost; the callback keeps their place.
    #[serde(rename = "node-lost")]
    NodeLost,
}

impl CallbackSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackSource::Menu => "menu",
            CallbackSource::Queue => "queue",
            CallbackSource::Abandoned => "abandoned",
            CallbackSource::Complaint => "complaint",
            CallbackSource::AfterHours => "after_hours",
            CallbackSource::Api => "api",
            CallbackSource::Cli => "cli",
            CallbackSource::NodeLost => "node-lost",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallbackStatus {
    /// Waiting for its slot (or its next attempt).
    Planned,
    /// Claimed by a node that is dialling it.
    Dialing,
    /// The client was reached.
    Done,
    /// Ended without reaching the client (unreachable, DNC at dial time…); `result` says why.
    Closed,
    Cancelled,
}

impl CallbackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackStatus::Planned => "planned",
            CallbackStatus::Dialing => "dialing",
            CallbackStatus::Done => "done",
            CallbackStatus::Closed => "closed",
            CallbackStatus::Cancelled => "cancelled",
        }
    }
}

impl FromStr for CallbackStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "planned" => CallbackStatus::Planned,
            "dialing" => CallbackStatus::Dialing,
            "done" => CallbackStatus::Done,
            "closed" => CallbackStatus::Closed,
            "cancelled" => CallbackStatus::Cancelled,
            other => return Err(format!("unknown callback status {other:?}")),
        })
    }
}

/// A request to store, already planned.
#[derive(Debug, Clone)]
pub struct NewCallback {
    pub phone: String,
    pub source: CallbackSource,
    pub reason: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub requested_by: Option<String>,
    /// The named person it was passed to (VIP consultant, manager).
    pub agent_id: Option<String>,
    pub call_id: Option<String>,
    /// The caller's place in the queue when they chose a callback; goes out before later requests.
    pub queue_position: Option<i64>,
    /// A DNC caller agreed, in this call, to this one callback.
    pub dnc_consent: bool,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub sla_deadline: DateTime<Utc>,
    pub at_risk: bool,
    pub client_tz: String,
    pub plan_reason: String,
    /// The sentence that tells the client when they will be called (`announce::promise`).
    pub promise: Option<String>,
    /// The promise e-mailed to the client (`[notify.email]` on and an address on the card):
    /// queued in the webhooks' outbox in the insert's own transaction.
    pub email: Option<PromiseEmail>,
}

/// Where and under which subject the promise is e-mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseEmail {
    pub to: String,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CallbackRow {
    pub id: i64,
    pub phone: String,
    /// Where the request came from: `menu`, `queue` (kept a queue place), `abandoned` (hung up
    /// while queued), `complaint`, `after_hours`, `api`, `cli`, or `node-lost` (waiting in the
    /// queue on a node that was lost; keeps the place).
    pub source: String,
    pub reason: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub requested_by: Option<String>,
    pub agent_id: Option<String>,
    /// The caller's place in the whole queue when the request was made (`queue`, `abandoned`,
    /// `node-lost`): goes out before later requests.
    pub queue_position: Option<i64>,
    pub dnc_consent: bool,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub sla_deadline: DateTime<Utc>,
    pub at_risk: bool,
    pub client_tz: String,
    pub plan_reason: String,
    /// What the client was promised, in their language and time zone, word for word.
    pub promise: Option<String>,
    pub status: CallbackStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub result: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Where an open callback stands against its deadline (the rule `/metrics`, the console and the
/// CLI all use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlaState {
    OnTime,
    /// The planner could not fit it before the deadline (flagged when planned).
    AtRisk,
    /// The deadline has passed and it is still open.
    Breached,
}

impl CallbackRow {
    pub fn sla_state(&self, now: DateTime<Utc>) -> SlaState {
        if self.sla_deadline < now {
            SlaState::Breached
        } else if self.at_risk {
            SlaState::AtRisk
        } else {
            SlaState::OnTime
        }
    }
}

pub(super) const COLUMNS: &str = "id, phone, source, reason, requested_at, requested_by, agent_id, \
    queue_position, dnc_consent, slot_start, slot_end, sla_deadline, at_risk, client_tz, plan_reason, \
    promise, status, attempts, next_attempt_at, result, closed_at";

pub(super) fn callback_from_row(r: &AnyRow) -> Result<CallbackRow> {
    let status: String = r.try_get("status")?;
    Ok(CallbackRow {
        id: r.try_get("id")?,
        phone: r.try_get("phone")?,
        source: r.try_get("source")?,
        reason: r.try_get("reason")?,
        requested_at: from_ms(r.try_get("requested_at")?),
        requested_by: r.try_get("requested_by")?,
        agent_id: r.try_get("agent_id")?,
        queue_position: r.try_get("queue_position")?,
        dnc_consent: r.try_get::<i64, _>("dnc_consent")? != 0,
        slot_start: from_ms(r.try_get("slot_start")?),
        slot_end: from_ms(r.try_get("slot_end")?),
        sla_deadline: from_ms(r.try_get("sla_deadline")?),
        at_risk: r.try_get::<i64, _>("at_risk")? != 0,
        client_tz: r.try_get("client_tz")?,
        plan_reason: r.try_get("plan_reason")?,
        promise: r.try_get("promise")?,
        status: status.parse().map_err(StoreError::Corrupt)?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: from_ms(r.try_get("next_attempt_at")?),
        result: r.try_get("result")?,
        closed_at: from_ms_opt(r.try_get("closed_at")?),
    })
}

impl Store {
    pub async fn insert_callback(
        &self,
        cb: &NewCallback,
        now: DateTime<Utc>,
    ) -> Result<CallbackRow> {
        let mut tx = self.pool().begin().await?;
        let row = self.insert_callback_tx(&mut tx, cb, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Stores a planned request inside `tx`, with its `callback.planned` event and its promise
    /// e-mail in the webhooks' outbox: all or nothing.
    pub(super) async fn insert_callback_tx(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        cb: &NewCallback,
        now: DateTime<Utc>,
    ) -> Result<CallbackRow> {
        let id = insert_callback_row(tx, cb, now).await?;
        let sql = format!("SELECT {COLUMNS} FROM callbacks WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("callback {id} vanished")))?;
        let row = callback_from_row(&row)?;
        self.enqueue_event_tx(tx, &Event::CallbackPlanned(row.clone()), now)
            .await?;
        if let (Some(mail), Some(promise)) = (&cb.email, &row.promise) {
            let body = serde_json::json!({
                "to": mail.to,
                "subject": mail.subject,
                "text": promise,
                "callback": row.id,
            })
            .to_string();
            let to = [format!("mailto:{}", mail.to.trim())];
            self.enqueue_webhooks_tx(tx, "callback.promise.email", &body, &to, now)
                .await?;
        }
        Ok(row)
    }

    pub async fn callback(&self, id: i64) -> Result<Option<CallbackRow>> {
        let sql = format!("SELECT {COLUMNS} FROM callbacks WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(callback_from_row).transpose()
    }

    /// Open requests (planned or being dialled), in dispatch order: queue-position callbacks first,
    /// then by their next attempt. With `due_at`, only those whose next attempt has come.
    /// Every request, whatever its status (done, closed and cancelled too), oldest first.
    pub async fn all_callbacks(&self) -> Result<Vec<CallbackRow>> {
        let sql = format!("SELECT {COLUMNS} FROM callbacks ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(callback_from_row).collect()
    }

    pub async fn list_callbacks(&self, due_at: Option<DateTime<Utc>>) -> Result<Vec<CallbackRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM callbacks WHERE status IN ('planned', 'dialing') \
             AND next_attempt_at <= $1 \
             ORDER BY CASE WHEN queue_position IS NULL THEN 1 ELSE 0 END, next_attempt_at, \
               queue_position, id"
        );
        let limit = due_at.map(to_ms).unwrap_or(i64::MAX);
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(callback_from_row).collect()
    }
}

/// The callback row itself, inside `tx`; returns its id.
async fn insert_callback_row(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    cb: &NewCallback,
    now: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO callbacks (phone, source, reason, requested_at, requested_by, agent_id, \
           call_id, queue_position, dnc_consent, slot_start, slot_end, sla_deadline, at_risk, \
           client_tz, plan_reason, promise, status, attempts, next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $17, 'planned', 0, \
           $10, $16, $16) RETURNING id",
    )
    .bind(&cb.phone)
    .bind(cb.source.as_str())
    .bind(&cb.reason)
    .bind(to_ms(cb.requested_at))
    .bind(&cb.requested_by)
    .bind(&cb.agent_id)
    .bind(&cb.call_id)
    .bind(cb.queue_position)
    .bind(i64::from(cb.dnc_consent))
    .bind(to_ms(cb.slot_start))
    .bind(to_ms(cb.slot_end))
    .bind(to_ms(cb.sla_deadline))
    .bind(i64::from(cb.at_risk))
    .bind(&cb.client_tz)
    .bind(&cb.plan_reason)
    .bind(to_ms(now))
    .bind(&cb.promise)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}
