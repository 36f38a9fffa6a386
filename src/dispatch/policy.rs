//! What follows one dial attempt: done, a retry inside every window, or closed with the reason.

use crate::store::AttemptEnd;
use chrono::{DateTime, Duration, Utc};

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialResult {
    Answered,
    NoAnswer,
    Busy,
    /// The client's leg failed for another reason (4xx/5xx, unreachable).
    Failed,
    /// The number was put on the DNC list after the request was planned.
    Dnc,
}

impl DialResult {
    pub fn as_str(self) -> &'static str {
        match self {
            DialResult::Answered => "answered",
            DialResult::NoAnswer => "no-answer",
            DialResult::Busy => "busy",
            DialResult::Failed => "failed",
            DialResult::Dnc => "dnc",
        }
    }
}

/// `attempts` counts this one. `next_slot` gives the first instant inside every window (client,
/// company, legal hours) at or after its argument, or `None` when there is none.
pub fn after_attempt(
    result: DialResult,
    attempts: u32,
    max_attempts: u32,
    retry_after: Duration,
    now: DateTime<Utc>,
    next_slot: impl Fn(DateTime<Utc>) -> Option<DateTime<Utc>>,
) -> AttemptEnd {
    match result {
        DialResult::Answered => AttemptEnd::Done,
        DialResult::Dnc => AttemptEnd::Close("dnc".into()),
        DialResult::NoAnswer | DialResult::Busy | DialResult::Failed => {
            if attempts >= max_attempts {
                return AttemptEnd::Close("unreachable".into());
            }
            match next_slot(now + retry_after) {
                Some(at) => AttemptEnd::Retry(at),
                None => AttemptEnd::Close("no calling window left".into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::clock::{Clock, ManualClock};
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    /// Windows 07:00–19:00 UTC each day.
    fn office(at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        use chrono::Timelike;
        match at.hour() {
            7..=18 => Some(at),
            19..=23 => Some((at + Duration::days(1)).with_hour(7)?.with_minute(0)?),
            _ => Some(at.with_hour(7)?.with_minute(0)?),
        }
    }

    #[test]
    fn retries_stay_inside_the_windows_and_stop_at_the_limit() {
        let clock = ManualClock::new(t(10, 0));
        let retry = Duration::minutes(30);
        let end = after_attempt(DialResult::NoAnswer, 1, 3, retry, clock.now(), office);
        assert_eq!(end, AttemptEnd::Retry(t(10, 30)));
        clock.set(t(18, 50));
        let end = after_attempt(DialResult::Busy, 2, 3, retry, clock.now(), office);
        assert_eq!(
            end,
            AttemptEnd::Retry(Utc.with_ymd_and_hms(2026, 11, 24, 7, 0, 0).unwrap()),
            "after hours: the next morning"
        );
        clock.advance(Duration::hours(13));
        let end = after_attempt(DialResult::Failed, 3, 3, retry, clock.now(), office);
        assert_eq!(end, AttemptEnd::Close("unreachable".into()));
    }

    #[test]
    fn answered_is_done_dnc_closes_and_no_window_closes() {
        let now = t(10, 0);
        let d = Duration::minutes(30);
        assert_eq!(
            after_attempt(DialResult::Answered, 1, 3, d, now, office),
            AttemptEnd::Done
        );
        assert_eq!(
            after_attempt(DialResult::Dnc, 1, 3, d, now, office),
            AttemptEnd::Close("dnc".into())
        );
        assert_eq!(
            after_attempt(DialResult::NoAnswer, 1, 3, d, now, |_| None),
            AttemptEnd::Close("no calling window left".into())
        );
    }
}
