//! The store side of callback dispatch: claiming due requests under a lease, and recording each
//! attempt's result.
//!
//! A claim is one statement: on PostgreSQL the candidate rows are locked with
//! `FOR UPDATE SKIP LOCKED`, so nodes claiming at the same moment take disjoint sets without
//! waiting for each other; on SQLite the single writer makes the statement atomic. A claim carries a
//! lease: a node that dies mid-dial stops renewing it, and once it expires any node may claim the
//! request again. Every later write names the claiming node, so a node that lost its lease (it was
//! too slow) cannot overwrite the new holder's work.

use super::callbacks::{COLUMNS, callback_from_row};
use super::{Backend, CallbackRow, Result, Store, to_ms};
use crate::notify::event::{CallbackResult, Event};
use chrono::{DateTime, Utc};

/// What an attempt led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEnd {
    /// The client was reached: the request is done.
    Done,
    /// Try again at this instant (inside the windows, from the planner).
    Retry(DateTime<Utc>),
    /// Give up: `unreachable`, `dnc`, `cancelled`…
    Close(String),
}

/// One attempt, as written to `callback_attempts` and the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub agent_id: Option<String>,
    pub call_id: Option<String>,
    /// `answered`, `no-answer`, `busy`, `failed`, `dnc`, `no-agent`…
    pub result: String,
}

