//! A supervisor on a live call: their leg is rung on request and, once answered, hears the party
//! and the agent talking with it; in a whisper the agent hears them too, in a barge everyone does.
//! Keys 4/5/6 on their phone switch the mode. One supervisor per call; they leave when nobody is
//! left for them to listen to (the agent gone and no transfer ringing), or with the call.

use super::Bridge;
use crate::bridge::{Action, Gone, LegId, LegState, Mode, MonitorRefusal, Role};
use std::collections::BTreeSet;

impl Bridge {
    /// Whether a supervisor may join now: an agent (or outside number) must be talking with the
    /// call's party, and no other supervisor on the call.
    pub fn may_monitor(&self) -> Result<(), MonitorRefusal> {
        if self.monitor.is_some() {
            return Err(MonitorRefusal::Taken);
        }
        self.pair().map(|_| ()).ok_or(MonitorRefusal::NotBridged)
    }

    /// The supervisor's leg (ringing or on the call) and their mode.
    pub fn monitoring(&self) -> Option<(LegId, Mode)> {
        self.monitor
    }

    /// The party and the leg talking with it, while they are in the bridge together.
    fn pair(&self) -> Option<(LegId, LegId)> {
        let party = self.party()?;
        let talker = self.talker()?;
        self.connected(party, talker).then_some((party, talker))
    }

    pub(super) fn monitor(&mut self, mode: Mode) {
        if let Some((leg, old)) = self.monitor {
            self.switch(leg, old, mode);
            return;
        }
        if self.may_monitor().is_err() {
            return;
        }
        let leg = self.push(Role::Supervisor, None, false);
        self.monitor = Some((leg, mode));
    }

    fn switch(&mut self, leg: LegId, old: Mode, mode: Mode) {
        if old == mode {
            return;
        }
        self.monitor = Some((leg, mode));
        // Before the answer the new mode is simply the one they join in.
        if self.legs[leg.0].state == LegState::Up {
            self.out.push(Action::Monitoring { leg, mode });
        }
    }

    pub(super) fn supervisor_answered(&mut self, id: LegId) {
        if let Some((leg, mode)) = self.monitor.filter(|(l, _)| *l == id) {
            self.out.push(Action::Monitoring { leg, mode });
        }
    }

    /// A key from the supervisor's phone: 4 listen, 5 whisper, 6 barge; others are ignored.
    pub(super) fn supervisor_key(&mut self, id: LegId, digit: char) {
        let (Some(mode), Some((leg, old))) = (Mode::from_key(digit), self.monitor) else {
            return;
        };
        if leg == id {
            self.switch(leg, old, mode);
        }
    }

    /// After leg `id` ended: the supervisor's own leaves the call; when no agent or outside party
    /// is left (and no transfer rings one), the supervisor is hung up.
    pub(super) fn monitored_leg_gone(&mut self, id: LegId, role: Role) {
        let Some((sup, _)) = self.monitor else {
            return;
        };
        if sup == id {
            self.monitor = None;
            return;
        }
        let talker_left = self.legs.iter().any(|l| l.role.is_talker() && l.live());
        if role.is_talker() && !talker_left && self.transfer.is_none() {
            self.hang_up(sup, Gone::Us);
        }
    }

    /// Adds who hears the supervisor and whom the supervisor hears to `hears`.
    pub(super) fn monitor_hears(&self, hears: &mut BTreeSet<(LegId, LegId)>) {
        let Some((sup, mode)) = self.monitor else {
            return;
        };
        let s = &self.legs[sup.0];
        if s.state != LegState::Up || s.holds {
            return;
        }
        let Some((party, talker)) = self.pair() else {
            return;
        };
        for (who, hears_them) in [(party, mode.party_hears()), (talker, mode.agent_hears())] {
            // A leg holding the call says nothing and hears its music.
            if self.legs[who.0].holds {
                continue;
            }
            hears.insert((sup, who));
            if hears_them {
                hears.insert((who, sup));
            }
        }
    }
}
