//! The access-audit log: who played or downloaded which recording, when, and how. Append-only (the
//! schema's triggers refuse UPDATE and DELETE).

use super::{Result, Store, from_ms, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
        .fetch_all(self.pool())
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
