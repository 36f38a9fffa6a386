//! Recordings on their way to object storage (`recording_uploads`): one row per call recording,
//! written before the first attempt and marked stored only once the stored copy's SHA-256 matched.
//! The node that recorded a call is the only one holding its file, so each node works its own rows.

use super::{Result, Store, from_ms_opt, to_ms};
use crate::notify::event::{Event, RecordingReady};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// A recording waiting to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub call_id: String,
    pub local_path: String,
    pub sha256: String,
    pub object_key: String,
    pub attempts: i64,
}

/// A stored recording whose object is to be deleted (retention, erasure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDeletion {
    pub call_id: String,
    pub object_key: String,
    pub attempts: i64,
}

/// The statement that asks for the deletion of the stored objects of some calls (`$1` is now);
/// the caller appends the `WHERE`. Run in the transaction that drops the calls' recordings.
pub(super) const REQUEST_DELETION: &str = "UPDATE recording_uploads SET \
    delete_requested_at = COALESCE(delete_requested_at, $1), \
    delete_next_at = COALESCE(delete_next_at, $1)";

/// Where a call's recording lives once it left its node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecording {
    pub object_key: String,
    pub sha256: String,
    pub stored_at: Option<DateTime<Utc>>,
}

/// Upload figures for `/metrics`, store-wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UploadCounts {
    /// Recordings not yet stored (on their node's disk).
    pub pending: i64,
    /// Of those, the ones whose last attempt failed.
    pub failing: i64,
}

