//! Admission control: a new call is refused with 503 + Retry-After, quickly, when the node is
//! full (calls in progress) or calls arrive faster than the configured rate, so calls already up are
//! not hurt. Pure: the caller passes the clock.

use std::time::{Duration, Instant};

/// Why a call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Full,
    TooFast,
    ShuttingDown,
    /// The store answers slowly: more calls would only queue more writes behind it.
    StoreBacklog,
}

/// A token bucket for new calls per second, with a burst of one second's worth.
#[derive(Debug)]
pub struct RateLimit {
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimit {
    pub fn new(per_second: u32, now: Instant) -> RateLimit {
        RateLimit {
            per_second: f64::from(per_second),
            tokens: f64::from(per_second),
            last: now,
        }
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.per_second.max(1.0));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Decides whether a new call may start.
pub fn admit(
    active: usize,
    max_active: usize,
    rate: &mut RateLimit,
    shutting_down: bool,
    store_backlog: bool,
    now: Instant,
) -> Result<(), Refusal> {
    if shutting_down {
        return Err(Refusal::ShuttingDown);
    }
    if store_backlog {
        return Err(Refusal::StoreBacklog);
    }
    if active >= max_active {
        return Err(Refusal::Full);
    }
    if !rate.try_take(now) {
        return Err(Refusal::TooFast);
    }
    Ok(())
}

/// How long a refused caller should wait before trying again.
pub fn retry_after(refusal: Refusal) -> Duration {
    match refusal {
        Refusal::TooFast => Duration::from_secs(1),
        Refusal::Full | Refusal::ShuttingDown | Refusal::StoreBacklog => Duration::from_secs(5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_allows_a_second_of_burst_then_refills() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(10, t0);
        let taken = (0..20).filter(|_| r.try_take(t0)).count();
        assert_eq!(taken, 10);
        assert!(!r.try_take(t0 + Duration::from_millis(50)));
        assert!(r.try_take(t0 + Duration::from_millis(150)));
    }

    #[test]
    fn full_and_shutdown_come_first() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(100, t0);
        assert_eq!(admit(5, 5, &mut r, false, false, t0), Err(Refusal::Full));
        assert_eq!(
            admit(0, 5, &mut r, true, false, t0),
            Err(Refusal::ShuttingDown)
        );
        assert_eq!(admit(4, 5, &mut r, false, false, t0), Ok(()));
        assert_eq!(
            admit(0, 5, &mut r, false, true, t0),
            Err(Refusal::StoreBacklog)
        );
        let mut slow = RateLimit::new(1, t0);
        assert_eq!(admit(0, 5, &mut slow, false, false, t0), Ok(()));
        assert_eq!(
            admit(0, 5, &mut slow, false, false, t0),
            Err(Refusal::TooFast)
        );
        assert_eq!(retry_after(Refusal::TooFast), Duration::from_secs(1));
    }
}
