//! Pausing a call's recording while a card number is read out (PCI DSS): who asked does not
//! matter here, only whether it is paused, since when, and the longest a pause may last before
//! the recording resumes by itself (so a forgotten pause never leaves the rest of a call
//! unrecorded). Pure, with the time passed in; the [`PauseSwitch`] is what the media path reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Read by the recording at every frame it is given: while set, the frame is written as silence
/// in both channels (the file keeps its length, so the timeline's times still point into it).
#[derive(Debug, Clone, Default)]
pub struct PauseSwitch(Arc<AtomicBool>);

impl PauseSwitch {
    pub fn set(&self, paused: bool) {
        self.0.store(paused, Ordering::Relaxed);
    }

    pub fn is_paused(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What changed, for the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Paused,
    /// `auto`: the longest pause ran out.
    Resumed {
        auto: bool,
        after_ms: u64,
    },
}

#[derive(Debug, Clone)]
pub struct Pause {
    max_ms: u64,
    since: Option<u64>,
}

impl Pause {
    pub fn new(max_ms: u64) -> Pause {
        Pause {
            max_ms,
            since: None,
        }
    }

    pub fn paused(&self) -> bool {
        self.since.is_some()
    }

    /// Pauses or resumes; `None` when it already was so.
    pub fn set(&mut self, now: u64, paused: bool) -> Option<Change> {
        match (self.since, paused) {
            (None, true) => {
                self.since = Some(now);
                Some(Change::Paused)
            }
            (Some(since), false) => {
                self.since = None;
                Some(Change::Resumed {
                    auto: false,
                    after_ms: now.saturating_sub(since),
                })
            }
            _ => None,
        }
    }

    /// When the pause runs out.
    pub fn deadline(&self) -> Option<u64> {
        self.since.map(|s| s + self.max_ms)
    }

    pub fn tick(&mut self, now: u64) -> Option<Change> {
        let since = self.since?;
        if now < since + self.max_ms {
            return None;
        }
        self.since = None;
        Some(Change::Resumed {
            auto: true,
            after_ms: now - since,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_ends_when_asked_or_when_it_runs_out() {
        let mut p = Pause::new(180_000);
        assert_eq!(p.set(1_000, false), None, "not paused");
        assert_eq!(p.set(1_000, true), Some(Change::Paused));
        assert_eq!(p.set(2_000, true), None, "already paused");
        assert_eq!(p.deadline(), Some(181_000));
        assert_eq!(
            p.set(31_000, false),
            Some(Change::Resumed {
                auto: false,
                after_ms: 30_000
            })
        );
        assert_eq!(p.deadline(), None);
        p.set(40_000, true);
        assert_eq!(p.tick(219_999), None);
        assert_eq!(
            p.tick(220_000),
            Some(Change::Resumed {
                auto: true,
                after_ms: 180_000
            })
        );
        assert!(!p.paused());
        assert_eq!(p.tick(500_000), None);
    }
}
