//! The access-audit log: who played or downloaded which recording, when, and how. Append-only (the
//! schema's triggers refuse UPDATE and DELETE), so whatever goes in stays: every field written
//! here is bounded by construction (a user name, a call id, a canonical range), never a string a
//! request chose.

use super::{Result, Store, from_ms, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: Option<String>,
}

/// How a recording was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingAccess {
    /// The whole file.
    Download,
    /// The inclusive byte range `start..=end`, resolved against the file (a player seeking).
    Play { start: u64, end: u64 },
}

impl RecordingAccess {
    /// The audit row's detail: `download` or `play (bytes=0-1023)`, at most 54 characters.
    pub fn detail(self) -> String {
        match self {
            RecordingAccess::Download => "download".into(),
            RecordingAccess::Play { start, end } => format!("play (bytes={start}-{end})"),
        }
    }
}

/// Details longer than this (written before ranges were canonical) are cut when listed, so one
/// page of the log stays small whatever the table holds (the query says 256 as a literal).
pub const LISTED_DETAIL_CHARS: usize = 256;

impl Store {
    /// Records that `actor` reached the recording of call `call_id`, before a byte is sent.
    pub async fn audit_recording(
        &self,
        actor: &str,
        call_id: &str,
        access: RecordingAccess,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.audit(actor, "recording", call_id, Some(&access.detail()), at)
            .await
    }

    /// Appends one entry; callers pass bounded values only (see the module's doc).
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        object: &str,
        detail: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, object, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(to_ms(at))
        .bind(actor)
        .bind(action)
        .bind(object)
        .bind(detail)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Newest first: up to `limit` entries with an id below `before` (all when `None`). Keyset
    /// by id, so pages stay stable while entries are added.
    pub async fn list_audit(&self, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, object, substr(detail, 1, 256) AS detail FROM audit_log \
             WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: from_ms(r.try_get("at")?),
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    object: r.try_get("object")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Figures for `/metrics`: calls by outcome, open callbacks by SLA state, agents by presence.
    pub async fn metric_figures(&self, now: DateTime<Utc>) -> Result<crate::metrics::StoreFigures> {
        let pairs = |rows: Vec<sqlx::any::AnyRow>| -> Result<Vec<(String, i64)>> {
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
                        r.try_get(1)?,
                    ))
                })
                .collect()
        };
        let calls = sqlx::query("SELECT COALESCE(outcome, 'in_progress'), COUNT(*) FROM calls GROUP BY COALESCE(outcome, 'in_progress') ORDER BY 1")
            .fetch_all(self.reader())
            .await?;
        let callbacks = sqlx::query(
            "SELECT 'due', COUNT(*) FROM callbacks WHERE status = 'planned' AND next_attempt_at <= $1 \
             UNION ALL SELECT 'at_risk', COUNT(*) FROM callbacks WHERE status IN ('planned', 'dialing') AND at_risk = 1 \
             UNION ALL SELECT 'breached', COUNT(*) FROM callbacks WHERE status IN ('planned', 'dialing') AND sla_deadline < $1",
        )
        .bind(to_ms(now))
        .fetch_all(self.reader())
        .await?;
        let a = self.agent_counts(now).await?;
        let agents = [
            ("available", a.available),
            ("ringing", a.ringing),
            ("in_call", a.in_call),
            ("wrap_up", a.wrap_up),
            ("away", a.away),
        ]
        .into_iter()
        .map(|(s, n)| (s.to_string(), n as i64))
        .collect();
        Ok(crate::metrics::StoreFigures {
            calls_by_outcome: pairs(calls)?,
            callbacks_by_state: pairs(callbacks)?,
            agents_by_state: agents,
            recordings_unstored: {
                let u = self.upload_counts().await?;
                (u.pending, u.failing)
            },
            recordings_undeleted: self.deletion_counts().await?,
        })
    }
}
