//! Agent line state for routing, shared by every node through the store.
//!
//! Every transition is one conditional UPDATE that names the call holding the agent, so two calls
//! racing for one agent cannot both win, and a late or repeated release from a call that no longer
//! holds the agent changes nothing. Failures cannot leave an agent stuck: the call that holds an
//! agent always releases it, a restarted node frees the agents its dead calls held, and a periodic
//! sweep frees agents held by calls whose row is closed (by any node).

use super::{Result, Store, to_ms};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// An agent free to take a call now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeAgent {
    pub id: String,
    pub uri: String,
    pub languages: Vec<String>,
    /// When the agent last became free: the longest-idle agent is offered first.
    pub free_since: i64,
}

/// Agents by effective state, for metrics and the console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentCounts {
    pub available: u64,
    pub ringing: u64,
    pub in_call: u64,
    pub wrap_up: u64,
    pub away: u64,
}

/// A ring that outlives this has lost its call: no ring timeout in the configuration is this long.
const RING_LEASE_MS: i64 = 5 * 60 * 1000;
/// A node that has not said it is alive for this long is dead (it says so every few seconds).
pub const NODE_SILENT_MS: i64 = 30 * 1000;

/// Takes a free agent for a queue call (`$1` call, `$2` node, `$3` now in ms, `$4` agent): only
/// an available agent whose phone answers, idle or past their wrap-up. One statement for every
/// claim (a node's own and the shared line's), so the rule cannot drift between them.
pub(super) const TAKE_FOR_QUEUE_CALL: &str = "UPDATE agents SET line = 'ringing', line_call = $1, line_node = $2, line_at = $3, \
       line_until = NULL \
     WHERE id = $4 AND removed_at IS NULL AND presence = 'available' \
       AND phone_unreachable_at IS NULL \
       AND (line = 'idle' OR (line = 'wrap_up' AND line_until <= $3))";

/// The agent a call rang answered: in call, their missed rings start again.
const ANSWERED: &str = "UPDATE agents SET line = 'in_call', line_at = $1, missed_rings = 0 \
     WHERE id = $2 AND line_call = $3 AND line = 'ringing'";

