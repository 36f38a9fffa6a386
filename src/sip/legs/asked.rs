//! Transfers asked through the API rather than from the agent's phone: the same transfer, blind
//! or attended, started for the agent leg talking with the caller, and a consultation completed
//! or cancelled. An agent may ask only for the call they are talking on; a supervisor for any.

use super::transfer::ReferTo;
use super::{Legs, Outward};
use crate::bridge::{Command, LegId, Refusal};
use crate::media::task::MediaTask;

/// Why the API's transfer request was not carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransferRefusal {
    #[error("no agent is talking with the caller")]
    NotBridged,
    #[error("a transfer is already under way")]
    InProgress,
    #[error("a callback's client is not transferred")]
    Callback,
    #[error("the call is not yours")]
    NotYours,
    #[error("no consultation is under way")]
    NoConsultation,
}

impl From<Refusal> for TransferRefusal {
    fn from(r: Refusal) -> TransferRefusal {
        match r {
            Refusal::NotBridged => TransferRefusal::NotBridged,
            Refusal::InProgress => TransferRefusal::InProgress,
            Refusal::Callback => TransferRefusal::Callback,
        }
    }
}

impl Legs {
    /// `agent` (`None` for a supervisor) must be the one on leg `by`.
    fn owned_by(&self, by: LegId, agent: Option<&str>) -> Result<(), TransferRefusal> {
        match agent {
            Some(a) if self.bridge.agent(by) != Some(a) => Err(TransferRefusal::NotYours),
            _ => Ok(()),
        }
    }

    /// Passes the caller on to `to` (an agent id, a queue name or a number) from the agent leg
    /// talking with them; `attended`: that agent consults the target first. `asker` names who
    /// asked, for the timeline.
    pub async fn transfer_asked(
        &mut self,
        asker: &str,
        agent: Option<&str>,
        to: &str,
        attended: bool,
        media: &MediaTask,
    ) -> Result<Vec<Outward>, TransferRefusal> {
        let by = self.bridge.agent_leg().ok_or(TransferRefusal::NotBridged)?;
        self.owned_by(by, agent)?;
        self.bridge.may_transfer(by)?;
        self.log(&format!(
            "{} transfer to {to} asked by {asker}",
            if attended { "attended" } else { "blind" }
        ));
        let target = ReferTo {
            addr: String::new(),
            user: to.to_string(),
        };
        let resolved = self.resolve(&target).await;
        self.refer_by = None;
        Ok(self.transfer(by, resolved, attended, media).await)
    }

    /// Completes (`true`) or cancels the consultation under way.
    pub async fn consultation_asked(
        &mut self,
        asker: &str,
        agent: Option<&str>,
        complete: bool,
        media: &MediaTask,
    ) -> Result<Vec<Outward>, TransferRefusal> {
        let (by, _) = self
            .bridge
            .consulting()
            .ok_or(TransferRefusal::NoConsultation)?;
        self.owned_by(by, agent)?;
        let what = if complete { "completed" } else { "cancelled" };
        self.log(&format!("consultation {what} by {asker}"));
        let command = if complete {
            Command::CompleteConsult { by }
        } else {
            Command::CancelConsult { by }
        };
        Ok(self.command(command, media).await)
    }
}
