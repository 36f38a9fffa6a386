//! Presence frontdesk sets by itself (see `crate::presence`): the count of rings in a row an
//! agent missed, away once it reaches the limit, and the phone-unreachable flag the OPTIONS
//! prober raises and clears. Each change is one conditional UPDATE, so two nodes deciding the
//! same thing at once write it (and its line on the agent's record) once.

use super::{Result, Store, to_ms};
use chrono::{DateTime, Utc};

impl Store {
    /// One more ring the agent did not answer; returns the count in a row. 0 for an agent off
    /// the roster.
    pub async fn count_missed_ring(&self, agent: &str) -> Result<i64> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE agents SET missed_rings = missed_rings + 1 \
             WHERE id = $1 AND removed_at IS NULL",
        )
        .bind(agent)
        .execute(&mut *tx)
        .await?;
        let missed: Option<i64> = sqlx::query_scalar(
            "SELECT missed_rings FROM agents WHERE id = $1 AND removed_at IS NULL",
        )
        .bind(agent)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(missed.unwrap_or(0))
    }

    /// Sets an available agent away with `reason` once `limit` rings in a row went unanswered,
    /// and writes it to their record. False when they are away already or the count was reset
    /// meanwhile (they answered, or came back).
    pub async fn away_after_missed_rings(
        &self,
        agent: &str,
        limit: i64,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let update = sqlx::query(
            "UPDATE agents SET presence = 'away', presence_at = $1, away_reason = $2 \
             WHERE id = $3 AND removed_at IS NULL AND presence = 'available' \
               AND missed_rings >= $4",
        )
        .bind(to_ms(now))
        .bind(reason)
        .bind(agent)
        .bind(limit);
        self.update_and_log(update, agent, Some(reason), actor, now)
            .await
    }

    /// The agent's phone stopped answering OPTIONS: flagged (no calls offered, shown away) and
    /// written to their record. False when already flagged or off the roster.
    pub async fn phone_unreachable(
        &self,
        agent: &str,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let update = sqlx::query(
            "UPDATE agents SET phone_unreachable_at = $1 \
             WHERE id = $2 AND removed_at IS NULL AND phone_unreachable_at IS NULL",
        )
        .bind(to_ms(now))
        .bind(agent);
        self.update_and_log(update, agent, Some(reason), actor, now)
            .await
    }

    /// The agent's phone answers again: the flag is cleared and the presence the agent had (or
    /// set meanwhile) shows again, written to their record. False when it was not flagged.
    pub async fn phone_reachable(
        &self,
        agent: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE agents SET phone_unreachable_at = NULL \
             WHERE id = $1 AND removed_at IS NULL AND phone_unreachable_at IS NOT NULL",
        )
        .bind(agent)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let (presence, reason): (String, Option<String>) =
            sqlx::query_as("SELECT presence, away_reason FROM agents WHERE id = $1")
                .bind(agent)
                .fetch_one(&mut *tx)
                .await?;
        let reason = reason.filter(|_| presence == "away");
        Self::log_presence(&mut tx, agent, &presence, reason.as_deref(), actor, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Runs `update` (one conditional UPDATE of the agent) and, when it changed the row, writes
    /// "away for `reason`" to the agent's record in the same transaction.
    async fn update_and_log(
        &self,
        update: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
        agent: &str,
        reason: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        if update.execute(&mut *tx).await?.rows_affected() == 0 {
            return Ok(false);
        }
        Self::log_presence(&mut tx, agent, "away", reason, actor, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A line on the agent's presence record, inside the change's transaction.
    pub(super) async fn log_presence(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        agent: &str,
        presence: &str,
        reason: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO agent_presence_log (agent_id, at, presence, reason, actor) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(agent)
        .bind(to_ms(now))
        .bind(presence)
        .bind(reason)
        .bind(actor)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
