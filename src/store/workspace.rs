//! What the agent's workspace reads and writes beyond the roster: the record of presence changes,
//! wrap-up ended early or extended once, the screen pop's facts about a call and its caller, and
//! the agent's own day. Aggregates are computed in Rust from bounded row sets, so the SQL stays
//! the same on SQLite and PostgreSQL.

use super::{Result, Store, from_ms, from_ms_opt, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Last calls a screen pop lists.
const POP_CALLS: i64 = 5;
/// Open complaints and callbacks a screen pop lists at most.
const POP_OPEN: i64 = 10;
/// Presence changes the agent's page lists.
pub const PRESENCE_LOG: i64 = 10;
/// Keys a pop shows of a call's path at most.
const MAX_KEYS: i64 = 64;
/// Calls counted for an agent's day at most (far above what one person handles).
const DAY_CALLS: i64 = 2000;

/// One presence change on the agent's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PresenceChange {
    pub at: DateTime<Utc>,
    pub presence: String,
    pub reason: Option<String>,
    pub actor: String,
}

/// The call a screen pop is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PopCall {
    pub id: String,
    pub phone: Option<String>,
    pub started_at: DateTime<Utc>,
    pub language: Option<String>,
    /// The keys pressed through the menus: the path the caller took.
    pub digits: String,
    /// When the caller joined the queue (None for a callback or a call not queued).
    pub queued_at: Option<DateTime<Utc>>,
    pub callback_id: Option<i64>,
}

/// A previous call of the same number, as a pop lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PastCall {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub outcome: Option<String>,
    pub agent_id: Option<String>,
}

/// An open complaint or callback of the caller, with its clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenItem {
    pub kind: &'static str,
    pub id: i64,
    pub status: String,
    pub since: DateTime<Utc>,
    /// A callback's SLA deadline.
    pub deadline: Option<DateTime<Utc>>,
    pub at_risk: bool,
}

/// The agent's own day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AgentDay {
    pub calls: usize,
    /// Mean seconds from answer to hang-up of the day's finished calls.
    pub average_handle_seconds: Option<f64>,
    pub surveys: usize,
    pub average_score: Option<f64>,
    /// % promoters (9–10) − % detractors (0–6); None without answers.
    pub nps: Option<i64>,
}

impl Store {
    /// The language a user chose for the console (None: follow the browser).
    pub async fn user_language(&self, name: &str) -> Result<Option<String>> {
        let lang: Option<Option<String>> = sqlx::query_scalar(
            "SELECT language FROM api_users WHERE name = $1 AND removed_at IS NULL",
        )
        .bind(name)
        .fetch_optional(self.reader())
        .await?;
        Ok(lang.flatten())
    }