impl Store {
    /// Claims up to `limit` requests due at `now` (planned with their attempt time come, or dialling
    /// under an expired lease), in dispatch order: queue-position callbacks first, then by time.
    pub async fn claim_due_callbacks(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<CallbackRow>> {
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE callbacks SET status = 'dialing', claimed_by = $1, lease_until = $2, updated_at = $3 \
             WHERE id IN (SELECT id FROM callbacks \
               WHERE (status = 'planned' AND next_attempt_at <= $3) \
                  OR (status = 'dialing' AND lease_until < $3) \
               ORDER BY CASE WHEN queue_position IS NULL THEN 1 ELSE 0 END, next_attempt_at, \
                 queue_position, id \
               LIMIT $4 {lock}) \
             RETURNING {COLUMNS}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(node)
            .bind(to_ms(lease_until))
            .bind(to_ms(now))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        let mut claimed = rows
            .iter()
            .map(callback_from_row)
            .collect::<Result<Vec<_>>>()?;
        claimed.sort_by_key(|c| {
            (
                c.queue_position.is_none(),
                c.next_attempt_at,
                c.queue_position,
                c.id,
            )
        });
        Ok(claimed)
    }

    /// Extends the lease while the node is still dialling; false when the lease was lost.
    pub async fn renew_callback_lease(
        &self,
        id: i64,
        node: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE callbacks SET lease_until = $1 \
             WHERE id = $2 AND claimed_by = $3 AND status = 'dialing'",
        )
        .bind(to_ms(lease_until))
        .bind(id)
        .bind(node)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts a claimed request back without an attempt (its owner is busy, nobody is free, the
    /// agent did not take it, outside calling hours now): planned again for `until`.
    pub async fn postpone_callback(
        &self,
        id: i64,
        node: &str,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE callbacks SET status = 'planned', next_attempt_at = $1, claimed_by = NULL, \
               lease_until = NULL \
             WHERE id = $2 AND claimed_by = $3 AND status = 'dialing'",
        )
        .bind(to_ms(until))
        .bind(id)
        .bind(node)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Closes a claimed request without dialling it (DNC since planning, no calling window left);
    /// the card says why. No attempt is counted: nobody was called.
    pub async fn close_claimed_callback(
        &self,
        id: i64,
        node: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let phone: Option<String> = sqlx::query_scalar(
            "UPDATE callbacks SET status = 'closed', result = $1, closed_at = $2, updated_at = $2, \
               claimed_by = NULL, lease_until = NULL \
             WHERE id = $3 AND claimed_by = $4 AND status = 'dialing' RETURNING phone",
        )
        .bind(reason)
        .bind(to_ms(now))
        .bind(id)
        .bind(node)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(phone) = phone else {
            tx.rollback().await?;
            return Ok(false);
        };
        let detail = format!("callback #{id} closed without dialling: {reason}");
        Self::card_event_tx(
            &mut tx,
            &phone,
            now,
            "callback_closed",
            Some(&detail),
            "frontdesk",
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// At start: requests this node was dialling when it stopped go back to the pool at once,
    /// instead of waiting for their lease to run out.
    pub async fn release_node_callbacks(&self, node: &str, now: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE callbacks SET status = 'planned', next_attempt_at = $1, claimed_by = NULL, \
               lease_until = NULL \
             WHERE claimed_by = $2 AND status = 'dialing'",
        )
        .bind(to_ms(now))
        .bind(node)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Writes an attempt and what follows from it, and the line on the client's card, in one
    /// transaction; false (nothing written) when `node` no longer holds the claim.
    pub async fn finish_callback_attempt(
        &self,
        id: i64,
        node: &str,
        attempt: &Attempt,
        end: &AttemptEnd,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let at = to_ms(attempt.at);
        let (status, next, result, closed) = match end {
            AttemptEnd::Done => ("done", None, Some(attempt.result.clone()), Some(at)),
            AttemptEnd::Retry(when) => ("planned", Some(to_ms(*when)), None, None),
            AttemptEnd::Close(why) => ("closed", None, Some(why.clone()), Some(at)),
        };
        let phone: Option<String> = sqlx::query_scalar(
            "UPDATE callbacks SET status = $1, attempts = attempts + 1, \
               next_attempt_at = COALESCE($2, next_attempt_at), result = $3, closed_at = $4, \
               claimed_by = NULL, lease_until = NULL, updated_at = $5 \
             WHERE id = $6 AND claimed_by = $7 AND status = 'dialing' RETURNING phone",
        )
        .bind(status)
        .bind(next)
        .bind(result)
        .bind(closed)
        .bind(at)
        .bind(id)
        .bind(node)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(phone) = phone else {
            tx.rollback().await?;
            return Ok(false);
        };
        sqlx::query(
            "INSERT INTO callback_attempts (callback_id, at, agent_id, call_id, result) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(at)
        .bind(&attempt.agent_id)
        .bind(&attempt.call_id)
        .bind(&attempt.result)
        .execute(&mut *tx)
        .await?;
        let detail = match end {
            AttemptEnd::Done => format!("callback #{id}: {}", attempt.result),
            AttemptEnd::Retry(when) => {
                format!("callback #{id}: {}; next attempt {when}", attempt.result)
            }
            AttemptEnd::Close(why) => format!("callback #{id}: {}; closed ({why})", attempt.result),
        };
        Self::card_event_tx(
            &mut tx,
            &phone,
            attempt.at,
            "callback_attempt",
            Some(&detail),
            "frontdesk",
        )
        .await?;
        let (outcome, next_attempt_at, reason) = match end {
            AttemptEnd::Done => ("done", None, None),
            AttemptEnd::Retry(when) => ("retry", Some(*when), None),
            AttemptEnd::Close(why) => ("closed", None, Some(why.clone())),
        };
        let event = Event::CallbackResult(CallbackResult {
            callback_id: id,
            phone,
            at: attempt.at,
            result: attempt.result.clone(),
            outcome: outcome.to_string(),
            next_attempt_at,
            reason,
            agent_id: attempt.agent_id.clone(),
            call_id: attempt.call_id.clone(),
        });
        self.enqueue_event_tx(&mut tx, &event, attempt.at).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Cancels a request that is still waiting: it leaves the dispatch pool, and the card says who
    /// cancelled it and why. `Ok(false)` when it is not waiting (being dialled, done, closed).
    pub async fn cancel_callback(
        &self,
        id: i64,
        by: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let why = reason.unwrap_or("cancelled");
        let phone: Option<String> = sqlx::query_scalar(
            "UPDATE callbacks SET status = 'cancelled', result = $1, closed_at = $2, updated_at = $2 \
             WHERE id = $3 AND status = 'planned' RETURNING phone",
        )
        .bind(why)
        .bind(to_ms(now))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(phone) = phone else {
            tx.rollback().await?;
            return Ok(false);
        };
        let detail = format!("callback #{id} cancelled by {by}: {why}");
        Self::card_event_tx(
            &mut tx,
            &phone,
            now,
            "callback_cancelled",
            Some(&detail),
            by,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