impl Store {
    /// Agents present and free at `now` (idle, or wrap-up over), longest-free first.
    pub async fn free_agents(&self, now: DateTime<Utc>) -> Result<Vec<FreeAgent>> {
        let rows = sqlx::query(
            "SELECT id, uri, languages, COALESCE(line_until, line_at, presence_at) AS free_since \
             FROM agents WHERE removed_at IS NULL AND presence = 'available' \
               AND phone_unreachable_at IS NULL \
               AND (line = 'idle' OR (line = 'wrap_up' AND line_until <= $1)) \
             ORDER BY free_since, id",
        )
        .bind(to_ms(now))
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let languages: String = r.try_get("languages")?;
                Ok(FreeAgent {
                    id: r.try_get("id")?,
                    uri: r.try_get("uri")?,
                    languages: languages
                        .split(',')
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect(),
                    free_since: r.try_get("free_since")?,
                })
            })
            .collect()
    }

    /// Rings `agent` for `call`: true when this call won the agent (see [`TAKE_FOR_QUEUE_CALL`]).
    pub async fn claim_agent(
        &self,
        agent: &str,
        call: &str,
        node: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(TAKE_FOR_QUEUE_CALL)
            .bind(call)
            .bind(node)
            .bind(to_ms(now))
            .bind(agent)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Rings `agent` for a call passed on to them by name (a transfer): like [`claim_agent`], but
    /// whether or not they take queue calls now, and during wrap-up. False when they are on
    /// another call, ringing, off the roster, or their phone does not answer SIP OPTIONS (ringing
    /// it would only make the caller wait).
    ///
    /// [`claim_agent`]: Store::claim_agent
    pub async fn claim_agent_by_name(
        &self,
        agent: &str,
        call: &str,
        node: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE agents SET line = 'ringing', line_call = $1, line_node = $2, line_at = $3, \
               line_until = NULL \
             WHERE id = $4 AND removed_at IS NULL AND line IN ('idle', 'wrap_up') \
               AND phone_unreachable_at IS NULL",
        )
        .bind(call)
        .bind(node)
        .bind(to_ms(now))
        .bind(agent)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The agent answered: in call, and the call row names them; their missed rings start again.
    pub async fn agent_answered(
        &self,
        agent: &str,
        call: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(ANSWERED)
            .bind(to_ms(now))
            .bind(agent)
            .bind(call)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE calls SET agent_id = $1, bridged_at = $2 WHERE id = $3")
            .bind(agent)
            .bind(to_ms(now))
            .bind(call)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// The target of a consultation answered: in a call, but not (yet) the call's agent.
    pub async fn consult_answered(
        &self,
        agent: &str,
        call: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(ANSWERED)
            .bind(to_ms(now))
            .bind(agent)
            .bind(call)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The consulted target took the caller: they are the call's agent from now on.
    pub async fn call_taken_by(&self, agent: &str, call: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE calls SET agent_id = $1, bridged_at = $2 WHERE id = $3")
            .bind(agent)
            .bind(to_ms(now))
            .bind(call)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Frees the agent `call` holds: idle after a ring that failed, wrap-up until `wrap_up_until`
    /// after a conversation. A no-op when the call no longer holds the agent.
    pub async fn release_agent(
        &self,
        agent: &str,
        call: &str,
        now: DateTime<Utc>,
        wrap_up_until: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE agents SET line = CASE WHEN $1 IS NULL THEN 'idle' ELSE 'wrap_up' END, \
               line_until = $1, line_at = $2 \
             WHERE id = $3 AND line_call = $4 AND line IN ('ringing', 'in_call')",
        )
        .bind(wrap_up_until.map(to_ms))
        .bind(to_ms(now))
        .bind(agent)
        .bind(call)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// At start: the calls this node had in progress died with it, so their agents are free.
    pub async fn reset_agent_lines(&self, node: &str, now: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE agents SET line = 'idle', line_until = NULL, line_at = $1 \
             WHERE line_node = $2 AND line IN ('ringing', 'in_call')",
        )
        .bind(to_ms(now))
        .bind(node)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// The node is alive at `now` (called every few seconds by each node).
    pub async fn node_seen(&self, node: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO nodes (node, seen_at, started_at) VALUES ($1, $2, $2) \
             ON CONFLICT (node) DO UPDATE SET seen_at = $2",
        )
        .bind(node)
        .bind(to_ms(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Frees agents held by a call whose row is closed or missing, ringing past any ring
    /// timeout, or held by a node silent for [`NODE_SILENT_MS`]: what a node that died without
    /// restarting leaves behind.
    pub async fn sweep_agent_lines(&self, now: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE agents SET line = 'idle', line_until = NULL, line_at = $1 \
             WHERE line IN ('ringing', 'in_call') AND ( \
               (line = 'ringing' AND line_at < $2) \
               OR NOT EXISTS (SELECT 1 FROM calls c WHERE c.id = agents.line_call AND c.ended_at IS NULL) \
               OR EXISTS (SELECT 1 FROM nodes n WHERE n.node = agents.line_node AND n.seen_at < $3))",
        )
        .bind(to_ms(now))
        .bind(to_ms(now) - RING_LEASE_MS)
        .bind(to_ms(now) - NODE_SILENT_MS)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Agents by effective state at `now` (presence away, or a phone unreachable, wins over an
    /// idle line).
    pub async fn agent_counts(&self, now: DateTime<Utc>) -> Result<AgentCounts> {
        let rows =
            sqlx::query("SELECT presence, line, line_until, phone_unreachable_at FROM agents WHERE removed_at IS NULL")
                .fetch_all(self.reader())
                .await?;
        let mut c = AgentCounts::default();
        for r in rows {
            let presence: String = r.try_get("presence")?;
            let line: String = r.try_get("line")?;
            let until: Option<i64> = r.try_get("line_until")?;
            let unreachable: Option<i64> = r.try_get("phone_unreachable_at")?;
            let presence = if unreachable.is_some() {
                "away"
            } else {
                &presence
            };
            match effective_state(presence, &line, until, to_ms(now)) {
                "ringing" => c.ringing += 1,
                "in_call" => c.in_call += 1,
                "wrap_up" => c.wrap_up += 1,
                "away" => c.away += 1,
                _ => c.available += 1,
            }
        }
        Ok(c)
    }

    /// Handle times (answer by the agent to end) of the last `limit` agent calls, in seconds.
    pub async fn recent_handle_times(&self, limit: i64) -> Result<Vec<f64>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT bridged_at, ended_at FROM calls \
             WHERE bridged_at IS NOT NULL AND ended_at IS NOT NULL \
             ORDER BY bridged_at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(a, b)| ((b - a).max(0) as f64) / 1000.0)
            .collect())
    }

    /// A 0–10 rating after an agent call, with its line on the card.
    pub async fn insert_survey(
        &self,
        call: &str,
        phone: Option<&str>,
        score: u8,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO survey_scores (call_id, phone, score, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(call)
        .bind(phone)
        .bind(i64::from(score))
        .bind(to_ms(at))
        .execute(&mut *tx)
        .await?;
        if let Some(phone) = phone {
            let detail = format!("rated the call {score}/10 (call {call})");
            Self::card_event_tx(&mut tx, phone, at, "survey", Some(&detail), "caller").await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The state a supervisor sees: away, available, ringing, in_call or wrap_up.
pub fn effective_state(
    presence: &str,
    line: &str,
    line_until: Option<i64>,
    now: i64,
) -> &'static str {
    match line {
        "ringing" => "ringing",
        "in_call" => "in_call",
        "wrap_up" if line_until.is_some_and(|u| u > now) => "wrap_up",
        _ if presence == "away" => "away",
        _ => "available",
    }
}
