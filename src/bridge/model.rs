//! The bridge machine. Invariants the IO layer relies on: every agent leg gets exactly one
//! `Release` (whatever ends it), `Place` once per leg, `HangUp` only for a leg not yet ended, and
//! `Done` once, after every leg has ended.

use super::{Action, Command, Event, Gone, Keys, LegId, LegState, Mode, Role};
use crate::dispatch::DialResult;
use std::collections::BTreeSet;

/// A whisper whose playback-finished never comes (a media task gone) ends after this.
pub const WHISPER_MAX_MS: u64 = 30_000;

#[derive(Debug, Clone)]
struct Leg {
    role: Role,
    state: LegState,
    agent: Option<String>,
    whisper: bool,
    whisper_since: Option<u64>,
    answered: bool,
    /// Was in the bridge with the call's party at some point (an agent then gets wrap-up).
    talked: bool,
    /// The far end holds the call (its re-INVITE was sendonly, inactive or 0.0.0.0).
    holds: bool,
    /// We passed a hold on to it.
    held_by_us: bool,
    /// Waiting for an agent: music between announcements.
    waiting: bool,
    released: bool,
    /// Passing the party on: out of the bridge until the transfer's target answers or fails.
    parked: bool,
    /// Why it ended, and in which order among the legs.
    gone: Option<(Gone, u32)>,
}

impl Leg {
    fn new(role: Role, state: LegState, agent: Option<String>, whisper: bool) -> Leg {
        Leg {
            role,
            state,
            agent,
            whisper,
            whisper_since: None,
            answered: state != LegState::Ringing,
            talked: false,
            holds: false,
            held_by_us: false,
            waiting: false,
            released: false,
            parked: false,
            gone: None,
        }
    }

    fn live(&self) -> bool {
        self.state != LegState::Ended
    }
}

/// How a callback attempt ended, for its request and its call row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackEnd {
    /// `Some` when the client's phone was dialled (counts as an attempt).
    pub dialled: Option<DialResult>,
    /// The attempt's label (`answered`, `busy`, ...) or why nothing was dialled.
    pub label: &'static str,
    pub hangup_by: &'static str,
}

/// A blind transfer under way: who asked, and the leg rung for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Transfer {
    pub(super) by: LegId,
    pub(super) to: LegId,
}

#[derive(Debug, Clone)]
pub struct Bridge {
    legs: Vec<Leg>,
    /// A callback: the client is dialled once the agent has heard the whisper, and the call ends
    /// when either of them leaves.
    callback: bool,
    now: u64,
    ends: u32,
    hears: BTreeSet<(LegId, LegId)>,
    music: BTreeSet<LegId>,
    done: bool,
    transfer: Option<Transfer>,
    /// The supervisor's leg on the call and how they are on it.
    monitor: Option<(LegId, Mode)>,
    /// An attended transfer's consultation under way.
    consult: Option<consult::Consult>,
    /// Feature codes (none until the owner sets them), and the agent leg they are reading.
    keys: Option<Keys>,
    keys_state: Option<(LegId, Keys)>,
    out: Vec<Action>,
}

impl Bridge {
    fn empty(callback: bool) -> Bridge {
        Bridge {
            legs: Vec::new(),
            callback,
            now: 0,
            ends: 0,
            hears: BTreeSet::new(),
            music: BTreeSet::new(),
            done: false,
            transfer: None,
            monitor: None,
            consult: None,
            keys: None,
            keys_state: None,
            out: Vec::new(),
        }
    }

    /// An answered inbound call: its caller is leg 0.
    pub fn inbound() -> Bridge {
        let mut b = Bridge::empty(false);
        b.legs
            .push(Leg::new(Role::Caller, LegState::Up, None, false));
        b
    }

