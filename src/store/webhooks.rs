//! The webhook outbox: one row per event and webhook, pending until a 2xx answer, retried with
//! backoff, given up (`failed`) after the configured number of attempts.

use super::{Result, Store, StoreError, from_ms, from_ms_opt, to_ms};
use crate::notify::event::{Event, Subscribers};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::sync::{Arc, RwLock};

/// The subscribers, shared by every clone of the store.
pub(super) type Shared = Arc<RwLock<Arc<Subscribers>>>;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub event: String,
    pub url: String,
    /// The JSON body exactly as sent (and signed).
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// pending, delivered or failed (given up).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    /// The HTTP status of the last answer, if any.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, event, url, body, created_at, status, attempts, next_attempt_at, \
    last_status, last_error, delivered_at";

fn from_row(r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: r.try_get("id")?,
        event: r.try_get("event")?,
        url: r.try_get("url")?,
        body: r.try_get("body")?,
        created_at: from_ms(r.try_get("created_at")?),
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: from_ms(r.try_get("next_attempt_at")?),
        last_status: r.try_get("last_status")?,
        last_error: r.try_get("last_error")?,
        delivered_at: from_ms_opt(r.try_get("delivered_at")?),
    })
}

impl Store {
    /// Which webhooks hear which events from now on (at start, from `[notify]`).
    pub fn set_subscribers(&self, subscribers: Subscribers) {
        let mut slot = self
            .subscribers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *slot = Arc::new(subscribers);
    }

    pub fn subscribers(&self) -> Arc<Subscribers> {
        self.subscribers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Queues `event` for every webhook that subscribed to it, inside `tx`: it is sent if and only
    /// if the change it reports commits.
    pub(crate) async fn enqueue_event_tx(
        &self,
        tx: &mut Transaction<'_, Any>,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let urls = self.subscribers().urls(event.name());
        if urls.is_empty() {
            return Ok(());
        }
        let body = event
            .body(now)
            .map_err(|e| StoreError::Corrupt(format!("{} not serialisable: {e}", event.name())))?;
        self.enqueue_webhooks_tx(tx, event.name(), &body, &urls, now)
            .await
    }

    /// Queues `body` for each of `urls` (a `mailto:` goes out as an e-mail).
    pub async fn enqueue_webhooks(
        &self,
        event: &str,
        body: &str,
        urls: &[String],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        self.enqueue_webhooks_tx(&mut tx, event, body, urls, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Store::enqueue_webhooks`] inside `tx`: the deliveries exist exactly when what they tell
    /// of was written.
    pub(crate) async fn enqueue_webhooks_tx(
        &self,
        tx: &mut Transaction<'_, Any>,
        event: &str,
        body: &str,
        urls: &[String],
        now: DateTime<Utc>,
    ) -> Result<()> {
        for url in urls {
            sqlx::query(
                "INSERT INTO webhook_deliveries (event, url, body, created_at, status, attempts, \
                   next_attempt_at) VALUES ($1, $2, $3, $4, 'pending', 0, $4)",
            )
            .bind(event)
            .bind(url)
            .bind(body)
            .bind(to_ms(now))
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Pending deliveries whose attempt is due, oldest first.
    pub async fn due_webhooks(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Delivery>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_deliveries WHERE status = 'pending' \
             AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(to_ms(now))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The newest deliveries first (the API's list).
    pub async fn list_webhooks(&self, limit: i64) -> Result<Vec<Delivery>> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_deliveries ORDER BY id DESC LIMIT $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// One attempt's result: delivered, retried at `next`, or given up (`next` = None).
    pub async fn webhook_attempt(
        &self,
        id: i64,
        now: DateTime<Utc>,
        delivered: bool,
        http_status: Option<u16>,
        error: Option<&str>,
        next: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let status = match (delivered, next) {
            (true, _) => "delivered",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, \
               next_attempt_at = $3, last_status = $4, last_error = $5, delivered_at = $6 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(to_ms(next.unwrap_or(now)))
        .bind(http_status.map(i64::from))
        .bind(error)
        .bind(delivered.then(|| to_ms(now)))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
