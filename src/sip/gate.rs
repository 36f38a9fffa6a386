//! The door of the SIP endpoint, sans-IO: every request that arrives is judged here, by the address
//! it really came from (the socket's, never a header), before the SIP stack keeps any state for it.
//!
//! The verdict is one of: let it through to the transaction layer; answer it statelessly (one
//! datagram, nothing remembered); or drop it. A flood therefore costs one hash lookup and at most
//! one small response per datagram, and the state kept per source is bounded in count and pruned
//! by age. The I/O half is `sip::edge`.

pub use crate::connections::{ConnectionConfig, ConnectionRefusal, Connections};

use super::admission::{self, RateLimit, Refusal};
use ipnet::IpNet;
use rsipstack::sip::Method;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Limits of the door; see `[sip]` in docs/configuration.md.
#[derive(Debug, Clone)]
pub struct GateConfig {
    /// Who may start calls (`[pbx] trunk_sources`, plus the registrar in register mode).
    pub trunk: Vec<IpNet>,
    /// Requests per second from one trunk source (a burst of one second's worth).
    pub trunk_per_second: u32,
    /// Requests per second from any other source (agents' phones, strangers).
    pub other_per_second: u32,
    /// At most this many sources are remembered; the rest share one bucket.
    pub max_sources: usize,
    /// New calls per second for the whole node (`[calls] max_new_per_second`).
    pub new_calls_per_second: u32,
}

/// What the node is doing right now, read by the caller from its counters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Load {
    pub active_calls: usize,
    pub max_calls: usize,
    pub shutting_down: bool,
    pub store_backlogged: bool,
}

/// What the door needs to know of one request.
#[derive(Debug, Clone, Copy)]
pub struct Knock {
    pub method: Method,
    pub source: IpAddr,
    /// The To header has a tag: the request belongs to a dialog.
    pub in_dialog: bool,
    /// For in-dialog requests: the dialog exists here.
    pub dialog_known: bool,
    /// Names the request's transaction (a hash of Call-ID and top Via branch), so that a
    /// retransmitted INVITE reaches the transaction it belongs to instead of being judged anew.
    pub transaction: u64,
}

/// A response sent without a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 200 to an out-of-dialog OPTIONS (a keep-alive probe from the PBX or a dispatcher).
    Alive,
    /// 403: this source may not start calls.
    Forbidden,
    /// 503 + Retry-After: the node is full, shutting down, or new calls come too fast.
    Busy(Refusal),
    /// 481: a request for a dialog or transaction that does not exist here.
    NoSuchCall,
    /// 405 + Allow: a method we do not serve outside a dialog.
    NotAllowed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// On to the transaction layer.
    Pass,
    Answer(Answer),
}

/// Rate state of one source; `last` is its last request, for pruning.
#[derive(Debug)]
struct Source {
    bucket: RateLimit,
    last: Instant,
}

/// Sources not heard from for this long are forgotten.
const IDLE: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct Gate {
    cfg: GateConfig,
    sources: HashMap<IpAddr, Source>,
    /// Shared by every source that found the table full.
    overflow: RateLimit,
    calls: RateLimit,
    /// INVITE transactions let through lately, and when.
    admitted: HashMap<u64, Instant>,
    next_prune: Instant,
}

/// An admitted INVITE's retransmissions are recognised for this long (64 × T1).
const RETRANSMITS: Duration = Duration::from_secs(32);

impl Gate {
    pub fn new(cfg: GateConfig, now: Instant) -> Gate {
        Gate {
            overflow: RateLimit::new(cfg.other_per_second, now),
            calls: RateLimit::new(cfg.new_calls_per_second, now),
            sources: HashMap::new(),
            admitted: HashMap::new(),
            next_prune: now + IDLE / 4,
            cfg,
        }
    }

    pub fn is_trunk(&self, ip: IpAddr) -> bool {
        self.cfg.trunk.iter().any(|net| net.contains(&ip))
    }

    /// Sources remembered now (bounded by `max_sources`).
    pub fn tracked(&self) -> usize {
        self.sources.len()
    }

