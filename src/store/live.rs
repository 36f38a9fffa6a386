//! The live events every node's consoles see (`live_events`): appended by the node whose bus
//! published them, read by the others in id order. PostgreSQL also wakes the readers (NOTIFY).

use super::{Backend, Result, Store, to_ms};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// The NOTIFY channel readers LISTEN on; the payload is the new row's id.
pub const LIVE_CHANNEL: &str = "frontdesk_live";

/// One appended event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRow {
    pub id: i64,
    pub node: String,
    pub payload: String,
}

impl Store {
    /// Appends an event published on `node` and wakes the other nodes; returns its id.
    pub async fn append_live_event(
        &self,
        node: &str,
        at: DateTime<Utc>,
        payload: &str,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO live_events (node, at, payload) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(node)
        .bind(to_ms(at))
        .bind(payload)
        .fetch_one(self.pool())
        .await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(LIVE_CHANNEL)
                .bind(id.to_string())
                .execute(self.pool())
                .await?;
        }
        Ok(id)
    }

    /// Events with an id above `after`, oldest first, at most `limit`.
    pub async fn live_events_after(&self, after: i64, limit: i64) -> Result<Vec<LiveRow>> {
        let rows = sqlx::query(
            "SELECT id, node, payload FROM live_events WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LiveRow {
                    id: r.try_get("id")?,
                    node: r.try_get("node")?,
                    payload: r.try_get("payload")?,
                })
            })
            .collect()
    }

    /// The newest id (0 when none): where a node that just started begins reading.
    pub async fn live_events_last(&self) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM live_events")
            .fetch_one(self.pool())
            .await?;
        Ok(id.unwrap_or(0))
    }

    /// Drops events older than `before`; returns how many.
    pub async fn prune_live_events(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM live_events WHERE at < $1")
            .bind(to_ms(before))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
