//! Attended transfer on the bridge: the agent bridged with the party consults a target first
//! (another agent or a number outside) while the party hears music, then completes (the target
//! takes the party, the agent leaves) or cancels (the target is hung up, the agent has the party
//! back). Hanging up completes once the target answered; before that it leaves the transfer to
//! go on as a blind one. The target leaving or not answering ends the consultation.

use super::{Bridge, Transfer};
use crate::bridge::{Action, Gone, LegId, LegState, Role, Target};
use crate::dispatch::DialResult;
use std::collections::BTreeSet;

/// A consultation under way: who consults whom, and what the target becomes on completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Consult {
    pub(super) by: LegId,
    pub(super) to: LegId,
    pub(super) becomes: Role,
}

impl Bridge {
    /// The consultation under way: the consulting agent's leg and the target's.
    pub fn consulting(&self) -> Option<(LegId, LegId)> {
        self.consult.map(|c| (c.by, c.to))
    }

    pub(super) fn start_consult(&mut self, by: LegId, target: Target) {
        if self.may_transfer(by).is_err() {
            return;
        }
        let (becomes, agent) = match target {
            // Nobody to consult: the queue takes the party at once.
            Target::Queue => return self.start_transfer(by, Target::Queue),
            Target::Agent(agent) => (Role::Agent, Some(agent)),
            Target::External(_) => (Role::External, None),
        };
        let Some(party) = self.party() else {
            return;
        };
        self.legs[party.0].waiting = true;
        self.legs[by.0].parked = true;
        let to = self.push(Role::Consult, agent, false);
        self.consult = Some(Consult { by, to, becomes });
        self.sync_holds();
    }

    /// The target answered: the agent and the target talk.
    pub(super) fn consult_answered(&mut self, id: LegId) {
        if let Some(c) = self.consult.filter(|c| c.to == id) {
            self.out.push(Action::Consulting { by: c.by, to: c.to });
        }
    }

    /// `by` completes: the target takes the party now, or once they answer.
    pub(super) fn complete_consult(&mut self, by: LegId) {
        let Some(c) = self.consult.filter(|c| c.by == by) else {
            return;
        };
        self.hand_over(c);
        if self.legs[c.to.0].state == LegState::Up {
            self.complete_transfer();
        }
    }

    /// `by` cancels: the target is hung up (their leg's end gives the party back).
    pub(super) fn cancel_consult(&mut self, by: LegId) {
        if let Some(c) = self.consult.filter(|c| c.by == by) {
            self.hang_up(c.to, Gone::Us);
        }
    }

    /// The consultation becomes a transfer to its target: the target is an agent (or outside)
    /// leg from now on, and the media of an answered one becomes the bridged leg's.
    fn hand_over(&mut self, c: Consult) {
        self.consult = None;
        self.legs[c.to.0].role = c.becomes;
        self.transfer = Some(Transfer { by: c.by, to: c.to });
        self.out.push(Action::Promote { leg: c.to });
    }

    /// Before leg `id` ends: the consulting agent hanging up hands the party over to the target
    /// (a blind transfer if the target still rings).
    pub(super) fn consult_leg_going(&mut self, id: LegId) {
        if let Some(c) = self.consult.filter(|c| c.by == id) {
            self.hand_over(c);
        }
    }

    /// After leg `id` ended: the target gone ends the consultation, the agent has the party
    /// back; a target already handed the party and up completes the transfer.
    pub(super) fn consult_leg_gone(&mut self, id: LegId, why: Gone) {
        if let Some(c) = self.consult.filter(|c| c.to == id) {
            self.consult = None;
            let status = match why {
                Gone::Us => 487,
                Gone::Far => 200,
                Gone::NotAnswered(DialResult::Busy) => 486,
                Gone::NotAnswered(DialResult::NoAnswer) => 480,
                _ => 503,
            };
            self.out.push(Action::ConsultEnded { by: c.by, status });
            if self.legs[c.by.0].live() {
                self.legs[c.by.0].parked = false;
                if let Some(p) = self.party() {
                    self.legs[p.0].waiting = false;
                }
            }
            self.sync_holds();
            return;
        }
        if self
            .transfer
            .is_some_and(|t| t.by == id && self.legs[t.to.0].state == LegState::Up)
        {
            self.complete_transfer();
        }
    }

    /// The agent and the target of a consultation hear each other once both are up.
    pub(super) fn consult_hears(&self, hears: &mut BTreeSet<(LegId, LegId)>) {
        let Some(c) = self.consult else {
            return;
        };
        let (a, b) = (&self.legs[c.by.0], &self.legs[c.to.0]);
        if a.state == LegState::Up && b.state == LegState::Up && !a.holds && !b.holds {
            hears.insert((c.by, c.to));
            hears.insert((c.to, c.by));
        }
    }
}
