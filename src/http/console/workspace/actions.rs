//! What the agent's page needs for the buttons of a call in progress (pass the caller on, consult,
//! pause the recording): the targets it offers and whether the recording is paused now. The
//! buttons themselves call the API (`/api/v1/calls/{id}/transfer`, `…/recording/pause`), which
//! decides who may do what; nothing here grants anything.

use crate::store::{Agent, Store, StoreError};
use serde::Serialize;

/// An agent the page offers as a transfer target (the field takes any id, queue name or number).
#[derive(Debug, Serialize)]
pub struct Target {
    pub id: String,
    pub name: Option<String>,
    pub state: String,
}

/// Everyone on the roster but the agent themselves, in the roster's order.
pub fn targets(agents: &[Agent], me: &str) -> Vec<Target> {
    agents
        .iter()
        .filter(|a| a.id != me)
        .map(|a| Target {
            id: a.id.clone(),
            name: a.name.clone(),
            state: a.state.clone(),
        })
        .collect()
}

/// Whether the call's recording is paused now, as its timeline says: the last `recording` line
/// about a pause decides (`paused by …`, `resumed …`). The call writes both ends there however
/// the pause was asked (the API, the agent's keys, running out).
pub async fn recording_paused(store: &Store, call: &str) -> Result<bool, StoreError> {
    let events = store.call_events(call).await?;
    Ok(paused_in(
        events
            .iter()
            .map(|(_, kind, detail)| (kind.as_str(), detail.as_str())),
    ))
}

fn paused_in<'a>(events: impl Iterator<Item = (&'a str, &'a str)>) -> bool {
    let mut paused = false;
    for (kind, detail) in events {
        if kind != "recording" {
            continue;
        }
        if detail.starts_with("paused by ") {
            paused = true;
        } else if detail.starts_with("resumed ") {
            paused = false;
        }
    }
    paused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_pause_line_decides() {
        let lines = |v: &[(&'static str, &'static str)]| paused_in(v.iter().copied());
        assert!(!lines(&[]));
        assert!(!lines(&[(
            "recording",
            "notice heard, call recording started"
        )]));
        assert!(lines(&[
            ("recording", "notice heard, call recording started"),
            ("recording", "paused by agent anna"),
            ("route", "agent bob bridged"),
        ]));
        assert!(!lines(&[
            ("recording", "paused by agent anna"),
            ("recording", "resumed by sue (API) after 12 s"),
        ]));
        assert!(!lines(&[
            ("recording", "paused by agent anna"),
            ("recording", "resumed automatically after 180 s"),
        ]));
        // A route line that merely mentions a pause changes nothing.
        assert!(!lines(&[("route", "paused by nobody")]));
    }
}
