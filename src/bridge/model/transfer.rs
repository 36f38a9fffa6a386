//! Blind transfer on the bridge: the agent bridged with the party passes it on to another agent,
//! an outside number, or back to the queue. The party hears music while the target rings; the
//! transferor leaves once the target answers and has the party back if it does not.

use super::{Bridge, Transfer};
use crate::bridge::{Action, Gone, LegId, LegState, Refusal, Role, Target};
use crate::dispatch::DialResult;

impl Bridge {
    /// Whether leg `by` may pass the party on now: it must be the agent bridged with the party,
    /// and no other transfer may be under way.
    pub fn may_transfer(&self, by: LegId) -> Result<(), Refusal> {
        let leg = self.legs.get(by.0).ok_or(Refusal::NotBridged)?;
        if leg.role != Role::Agent || leg.state != LegState::Up || !leg.talked {
            return Err(Refusal::NotBridged);
        }
        if self.transfer.is_some() || self.consult.is_some() {
            return Err(Refusal::InProgress);
        }
        if self.callback {
            return Err(Refusal::Callback);
        }
        match self.party() {
            Some(p) if self.connected(by, p) => Ok(()),
            _ => Err(Refusal::NotBridged),
        }
    }

    /// A transfer is under way (its target rings).
    pub fn transferring(&self) -> bool {
        self.transfer.is_some()
    }

    pub(super) fn start_transfer(&mut self, by: LegId, target: Target) {
        if self.may_transfer(by).is_err() {
            return;
        }
        let Some(party) = self.party() else {
            return;
        };
        self.out.push(Action::TransferProgress { by, status: 100 });
        self.legs[party.0].waiting = true;
        let (role, agent) = match target {
            Target::Queue => {
                self.out.push(Action::TransferProgress { by, status: 200 });
                self.out.push(Action::Requeue);
                self.hang_up(by, Gone::Transferred);
                self.sync_holds();
                return;
            }
            Target::Agent(agent) => (Role::Agent, Some(agent)),
            Target::External(_) => (Role::External, None),
        };
        self.legs[by.0].parked = true;
        let to = self.push(role, agent, false);
        self.transfer = Some(Transfer { by, to });
        self.sync_holds();
    }

    /// The target answered: the transferor is told and hung up, the target takes the party.
    pub(super) fn complete_transfer(&mut self) {
        let Some(t) = self.transfer.take() else {
            return;
        };
        if self.legs[t.by.0].live() {
            self.out.push(Action::TransferProgress {
                by: t.by,
                status: 200,
            });
            self.hang_up(t.by, Gone::Transferred);
        }
        self.connect();
        self.sync_holds();
    }

    /// The target never answered (or left first): the transferor is told and has the party
    /// back; without them, the party goes back to the queue.
    pub(super) fn fail_transfer(&mut self, t: Transfer, why: Gone) {
        let Some(party) = self.party() else {
            return;
        };
        if self.legs[t.by.0].live() {
            let status = match why {
                Gone::NotAnswered(DialResult::Busy) => 486,
                Gone::NotAnswered(DialResult::NoAnswer) => 480,
                Gone::Far => 487,
                _ => 503,
            };
            self.out.push(Action::TransferProgress { by: t.by, status });
            self.legs[t.by.0].parked = false;
            self.legs[party.0].waiting = false;
        } else {
            self.out.push(Action::Requeue);
        }
        self.sync_holds();
    }

    /// Each leg in the bridge is held by us exactly while one of its partners holds.
    pub(super) fn sync_holds(&mut self) {
        for id in self.ids().collect::<Vec<_>>() {
            if self.legs[id.0].state != LegState::Up {
                continue;
            }
            let held = self.partners(id).iter().any(|p| self.legs[p.0].holds);
            if held != self.legs[id.0].held_by_us {
                self.legs[id.0].held_by_us = held;
                self.out.push(Action::RelayHold { to: id, on: held });
            }
        }
    }
}
