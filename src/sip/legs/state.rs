//! What a live call looks like now, for the API and the pages that show it: who talks with the
//! caller, whether the recording is paused, a transfer or consultation under way, a supervisor
//! listening in. Read from the bridge and the recording; nothing is changed.

use super::Legs;
use crate::bridge::{LegState, Mode};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LiveState {
    /// The agent leg on the call (ringing or talking), by agent id.
    pub agent: Option<String>,
    /// `None` while the call is not recorded (yet).
    pub recording_paused: Option<bool>,
    /// A blind transfer's target rings.
    pub transferring: bool,
    /// The target the agent consults (attended transfer), as the timeline names it.
    pub consulting: Option<String>,
    pub supervisor: Option<Monitoring>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Monitoring {
    pub name: String,
    pub mode: Mode,
    /// Their phone answered (else it rings).
    pub joined: bool,
}

impl Legs {
    pub fn state(&self) -> LiveState {
        let bridge = &self.bridge;
        let supervisor = bridge.monitoring().map(|(leg, mode)| {
            let name = self.name(leg);
            Monitoring {
                name: name
                    .strip_prefix("supervisor ")
                    .unwrap_or(&name)
                    .to_string(),
                mode,
                joined: bridge.state(leg) == Some(LegState::Up),
            }
        });
        LiveState {
            agent: bridge
                .agent_leg()
                .and_then(|l| bridge.agent(l))
                .map(str::to_string),
            recording_paused: self.recording_paused(),
            transferring: bridge.transferring(),
            consulting: bridge.consulting().map(|(_, to)| self.name(to)),
            supervisor,
        }
    }
}
