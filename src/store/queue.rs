//! The waiting line shared by every node: one row per caller waiting for an agent
//! (`queue_entries`). The order and the choice of agents are pure (`routing::queue`); this is
//! where the rows are written, read in order and claimed.
//!
//! A caller is offered an agent by one transaction that marks their row ringing that agent (only
//! while it rings nobody) and takes the agent (only while they are free): both or neither. So no
//! caller is offered two agents and no agent two callers, whichever nodes race.

use super::{Result, Store, to_ms};
use crate::routing::queue::Entry;
use crate::store::{CallbackRow, NewCallback, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Rows read per look at the line: far more than callers any deployment keeps waiting at once.
pub const LINE_LIMIT: i64 = 5_000;

const COLUMNS: &str = "call_id, node, priority, ticket, language, vip_agent, vip_until, phone, agent, tried, retry_at";

/// The order of the line in SQL, the same as `routing::queue::cmp`.
const ORDER: &str = "priority DESC, ticket, call_id";

fn entry_from_row(r: &AnyRow) -> Result<Entry> {
    let tried: String = r.try_get("tried")?;
    let priority: i64 = r.try_get("priority")?;
    Ok(Entry {
        call: r.try_get("call_id")?,
        node: r.try_get("node")?,
        priority: i32::try_from(priority)
            .map_err(|_| StoreError::Corrupt(format!("queue priority {priority}")))?,
        ticket: r.try_get("ticket")?,
        language: r.try_get("language")?,
        vip_agent: r.try_get("vip_agent")?,
        vip_until: r.try_get("vip_until")?,
        phone: r.try_get("phone")?,
        agent: r.try_get("agent")?,
        tried: tried
            .split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect(),
        retry_at: r.try_get("retry_at")?,
    })
}

/// A waiting caller whose node was lost, with the place they had in the whole line.
#[derive(Debug, Clone)]
pub struct LostEntry {
    pub entry: Entry,
    pub position: u32,
}

impl Store {
    /// Puts a caller in the line (or back in it, with the ticket they had); returns their place.
    /// Writing an existing row again resets it to waiting.
    pub async fn queue_put(&self, e: &Entry, now: DateTime<Utc>) -> Result<u32> {
        sqlx::query(
            "INSERT INTO queue_entries (call_id, node, priority, ticket, language, vip_agent, \
               vip_until, phone, agent, tried, retry_at, joined_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, '', 0, $9) \
             ON CONFLICT (call_id) DO UPDATE SET node = $2, priority = $3, ticket = $4, \
               language = $5, vip_agent = $6, vip_until = $7, phone = $8, agent = NULL, \
               tried = '', retry_at = 0",
        )
        .bind(&e.call)
        .bind(&e.node)
        .bind(i64::from(e.priority))
        .bind(e.ticket)
        .bind(&e.language)
        .bind(&e.vip_agent)
        .bind(e.vip_until)
        .bind(&e.phone)
        .bind(to_ms(now))
        .execute(self.pool())
        .await?;
        Ok(self.queue_position(&e.call).await?.unwrap_or(0))
    }

    /// 1-based place of `call` in the whole line (every node's callers); `None` when not in it.
    pub async fn queue_position(&self, call: &str) -> Result<Option<u32>> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM queue_entries q, \
               (SELECT priority, ticket FROM queue_entries WHERE call_id = $1) me \
             WHERE q.priority > me.priority OR (q.priority = me.priority AND \
               (q.ticket < me.ticket OR (q.ticket = me.ticket AND q.call_id <= $1)))",
        )
        .bind(call)
        .fetch_one(self.pool())
        .await?;
        Ok((n > 0).then_some(n as u32))
    }

    /// Takes `call` out of the line; returns the place it had.
    pub async fn queue_leave(&self, call: &str) -> Result<Option<u32>> {
        let position = self.queue_position(call).await?;
        sqlx::query("DELETE FROM queue_entries WHERE call_id = $1")
            .bind(call)
            .execute(self.pool())
            .await?;
        Ok(position)
    }

    /// The whole line in order (at most [`LINE_LIMIT`] callers).
    pub async fn queue_line(&self) -> Result<Vec<Entry>> {
        let sql = format!("SELECT {COLUMNS} FROM queue_entries ORDER BY {ORDER} LIMIT $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(LINE_LIMIT)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Callers waiting, every node's.
    pub async fn queue_len(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue_entries")
            .fetch_one(self.pool())
            .await?;
        Ok(n.max(0) as u64)
    }

    /// The calls `node` has in the line.
    pub async fn queue_calls_of(&self, node: &str) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT call_id FROM queue_entries WHERE node = $1")
                .bind(node)
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Offers `agent` to the waiting `call` of `node`: the row is marked ringing the agent and
    /// the agent taken, in one transaction; true when both happened. False when the caller is
    /// already ringing someone (or gone), or the agent was taken by another call.
    pub async fn queue_claim(
        &self,
        call: &str,
        node: &str,
        agent: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "UPDATE queue_entries SET agent = $1 WHERE call_id = $2 AND node = $3 AND agent IS NULL",
        )
        .bind(agent)
        .bind(call)
        .bind(node)
        .execute(&mut *tx)
        .await?;
        if row.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        let taken = sqlx::query(super::routing::TAKE_FOR_QUEUE_CALL)
            .bind(call)
            .bind(node)
            .bind(to_ms(now))
            .bind(agent)
            .execute(&mut *tx)
            .await?;
        if taken.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The ring of `agent` for `call` failed (or was never placed): the caller waits again, with
    /// `tried` and no new ring before `retry_at`.
    pub async fn queue_ring_failed(
        &self,
        call: &str,
        agent: &str,
        tried: &[String],
        retry_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE queue_entries SET agent = NULL, tried = $1, retry_at = $2 \
             WHERE call_id = $3 AND (agent IS NULL OR agent = $4)",
        )
        .bind(tried.join(","))
        .bind(retry_at)
        .bind(call)
        .bind(agent)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The waiting callers of `node`, each with their place in the whole line, in order.
    pub async fn queue_entries_of(&self, node: &str) -> Result<Vec<LostEntry>> {
        let sql = format!("SELECT {COLUMNS} FROM queue_entries ORDER BY {ORDER} LIMIT $1");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(LINE_LIMIT)
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let entry = entry_from_row(r)?;
            if entry.node == node {
                out.push(LostEntry {
                    entry,
                    position: i as u32 + 1,
                });
            }
        }
        Ok(out)
    }

    /// Turns the waiting caller `entry` of a lost node into `callback` (none: anonymous or on the
    /// do-not-call list), in one transaction with taking their row: whichever node does
    /// it first does it, once. With `silent_before`, only while its node has not been heard of
    /// since then (a node back in time keeps its callers). `note` goes on the call's timeline and,
    /// with the callback's id, on the card. Returns `None` when the row was gone.
    pub async fn queue_lost_to_callback(
        &self,
        entry: &Entry,
        silent_before: Option<DateTime<Utc>>,
        callback: Option<&NewCallback>,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Option<CallbackRow>>> {
        let (call, node) = (entry.call.as_str(), entry.node.as_str());
        let mut tx = self.pool().begin().await?;
        let taken = sqlx::query(
            "DELETE FROM queue_entries WHERE call_id = $1 AND node = $2 AND ($3 IS NULL OR \
               EXISTS (SELECT 1 FROM nodes WHERE nodes.node = $2 AND nodes.seen_at < $3))",
        )
        .bind(call)
        .bind(node)
        .bind(silent_before.map(to_ms))
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        let id = match callback {
            Some(cb) => Some(self.insert_callback_tx(&mut tx, cb, now).await?.id),
            None => None,
        };
        let detail = match id {
            Some(id) => format!("{note}; callback #{id} keeps the place"),
            None => note.to_string(),
        };
        if let Some(phone) = entry.phone.as_deref() {
            Self::card_event_tx(&mut tx, phone, now, "node-lost", Some(&detail), "frontdesk")
                .await?;
        }
        let has_call: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE id = $1")
            .bind(call)
            .fetch_one(&mut *tx)
            .await?;
        if has_call > 0 {
            sqlx::query(
                "INSERT INTO call_events (call_id, at, kind, detail) VALUES ($1, $2, $3, $4)",
            )
            .bind(call)
            .bind(to_ms(now))
            .bind("node-lost")
            .bind(&detail)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        match id {
            Some(id) => Ok(Some(self.callback(id).await?)),
            None => Ok(Some(None)),
        }
    }
}
