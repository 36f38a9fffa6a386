//! Complaints (opened from a call, escalated at once, assigned, resolved with a closure code) and
//! agents' notes and dispositions.

use super::{Result, Store, StoreError, from_ms, from_ms_opt, to_ms};
use crate::notify::event::Event;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Complaint {
    pub id: i64,
    pub phone: Option<String>,
    pub call_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub message_path: Option<String>,
    /// open, assigned, resolved.
    pub status: String,
    pub assigned_to: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalated_to: Option<String>,
    pub closure_code: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Note {
    pub id: i64,
    pub phone: Option<String>,
    pub call_id: Option<String>,
    pub author: String,
    pub disposition: Option<String>,
    pub body: Option<String>,
    pub at: DateTime<Utc>,
}

const COLUMNS: &str = "id, phone, call_id, created_at, message_path, status, assigned_to, escalated_at, \
    escalated_to, closure_code, resolved_at, resolved_by";

fn complaint_from_row(r: &AnyRow) -> Result<Complaint> {
    Ok(Complaint {
        id: r.try_get("id")?,
        phone: r.try_get("phone")?,
        call_id: r.try_get("call_id")?,
        created_at: from_ms(r.try_get("created_at")?),
        message_path: r.try_get("message_path")?,
        status: r.try_get("status")?,
        assigned_to: r.try_get("assigned_to")?,
        escalated_at: from_ms_opt(r.try_get("escalated_at")?),
        escalated_to: r.try_get("escalated_to")?,
        closure_code: r.try_get("closure_code")?,
        resolved_at: from_ms_opt(r.try_get("resolved_at")?),
        resolved_by: r.try_get("resolved_by")?,
    })
}

impl Store {
    pub async fn complaint(&self, id: i64) -> Result<Option<Complaint>> {
        let sql = format!("SELECT {COLUMNS} FROM complaints WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(complaint_from_row).transpose()
    }

    /// Oldest first (the queue order); `status` filters when given.
    pub async fn list_complaints(&self, status: Option<&str>) -> Result<Vec<Complaint>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM complaints WHERE ($1 IS NULL OR status = $1) ORDER BY created_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(status)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(complaint_from_row).collect()
    }

    /// Gives an open or assigned complaint to someone; a resolved one stays resolved.
    pub async fn assign_complaint(&self, id: i64, to: &str) -> Result<Complaint> {
        let done = sqlx::query("UPDATE complaints SET status = 'assigned', assigned_to = $1 WHERE id = $2 AND status <> 'resolved'")
            .bind(to)
            .bind(id)
            .execute(self.pool())
            .await?;
        self.after_change(id, done.rows_affected()).await
    }

    /// Resolves a complaint; `complaint.resolved` is queued for the webhooks in the same
    /// transaction.
    pub async fn resolve_complaint(
        &self,
        id: i64,
        closure_code: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Complaint> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE complaints SET status = 'resolved', closure_code = $1, resolved_by = $2, resolved_at = $3 \
             WHERE id = $4 AND status <> 'resolved'",
        )
        .bind(closure_code)
        .bind(by)
        .bind(to_ms(at))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Err(self.why_unchanged(id).await);
        }
        let complaint = Self::complaint_tx(&mut tx, id).await?;
        self.enqueue_event_tx(&mut tx, &Event::ComplaintResolved(complaint.clone()), at)
            .await?;
        tx.commit().await?;
        Ok(complaint)
    }

    /// A complaint as `tx` sees it.
    pub(super) async fn complaint_tx(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Complaint> {
        let sql = format!("SELECT {COLUMNS} FROM complaints WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no complaint #{id}")))?;
        complaint_from_row(&row)
    }

    /// The complaint after a guarded UPDATE, or why the guard refused it.
    async fn after_change(&self, id: i64, rows_affected: u64) -> Result<Complaint> {
        if rows_affected == 0 {
            return Err(self.why_unchanged(id).await);
        }
        self.complaint(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no complaint #{id}")))
    }

    async fn why_unchanged(&self, id: i64) -> StoreError {
        match self.complaint(id).await {
            Ok(Some(_)) => StoreError::Conflict(format!("complaint #{id} is already resolved")),
            Ok(None) => StoreError::NotFound(format!("no complaint #{id}")),
            Err(e) => e,
        }
    }

    /// An agent's note or disposition code on a call (and so on the caller's card).
    pub async fn add_note(
        &self,
        phone: Option<&str>,
        call_id: Option<&str>,
        author: &str,
        disposition: Option<&str>,
        body: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Note> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notes (phone, call_id, author, disposition, body, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(phone)
        .bind(call_id)
        .bind(author)
        .bind(disposition)
        .bind(body)
        .bind(to_ms(at))
        .fetch_one(self.pool())
        .await?;
        Ok(Note {
            id,
            phone: phone.map(str::to_string),
            call_id: call_id.map(str::to_string),
            author: author.to_string(),
            disposition: disposition.map(str::to_string),
            body: body.map(str::to_string),
            at: from_ms(to_ms(at)),
        })
    }
}
