//! The waiting line, pure: who waits in what order, and which free agent each waiting caller
//! should ring next. The line itself is rows in the store shared by every node
//! (`store::queue`); this module decides over a snapshot of it. Time is passed in (milliseconds
//! since the epoch), so every rule is tested without clocks.
//!
//! Order: priority (higher first), then arrival (the ticket), then call id. A VIP rings only their
//! consultant until the VIP ring window closes, then takes any agent with VIP priority. Everyone
//! else takes a free agent who speaks their language when one is free, else any free agent,
//! longest-free first. A caller whose ring just failed waits a moment and tries other agents before
//! the one that failed.
//!
//! Every node computes the same assignment from the same snapshot and acts only for its own
//! callers, so an agent a better caller on another node should get is left for that node to ring.

use crate::store::FreeAgent;
use std::cmp::Ordering;

/// One waiting caller, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub call: String,
    /// The node holding the caller's media.
    pub node: String,
    pub priority: i32,
    /// Arrival (ms), kept when the caller is put back in the line.
    pub ticket: i64,
    pub language: Option<String>,
    pub vip_agent: Option<String>,
    /// Until then (ms) only the VIP's consultant is rung.
    pub vip_until: i64,
    /// The caller's number (a callback if their node is lost).
    pub phone: Option<String>,
    /// The agent ringing for this caller.
    pub agent: Option<String>,
    /// Agents that did not take this caller, most recent last.
    pub tried: Vec<String>,
    /// No new ring before this (ms): a failed ring is not retried in a tight loop.
    pub retry_at: i64,
}

impl Entry {
    /// A caller joining at `now` (or put back with `ticket`): nobody ringing, nothing tried.
    pub fn new(j: Joining, node: &str, ticket: i64, vip_until: i64) -> Entry {
        Entry {
            call: j.call,
            node: node.to_string(),
            priority: j.priority,
            ticket,
            language: j.language,
            vip_agent: j.vip_agent,
            vip_until,
            phone: j.phone,
            agent: None,
            tried: Vec::new(),
            retry_at: 0,
        }
    }
}

/// A free agent for a waiting caller: ring them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub call: String,
    /// The node that rings the agent (the caller's).
    pub node: String,
    pub agent: String,
    pub uri: String,
    /// Why this agent, for the call's log.
    pub reason: String,
}

/// A new caller for the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joining {
    pub call: String,
    pub priority: i32,
    pub language: Option<String>,
    pub vip_agent: Option<String>,
    /// The caller's number, when known.
    pub phone: Option<String>,
}

/// After a failed ring the caller waits this long before the next one.
pub const RETRY_PAUSE_MS: i64 = 1_000;
/// Failed agents remembered per caller: enough to rotate through a team.
pub const TRIED_KEPT: usize = 32;

/// The line's order: priority (higher first), then ticket, then call id.
pub fn cmp(a: &Entry, b: &Entry) -> Ordering {
    b.priority
        .cmp(&a.priority)
        .then(a.ticket.cmp(&b.ticket))
        .then_with(|| a.call.cmp(&b.call))
}

/// Sorts a snapshot of the line into its order.
pub fn order(line: &mut [Entry]) {
    line.sort_by(cmp);
}

/// 1-based place among everyone in the (ordered) line; a caller whose agent is ringing still
/// counts.
pub fn position(line: &[Entry], call: &str) -> Option<u32> {
    line.iter()
        .position(|e| e.call == call)
        .map(|i| i as u32 + 1)
}

/// The caller's tried list after `agent` failed them: the agent moves to the end, the oldest
/// are forgotten past [`TRIED_KEPT`].
pub fn tried_after(mut tried: Vec<String>, agent: &str) -> Vec<String> {
    tried.retain(|a| a != agent);
    tried.push(agent.to_string());
    if tried.len() > TRIED_KEPT {
        tried.drain(..tried.len() - TRIED_KEPT);
    }
    tried
}

/// Which free agent each caller of the ordered `line` rings now; each agent once. Callers already
/// ringing an agent, or pausing after a failure, are skipped. The assignment covers every node's
/// callers: a node acts only on its own and leaves the others' agents alone.
pub fn assign(line: &[Entry], free: &[FreeAgent], now: i64) -> Vec<Assignment> {
    let mut taken = vec![false; free.len()];
    let mut out = Vec::new();
    if free.is_empty() {
        return out;
    }
    for e in line {
        if e.agent.is_some() || e.retry_at > now {
            continue;
        }
        let Some((i, reason)) = choose(e, free, &taken, now) else {
            continue;
        };
        taken[i] = true;
        out.push(Assignment {
            call: e.call.clone(),
            node: e.node.clone(),
            agent: free[i].id.clone(),
            uri: free[i].uri.clone(),
            reason,
        });
        if taken.iter().all(|t| *t) {
            break;
        }
    }
    out
}

fn choose(e: &Entry, free: &[FreeAgent], taken: &[bool], now: i64) -> Option<(usize, String)> {
    let open = |i: &usize| !taken[*i];
    if let Some(vip) = &e.vip_agent
        && now < e.vip_until
    {
        return (0..free.len())
            .filter(open)
            .find(|&i| &free[i].id == vip)
            .map(|i| (i, "the VIP's consultant".to_string()));
    }
    // Agents that failed this caller come last, the most recent failure at the very end.
    let rank = |i: usize| {
        e.tried
            .iter()
            .position(|a| *a == free[i].id)
            .map_or(0, |p| p + 1)
    };
    let speaks = |i: usize| {
        e.language
            .as_ref()
            .is_some_and(|l| free[i].languages.iter().any(|x| x == l))
    };
    let best = (0..free.len()).filter(open).min_by_key(|&i| {
        let not_consultant = e.vip_agent.as_ref() != Some(&free[i].id);
        (rank(i), not_consultant, !speaks(i))
    })?;
    let reason = match (&e.vip_agent, speaks(best), &e.language) {
        (Some(_), _, _) => "the VIP's consultant did not answer in time: first free agent".into(),
        (None, true, Some(l)) => format!("longest-free agent speaking {l}"),
        (None, false, Some(l)) => format!("no free agent speaks {l}: longest-free agent"),
        (None, _, None) => "longest-free agent".into(),
    };
    Some((best, reason))
}

/// A caller's place in the order: VIPs at `vip_priority`, then a card's own priority (0-9,
/// special needs) kept below it, then everyone else at 0.
pub fn caller_priority(vip: bool, card_priority: i64, vip_priority: i32) -> i32 {
    if vip {
        vip_priority
    } else {
        let below_vip = i64::from(vip_priority.saturating_sub(1)).max(0);
        card_priority.clamp(0, below_vip) as i32
    }
}

#[cfg(test)]
mod tests;
