//! The wallboard's queue figures, from the store so that every node's calls count: who waits now
//! and since when, and for a window, how many queued callers were answered (within the service
//! level or not) and how many gave up. The figures themselves are a pure function of the rows.
//!
//! A call's moment in the queue is its `queue` timeline line "joined at position ..." (written by
//! the call as it joins); answered is `bridged_at`; a queued call that ended without an agent was
//! abandoned (that includes a caller who took the callback offered while waiting).

use super::{Result, Store, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Calls read at most per refresh (a busy day of one company).
const MAX_ROWS: i64 = 50_000;

/// One call that joined the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedCall {
    pub queued_at: i64,
    pub bridged_at: Option<i64>,
    pub ended_at: Option<i64>,
}

/// A window's service figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Queued callers whose wait has ended (answered or abandoned).
    pub offered: u64,
    pub answered: u64,
    pub answered_in_time: u64,
    pub abandoned: u64,
    /// % of offered answered within the service level; None with nothing offered.
    pub service_level: Option<u64>,
    /// % of offered abandoned.
    pub abandon_rate: Option<u64>,
    /// Mean seconds from joining the queue to an agent answering.
    pub average_wait: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueFigures {
    pub waiting: u64,
    pub longest_wait: Option<u64>,
    pub last_15_minutes: Window,
    pub today: Window,
}

impl Store {
    /// Calls that started since `since` or are still open, with the moment they joined the queue
    /// (those that never did are left out).
    pub async fn queued_calls(&self, since: DateTime<Utc>) -> Result<Vec<QueuedCall>> {
        let rows: Vec<(Option<i64>, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT (SELECT MIN(e.at) FROM call_events e WHERE e.call_id = c.id \
                       AND e.kind = 'queue' AND e.detail LIKE 'joined%') AS queued_at, \
                    c.bridged_at, c.ended_at \
             FROM calls c WHERE c.started_at >= $1 OR c.ended_at IS NULL LIMIT $2",
        )
        .bind(to_ms(since))
        .bind(MAX_ROWS)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(q, bridged_at, ended_at)| {
                Some(QueuedCall {
                    queued_at: q?,
                    bridged_at,
                    ended_at,
                })
            })
            .collect())
    }
}

/// The figures at `now` (ms) for service level `sl_secs`, today being from `day_start` (ms).
pub fn queue_figures(calls: &[QueuedCall], now: i64, day_start: i64, sl_secs: u64) -> QueueFigures {
    let waiting: Vec<&QueuedCall> = calls
        .iter()
        .filter(|c| c.bridged_at.is_none() && c.ended_at.is_none())
        .collect();
    let longest = waiting
        .iter()
        .map(|c| ((now - c.queued_at).max(0) / 1000) as u64)
        .max();
    QueueFigures {
        waiting: waiting.len() as u64,
        longest_wait: longest,
        last_15_minutes: window(calls, now - 15 * 60 * 1000, sl_secs),
        today: window(calls, day_start, sl_secs),
    }
}

fn window(calls: &[QueuedCall], from: i64, sl_secs: u64) -> Window {
    let mut w = Window::default();
    let mut waited = 0i64;
    for c in calls.iter().filter(|c| c.queued_at >= from) {
        match (c.bridged_at, c.ended_at) {
            (Some(b), _) => {
                w.answered += 1;
                let wait = (b - c.queued_at).max(0);
                waited += wait;
                if wait <= (sl_secs as i64) * 1000 {
                    w.answered_in_time += 1;
                }
            }
            (None, Some(_)) => w.abandoned += 1,
            (None, None) => continue,
        }
        w.offered += 1;
    }
    let pct = |n: u64| (w.offered > 0).then(|| (n * 100 + w.offered / 2) / w.offered);
    w.service_level = pct(w.answered_in_time);
    w.abandon_rate = pct(w.abandoned);
    w.average_wait = (w.answered > 0).then(|| (waited / 1000) as u64 / w.answered);
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1000;

    fn call(q: i64, b: Option<i64>, e: Option<i64>) -> QueuedCall {
        QueuedCall {
            queued_at: q * S,
            bridged_at: b.map(|x| x * S),
            ended_at: e.map(|x| x * S),
        }
    }

    #[test]
    fn waiting_answered_in_time_and_abandoned_are_told_apart() {
        let now = 10_000;
        let calls = [
            call(now - 30, None, None),                           // waiting 30 s
            call(now - 5, None, None),                            // waiting 5 s
            call(now - 100, Some(now - 90), None),                // answered after 10 s
            call(now - 200, Some(now - 150), Some(now - 20)),     // answered after 50 s
            call(now - 300, None, Some(now - 250)),               // abandoned
            call(now - 5000, Some(now - 4999), Some(now - 4000)), // today, not last 15 min
        ];
        let f = queue_figures(&calls, now * S, 0, 20);
        assert_eq!(f.waiting, 2);
        assert_eq!(f.longest_wait, Some(30));
        assert_eq!(f.last_15_minutes.offered, 3);
        assert_eq!(f.last_15_minutes.answered_in_time, 1);
        assert_eq!(f.last_15_minutes.service_level, Some(33));
        assert_eq!(f.last_15_minutes.abandon_rate, Some(33));
        assert_eq!(f.last_15_minutes.average_wait, Some(30));
        assert_eq!(f.today.offered, 4);
        assert_eq!(f.today.service_level, Some(50));
    }

    #[test]
    fn nothing_offered_is_no_figure_rather_than_zero() {
        let f = queue_figures(&[], 0, 0, 20);
        assert_eq!(f.waiting, 0);
        assert_eq!(f.longest_wait, None);
        assert_eq!(f.today.service_level, None);
    }
}
