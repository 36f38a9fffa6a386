//! Erasing a client: an explicit, attributed act. The card's personal data, its recordings and
//! complaint messages, note bodies and free text go; rows that figures are made of (calls,
//! surveys, callbacks, complaints, dispositions) stay under a random pseudonym instead of the
//! number. The DNC entry stays unless asked: the person said not to call them, and erasing that
//! would make them callable again. What was done is kept in `erasures` and on the audit log.

use super::files::{self, Removed};
use super::{Result, Store, StoreError, from_ms, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

/// Longest reason kept (the erasures row and the audit detail stay small).
pub const MAX_REASON_CHARS: usize = 500;

/// What one erasure removed or pseudonymised, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErasureCounts {
    /// Card rows deleted (0 or 1).
    pub card: u64,
    pub calls: u64,
    pub recordings: u64,
    pub callbacks: u64,
    pub complaints: u64,
    pub complaint_messages: u64,
    pub surveys: u64,
    pub notes: u64,
    pub card_events: u64,
    pub vip_entries: u64,
    /// DNC entries pseudonymised (only with `include_dnc`).
    pub dnc_entries: u64,
    pub files_deleted: u64,
    pub files_missing: u64,
    /// Recordings in object storage whose deletion there was queued with the erasure.
    #[serde(default)]
    pub objects: u64,
}

/// The record of an erasure (the number itself is not in it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Erasure {
    pub id: i64,
    /// What the number's remaining rows now carry instead of it.
    pub pseudonym: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub reason: String,
    pub include_dnc: bool,
    pub removed: ErasureCounts,
}

/// Runs one `UPDATE … WHERE phone = $1` with `$2` the pseudonym and `$3` the instant.
async fn rewrite(
    tx: &mut Transaction<'_, Any>,
    sql: &str,
    phone: &str,
    pseudo: &str,
    now: i64,
) -> Result<u64> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(phone)
        .bind(pseudo)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

