//! Whether an agent's phone is reachable, from the answers to our SIP OPTIONS. Pure: the prober
//! feeds it one outcome per round and writes the changes it returns.
//!
//! Any response says the phone is there (a 404 or 405 still comes from a live phone), except
//! 408 and 503, which a proxy sends for a phone it cannot reach; no response in time and a
//! transport error are failures. `failures` failures in a row make the phone unreachable; one
//! success makes it reachable again.

/// How one OPTIONS ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A final response with this status.
    Status(u16),
    /// Nothing came back in time.
    NoResponse,
    /// The request could not be sent (bad URI, no route, connection refused).
    TransportError,
}

impl Outcome {
    pub fn reached(self) -> bool {
        match self {
            Outcome::Status(408 | 503) => false,
            Outcome::Status(_) => true,
            Outcome::NoResponse | Outcome::TransportError => false,
        }
    }
}

/// What the store must be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Unreachable,
    Reachable,
}

/// One agent's phone, as this node sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Phone {
    failures: u32,
    unreachable: bool,
}

impl Phone {
    /// Starts from what the store says (a restart keeps an unreachable phone unreachable until
    /// it answers).
    pub fn new(unreachable: bool) -> Phone {
        Phone {
            failures: 0,
            unreachable,
        }
    }

    pub fn unreachable(&self) -> bool {
        self.unreachable
    }

    /// Takes one round's outcome; `failures` (at least 1) in a row make the phone unreachable.
    pub fn record(&mut self, outcome: Outcome, failures: u32) -> Option<Change> {
        if outcome.reached() {
            self.failures = 0;
            if self.unreachable {
                self.unreachable = false;
                return Some(Change::Reachable);
            }
            return None;
        }
        self.failures = self.failures.saturating_add(1);
        if !self.unreachable && self.failures >= failures.max(1) {
            self.unreachable = true;
            return Some(Change::Unreachable);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_after_the_failures_in_a_row_and_back_on_one_answer() {
        let mut p = Phone::new(false);
        assert_eq!(p.record(Outcome::NoResponse, 3), None);
        assert_eq!(p.record(Outcome::Status(408), 3), None);
        assert_eq!(
            p.record(Outcome::TransportError, 3),
            Some(Change::Unreachable)
        );
        assert!(p.unreachable());
        assert_eq!(p.record(Outcome::NoResponse, 3), None, "said once");
        assert_eq!(p.record(Outcome::Status(200), 3), Some(Change::Reachable));
        assert_eq!(p.record(Outcome::Status(200), 3), None);
    }

    #[test]
    fn a_success_between_failures_starts_the_count_again() {
        let mut p = Phone::new(false);
        assert_eq!(p.record(Outcome::NoResponse, 2), None);
        assert_eq!(p.record(Outcome::Status(405), 2), None, "a live phone");
        assert_eq!(p.record(Outcome::NoResponse, 2), None);
        assert_eq!(p.record(Outcome::Status(503), 2), Some(Change::Unreachable));
    }

    #[test]
    fn starts_from_the_stored_flag() {
        let mut p = Phone::new(true);
        assert_eq!(p.record(Outcome::NoResponse, 3), None);
        assert_eq!(p.record(Outcome::Status(404), 3), Some(Change::Reachable));
        let mut p = Phone::new(false);
        assert_eq!(
            p.record(Outcome::NoResponse, 0),
            Some(Change::Unreachable),
            "at least one"
        );
    }

    #[test]
    fn which_answers_mean_reached() {
        assert!(Outcome::Status(200).reached());
        assert!(Outcome::Status(486).reached());
        assert!(!Outcome::Status(408).reached());
        assert!(!Outcome::Status(503).reached());
        assert!(!Outcome::NoResponse.reached());
        assert!(!Outcome::TransportError.reached());
    }
}
