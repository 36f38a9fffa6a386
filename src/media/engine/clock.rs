//! A media worker's 20 ms clock, pure: given the next deadline and the time now, how many ticks
//! are due. One clock drives every call on a worker, so a call's packet count follows wall time
//! (no drift) as long as the worker keeps up; a short stall is caught up at once (a burst, as a
//! far end's jitter buffer expects after a network hiccup), a long one is skipped and counted,
//! so a stalled machine does not answer with a second of packets in one go.

use std::time::{Duration, Instant};

/// The G.711 packet interval.
pub const TICK: Duration = Duration::from_millis(20);

/// Ticks caught up after a stall; beyond this the clock jumps to now and the rest is skipped.
pub const MAX_BURST: u32 = 5;

/// What the worker does when it wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// Ticks to run now (0: woke early, sleep again).
    pub ticks: u32,
    /// Ticks dropped because the worker fell too far behind.
    pub skipped: u32,
    /// The first of the ticks ran this late (zero when on time or early).
    pub late: Duration,
}

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    next: Instant,
}

impl Clock {
    /// The first tick is due at once.
    pub fn new(now: Instant) -> Clock {
        Clock { next: now }
    }

    /// When the worker should wake next.
    pub fn deadline(&self) -> Instant {
        self.next
    }

    /// Advances the clock past every tick due at `now`.
    pub fn due(&mut self, now: Instant) -> Due {
        if now < self.next {
            return Due {
                ticks: 0,
                skipped: 0,
                late: Duration::ZERO,
            };
        }
        let late = now - self.next;
        let behind = (late.as_nanos() / TICK.as_nanos()) as u64 + 1;
        let ticks = behind.min(u64::from(MAX_BURST)) as u32;
        let skipped = (behind - u64::from(ticks)) as u32;
        // Skipped ticks are dropped from the schedule too: the clock restarts from now.
        self.next = if skipped > 0 {
            now + TICK
        } else {
            self.next + TICK * ticks
        };
        Due {
            ticks,
            skipped,
            late,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_time_ticks_keep_a_fixed_grid() {
        let t0 = Instant::now();
        let mut clock = Clock::new(t0);
        assert_eq!(clock.due(t0).ticks, 1);
        assert_eq!(clock.deadline(), t0 + TICK);
        // Waking a little late does not move the grid: no drift.
        let due = clock.due(t0 + TICK + Duration::from_millis(3));
        assert_eq!((due.ticks, due.skipped), (1, 0));
        assert_eq!(due.late, Duration::from_millis(3));
        assert_eq!(clock.deadline(), t0 + TICK * 2);
    }

    #[test]
    fn early_wake_runs_nothing() {
        let t0 = Instant::now();
        let mut clock = Clock::new(t0);
        clock.due(t0);
        assert_eq!(clock.due(t0 + Duration::from_millis(19)).ticks, 0);
        assert_eq!(clock.deadline(), t0 + TICK);
    }

    #[test]
    fn a_short_stall_is_caught_up() {
        let t0 = Instant::now();
        let mut clock = Clock::new(t0);
        clock.due(t0);
        let due = clock.due(t0 + TICK * 3 + Duration::from_millis(1));
        assert_eq!((due.ticks, due.skipped), (3, 0));
        assert_eq!(clock.deadline(), t0 + TICK * 4);
    }

    #[test]
    fn a_long_stall_is_skipped_and_counted() {
        let t0 = Instant::now();
        let mut clock = Clock::new(t0);
        clock.due(t0);
        let now = t0 + Duration::from_millis(1_010);
        let due = clock.due(now);
        // Ticks at 20, 40, ..., 1000 ms were due: 50 of them.
        assert_eq!(due.ticks + due.skipped, 50);
        assert_eq!(due.ticks, MAX_BURST);
        assert_eq!(clock.deadline(), now + TICK);
    }
}
