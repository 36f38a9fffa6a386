//! Survey figures: the 0–10 answers callers gave after an agent call, as a Net Promoter Score.
//! Promoters answer 9–10, passives 7–8, detractors 0–6; NPS = % promoters − % detractors
//! (−100…100), for the whole company and per agent, over a chosen period.

use super::format::{input_value, parse_input};
use super::page::{PageError, Viewer};
use crate::http::HttpState;
use crate::store::{Role, ScoreCount};
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Duration, Utc};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Figures for one group of answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Nps {
    /// Answers per score, 0 to 10.
    pub by_score: [i64; 11],
    pub responses: i64,
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    /// None without answers (a score of 0 would read as "neutral", which nobody said).
    pub score: Option<i64>,
}

impl Nps {
    pub fn add(&mut self, score: i64, count: i64) {
        let Ok(i) = usize::try_from(score) else {
            return;
        };
        if i > 10 || count <= 0 {
            return;
        }
        self.by_score[i] += count;
        self.responses += count;
        match i {
            9..=10 => self.promoters += count,
            7..=8 => self.passives += count,
            _ => self.detractors += count,
        }
        // Rounded to the nearest whole point, halves away from zero.
        let net = (self.promoters - self.detractors) as f64 * 100.0 / self.responses as f64;
        self.score = Some(net.round() as i64);
    }

    /// Share of `part` in the answers, in whole percent.
    pub fn percent(&self, part: i64) -> i64 {
        if self.responses == 0 {
            0
        } else {
            (part as f64 * 100.0 / self.responses as f64).round() as i64
        }
    }
}

/// The company's figures and each agent's (answers for calls without an agent count only in the
/// company's).
pub fn figures(counts: &[ScoreCount]) -> (Nps, BTreeMap<String, Nps>) {
    let mut all = Nps::default();
    let mut agents: BTreeMap<String, Nps> = BTreeMap::new();
    for c in counts {
        all.add(c.score, c.count);
        if let Some(a) = &c.agent {
            agents.entry(a.clone()).or_default().add(c.score, c.count);
        }
    }
    (all, agents)
}

fn view(n: &Nps) -> Value {
    let max = n.by_score.iter().copied().max().unwrap_or(0).max(1);
    let bars: Vec<Value> = n
        .by_score
        .iter()
        .enumerate()
        .map(|(score, &count)| {
            let kind = match score {
                9..=10 => "promoter",
                7..=8 => "passive",
                _ => "detractor",
            };
            context! { score => score, count => count, kind => kind, height => count * 100 / max }
        })
        .collect();
    context! {
        nps => Value::from_serialize(n),
        promoters_pct => n.percent(n.promoters),
        passives_pct => n.percent(n.passives),
        detractors_pct => n.percent(n.detractors),
        bars => bars,
    }
}

#[derive(Debug, Deserialize)]
pub struct Period {
    since: Option<String>,
    until: Option<String>,
}

pub async fn surveys(
    State(state): State<HttpState>,
    viewer: Viewer,
    Query(p): Query<Period>,
) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let tz = state.time_zone;
    let now = Utc::now();
    let until = parse_input(p.until.as_deref(), tz)
        .map_err(PageError::bad_request)?
        .unwrap_or(now);
    let since = parse_input(p.since.as_deref(), tz)
        .map_err(PageError::bad_request)?
        .unwrap_or(until - Duration::days(30));
    if since >= until {
        return Err(PageError::bad_request(
            "the period must start before it ends",
        ));
    }
    let counts = state.store.survey_counts(since, until).await?;
    let (all, agents) = figures(&counts);
    let agents: Vec<Value> = agents
        .iter()
        .map(|(id, n)| context! { id => id, ..view(n) })
        .collect();
    let ctx = context! {
        all => view(&all),
        agents => agents,
        since => input_value(Some(since), tz),
        until => input_value(Some(until), tz),
    };
    Ok(viewer.page(&state, "surveys", "surveys.html", ctx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(agent: Option<&str>, score: i64, count: i64) -> ScoreCount {
        ScoreCount {
            agent: agent.map(str::to_string),
            score,
            count,
        }
    }

    #[test]
    fn nps_is_promoters_minus_detractors_in_percent() {
        // 5 promoters (9, 10), 3 passives (7, 8), 2 detractors (0, 6): 50% - 20% = 30.
        let (all, agents) = figures(&[
            count(Some("anna"), 10, 3),
            count(Some("anna"), 9, 2),
            count(Some("ben"), 8, 2),
            count(None, 7, 1),
            count(Some("ben"), 6, 1),
            count(None, 0, 1),
        ]);
        assert_eq!(all.responses, 10);
        assert_eq!((all.promoters, all.passives, all.detractors), (5, 3, 2));
        assert_eq!(all.score, Some(30));
        assert_eq!(all.by_score[10], 3);
        assert_eq!(all.percent(all.promoters), 50);
        assert_eq!(agents["anna"].score, Some(100));
        // ben: 2 passives, 1 detractor -> 0% - 33% = -33.
        assert_eq!(agents["ben"].score, Some(-33));
        assert_eq!(agents.len(), 2);
    }

    #[test]
    fn no_answers_is_no_score_and_bad_scores_are_ignored() {
        let (all, _) = figures(&[count(None, 11, 4), count(None, -1, 2)]);
        assert_eq!(all.responses, 0);
        assert_eq!(all.score, None);
        assert_eq!(all.percent(0), 0);
        let (only_detractors, _) = figures(&[count(None, 3, 5)]);
        assert_eq!(only_detractors.score, Some(-100));
    }
}
