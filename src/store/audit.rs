//! The access-audit log: who played or downloaded which recording, when, and how. Append-only (the
//! schema's triggers refuse UPDATE and DELETE), so whatever goes in stays: every field written
//! here is bounded by construction (a user name, a call id, a canonical range), never a string a
//! request chose.

use super::{Result, Store, from_ms, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

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

/// Monitoring rows read at most per question (a supervisor's day holds far fewer).
const MONITOR_ROWS: i64 = 2000;

impl Store {
    /// The calls `actor` is listening in on now and in which mode, from their audit rows since
    /// `since`: the call writes `monitor` (detail: the mode) when their phone joins and at every
    /// switch, by the console or by their phone's keys, and `monitor-end` when it leaves. So a
    /// page opened later shows what the call itself did, not what some page asked. The `at`
    /// index bounds the read.
    pub async fn monitoring_modes(
        &self,
        actor: &str,
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, String>> {
        let rows = sqlx::query(
            "SELECT object, action, detail FROM audit_log WHERE at >= $1 AND actor = $2 \
             AND action IN ('monitor', 'monitor-end') ORDER BY id DESC LIMIT $3",
        )
        .bind(to_ms(since))
        .bind(actor)
        .bind(MONITOR_ROWS)
        .fetch_all(self.reader())
        .await?;
        let mut on = HashMap::new();
        for r in rows.iter().rev() {
            let object: String = r.try_get("object")?;
            let action: String = r.try_get("action")?;
            let detail: Option<String> = r.try_get("detail")?;
            match (action.as_str(), detail) {
                ("monitor", Some(mode)) => {
                    on.insert(object, mode);
                }
                _ => {
                    on.remove(&object);
                }
            }
        }
        Ok(on)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn monitoring_modes_follow_each_calls_last_row_for_that_supervisor() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("fd.db").display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let t0 = Utc::now() - chrono::Duration::minutes(10);
        let at = |s: i64| t0 + chrono::Duration::seconds(s);
        let rows = [
            ("sue", "monitor", "old", Some("barge"), -3600),
            ("sue", "monitor-request", "a", Some("listen"), 1),
            ("sue", "monitor", "a", Some("listen"), 2),
            ("sue", "monitor-request", "a", Some("whisper"), 3),
            ("sue", "monitor", "a", Some("whisper"), 4),
            ("sue", "monitor", "b", Some("listen"), 5),
            ("sue", "monitor-end", "b", Some("ended (us) after 3 s"), 6),
            ("sue", "monitor-request", "c", Some("listen"), 7),
            ("max", "monitor", "d", Some("barge"), 8),
            ("sue", "recording", "d", Some("download"), 9),
        ];
        for (actor, action, object, detail, s) in rows {
            store
                .audit(actor, action, object, detail, at(s))
                .await
                .unwrap();
        }
        let modes = store.monitoring_modes("sue", t0).await.unwrap();
        // a: switched to whisper; b: ended; c: only asked (the phone never joined); old: before
        // `since`; d: another supervisor's.
        assert_eq!(
            modes,
            HashMap::from([("a".to_string(), "whisper".to_string())])
        );
        assert_eq!(
            store.monitoring_modes("max", t0).await.unwrap(),
            HashMap::from([("d".to_string(), "barge".to_string())])
        );
        store.close().await;
    }
}
