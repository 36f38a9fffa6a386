//! Strict RTP: whose packets a call takes, as a pure rule over (source address, SSRC, sequence).
//!
//! Anyone who can reach the RTP range can send to a call's port, so the first sender must not simply
//! win (that let a stranger hear the prompts, speak into the recording and press keys for the
//! caller). The rule, after Asterisk's `strictrtp`:
//!
//! - **Learning.** The first packet from the address in the SDP locks (address, SSRC) at once: that
//!   address came from the signalling, which only trusted peers reach. Where NAT means the caller's
//!   media never comes from the SDP address, a single other source locks after a probation: at
//!   least [`PROBATION`] packets with consecutive sequence numbers from one (address, SSRC), over at
//!   least [`PROBATION_SPAN`], none from anyone else in between. Competing sources reset each
//!   other, so none of them wins while two stream at once, and the span means a burst squeezed in
//!   between two of a real stream's packets does not count.
//! - **Locked.** Only the locked (address, SSRC) is taken; everything else is dropped and counted.
//!   The SDP address still displaces a lock learned by probation (signalling outranks a guess).
//! - **Re-learning.** A new SSRC from the locked address (a phone after hold, a PBX switching its
//!   media source) locks after the same probation, provided the old SSRC has gone quiet meanwhile. A
//!   re-INVITE with a new SDP address starts learning again ([`Latch::relearn`]). A new address
//!   without new signalling is never followed: that is exactly what a stranger looks like.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Consecutive sequence numbers a source must send before it is believed (Asterisk's default).
pub const PROBATION: u16 = 4;

/// The least time a probation run must span. Four 20 ms packets span 60 ms; 40 ms leaves room for
/// jitter (and for 10 ms packetisation, which simply takes a packet more), while a run sent as a
/// burst never qualifies.
pub const PROBATION_SPAN: Duration = Duration::from_millis(40);

/// One RTP sender: where it sends from and the stream it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub addr: SocketAddr,
    pub ssrc: u32,
}

/// Why a source was locked, for the log and for the SDP address's precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockedBy {
    /// Its first packet came from the address in the SDP.
    Sdp,
    /// A source other than the SDP address passed probation (NAT).
    Probation,
    /// The locked address changed SSRC and the new stream passed probation.
    NewSsrc,
}

/// What to do with one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// From the locked source.
    Accept,
    /// This packet locked its source (the first, or a new one); take it.
    Locked(LockedBy),
    /// Dropped: its source is on probation and has not qualified yet.
    Probation,
    /// Dropped: not the locked source, and not eligible to become it.
    Foreign,
}

impl Verdict {
    pub fn accepted(self) -> bool {
        matches!(self, Verdict::Accept | Verdict::Locked(_))
    }
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    source: Source,
    last_seq: u16,
    run: u16,
    /// When the run's first packet came.
    since: Instant,
}

#[derive(Debug, Clone)]
pub struct Latch {
    sdp: Option<SocketAddr>,
    locked: Option<(Source, LockedBy)>,
    candidate: Option<Candidate>,
    probation: u16,
}

impl Latch {
    /// Learning, with the far end's address from the SDP (if it gave a usable one).
    pub fn new(sdp: Option<SocketAddr>) -> Latch {
        Latch::with_probation(sdp, PROBATION)
    }

    /// As [`new`](Self::new) with another probation length (at least 1).
    pub fn with_probation(sdp: Option<SocketAddr>, probation: u16) -> Latch {
        Latch {
            sdp,
            locked: None,
            candidate: None,
            probation: probation.max(1),
        }
    }

    /// The address in the SDP, as last signalled.
    pub fn sdp(&self) -> Option<SocketAddr> {
        self.sdp
    }

    pub fn locked(&self) -> Option<Source> {
        self.locked.map(|(s, _)| s)
    }

    /// Where our media goes: the locked source (symmetric RTP), else the SDP address.
    pub fn target(&self) -> Option<SocketAddr> {
        self.locked.map(|(s, _)| s.addr).or(self.sdp)
    }

    /// New signalling (a re-INVITE with another address): forget the lock and learn again.
    pub fn relearn(&mut self, sdp: Option<SocketAddr>) {
        self.sdp = sdp;
        self.locked = None;
        self.candidate = None;
    }

    /// Judges one well-formed RTP packet that arrived at `now`.
    pub fn on_packet(&mut self, addr: SocketAddr, ssrc: u32, seq: u16, now: Instant) -> Verdict {
        let source = Source { addr, ssrc };
        let from_sdp = self.sdp == Some(addr);
        match self.locked {
            Some((lock, _)) if lock == source => {
                // The locked stream is alive: whoever was on probation does not replace it.
                self.candidate = None;
                Verdict::Accept
            }
            Some((lock, _)) if lock.addr == addr => self.probe(source, seq, now, LockedBy::NewSsrc),
            // A lock from probation yields to the address the signalling gave (a lock from the
            // SDP address was caught above: the address is the same).
            Some(_) if from_sdp => self.lock(source, LockedBy::Sdp),
            Some(_) => Verdict::Foreign,
            None if from_sdp => self.lock(source, LockedBy::Sdp),
            None => self.probe(source, seq, now, LockedBy::Probation),
        }
    }

    fn lock(&mut self, source: Source, by: LockedBy) -> Verdict {
        self.locked = Some((source, by));
        self.candidate = None;
        Verdict::Locked(by)
    }

    /// One more packet from a source on probation: locks it once its consecutive run is long
    /// enough in packets and in time.
    fn probe(&mut self, source: Source, seq: u16, now: Instant, by: LockedBy) -> Verdict {
        let (run, since) = match self.candidate {
            Some(c) if c.source == source && seq == c.last_seq.wrapping_add(1) => {
                (c.run.saturating_add(1), c.since)
            }
            // A new source, or a gap or reordering in this one: the run starts again here.
            _ => (1, now),
        };
        if run >= self.probation && now.saturating_duration_since(since) >= PROBATION_SPAN {
            return self.lock(source, by);
        }
        self.candidate = Some(Candidate {
            source,
            last_seq: seq,
            run,
            since,
        });
        Verdict::Probation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probation_runs_across_the_sequence_wrap_and_needs_its_span() {
        let t0 = Instant::now();
        let natted: SocketAddr = "127.0.0.1:5555".parse().unwrap();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let mut latch = Latch::new(None);
        // Four consecutive numbers across the wrap, but within 30 ms: not yet.
        for (i, seq) in [65534u16, 65535, 0, 1].into_iter().enumerate() {
            let v = latch.on_packet(natted, 9, seq, ms(10 * i as u64));
            assert_eq!(v, Verdict::Probation);
        }
        // The fifth, 40 ms after the first: locked, and media now goes there.
        assert_eq!(
            latch.on_packet(natted, 9, 2, ms(40)),
            Verdict::Locked(LockedBy::Probation)
        );
        assert_eq!(latch.target(), Some(natted));
        assert_eq!(latch.on_packet(natted, 9, 3, ms(50)), Verdict::Accept);
        assert!(!Verdict::Foreign.accepted() && Verdict::Accept.accepted());
        // New signalling forgets all of it.
        latch.relearn(None);
        assert_eq!((latch.locked(), latch.target()), (None, None));
        assert_eq!(latch.on_packet(natted, 9, 4, ms(60)), Verdict::Probation);
    }
}
