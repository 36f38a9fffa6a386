//! The estimated wait a queued caller is told: their position over the agents staffed, times the
//! recent handle time. Pure, so the rule is visible and tested.

/// Handle times kept for the average.
pub const SAMPLES: usize = 50;

#[derive(Debug, Default, Clone)]
pub struct WaitEstimate {
    recent: std::collections::VecDeque<f64>,
}

impl WaitEstimate {
    pub fn with(samples: impl IntoIterator<Item = f64>) -> WaitEstimate {
        let mut e = WaitEstimate::default();
        for s in samples {
            e.record(s);
        }
        e
    }

    /// One finished agent call's handle time, in seconds.
    pub fn record(&mut self, secs: f64) {
        if !secs.is_finite() || secs < 0.0 {
            return;
        }
        if self.recent.len() == SAMPLES {
            self.recent.pop_front();
        }
        self.recent.push_back(secs);
    }

    pub fn average(&self) -> Option<f64> {
        (!self.recent.is_empty())
            .then(|| self.recent.iter().sum::<f64>() / self.recent.len() as f64)
    }

    /// Seconds until the caller at `position` (1-based) reaches an agent, with `staffed` agents
    /// logged in (not away). `None` without history or staff: then only the position is announced.
    pub fn wait_secs(&self, position: u32, staffed: u32) -> Option<u32> {
        if staffed == 0 || position == 0 {
            return None;
        }
        let avg = self.average()?;
        // Callers ahead, served `staffed` at a time; a caller at position ≤ staffed waits for the
        // first agent to finish, on average half a handle time.
        let rounds = f64::from(position - 1) / f64::from(staffed);
        Some(((rounds + 0.5) * avg).round() as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_history_no_estimate() {
        assert_eq!(WaitEstimate::default().wait_secs(3, 2), None);
        assert_eq!(WaitEstimate::with([60.0]).wait_secs(3, 0), None);
    }

    #[test]
    fn the_wait_grows_with_position_and_shrinks_with_staff() {
        let e = WaitEstimate::with([100.0, 140.0]);
        assert_eq!(e.average(), Some(120.0));
        assert_eq!(e.wait_secs(1, 1), Some(60));
        assert_eq!(e.wait_secs(3, 1), Some(300));
        assert_eq!(e.wait_secs(3, 2), Some(180));
    }

    #[test]
    fn only_recent_calls_count_and_junk_is_ignored() {
        let mut e = WaitEstimate::with(std::iter::repeat_n(1000.0, SAMPLES));
        for _ in 0..SAMPLES {
            e.record(10.0);
        }
        e.record(f64::NAN);
        e.record(-5.0);
        assert_eq!(e.average(), Some(10.0));
    }
}