impl Store {
    /// Registers a finished recording for upload (once: a second registration of the same call is
    /// ignored). Returns whether a row was written.
    pub async fn queue_upload(
        &self,
        call_id: &str,
        node: &str,
        local_path: &str,
        sha256: &str,
        object_key: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO recording_uploads \
               (call_id, node, local_path, sha256, object_key, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (call_id) DO NOTHING",
        )
        .bind(call_id)
        .bind(node)
        .bind(local_path)
        .bind(sha256)
        .bind(object_key)
        .bind(to_ms(now))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// This node's closed calls whose recording (path and SHA-256 known) was never registered for
    /// upload: those a crash cut off, and those recorded before object storage was configured.
    pub async fn unqueued_recordings(
        &self,
        node: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query(
            "SELECT c.id, c.recording_path, c.recording_sha256 FROM calls c \
             WHERE c.node = $1 AND c.ended_at IS NOT NULL AND c.recording_path IS NOT NULL \
               AND c.recording_sha256 IS NOT NULL \
               AND NOT EXISTS (SELECT 1 FROM recording_uploads u WHERE u.call_id = c.id) \
             ORDER BY c.started_at LIMIT $2",
        )
        .bind(node)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("recording_path")?,
                    r.try_get("recording_sha256")?,
                ))
            })
            .collect()
    }

    /// This node's uploads due at `now`, oldest due first.
    pub async fn due_uploads(
        &self,
        node: &str,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<PendingUpload>> {
        let rows = sqlx::query(
            "SELECT call_id, local_path, sha256, object_key, attempts FROM recording_uploads \
             WHERE node = $1 AND stored_at IS NULL AND delete_requested_at IS NULL \
               AND next_attempt_at <= $2 \
             ORDER BY next_attempt_at LIMIT $3",
        )
        .bind(node)
        .bind(to_ms(now))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingUpload {
                    call_id: r.try_get("call_id")?,
                    local_path: r.try_get("local_path")?,
                    sha256: r.try_get("sha256")?,
                    object_key: r.try_get("object_key")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// A failed attempt: counted, its error kept, the next one planned.
    pub async fn upload_failed(
        &self,
        call_id: &str,
        error: &str,
        next_at: DateTime<Utc>,
    ) -> Result<()> {
        // The error is ours (storage client text) but bounded anyway: the row is kept.
        let error: String = error.chars().take(500).collect();
        sqlx::query(
            "UPDATE recording_uploads SET attempts = attempts + 1, last_error = $1, \
               next_attempt_at = $2 WHERE call_id = $3 AND stored_at IS NULL",
        )
        .bind(error)
        .bind(to_ms(next_at))
        .bind(call_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The stored copy was read back and matched: from now on every node serves it from storage.
    /// `recording.ready` is queued for the webhooks in the same transaction, once. False when the
    /// row is gone (retention or an erasure removed the recording and its deletion already ran
    /// while this upload was under way): the caller then deletes the copy it just stored.
    pub async fn upload_stored(&self, call_id: &str, at: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "UPDATE recording_uploads SET attempts = attempts + 1, last_error = NULL, \
               stored_at = $1 WHERE call_id = $2 AND stored_at IS NULL \
             RETURNING sha256, delete_requested_at",
        )
        .bind(to_ms(at))
        .bind(call_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM recording_uploads WHERE call_id = $1")
                    .bind(call_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            tx.commit().await?;
            return Ok(known.is_some());
        };
        let sha256: String = row.try_get("sha256")?;
        let deleting: Option<i64> = row.try_get("delete_requested_at")?;
        if deleting.is_none() {
            let phone: Option<String> = sqlx::query_scalar("SELECT phone FROM calls WHERE id = $1")
                .bind(call_id)
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
            let event =
                Event::RecordingReady(RecordingReady::new(call_id, phone, &sha256, "object"));
            self.enqueue_event_tx(&mut tx, &event, at).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Stored objects whose deletion is due, store-wide (any node with the storage deletes).
    pub async fn due_deletions(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<PendingDeletion>> {
        let rows = sqlx::query(
            "SELECT call_id, object_key, delete_attempts FROM recording_uploads \
             WHERE delete_requested_at IS NOT NULL AND delete_next_at <= $1 \
             ORDER BY delete_next_at LIMIT $2",
        )
        .bind(to_ms(now))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingDeletion {
                    call_id: r.try_get("call_id")?,
                    object_key: r.try_get("object_key")?,
                    attempts: r.try_get("delete_attempts")?,
                })
            })
            .collect()
    }

    /// The object is gone from the storage: only now does the last reference to it go.
    pub async fn object_deleted(&self, call_id: &str) -> Result<()> {
        sqlx::query(
            "DELETE FROM recording_uploads WHERE call_id = $1 AND delete_requested_at IS NOT NULL",
        )
        .bind(call_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A failed deletion: counted, its error kept, the next one planned.
    pub async fn deletion_failed(
        &self,
        call_id: &str,
        error: &str,
        next_at: DateTime<Utc>,
    ) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        sqlx::query(
            "UPDATE recording_uploads SET delete_attempts = delete_attempts + 1, \
               delete_error = $1, delete_next_at = $2 WHERE call_id = $3",
        )
        .bind(error)
        .bind(to_ms(next_at))
        .bind(call_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Stored objects waiting to be deleted, store-wide, and how many of them failed at least once.
    pub async fn deletion_counts(&self) -> Result<(i64, i64)> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS pending, \
               COALESCE(SUM(CASE WHEN delete_attempts > 0 THEN 1 ELSE 0 END), 0) AS failing \
             FROM recording_uploads WHERE delete_requested_at IS NOT NULL",
        )
        .fetch_one(self.reader())
        .await?;
        Ok((r.try_get("pending")?, r.try_get("failing")?))
    }

    /// Where a call's recording was stored, if it was.
    pub async fn stored_recording(&self, call_id: &str) -> Result<Option<StoredRecording>> {
        let row = sqlx::query(
            "SELECT object_key, sha256, stored_at FROM recording_uploads \
             WHERE call_id = $1 AND stored_at IS NOT NULL AND delete_requested_at IS NULL",
        )
        .bind(call_id)
        .fetch_optional(self.reader())
        .await?;
        row.map(|r| {
            Ok(StoredRecording {
                object_key: r.try_get("object_key")?,
                sha256: r.try_get("sha256")?,
                stored_at: from_ms_opt(r.try_get("stored_at")?),
            })
        })
        .transpose()
    }

    /// Recordings not yet stored, store-wide, and how many of them have failed at least once.
    pub async fn upload_counts(&self) -> Result<UploadCounts> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS pending, \
               COALESCE(SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS failing \
             FROM recording_uploads WHERE stored_at IS NULL AND delete_requested_at IS NULL",
        )
        .fetch_one(self.reader())
        .await?;
        Ok(UploadCounts {
            pending: r.try_get("pending")?,
            failing: r.try_get("failing")?,
        })
    }
}
