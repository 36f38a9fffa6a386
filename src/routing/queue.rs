//! The waiting line of one node, pure: who waits in what order, and which free agent each waiting
//! caller should ring next. Time is passed in (milliseconds), so every rule is tested without
//! clocks.
//!
//! Order: priority (higher first), then arrival. A VIP rings only their consultant until the VIP
//! ring window closes, then takes any agent with VIP priority. Everyone else takes a free agent who
//! speaks their language when one is free, else any free agent, longest-free first. A caller whose
//! ring just failed waits a moment and tries other agents before the one that failed.

use crate::store::FreeAgent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub call: String,
    pub priority: i32,
    pub language: Option<String>,
    pub vip_agent: Option<String>,
    /// Until then (ms) only the VIP's consultant is rung.
    pub vip_until: u64,
    seq: u64,
    /// An agent is ringing for this caller.
    ringing: bool,
    /// Agents that did not take this caller, most recent last.
    tried: Vec<String>,
    /// No new ring before this (ms): a failed ring is not retried in a tight loop.
    retry_at: u64,
}

/// A free agent for a waiting caller: ring them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub call: String,
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
}

/// After a failed ring the caller waits this long before the next one.
pub const RETRY_PAUSE_MS: u64 = 1_000;

#[derive(Debug, Default)]
pub struct Queue {
    entries: Vec<Entry>,
    next_seq: u64,
}

impl Queue {
    /// Adds a caller; returns their position. `vip_ring_ms` is how long a VIP waits for their
    /// consultant alone.
    pub fn join(&mut self, j: Joining, now: u64, vip_ring_ms: u64) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let vip_until = if j.vip_agent.is_some() {
            now + vip_ring_ms
        } else {
            0
        };
        self.entries.push(Entry {
            call: j.call.clone(),
            priority: j.priority,
            language: j.language,
            vip_agent: j.vip_agent,
            vip_until,
            seq,
            ringing: false,
            tried: Vec::new(),
            retry_at: 0,
        });
        self.entries
            .sort_by(|a, b| b.priority.cmp(&a.priority).then(a.seq.cmp(&b.seq)));
        self.position(&j.call).unwrap_or(0)
    }

    /// The caller's ticket: their arrival order, kept to put them back in the same place.
    pub fn ticket(&self, call: &str) -> Option<u64> {
        self.entries.iter().find(|e| e.call == call).map(|e| e.seq)
    }

    /// Puts a caller back (a transfer to the queue) with the ticket they had: the same place
    /// among callers of their priority as when they first joined. Their VIP consultant had their
    /// window already: any agent may take them now.
    pub fn rejoin(&mut self, j: Joining, ticket: u64) -> u32 {
        self.entries.retain(|e| e.call != j.call);
        self.entries.push(Entry {
            call: j.call.clone(),
            priority: j.priority,
            language: j.language,
            vip_agent: j.vip_agent,
            vip_until: 0,
            seq: ticket,
            ringing: false,
            tried: Vec::new(),
            retry_at: 0,
        });
        self.entries
            .sort_by(|a, b| b.priority.cmp(&a.priority).then(a.seq.cmp(&b.seq)));
        self.position(&j.call).unwrap_or(0)
    }

    /// Takes the caller out; returns the position they had.
    pub fn leave(&mut self, call: &str) -> Option<u32> {
        let pos = self.position(call);
        self.entries.retain(|e| e.call != call);
        pos
    }

    /// 1-based place among everyone in the line (a caller whose agent is ringing still counts).
    pub fn position(&self, call: &str) -> Option<u32> {
        self.entries
            .iter()
            .position(|e| e.call == call)
            .map(|i| i as u32 + 1)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Callers nobody is ringing for.
    pub fn waiting(&self) -> usize {
        self.entries.iter().filter(|e| !e.ringing).count()
    }

    /// The ring for `call` failed (rejected, busy, no answer): back in line at the same place.
    pub fn ring_failed(&mut self, call: &str, agent: &str, now: u64) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.call == call) {
            e.ringing = false;
            e.tried.retain(|a| a != agent);
            e.tried.push(agent.to_string());
            e.retry_at = now + RETRY_PAUSE_MS;
        }
    }

    /// Ring the chosen agents for the first callers in line; each agent is offered once per round.
    /// The caller marks the entries ringing; a claim lost to another node is `ring_failed` back.
    pub fn assign(&mut self, free: &[FreeAgent], now: u64) -> Vec<Assignment> {
        let mut taken = vec![false; free.len()];
        let mut out = Vec::new();
        for e in self.entries.iter_mut() {
            if e.ringing || e.retry_at > now {
                continue;
            }
            let Some((i, reason)) = choose(e, free, &taken, now) else {
                continue;
            };
            taken[i] = true;
            e.ringing = true;
            out.push(Assignment {
                call: e.call.clone(),
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
}

fn choose(e: &Entry, free: &[FreeAgent], taken: &[bool], now: u64) -> Option<(usize, String)> {
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