    /// Stores the user's console language (None: follow the browser). False for no such user.
    pub async fn set_user_language(&self, name: &str, lang: Option<&str>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_users SET language = $1 WHERE name = $2 AND removed_at IS NULL",
        )
        .bind(lang)
        .bind(name)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The agent's latest presence changes, newest first.
    pub async fn presence_log(&self, agent: &str, limit: i64) -> Result<Vec<PresenceChange>> {
        let rows: Vec<(i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT at, presence, reason, actor FROM agent_presence_log WHERE agent_id = $1 \
             ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(agent)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, presence, reason, actor)| PresenceChange {
                at: from_ms(at),
                presence,
                reason,
                actor,
            })
            .collect())
    }

    /// "Ready": ends the agent's wrap-up now. False when they are not in wrap-up.
    pub async fn end_wrap_up(&self, agent: &str, now: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE agents SET line_until = $1 \
             WHERE id = $2 AND line = 'wrap_up' AND line_until > $1",
        )
        .bind(to_ms(now))
        .bind(agent)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// "More time": pushes the wrap-up's end on by `seconds`, once per wrap-up. False when they
    /// are not in wrap-up or already took more time in this one.
    pub async fn extend_wrap_up(
        &self,
        agent: &str,
        seconds: u64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE agents SET line_until = line_until + $1, wrap_extended = line_at \
             WHERE id = $2 AND line = 'wrap_up' AND line_until > $3 \
               AND line_at IS NOT NULL AND wrap_extended <> line_at",
        )
        .bind(i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX))
        .bind(agent)
        .bind(to_ms(now))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether `call` is the agent's: ringing them, talking to them or just ended with them (the
    /// agent's line names it), or answered by them. Only then may they see its pop or close it.
    pub async fn agent_has_call(&self, agent: &str, call: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM agents WHERE id = $1 AND line_call = $2) \
                  + (SELECT COUNT(*) FROM calls WHERE id = $2 AND agent_id = $1)",
        )
        .bind(agent)
        .bind(call)
        .fetch_one(self.reader())
        .await?;
        Ok(n > 0)
    }

    /// The call a pop is about, with the moment it joined the queue.
    pub async fn pop_call(&self, call: &str) -> Result<Option<PopCall>> {
        type Row = (
            String,
            Option<String>,
            i64,
            Option<String>,
            String,
            Option<i64>,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT id, phone, started_at, language, digits, callback_id FROM calls WHERE id = $1",
        )
        .bind(call)
        .fetch_optional(self.reader())
        .await?;
        let Some((id, phone, started_at, language, digits, callback_id)) = row else {
            return Ok(None);
        };
        let queued_at: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(at) FROM call_events WHERE call_id = $1 AND kind = 'queue' \
             AND detail LIKE 'joined%'",
        )
        .bind(call)
        .fetch_one(self.reader())
        .await?;
        // The row gets its keys when the call ends; while it rings they are on its timeline.
        let digits = if digits.is_empty() {
            let keys: Vec<Option<String>> = sqlx::query_scalar(
                "SELECT detail FROM call_events WHERE call_id = $1 AND kind = 'digit' \
                 ORDER BY at, id LIMIT $2",
            )
            .bind(call)
            .bind(MAX_KEYS)
            .fetch_all(self.reader())
            .await?;
            keys.into_iter().flatten().collect()
        } else {
            digits
        };
        Ok(Some(PopCall {
            id,
            phone,
            started_at: from_ms(started_at),
            language,
            digits,
            queued_at: from_ms_opt(queued_at),
            callback_id,
        }))
    }

    /// The number's last calls before `except`, newest first.
    pub async fn past_calls(&self, phone: &str, except: &str) -> Result<Vec<PastCall>> {
        let rows: Vec<(String, i64, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, started_at, outcome, agent_id FROM calls WHERE phone = $1 AND id <> $2 \
             ORDER BY started_at DESC LIMIT $3",
        )
        .bind(phone)
        .bind(except)
        .bind(POP_CALLS)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, at, outcome, agent_id)| PastCall {
                id,
                started_at: from_ms(at),
                outcome,
                agent_id,
            })
            .collect())
    }

    /// The number's open complaints and callbacks, oldest first.
    pub async fn open_items(&self, phone: &str) -> Result<Vec<OpenItem>> {
        let complaints: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT id, status, created_at FROM complaints \
             WHERE phone = $1 AND status <> 'resolved' ORDER BY created_at LIMIT $2",
        )
        .bind(phone)
        .bind(POP_OPEN)
        .fetch_all(self.reader())
        .await?;
        let callbacks: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT id, status, requested_at, sla_deadline, at_risk FROM callbacks \
             WHERE phone = $1 AND status IN ('planned', 'dialing') ORDER BY requested_at LIMIT $2",
        )
        .bind(phone)
        .bind(POP_OPEN)
        .fetch_all(self.reader())
        .await?;
        let mut items: Vec<OpenItem> = complaints
            .into_iter()
            .map(|(id, status, at)| OpenItem {
                kind: "complaint",
                id,
                status,
                since: from_ms(at),
                deadline: None,
                at_risk: false,
            })
            .chain(
                callbacks
                    .into_iter()
                    .map(|(id, status, at, deadline, at_risk)| OpenItem {
                        kind: "callback",
                        id,
                        status,
                        since: from_ms(at),
                        deadline: Some(from_ms(deadline)),
                        at_risk: at_risk != 0,
                    }),
            )
            .collect();
        items.sort_by_key(|i| i.since);
        Ok(items)
    }

    /// The agent's calls and survey answers since `since` (the start of their day).
    pub async fn agent_day(&self, agent: &str, since: DateTime<Utc>) -> Result<AgentDay> {
        let calls: Vec<(Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT bridged_at, ended_at FROM calls WHERE agent_id = $1 AND started_at >= $2 \
             ORDER BY started_at DESC LIMIT $3",
        )
        .bind(agent)
        .bind(to_ms(since))
        .bind(DAY_CALLS)
        .fetch_all(self.reader())
        .await?;
        let handled: Vec<f64> = calls
            .iter()
            .filter_map(|(a, b)| Some(((b.as_ref()? - a.as_ref()?).max(0) as f64) / 1000.0))
            .collect();
        let scores: Vec<i64> = sqlx::query_scalar(
            "SELECT s.score FROM survey_scores s JOIN calls c ON c.id = s.call_id \
             WHERE c.agent_id = $1 AND s.at >= $2 LIMIT $3",
        )
        .bind(agent)
        .bind(to_ms(since))
        .bind(DAY_CALLS)
        .fetch_all(self.reader())
        .await?;
        Ok(day_figures(calls.len(), &handled, &scores))
    }
}

/// The day's figures from its handle times and survey scores.
pub fn day_figures(calls: usize, handled: &[f64], scores: &[i64]) -> AgentDay {
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let as_f: Vec<f64> = scores.iter().map(|s| *s as f64).collect();
    let nps = (!scores.is_empty()).then(|| {
        let n = scores.len() as f64;
        let promoters = scores.iter().filter(|s| **s >= 9).count() as f64;
        let detractors = scores.iter().filter(|s| **s <= 6).count() as f64;
        ((promoters - detractors) * 100.0 / n).round() as i64
    });
    AgentDay {
        calls,
        average_handle_seconds: mean(handled),
        surveys: scores.len(),
        average_score: mean(&as_f),
        nps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_without_answers_has_no_scores_not_zero() {
        let d = day_figures(0, &[], &[]);
        assert_eq!(d.average_handle_seconds, None);
        assert_eq!(d.nps, None);
        let d = day_figures(3, &[60.0, 120.0], &[10, 9, 7, 3]);
        assert_eq!(d.average_handle_seconds, Some(90.0));
        assert_eq!(d.nps, Some(25));
        assert_eq!(d.average_score, Some(7.25));
    }
}
