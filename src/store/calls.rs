//! Call rows and their event timelines.

use super::{Result, Store, from_ms, from_ms_opt, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The row a call gets when it first arrives; the rest is filled in as it proceeds.
#[derive(Debug, Clone)]
pub struct NewCall {
    pub id: String,
    pub sip_call_id: Option<String>,
    pub direction: &'static str,
    pub phone: Option<String>,
    pub caller_raw: Option<String>,
    pub started_at: DateTime<Utc>,
    pub node: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRow {
    pub id: String,
    pub phone: Option<String>,
    pub direction: String,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub hangup_by: Option<String>,
    pub outcome: Option<String>,
    pub agent: Option<String>,
    pub language: Option<String>,
    pub digits: String,
    pub recording: Option<String>,
    pub recording_sha256: Option<String>,
}

/// Which calls to list; newest first.
#[derive(Debug, Clone, Default)]
pub struct CallsFilter {
    pub since: Option<DateTime<Utc>>,
    pub phone: Option<String>,
    pub limit: i64,
}

fn call_from_row(r: &AnyRow) -> Result<CallRow> {
    Ok(CallRow {
        id: r.try_get("id")?,
        phone: r.try_get("phone")?,
        direction: r.try_get("direction")?,
        started_at: from_ms(r.try_get("started_at")?),
        answered_at: from_ms_opt(r.try_get("answered_at")?),
        ended_at: from_ms_opt(r.try_get("ended_at")?),
        hangup_by: r.try_get("hangup_by")?,
        outcome: r.try_get("outcome")?,
        agent: r.try_get("agent_id")?,
        language: r.try_get("language")?,
        digits: r.try_get("digits")?,
        recording: r.try_get("recording_path")?,
        recording_sha256: r.try_get("recording_sha256")?,
    })
}

impl Store {
    pub async fn insert_call(&self, call: &NewCall) -> Result<()> {
        sqlx::query(
            "INSERT INTO calls (id, sip_call_id, direction, phone, caller_raw, started_at, node) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&call.id)
        .bind(&call.sip_call_id)
        .bind(call.direction)
        .bind(&call.phone)
        .bind(&call.caller_raw)
        .bind(to_ms(call.started_at))
        .bind(&call.node)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn list_calls(&self, filter: &CallsFilter) -> Result<Vec<CallRow>> {
        let rows = sqlx::query(
            "SELECT id, phone, direction, started_at, answered_at, ended_at, hangup_by, outcome, \
               agent_id, language, digits, recording_path, recording_sha256 FROM calls \
             WHERE started_at >= $1 AND ($2 IS NULL OR phone = $2) \
             ORDER BY started_at DESC, id DESC LIMIT $3",
        )
        .bind(filter.since.map(to_ms).unwrap_or(i64::MIN))
        .bind(&filter.phone)
        .bind(if filter.limit > 0 { filter.limit } else { 100 })
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(call_from_row).collect()
    }
}