    /// The first check, on the bare datagram before it is parsed: is its source within its rate?
    /// Over it, the datagram is dropped unanswered (an answer would only feed the flood).
    pub fn let_in(&mut self, source: IpAddr, now: Instant) -> bool {
        let trunk = self.is_trunk(source);
        self.take(source, trunk, now)
    }

    /// The second check, on the parsed request of a datagram that was let in.
    pub fn judge(&mut self, knock: Knock, load: Load, now: Instant) -> Verdict {
        self.prune(now);
        let trunk = self.is_trunk(knock.source);
        if knock.in_dialog {
            return match knock.method {
                // ACK and CANCEL are matched to transactions by the stack, statelessly.
                Method::Ack | Method::Cancel => Verdict::Pass,
                _ if knock.dialog_known => Verdict::Pass,
                _ => Verdict::Answer(Answer::NoSuchCall),
            };
        }
        match knock.method {
            Method::Invite if !trunk => Verdict::Answer(Answer::Forbidden),
            Method::Invite if self.admitted.contains_key(&knock.transaction) => Verdict::Pass,
            Method::Invite => match self.admit(load, now) {
                Ok(()) => {
                    // Bounded by the call rate times RETRANSMITS; when full, a retransmission
                    // is judged like a new call (at worst a 503 the caller already had a 100 for).
                    let room = (self.cfg.new_calls_per_second as usize).max(1) * 40;
                    if self.admitted.len() < room {
                        self.admitted.insert(knock.transaction, now);
                    }
                    Verdict::Pass
                }
                Err(refusal) => Verdict::Answer(Answer::Busy(refusal)),
            },
            Method::Options => Verdict::Answer(Answer::Alive),
            // An ACK for a response sent statelessly, or a CANCEL of an INVITE under way.
            Method::Ack | Method::Cancel => Verdict::Pass,
            Method::Bye | Method::Info | Method::Update | Method::PRack => {
                Verdict::Answer(Answer::NoSuchCall)
            }
            _ => Verdict::Answer(Answer::NotAllowed),
        }
    }

    fn admit(&mut self, load: Load, now: Instant) -> Result<(), Refusal> {
        admission::admit(
            load.active_calls,
            load.max_calls,
            &mut self.calls,
            load.shutting_down,
            load.store_backlogged,
            now,
        )
    }

    /// Takes one request's worth from the source's bucket.
    fn take(&mut self, ip: IpAddr, trunk: bool, now: Instant) -> bool {
        self.prune(now);
        let rate = if trunk {
            self.cfg.trunk_per_second
        } else {
            self.cfg.other_per_second
        };
        if !self.sources.contains_key(&ip) && self.sources.len() >= self.cfg.max_sources {
            // Trunk sources are few and configured: they always get their own entry.
            if !trunk {
                return self.overflow.try_take(now);
            }
            self.evict_oldest();
        }
        let source = self.sources.entry(ip).or_insert_with(|| Source {
            bucket: RateLimit::new(rate, now),
            last: now,
        });
        source.last = now;
        source.bucket.try_take(now)
    }

    /// Forgets idle sources and old admissions, every quarter of IDLE.
    fn prune(&mut self, now: Instant) {
        if now >= self.next_prune {
            self.sources
                .retain(|_, s| now.saturating_duration_since(s.last) < IDLE);
            self.admitted
                .retain(|_, at| now.saturating_duration_since(*at) < RETRANSMITS);
            self.next_prune = now + IDLE / 4;
        }
    }

    /// Makes room for a trunk source in a full table: the stranger heard from least recently goes.
    fn evict_oldest(&mut self) {
        let trunk = &self.cfg.trunk;
        let oldest = self
            .sources
            .iter()
            .filter(|(ip, _)| !trunk.iter().any(|n| n.contains(*ip)))
            .min_by_key(|(_, s)| s.last)
            .map(|(ip, _)| *ip);
        if let Some(ip) = oldest {
            self.sources.remove(&ip);
        }
    }
}

#[cfg(test)]
mod tests;
