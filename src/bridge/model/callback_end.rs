//! How a callback ended, read from its legs: whether the client was dialled, the attempt's label,
//! and who hung up first.

use super::{Bridge, CallbackEnd};
use crate::bridge::{Gone, Role};
use crate::dispatch::DialResult;

impl Bridge {
    /// How a callback ended: what the request and the call row record.
    pub fn callback_end(&self) -> CallbackEnd {
        let not_dialled = |label, hangup_by| CallbackEnd {
            dialled: None,
            label,
            hangup_by,
        };
        let Some(agent) = self.legs.first() else {
            return not_dialled("no-agent", "frontdesk");
        };
        let agent_gone = agent.gone.map(|g| g.0);
        let Some(client) = self.legs.iter().find(|l| l.role == Role::Client) else {
            return match agent_gone {
                Some(Gone::Shutdown) => not_dialled("shutdown", "shutdown"),
                _ if agent.answered => not_dialled("agent-left", "agent"),
                Some(Gone::Us) => not_dialled("no-agent", "frontdesk"),
                _ => not_dialled("no-agent", "agent"),
            };
        };
        if !client.answered {
            let dialled = |r: DialResult, label, by| CallbackEnd {
                dialled: Some(r),
                label,
                hangup_by: by,
            };
            return match (client.gone.map(|g| g.0), agent_gone) {
                (Some(Gone::NotAnswered(r)), _) => dialled(r, r.as_str(), "client"),
                (Some(Gone::Shutdown), _) => not_dialled("shutdown", "shutdown"),
                (_, Some(Gone::Far | Gone::Timeout)) => {
                    dialled(DialResult::Failed, "agent-left", "agent")
                }
                _ => dialled(DialResult::Failed, "failed", "frontdesk"),
            };
        }
        // The first leg to go decides who hung up.
        let first = self
            .legs
            .iter()
            .filter_map(|l| l.gone.map(|(why, n)| (n, why, l.role)))
            .min_by_key(|g| g.0);
        let hangup_by = match first {
            Some((_, Gone::Far, role)) => role.as_str(),
            Some((_, Gone::Timeout, _)) => "timeout",
            Some((_, Gone::Shutdown, _)) => "shutdown",
            _ => "frontdesk",
        };
        CallbackEnd {
            dialled: Some(DialResult::Answered),
            label: "answered",
            hangup_by,
        }
    }
}
