//! Who hears whom among a call's three media sides, and the sum of what a side hears.
//!
//! A call carries at most four sides: its own party (the caller, a callback's client), the
//! bridged leg (the agent), a monitoring supervisor and the target an agent consults. The bridge decides who hears whom and says
//! so one pair at a time; this keeps the pairs as a 4×4 matrix and mixes each listener's speakers
//! into one frame. With two sides (the common case) a listener hears one speaker and the frame is
//! passed on untouched.

use crate::media::session::FRAME;
use crate::media::task::Side;

fn index(side: Side) -> usize {
    match side {
        Side::Main => 0,
        Side::Leg => 1,
        Side::Monitor => 2,
        Side::Consult => 3,
    }
}

const SIDES: [Side; 4] = [Side::Main, Side::Leg, Side::Monitor, Side::Consult];

/// `listener` hears `speaker` when `hears[listener][speaker]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hears([[bool; 4]; 4]);

impl Default for Hears {
    /// The party and the leg hear each other; a supervisor hears nothing and nobody hears them
    /// until the bridge says so.
    fn default() -> Hears {
        let mut h = Hears([[false; 4]; 4]);
        h.set(Side::Main, Side::Leg, true);
        h.set(Side::Leg, Side::Main, true);
        h
    }
}

impl Hears {
    pub fn set(&mut self, listener: Side, speaker: Side, on: bool) {
        if listener != speaker {
            self.0[index(listener)][index(speaker)] = on;
        }
    }

    pub fn get(&self, listener: Side, speaker: Side) -> bool {
        self.0[index(listener)][index(speaker)]
    }

    /// Whether `listener` hears anybody (its session plays the feed only then).
    pub fn any(&self, listener: Side) -> bool {
        self.0[index(listener)].iter().any(|&b| b)
    }

    /// Nobody hears `side` and it hears nobody (a supervisor who left).
    pub fn clear(&mut self, side: Side) {
        for other in SIDES {
            self.0[index(side)][index(other)] = false;
            self.0[index(other)][index(side)] = false;
        }
    }

    /// What `listener` hears this tick: the sum of the speakers it hears, clipped; `None` when it
    /// hears nobody. `audio` gives a side's frame, or `None` for a side not on the call.
    pub fn feed<'a>(
        &self,
        listener: Side,
        audio: impl Fn(Side) -> Option<&'a [i16; FRAME]>,
    ) -> Option<[i16; FRAME]> {
        let mut out: Option<[i16; FRAME]> = None;
        for speaker in SIDES {
            if !self.get(listener, speaker) {
                continue;
            }
            let Some(frame) = audio(speaker) else {
                continue;
            };
            match &mut out {
                None => out = Some(*frame),
                Some(sum) => {
                    for (s, &x) in sum.iter_mut().zip(frame.iter()) {
                        *s = s.saturating_add(x);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(v: i16) -> [i16; FRAME] {
        [v; FRAME]
    }

    #[test]
    fn the_party_and_the_leg_hear_each_other_and_nobody_hears_a_supervisor_at_first() {
        let h = Hears::default();
        assert!(h.get(Side::Main, Side::Leg) && h.get(Side::Leg, Side::Main));
        assert!(!h.any(Side::Monitor));
        assert!(!h.get(Side::Main, Side::Monitor) && !h.get(Side::Leg, Side::Monitor));
    }

    #[test]
    fn a_listener_hears_the_clipped_sum_of_its_speakers_and_nothing_else() {
        let mut h = Hears::default();
        h.set(Side::Monitor, Side::Main, true);
        h.set(Side::Monitor, Side::Leg, true);
        h.set(Side::Leg, Side::Monitor, true);
        let (main, leg, sup) = (frame(3000), frame(30_000), frame(7));
        let audio = |s: Side| {
            Some(match s {
                Side::Main => &main,
                Side::Leg => &leg,
                Side::Monitor | Side::Consult => &sup,
            })
        };
        // The supervisor hears both, clipped at the top of the range.
        assert_eq!(h.feed(Side::Monitor, audio), Some(frame(i16::MAX)));
        // The agent hears the caller and the supervisor's whisper.
        assert_eq!(h.feed(Side::Leg, audio), Some(frame(3007)));
        // The caller hears only the agent.
        assert_eq!(h.feed(Side::Main, audio), Some(frame(30_000)));
        // A side not on the call adds nothing.
        assert_eq!(
            h.feed(Side::Leg, |s| (s == Side::Main).then_some(&main)),
            Some(frame(3000))
        );
        h.clear(Side::Monitor);
        assert_eq!(h.feed(Side::Monitor, audio), None);
        assert_eq!(h.feed(Side::Leg, audio), Some(frame(3000)));
        // Nobody hears themselves.
        h.set(Side::Main, Side::Main, true);
        assert!(!h.get(Side::Main, Side::Main));
    }
}
