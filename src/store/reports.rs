//! Reports: per day, hour or agent, how many callers were offered to agents (joined the queue),
//! answered and abandoned, the service level, the average wait and handle time, and the NPS of
//! the survey answers. One bounded read of the period's calls and scores; the grouping is a pure
//! function, so SQLite and PostgreSQL give the same figures.

use super::{Result, Store, to_ms};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;

/// Calls read for one report at most (a month of a busy line).
pub const MAX_REPORT_CALLS: i64 = 200_000;

/// What a report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Day,
    Hour,
    Agent,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s {
            "day" => Some(GroupBy::Day),
            "hour" => Some(GroupBy::Hour),
            "agent" => Some(GroupBy::Agent),
            _ => None,
        }
    }
}

/// One call as a report sees it (instants in ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCall {
    pub started_at: i64,
    pub queued_at: Option<i64>,
    pub bridged_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub agent_id: Option<String>,
    /// The caller's survey score for this call, if they gave one.
    pub score: Option<i64>,
}

/// One line of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportRow {
    pub key: String,
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    /// % of the offered answered within the service level.
    pub service_level: Option<u64>,
    pub average_wait: Option<f64>,
    pub average_handle: Option<f64>,
    pub surveys: u64,
    pub nps: Option<i64>,
}

impl Store {
    /// The calls that started in [since, until), with their queue moment and survey score.
    pub async fn report_calls(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ReportCall>> {
        type Row = (
            i64,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.started_at, \
               (SELECT MIN(e.at) FROM call_events e WHERE e.call_id = c.id \
                  AND e.kind = 'queue' AND e.detail LIKE 'joined%') AS queued_at, \
               c.bridged_at, c.ended_at, c.agent_id, \
               (SELECT MAX(s.score) FROM survey_scores s WHERE s.call_id = c.id) AS score \
             FROM calls c WHERE c.started_at >= $1 AND c.started_at < $2 \
             ORDER BY c.started_at LIMIT $3",
        )
        .bind(to_ms(since))
        .bind(to_ms(until))
        .bind(MAX_REPORT_CALLS)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(started_at, queued_at, bridged_at, ended_at, agent_id, score)| ReportCall {
                    started_at,
                    queued_at,
                    bridged_at,
                    ended_at,
                    agent_id,
                    score,
                },
            )
            .collect())
    }
}