impl Store {
    /// Erases everything personal held about `phone` (see the module's doc). Refused with
    /// `Conflict` while a call with the number is in progress or a callback to it is dialling:
    /// the caller can erase once it has ended.
    pub async fn erase_client(
        &self,
        phone: &str,
        actor: &str,
        reason: &str,
        include_dnc: bool,
        now: DateTime<Utc>,
    ) -> Result<Erasure> {
        let reason: String = reason.trim().chars().take(MAX_REASON_CHARS).collect();
        if reason.is_empty() {
            return Err(StoreError::Conflict("an erasure needs a reason".into()));
        }
        if !self.knows(phone).await? && self.dnc_entry(phone).await?.is_none() {
            return Err(StoreError::NotFound(format!(
                "nothing is known about {phone}"
            )));
        }
        let pseudo = format!("erased:{}", uuid::Uuid::new_v4().simple());
        let at = to_ms(now);
        let mut tx = self.pool().begin().await?;
        let live: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM calls WHERE phone = $1 AND ended_at IS NULL) \
             + (SELECT COUNT(*) FROM callbacks WHERE phone = $1 AND status = 'dialing')",
        )
        .bind(phone)
        .fetch_one(&mut *tx)
        .await?;
        if live > 0 {
            return Err(StoreError::Conflict(format!(
                "{phone} has a call in progress; erase it once the call has ended"
            )));
        }
        let mut found: Vec<Vec<String>> = Vec::new();
        for sql in [
            "SELECT recording_path FROM calls WHERE phone = $1 AND recording_path IS NOT NULL",
            "SELECT message_path FROM complaints WHERE phone = $1 AND message_path IS NOT NULL",
        ] {
            let rows = sqlx::query(sql).bind(phone).fetch_all(&mut *tx).await?;
            found.push(
                rows.iter()
                    .map(|r| r.try_get(0))
                    .collect::<std::result::Result<_, _>>()?,
            );
        }
        let mut n = ErasureCounts {
            recordings: found[0].len() as u64,
            complaint_messages: found[1].len() as u64,
            ..ErasureCounts::default()
        };
        let files: Vec<String> = found.concat();
        // Recordings already in object storage: deleted there by the storage's worker, which
        // drops the last reference (the upload row, no personal data) only once the object is gone.
        let sql = format!(
            "{} WHERE call_id IN (SELECT id FROM calls WHERE phone = $2)",
            super::uploads::REQUEST_DELETION
        );
        n.objects = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(at)
            .bind(phone)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // The number may also sit inside a call's event details (screening, transfers).
        sqlx::query(
            "UPDATE call_events SET detail = REPLACE(detail, $1, $2) \
             WHERE call_id IN (SELECT id FROM calls WHERE phone = $1) AND detail IS NOT NULL",
        )
        .bind(phone)
        .bind(&pseudo)
        .execute(&mut *tx)
        .await?;
        n.calls = rewrite(
            &mut tx,
            "UPDATE calls SET phone = $2, caller_raw = NULL, from_number = NULL, \
             asserted_number = NULL, recording_path = NULL, recording_sha256 = NULL, \
             recording_removed_at = CASE WHEN recording_path IS NULL THEN recording_removed_at ELSE $3 END \
             WHERE phone = $1",
            phone,
            &pseudo,
            at,
        )
        .await?;
        // Callbacks still to come are cancelled: nobody is left to call back.
        n.callbacks = rewrite(
            &mut tx,
            "UPDATE callbacks SET phone = $2, reason = NULL, \
             result = CASE WHEN status = 'planned' THEN 'erased' ELSE result END, \
             closed_at = CASE WHEN status = 'planned' THEN $3 ELSE closed_at END, \
             status = CASE WHEN status = 'planned' THEN 'cancelled' ELSE status END, \
             updated_at = $3 WHERE phone = $1",
            phone,
            &pseudo,
            at,
        )
        .await?;
        n.complaints = rewrite(
            &mut tx,
            "UPDATE complaints SET phone = $2, message_path = NULL, \
             message_removed_at = CASE WHEN message_path IS NULL THEN message_removed_at ELSE $3 END \
             WHERE phone = $1",
            phone,
            &pseudo,
            at,
        )
        .await?;
        n.surveys = rewrite(
            &mut tx,
            "UPDATE survey_scores SET phone = $2 WHERE phone = $1 AND $3 = $3",
            phone,
            &pseudo,
            at,
        )
        .await?;
        n.notes = rewrite(
            &mut tx,
            "UPDATE notes SET phone = $2, body = NULL WHERE phone = $1 AND $3 = $3",
            phone,
            &pseudo,
            at,
        )
        .await?;
        n.card_events = rewrite(
            &mut tx,
            "UPDATE card_events SET phone = $2, detail = NULL WHERE phone = $1 AND $3 = $3",
            phone,
            &pseudo,
            at,
        )
        .await?;
        n.vip_entries = rewrite(
            &mut tx,
            "UPDATE vip_entries SET phone = $2, \
             removed_at = COALESCE(removed_at, $3), removed_by = COALESCE(removed_by, 'erasure') \
             WHERE phone = $1",
            phone,
            &pseudo,
            at,
        )
        .await?;
        if include_dnc {
            n.dnc_entries = rewrite(
                &mut tx,
                "UPDATE dnc_entries SET phone = $2, reason = NULL, \
                 removed_at = COALESCE(removed_at, $3), removed_by = COALESCE(removed_by, 'erasure') \
                 WHERE phone = $1",
                phone,
                &pseudo,
                at,
            )
            .await?;
        }
        n.card = sqlx::query("DELETE FROM clients WHERE phone = $1")
            .bind(phone)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Files go before the commit: a file that cannot be deleted undoes the whole erasure, so
        // a row never claims a recording is gone while it is still on disk.
        for path in &files {
            match files::remove(path).await {
                Removed::Deleted => n.files_deleted += 1,
                Removed::Missing => n.files_missing += 1,
                Removed::Failed(source) => {
                    return Err(StoreError::File {
                        path: path.clone(),
                        source,
                    });
                }
            }
        }
        let removed = serde_json::to_string(&n)
            .map_err(|e| StoreError::Corrupt(format!("erasure counts: {e}")))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO erasures (pseudonym, at, actor, reason, include_dnc, removed) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&pseudo)
        .bind(at)
        .bind(actor)
        .bind(&reason)
        .bind(i64::from(include_dnc))
        .bind(&removed)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, object, detail) VALUES ($1, $2, 'erase', $3, $4)",
        )
        .bind(at)
        .bind(actor)
        .bind(format!("erasure:{id}"))
        .bind(&removed)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Erasure {
            id,
            pseudonym: pseudo,
            at: from_ms(at),
            actor: actor.to_string(),
            reason,
            include_dnc,
            removed: n,
        })
    }

    /// Every erasure, newest first.
    pub async fn list_erasures(&self) -> Result<Vec<Erasure>> {
        let rows = sqlx::query(
            "SELECT id, pseudonym, at, actor, reason, include_dnc, removed FROM erasures ORDER BY id DESC",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let removed: String = r.try_get("removed")?;
                Ok(Erasure {
                    id: r.try_get("id")?,
                    pseudonym: r.try_get("pseudonym")?,
                    at: from_ms(r.try_get("at")?),
                    actor: r.try_get("actor")?,
                    reason: r.try_get("reason")?,
                    include_dnc: r.try_get::<i64, _>("include_dnc")? == 1,
                    removed: serde_json::from_str(&removed)
                        .map_err(|e| StoreError::Corrupt(format!("erasure counts: {e}")))?,
                })
            })
            .collect()
    }
}
