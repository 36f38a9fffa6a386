//! A node lost: what the survivors close for it. A node says it is alive every few seconds
//! (`nodes.seen_at`, written by the distributor's sweep); one silent for [`NODE_SILENT_MS`] is
//! taken for dead, and its open call rows are closed as `hangup_by = node-lost`, each with a line
//! on its timeline, so the calls list and the cards stop showing calls nobody is on.

use super::{NODE_SILENT_MS, Result, Store, to_ms};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// Rows closed per pass (a node holds at most `[calls] max_concurrent`).
const BATCH: i64 = 500;

impl Store {
    /// Nodes other than `me` silent at `now`.
    pub async fn silent_nodes(&self, me: &str, now: DateTime<Utc>) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT node FROM nodes WHERE seen_at < $1 AND node <> $2")
            .bind(to_ms(now) - NODE_SILENT_MS)
            .bind(me)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(r.try_get("node")?)).collect()
    }

    /// Closes the open calls of the silent node `node` as lost with it (ended when it was last
    /// heard of, never before the call started); returns the ids closed by this call. Several
    /// survivors may do it at once: each row is closed once, by whoever gets it first.
    pub async fn close_lost_calls(&self, node: &str, now: DateTime<Utc>) -> Result<Vec<String>> {
        let last_seen: Option<i64> =
            sqlx::query_scalar("SELECT seen_at FROM nodes WHERE node = $1 AND seen_at < $2")
                .bind(node)
                .bind(to_ms(now) - NODE_SILENT_MS)
                .fetch_optional(self.pool())
                .await?;
        // Heard of again meanwhile: not lost.
        let Some(last_seen) = last_seen else {
            return Ok(Vec::new());
        };
        let open: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, started_at FROM calls WHERE ended_at IS NULL AND node = $1 \
             ORDER BY started_at LIMIT $2",
        )
        .bind(node)
        .bind(BATCH)
        .fetch_all(self.pool())
        .await?;
        let mut closed = Vec::new();
        for (id, started_at) in open {
            let ended_at = last_seen.max(started_at);
            let mut tx = self.pool().begin().await?;
            let done = sqlx::query(
                "UPDATE calls SET ended_at = $1, hangup_by = 'node-lost', \
                   outcome = COALESCE(outcome, 'failed') WHERE id = $2 AND ended_at IS NULL",
            )
            .bind(ended_at)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                sqlx::query(
                    "INSERT INTO call_events (call_id, at, kind, detail) VALUES ($1, $2, $3, $4)",
                )
                .bind(&id)
                .bind(to_ms(now))
                .bind("node-lost")
                .bind(format!(
                    "node {node} went silent; the call was lost with it and closed by another node"
                ))
                .execute(&mut *tx)
                .await?;
                closed.push(id);
            }
            tx.commit().await?;
        }
        Ok(closed)
    }

    /// This node's calls that survivors closed as lost while it was gone and whose recording was
    /// never finalised: repaired and hashed at its next start.
    pub async fn lost_unhashed_recordings(&self, node: &str) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, recording_path FROM calls WHERE node = $1 AND hangup_by = 'node-lost' \
             AND recording_path IS NOT NULL AND recording_sha256 IS NULL",
        )
        .bind(node)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// The SHA-256 of a recording repaired after its call was closed.
    pub async fn set_recording_sha256(&self, id: &str, sha256: &str) -> Result<()> {
        sqlx::query(
            "UPDATE calls SET recording_sha256 = $1 WHERE id = $2 AND recording_sha256 IS NULL",
        )
        .bind(sha256)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