    /// A callback: `agent` is rung first and whispered to, then the client is dialled. The
    /// returned actions place the agent's leg (leg 0).
    pub fn callback(agent: String, now: u64) -> (Bridge, Vec<Action>) {
        let mut b = Bridge::empty(true);
        b.now = now;
        b.ring_agent(agent, true);
        let out = std::mem::take(&mut b.out);
        (b, out)
    }

    /// The feature codes the bridged agent may key (see [`Keys`]).
    pub fn set_keys(&mut self, keys: Keys) {
        self.keys = Some(keys);
    }

    pub fn role(&self, id: LegId) -> Option<Role> {
        self.legs.get(id.0).map(|l| l.role)
    }

    pub fn state(&self, id: LegId) -> Option<LegState> {
        self.legs.get(id.0).map(|l| l.state)
    }

    /// The agent a leg holds, if it is an agent's.
    pub fn agent(&self, id: LegId) -> Option<&str> {
        self.legs.get(id.0).and_then(|l| l.agent.as_deref())
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Whether `listener` hears `speaker` now.
    pub fn hears(&self, listener: LegId, speaker: LegId) -> bool {
        self.hears.contains(&(listener, speaker))
    }

    /// Whether `leg` hears music on hold now.
    pub fn music(&self, leg: LegId) -> bool {
        self.music.contains(&leg)
    }

    /// The ringing or talking agent leg, if any.
    pub fn agent_leg(&self) -> Option<LegId> {
        self.ids()
            .find(|&i| self.legs[i.0].role == Role::Agent && self.legs[i.0].live())
    }

    /// When to send [`Event::Tick`] next, if anything waits on time.
    pub fn deadline(&self) -> Option<u64> {
        let keys = self.keys_state.as_ref().and_then(|(_, k)| k.deadline());
        self.legs
            .iter()
            .filter(|l| l.state == LegState::Whisper)
            .filter_map(|l| l.whisper_since)
            .map(|t| t + WHISPER_MAX_MS)
            .chain(keys)
            .min()
    }

    pub fn command(&mut self, now: u64, command: Command) -> Vec<Action> {
        self.now = now;
        match command {
            Command::RingAgent { agent, whisper } => self.ring_agent(agent, whisper),
            Command::Waiting(on) => {
                if let Some(p) = self.party() {
                    self.legs[p.0].waiting = on;
                }
            }
            Command::HangUp(id, why) => self.hang_up(id, why),
            Command::HangUpAll(why) => {
                for id in self.ids().collect::<Vec<_>>() {
                    self.hang_up(id, why);
                }
            }
            Command::Transfer { by, target } => self.start_transfer(by, target),
            Command::Monitor(mode) => self.monitor(mode),
            Command::Consult { by, target } => self.start_consult(by, target),
            Command::CompleteConsult { by } => self.complete_consult(by),
            Command::CancelConsult { by } => self.cancel_consult(by),
        }
        self.finish_turn()
    }

    pub fn handle(&mut self, now: u64, event: Event) -> Vec<Action> {
        self.now = now;
        match event {
            Event::Answered(id) => self.answered(id),
            Event::Failed(id, result) => self.gone(id, Gone::NotAnswered(result)),
            Event::Ended(id, why) => self.gone(id, why),
            Event::Hold(id, on) => self.hold(id, on),
            Event::Digit(id, digit) => self.digit(id, digit),
            Event::PlaybackFinished(id) => {
                if self.state(id) == Some(LegState::Whisper) {
                    self.whispered(id);
                }
            }
            Event::Tick => {
                let due: Vec<LegId> = self
                    .ids()
                    .filter(|i| {
                        let l = &self.legs[i.0];
                        l.state == LegState::Whisper
                            && l.whisper_since.is_some_and(|t| now >= t + WHISPER_MAX_MS)
                    })
                    .collect();
                for id in due {
                    self.whispered(id);
                }
                if let Some((leg, keys)) = &mut self.keys_state
                    && let Some(feature) = keys.tick(now)
                {
                    let leg = *leg;
                    self.out.push(Action::Feature { leg, feature });
                }
            }
        }
        self.finish_turn()
    }

    fn ids(&self) -> impl Iterator<Item = LegId> + use<> {
        (0..self.legs.len()).map(LegId)
    }

    /// The call's party (caller or client) while it is on the call.
    fn party(&self) -> Option<LegId> {
        self.ids()
            .find(|&i| self.legs[i.0].role.is_party() && self.legs[i.0].live())
    }

    fn push(&mut self, role: Role, agent: Option<String>, whisper: bool) -> LegId {
        let id = LegId(self.legs.len());
        self.legs
            .push(Leg::new(role, LegState::Ringing, agent, whisper));
        self.out.push(Action::Place(id));
        id
    }

    fn ring_agent(&mut self, agent: String, whisper: bool) {
        self.push(Role::Agent, Some(agent), whisper);
    }

    fn answered(&mut self, id: LegId) {
        let Some(leg) = self.legs.get_mut(id.0) else {
            return;
        };
        if leg.state != LegState::Ringing {
            return;
        }
        leg.answered = true;
        if leg.role == Role::Agent && leg.whisper {
            leg.state = LegState::Whisper;
            leg.whisper_since = Some(self.now);
            self.out.push(Action::Whisper(id));
            return;
        }
        leg.state = LegState::Up;
        if leg.role == Role::Supervisor {
            self.supervisor_answered(id);
        } else if leg.role == Role::Consult {
            self.consult_answered(id);
        } else if self.transfer.is_some_and(|t| t.to == id) {
            self.complete_transfer();
        } else {
            self.connect();
        }
    }

    fn whispered(&mut self, id: LegId) {
        self.legs[id.0].state = LegState::Up;
        self.legs[id.0].whisper_since = None;
        if self.callback && !self.legs.iter().any(|l| l.role == Role::Client) {
            self.push(Role::Client, None, false);
        }
        self.connect();
    }

    /// Bridges the party with the agent once both are up; a hold already in place passes on.
    fn connect(&mut self) {
        let (Some(party), Some(agent)) = (self.party(), self.talker()) else {
            return;
        };
        if self.legs[party.0].state != LegState::Up || self.legs[agent.0].state != LegState::Up {
            return;
        }
        if self.legs[agent.0].talked {
            return;
        }
        self.legs[agent.0].talked = true;
        self.legs[party.0].talked = true;
        self.legs[party.0].waiting = false;
        self.out.push(Action::Connected { agent, party });
        for (from, to) in [(party, agent), (agent, party)] {
            if self.legs[from.0].holds && !self.legs[to.0].held_by_us {
                self.legs[to.0].held_by_us = true;
                self.out.push(Action::RelayHold { to, on: true });
            }
        }
    }

    /// The leg that talks (or is about to) with the party: a live agent or outside number not
    /// passing the call on.
    fn talker(&self) -> Option<LegId> {
        self.ids().find(|&i| {
            let l = &self.legs[i.0];
            l.role.is_talker() && l.live() && !l.parked
        })
    }

    /// Whether two legs are in the bridge together (whatever holds say).
    fn connected(&self, a: LegId, b: LegId) -> bool {
        let (la, lb) = (&self.legs[a.0], &self.legs[b.0]);
        a != b
            && la.state == LegState::Up
            && lb.state == LegState::Up
            && la.talked
            && lb.talked
            && !la.parked
            && !lb.parked
            && (la.role.is_party() && lb.role.is_talker()
                || lb.role.is_party() && la.role.is_talker())
    }

    fn partners(&self, id: LegId) -> Vec<LegId> {
        self.ids().filter(|&o| self.connected(id, o)).collect()
    }

    fn hold(&mut self, id: LegId, on: bool) {
        if !self.legs.get(id.0).is_some_and(Leg::live) {
            return;
        }
        self.legs[id.0].holds = on;
        for to in self.partners(id) {
            if self.legs[to.0].held_by_us != on {
                self.legs[to.0].held_by_us = on;
                self.out.push(Action::RelayHold { to, on });
            }
        }
    }

    fn digit(&mut self, id: LegId, digit: char) {
        let Some(leg) = self.legs.get(id.0) else {
            return;
        };
        if leg.role == Role::Agent {
            self.agent_key(id, digit);
            return;
        }
        if leg.role == Role::Supervisor {
            self.supervisor_key(id, digit);
            return;
        }
        if !leg.role.is_party() {
            return;
        }
        for to in self.partners(id) {
            if self.legs[to.0].role.is_talker() {
                self.out.push(Action::RelayDigit { to, digit });
            }
        }
    }

    /// A key from an agent bridged with the party: read for feature codes, never relayed.
    fn agent_key(&mut self, id: LegId, digit: char) {
        let consulting = self.consult.is_some_and(|c| c.by == id);
        let bridged = consulting || self.party().is_some_and(|p| self.connected(id, p));
        let Some(template) = &self.keys else {
            return;
        };
        if !bridged {
            return;
        }
        if self.keys_state.as_ref().is_none_or(|(leg, _)| *leg != id) {
            self.keys_state = Some((id, template.clone()));
        }
        if let Some((_, keys)) = &mut self.keys_state {
            keys.set_consulting(consulting);
            if let Some(feature) = keys.key(self.now, digit) {
                self.out.push(Action::Feature { leg: id, feature });
            }
        }
    }

    fn hang_up(&mut self, id: LegId, why: Gone) {
        if !self.legs.get(id.0).is_some_and(Leg::live) {
            return;
        }
        // The caller's own dialog is ended by its owner, never by the bridge.
        if self.legs[id.0].role != Role::Caller {
            self.out.push(Action::HangUp(id));
        }
        self.gone(id, why);
    }

    fn gone(&mut self, id: LegId, why: Gone) {
        if !self.legs.get(id.0).is_some_and(Leg::live) {
            return;
        }
        self.consult_leg_going(id);
        let partners = self.partners(id);
        let transfer = self.transfer;
        let handed_over =
            why == Gone::Transferred || transfer.is_some_and(|t| t.by == id && t.to != id);
        let leg = &mut self.legs[id.0];
        leg.state = LegState::Ended;
        leg.gone = Some((why, self.ends));
        self.ends += 1;
        let role = leg.role;
        let held = leg.holds;
        if let (Some(agent), false) = (leg.agent.clone(), leg.released) {
            leg.released = true;
            let talked = leg.talked;
            self.out.push(Action::Release {
                leg: id,
                agent,
                talked,
            });
        }
        self.out.push(Action::LegGone {
            leg: id,
            role,
            why,
            handed_over,
        });
        if let Some(t) = transfer.filter(|t| t.to == id) {
            self.transfer = None;
            self.fail_transfer(t, why);
        }
        // A hold the gone leg had passed on is lifted, so the one left is not stuck held.
        if held {
            for to in partners.iter().copied() {
                if self.legs[to.0].held_by_us && self.legs[to.0].live() {
                    self.legs[to.0].held_by_us = false;
                    self.out.push(Action::RelayHold { to, on: false });
                }
            }
        }
        self.consult_leg_gone(id, why);
        self.monitored_leg_gone(id, role);
        let ends_call = role.is_party() || self.callback && role == Role::Agent;
        if ends_call {
            let cause = match why {
                Gone::Shutdown => Gone::Shutdown,
                _ => Gone::Us,
            };
            for other in self.ids().collect::<Vec<_>>() {
                self.hang_up(other, cause);
            }
        }
    }
}

mod callback_end;
mod consult;
mod monitor;
mod transfer;
mod turn;

#[cfg(test)]
mod consult_tests;
#[cfg(test)]
mod monitor_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod transfer_tests;
