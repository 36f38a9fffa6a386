//! Auto-away after unanswered rings: which ring outcomes count as missed, and when the count
//! sends the agent away. The count itself lives in the store (`agents.missed_rings`): any node may
//! ring the agent. An answered call, or the agent coming back available, starts it again at 0.

use crate::dispatch::DialResult;

/// Whether a ring that ended this way counts against the agent: not answered in time, busy,
/// declined or unreachable all do. (A ring we cancelled because the caller left never reports
/// a result.)
pub fn is_miss(result: DialResult) -> bool {
    match result {
        DialResult::NoAnswer | DialResult::Busy | DialResult::Failed => true,
        DialResult::Answered | DialResult::Dnc => false,
    }
}

/// Whether `missed` rings in a row send the agent away; `limit` 0 turns it off.
pub fn goes_away(missed: i64, limit: u32) -> bool {
    limit > 0 && missed >= i64::from(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unanswered_outcome_counts() {
        assert!(is_miss(DialResult::NoAnswer));
        assert!(is_miss(DialResult::Busy));
        assert!(is_miss(DialResult::Failed));
        assert!(!is_miss(DialResult::Answered));
        assert!(!is_miss(DialResult::Dnc));
    }

    #[test]
    fn away_at_the_limit_and_never_when_off() {
        assert!(!goes_away(2, 3));
        assert!(goes_away(3, 3));
        assert!(
            goes_away(7, 3),
            "a count past the limit (another node's ring) still goes"
        );
        assert!(goes_away(1, 1));
        assert!(!goes_away(0, 1));
        assert!(!goes_away(100, 0), "0 turns auto-away off");
    }
}