/// The report's lines, in key order; calls that never reached the queue and have no agent or
/// score count nowhere.
pub fn report(calls: &[ReportCall], by: GroupBy, tz: Tz, sl_secs: u64) -> Vec<ReportRow> {
    #[derive(Default)]
    struct Acc {
        offered: u64,
        answered: u64,
        abandoned: u64,
        in_time: u64,
        waits: Vec<f64>,
        handles: Vec<f64>,
        scores: Vec<i64>,
    }
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    for c in calls {
        let key = match by {
            GroupBy::Agent => match &c.agent_id {
                Some(a) => a.clone(),
                None => continue,
            },
            GroupBy::Day | GroupBy::Hour => {
                let local = chrono::DateTime::<Utc>::from_timestamp_millis(c.started_at)
                    .unwrap_or_default()
                    .with_timezone(&tz);
                let fmt = if by == GroupBy::Day {
                    "%Y-%m-%d"
                } else {
                    "%Y-%m-%d %H:00"
                };
                local.format(fmt).to_string()
            }
        };
        let acc = groups.entry(key).or_default();
        if let Some(q) = c.queued_at {
            match (c.bridged_at, c.ended_at) {
                (Some(b), _) => {
                    acc.offered += 1;
                    acc.answered += 1;
                    let wait = (b - q).max(0);
                    acc.waits.push(wait as f64 / 1000.0);
                    if wait <= (sl_secs as i64) * 1000 {
                        acc.in_time += 1;
                    }
                }
                (None, Some(_)) => {
                    acc.offered += 1;
                    acc.abandoned += 1;
                }
                (None, None) => {}
            }
        } else if c.bridged_at.is_some() {
            // Answered without a queue line (a callback): answered, not offered from the queue.
            acc.answered += 1;
        }
        if let (Some(b), Some(e)) = (c.bridged_at, c.ended_at) {
            acc.handles.push((e - b).max(0) as f64 / 1000.0);
        }
        if let Some(s) = c.score {
            acc.scores.push(s);
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    groups
        .into_iter()
        .map(|(key, a)| {
            let n = a.scores.len() as f64;
            let nps = (!a.scores.is_empty()).then(|| {
                let p = a.scores.iter().filter(|s| **s >= 9).count() as f64;
                let d = a.scores.iter().filter(|s| **s <= 6).count() as f64;
                ((p - d) * 100.0 / n).round() as i64
            });
            ReportRow {
                key,
                offered: a.offered,
                answered: a.answered,
                abandoned: a.abandoned,
                service_level: (a.offered > 0)
                    .then(|| (a.in_time * 100 + a.offered / 2) / a.offered),
                average_wait: mean(&a.waits),
                average_handle: mean(&a.handles),
                surveys: a.scores.len() as u64,
                nps,
            }
        })
        .collect()
}

/// The report as CSV (a header line, then one line per group; empty figures stay empty).
pub fn report_csv(by: GroupBy, rows: &[ReportRow]) -> String {
    let first = match by {
        GroupBy::Day => "day",
        GroupBy::Hour => "hour",
        GroupBy::Agent => "agent",
    };
    let mut out = format!(
        "{first},offered,answered,abandoned,service_level_pct,average_wait_s,average_handle_s,surveys,nps\n"
    );
    let opt = |v: Option<String>| v.unwrap_or_default();
    for r in rows {
        // Agent ids are the administrator's; still, a field never starts a formula in a sheet.
        let key = if r.key.starts_with(['=', '+', '-', '@']) {
            format!("'{}", r.key)
        } else {
            r.key.clone()
        };
        let key = if key.contains([',', '"', '\n']) {
            format!("\"{}\"", key.replace('"', "\"\""))
        } else {
            key
        };
        out.push_str(&format!(
            "{key},{},{},{},{},{},{},{},{}\n",
            r.offered,
            r.answered,
            r.abandoned,
            opt(r.service_level.map(|v| v.to_string())),
            opt(r.average_wait.map(|v| format!("{v:.1}"))),
            opt(r.average_handle.map(|v| format!("{v:.1}"))),
            r.surveys,
            opt(r.nps.map(|v| v.to_string())),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn call(
        start_h: i64,
        q: Option<i64>,
        b: Option<i64>,
        e: Option<i64>,
        agent: Option<&str>,
        score: Option<i64>,
    ) -> ReportCall {
        let at = |s: i64| start_h * H + s * 1000;
        ReportCall {
            started_at: at(0),
            queued_at: q.map(at),
            bridged_at: b.map(at),
            ended_at: e.map(at),
            agent_id: agent.map(str::to_string),
            score,
        }
    }

    #[test]
    fn groups_by_hour_day_and_agent() {
        let calls = [
            call(10, Some(5), Some(15), Some(75), Some("anna"), Some(10)), // 10 s wait, in time
            call(10, Some(5), Some(65), Some(125), Some("ben"), Some(3)),  // 60 s wait
            call(11, Some(5), None, Some(30), None, None),                 // abandoned
            call(11, None, None, Some(20), None, None),                    // menu only
        ];
        let by_hour = report(&calls, GroupBy::Hour, chrono_tz::UTC, 20);
        assert_eq!(by_hour.len(), 2);
        let h10 = &by_hour[0];
        assert_eq!(h10.key, "1970-01-01 10:00");
        assert_eq!((h10.offered, h10.answered, h10.abandoned), (2, 2, 0));
        assert_eq!(h10.service_level, Some(50));
        assert_eq!(h10.average_wait, Some(35.0));
        assert_eq!(h10.average_handle, Some(60.0));
        assert_eq!(h10.nps, Some(0));
        assert_eq!(
            (
                by_hour[1].offered,
                by_hour[1].abandoned,
                by_hour[1].service_level
            ),
            (1, 1, Some(0))
        );
        let by_day = report(&calls, GroupBy::Day, chrono_tz::UTC, 20);
        assert_eq!((by_day.len(), by_day[0].offered), (1, 3));
        let by_agent = report(&calls, GroupBy::Agent, chrono_tz::UTC, 20);
        assert_eq!(
            by_agent.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            ["anna", "ben"]
        );
        assert_eq!(by_agent[0].nps, Some(100));
        let csv = report_csv(GroupBy::Agent, &by_agent);
        assert!(csv.starts_with("agent,offered,answered"), "{csv}");
        assert!(csv.contains("\nanna,1,1,0,100,10.0,60.0,1,100\n"), "{csv}");
    }

    #[test]
    fn csv_keys_cannot_start_a_formula() {
        let rows = [ReportRow {
            key: "=cmd,x".into(),
            ..ReportRow::default()
        }];
        let csv = report_csv(GroupBy::Agent, &rows);
        assert!(csv.contains("\n\"'=cmd,x\",0,0,0,,,,0,\n"), "{csv}");
    }
}
