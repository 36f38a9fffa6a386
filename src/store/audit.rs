//! The access-audit log: who played or downloaded which recording, when, and how. Append-only (the
//! schema's triggers refuse UPDATE and DELETE).

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

impl Store {
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

    /// Newest first.
    pub async fn list_audit(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, object, detail FROM audit_log ORDER BY id DESC LIMIT $1",
        )
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
        })
    }
}
