//! The end of every turn of the bridge: who hears whom and who hears music, worked out afresh
//! from the legs' states and compared with the last turn, so the media is told only of changes;
//! then `Done` once the call is over.

use super::{Bridge, Leg};
use crate::bridge::{Action, LegState, Role};
use std::collections::BTreeSet;

impl Bridge {
    /// Emits the changes of who hears whom and of music, then `Done` once nothing is left.
    pub(super) fn finish_turn(&mut self) -> Vec<Action> {
        let mut hears = BTreeSet::new();
        let mut music = BTreeSet::new();
        for l in self.ids() {
            let listener = &self.legs[l.0];
            if listener.state != LegState::Up || listener.holds {
                continue;
            }
            let mut held = false;
            for s in self.partners(l) {
                if self.legs[s.0].holds {
                    held = true;
                } else {
                    hears.insert((l, s));
                }
            }
            if held || listener.waiting {
                music.insert(l);
            }
        }
        self.monitor_hears(&mut hears);
        self.consult_hears(&mut hears);
        let old_hears = std::mem::replace(&mut self.hears, hears);
        for &(listener, speaker) in old_hears.difference(&self.hears) {
            self.out.push(Action::Hears {
                listener,
                speaker,
                on: false,
            });
        }
        for &(listener, speaker) in self.hears.difference(&old_hears) {
            self.out.push(Action::Hears {
                listener,
                speaker,
                on: true,
            });
        }
        let old_music = std::mem::replace(&mut self.music, music);
        for &leg in old_music.difference(&self.music) {
            self.out.push(Action::Music { leg, on: false });
        }
        for &leg in self.music.difference(&old_music) {
            self.out.push(Action::Music { leg, on: true });
        }
        let all_ended = !self.legs.iter().any(Leg::live);
        let caller_gone = self
            .legs
            .first()
            .is_some_and(|l| l.role == Role::Caller && !l.live());
        if !self.done && (all_ended || caller_gone) && !self.legs.is_empty() {
            self.done = true;
            self.out.push(Action::Done);
        }
        std::mem::take(&mut self.out)
    }
}
