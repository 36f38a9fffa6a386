//! Survey (NPS) answers, counted for the console's figures.

use super::{Result, Store, to_ms};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// How many answers gave `score`, for one agent (None: the call had no agent, or is unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreCount {
    pub agent: Option<String>,
    pub score: i64,
    pub count: i64,
}

impl Store {
    /// Answers given in `[since, until)`, counted by the call's agent and the score.
    pub async fn survey_counts(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ScoreCount>> {
        let rows = sqlx::query(
            "SELECT c.agent_id AS agent, s.score AS score, COUNT(*) AS n \
             FROM survey_scores s LEFT JOIN calls c ON c.id = s.call_id \
             WHERE s.at >= $1 AND s.at < $2 \
             GROUP BY c.agent_id, s.score ORDER BY c.agent_id, s.score",
        )
        .bind(to_ms(since))
        .bind(to_ms(until))
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ScoreCount {
                    agent: r.try_get("agent")?,
                    score: r.try_get("score")?,
                    count: r.try_get("n")?,
                })
            })
            .collect()
    }
}
