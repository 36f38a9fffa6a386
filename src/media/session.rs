//! One call's media, sans-IO: datagrams and 20 ms ticks in; packets to send, caller/heard frames
//! for the recording and events (digits, playback finished, RTP timeout) out. The tokio task in
//! `media::task` only moves bytes and time in and out of this. Whose datagrams count is decided by
//! the strict-RTP rule in [`latch`].

pub mod latch;

use super::dtmf::{Rfc4733Receiver, Rfc4733Sender};
use super::g711::Law;
use super::jitter::{JitterBuffer, JitterStats};
use super::prompts::Prompt;
use super::rtp::{self, Packet};
use super::srtp::SrtpLeg;
use latch::{Latch, Verdict};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::{debug, info, trace, warn};

/// Samples in one 20 ms G.711 frame at 8 kHz.
pub const FRAME: usize = 160;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaParams {
    pub law: Law,
    pub payload_type: u8,
    pub dtmf_pt: Option<u8>,
    pub ssrc: u32,
    /// No RTP for this long (while not on hold) ends the call.
    pub rtp_timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEvent {
    Digit(char),
    /// Everything queued by the last `play` has been sent.
    PlaybackFinished,
    RtpTimeout,
}

/// What one tick produced.
#[derive(Debug)]
pub struct TickOutput<'a> {
    /// The packet to send and where, unless on hold or the far end is unknown.
    pub send: Option<(&'a [u8], SocketAddr)>,
    /// The caller's audio for this tick (silence for a gap): the recording's left channel.
    pub caller: [i16; FRAME],
    /// What the caller heard this tick: the recording's right channel.
    pub heard: [i16; FRAME],
    pub event: Option<MediaEvent>,
}

/// What one datagram did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub event: Option<MediaEvent>,
    /// Dropped by strict RTP: it did not come from the call's locked source (or its source was
    /// still on probation). Nothing of it reached the recording, the bridge or the digits.
    pub foreign: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MediaStats {
    pub sent: u64,
    pub jitter: JitterStats,
    /// From the locked source but unusable: not RTP, or a payload type we did not negotiate.
    pub ignored: u64,
    /// Dropped by strict RTP (see [`Received::foreign`]).
    pub foreign: u64,
    /// SRTP from the locked source that failed authentication or was a replay.
    pub unauthenticated: u64,
}

pub struct MediaSession {
    params: MediaParams,
    latch: Latch,
    /// A stranger has been logged since the last lock (the log names the first, then only counts).
    stranger_logged: bool,
    on_hold: bool,
    /// We hold the far end (a hold passed on from the other side): it may go silent, so no RTP
    /// timeout meanwhile.
    held_by_us: bool,
    /// Looped under prompts instead of the bridged feed (music on hold), and where it is.
    music: Option<Arc<Prompt>>,
    music_offset: usize,
    /// Whether the bridged feed is heard (the bridge's who-hears-whom says so).
    hear_feed: bool,
    seq: u16,
    timestamp: u32,
    first_packet: bool,
    playing: VecDeque<Arc<Prompt>>,
    offset: usize,
    announced_done: bool,
    jitter: JitterBuffer,
    dtmf: Rfc4733Receiver,
    dtmf_out: Rfc4733Sender,
    /// RTP timestamp of the relayed key press under way (every packet of a press shares it).
    event_ts: u32,
    last_rx: Instant,
    timed_out: bool,
    out: Vec<u8>,
    /// The leg's SRTP, when it is encrypted: what goes out is protected, what comes in is
    /// authenticated after strict RTP has let it through (so per-SSRC crypto state exists only for
    /// sources the latch accepted, never for a stranger's made-up SSRCs).
    srtp: Option<SrtpLeg>,
    ignored: u64,
    foreign: u64,
    unauthenticated: u64,
    sent: u64,
}

impl MediaSession {
    /// `remote` is the address from the far end's SDP: media goes there until the far end's own
    /// packets lock its real source (symmetric RTP, strict: see [`latch`]).
    pub fn new(params: MediaParams, remote: Option<SocketAddr>, now: Instant) -> MediaSession {
        MediaSession {
            params,
            latch: Latch::new(remote),
            stranger_logged: false,
            on_hold: false,
            held_by_us: false,
            music: None,
            music_offset: 0,
            hear_feed: true,
            seq: (params.ssrc >> 16) as u16,
            timestamp: params.ssrc.rotate_left(7),
            first_packet: true,
            playing: VecDeque::new(),
            offset: 0,
            announced_done: true,
            jitter: JitterBuffer::default(),
            dtmf: Rfc4733Receiver::default(),
            dtmf_out: Rfc4733Sender::default(),
            event_ts: 0,
            last_rx: now,
            timed_out: false,
            out: Vec::with_capacity(12 + FRAME),
            srtp: None,
            ignored: 0,
            foreign: 0,
            unauthenticated: 0,
            sent: 0,
        }
    }

    /// Encrypts the leg (SDES-SRTP agreed in its SDP).
    pub fn with_srtp(mut self, srtp: Option<SrtpLeg>) -> MediaSession {
        self.srtp = srtp;
        self
    }

    pub fn is_secure(&self) -> bool {
        self.srtp.is_some()
    }

    /// Replaces whatever is playing with `prompts`, played back to back.
    pub fn play(&mut self, prompts: Vec<Arc<Prompt>>) {
        self.playing = prompts.into();
        self.offset = 0;
        self.announced_done = false;
    }

    /// Music on hold: looped whenever no prompt plays, instead of the bridged feed; `None` stops
    /// it. Setting the same music again keeps its place.
    pub fn set_music(&mut self, music: Option<Arc<Prompt>>) {
        let same = match (&self.music, &music) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same {
            self.music = music.filter(|m| !m.pcm.is_empty());
            self.music_offset = 0;
        }
    }

    /// We hold the far end (`true`) or resumed it: while held it is not timed out for silence.
    pub fn set_held(&mut self, held: bool, now: Instant) {
        self.held_by_us = held;
        self.last_rx = now;
    }

    /// Whether the bridged feed reaches the far end.
    pub fn hear_feed(&mut self, on: bool) {
        self.hear_feed = on;
    }

    /// Stops playback at once (barge-in); no PlaybackFinished follows.
    pub fn stop(&mut self) {
        self.playing.clear();
        self.offset = 0;
        self.announced_done = true;
    }

    /// Relays a key to the far end as RFC 4733 events; `false` when it did not offer them (the
    /// caller then relays by SIP INFO).
    pub fn send_digit(&mut self, digit: char) -> bool {
        if self.params.dtmf_pt.is_none() {
            return false;
        }
        self.dtmf_out.push(digit);
        true
    }

    pub fn is_playing(&self) -> bool {
        !self.playing.is_empty()
    }

    /// A re-INVITE: new far-end address (or the same), hold or resume. A new SDP address is new
    /// signalling from a trusted peer, so the source is learnt again; the same address (a hold and
    /// resume) keeps the lock, and a new SSRC after it goes through probation.
    pub fn update_remote(&mut self, remote: Option<SocketAddr>, on_hold: bool, now: Instant) {
        if remote.is_some() && remote != self.latch.sdp() {
            info!(
                sdp = ?remote,
                "new media address from signalling: learning the RTP source again"
            );
            self.latch.relearn(remote);
            self.stranger_logged = false;
        }
        self.on_hold = on_hold;
        self.last_rx = now;
    }

    /// Where our media goes: the locked source, else the SDP address.
    pub fn remote(&self) -> Option<SocketAddr> {
        self.latch.target()
    }

    pub fn stats(&self) -> MediaStats {
        MediaStats {
            sent: self.sent,
            jitter: self.jitter.stats,
            ignored: self.ignored,
            foreign: self.foreign,
            unauthenticated: self.unauthenticated,
        }
    }

    /// One datagram from the network. Only the locked source's packets are used (strict RTP); the
    /// rest are counted and dropped before anything reads their payload.
    pub fn on_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) -> Received {
        let packet = match rtp::parse(data) {
            Ok(p) if !rtp::is_rtcp(data) => Some(p),
            _ => None,
        };
        let Some(packet) = packet else {
            // RTCP (rtcp-mux) and junk carry nothing we use; from a stranger they are foreign.
            if self.latch.locked().is_some_and(|l| l.addr != from) {
                return self.drop_foreign(from, Verdict::Foreign);
            }
            if !rtp::is_rtcp(data) {
                self.ignored += 1;
            }
            return Received::default();
        };
        let verdict = self
            .latch
            .on_packet(from, packet.ssrc, packet.sequence, now);
        if matches!(verdict, Verdict::Probation | Verdict::Foreign) {
            return self.drop_foreign(from, verdict);
        }
        let plain;
        let packet = match &mut self.srtp {
            None => packet,
            Some(srtp) => match srtp.unprotect(data) {
                Ok(p) => {
                    plain = p;
                    match rtp::parse(&plain) {
                        Ok(p) => p,
                        Err(_) => {
                            self.ignored += 1;
                            return Received::default();
                        }
                    }
                }
                Err(e) => return self.refuse_unauthenticated(from, verdict, &e),
            },
        };
        if let Verdict::Locked(by) = verdict {
            info!(source = %from, ssrc = packet.ssrc, by = ?by, "RTP source locked");
            // A new stream numbers its packets afresh; a press under way belongs to the old.
            self.jitter.restart();
            self.dtmf = Rfc4733Receiver::default();
            self.stranger_logged = false;
        }
        self.last_rx = now;
        self.timed_out = false;
        if Some(packet.payload_type) == self.params.dtmf_pt {
            let event = self
                .dtmf
                .on_packet(packet.timestamp, packet.payload)
                .map(|d| MediaEvent::Digit(d.digit));
            return Received {
                event,
                foreign: false,
            };
        }
        if packet.payload_type == self.params.payload_type {
            self.jitter.push(packet.sequence, packet.payload);
        } else {
            self.ignored += 1;
        }
        Received::default()
    }

    /// SRTP that does not authenticate: forged, corrupted or replayed. It counts for nothing; if it
    /// was the packet that locked a source, the lock is undone, so a stranger who guessed the
    /// address and SSRC cannot hold the call's media by winning the probation.
    fn refuse_unauthenticated(
        &mut self,
        from: SocketAddr,
        verdict: Verdict,
        error: &super::srtp::SrtpError,
    ) -> Received {
        self.unauthenticated += 1;
        if matches!(verdict, Verdict::Locked(_)) {
            warn!(source = %from, error = %error, "SRTP that locked the source does not authenticate: learning again");
            self.latch.relearn(self.latch.sdp());
        } else {
            trace!(source = %from, error = %error, "SRTP refused");
        }
        Received {
            event: None,
            foreign: true,
        }
    }

    /// Counts a datagram strict RTP refused. A stranger after the lock is worth one warning per
    /// lock (then only the counter moves: a flood must not flood the log); probation is routine
    /// for a NAT'd caller and stays at debug.
    fn drop_foreign(&mut self, from: SocketAddr, verdict: Verdict) -> Received {
        self.foreign += 1;
        match verdict {
            Verdict::Foreign if !self.stranger_logged => {
                self.stranger_logged = true;
                let locked = self.latch.locked().map(|l| l.addr);
                warn!(
                    source = %from,
                    locked = ?locked,
                    "RTP from a source other than the call's: dropped, further ones only counted"
                );
            }
            Verdict::Probation => debug!(source = %from, "RTP source on probation: dropped"),
            _ => trace!(source = %from, "foreign RTP dropped"),
        }
        Received {
            event: None,
            foreign: true,
        }
    }

    /// The 20 ms clock: produces this tick's outgoing packet, the two recording frames and at most
    /// one event.
    pub fn on_tick(&mut self, now: Instant) -> TickOutput<'_> {
        self.on_tick_with(now, None)
    }

    /// As [`on_tick`](Self::on_tick), sending `feed` (the other leg's audio, when bridged) whenever
    /// no prompt is playing: a prompt always wins, so whispers and announcements need no unbridge.
    pub fn on_tick_with(&mut self, now: Instant, feed: Option<&[i16; FRAME]>) -> TickOutput<'_> {
        let mut caller = [0i16; FRAME];
        if let Some(payload) = self.jitter.pop() {
            for (dst, &code) in caller.iter_mut().zip(payload.iter()) {
                *dst = self.params.law.decode(code);
            }
        }
        let mut heard = [0i16; FRAME];
        let mut encoded = [self.params.law.silence(); FRAME];
        let prompt_playing = self.is_playing();
        let mut event = self.fill_playback(&mut heard, &mut encoded);
        if !prompt_playing {
            if self.music.is_some() {
                self.fill_music(&mut heard, &mut encoded);
            } else if let (true, Some(feed)) = (self.hear_feed, feed) {
                heard = *feed;
                for (dst, &sample) in encoded.iter_mut().zip(feed.iter()) {
                    *dst = self.params.law.encode(sample);
                }
            }
        }
        if event.is_none()
            && !self.on_hold
            && !self.held_by_us
            && !self.timed_out
            && now.duration_since(self.last_rx) >= self.params.rtp_timeout
        {
            self.timed_out = true;
            event = Some(MediaEvent::RtpTimeout);
        }
        let tone = self.dtmf_out.tick();
        let send = match (self.latch.target(), self.on_hold) {
            (Some(dest), false) => {
                let tone_payload;
                let packet = match (tone, self.params.dtmf_pt) {
                    (Some(t), Some(pt)) => {
                        if t.start {
                            self.event_ts = self.timestamp;
                        }
                        tone_payload = t.payload();
                        Packet {
                            marker: t.start,
                            payload_type: pt,
                            sequence: self.seq,
                            timestamp: self.event_ts,
                            ssrc: self.params.ssrc,
                            payload: &tone_payload,
                        }
                    }
                    _ => Packet {
                        marker: self.first_packet,
                        payload_type: self.params.payload_type,
                        sequence: self.seq,
                        timestamp: self.timestamp,
                        ssrc: self.params.ssrc,
                        payload: &encoded,
                    },
                };
                rtp::build(&mut self.out, &packet);
                self.first_packet = false;
                match &mut self.srtp {
                    None => {
                        self.sent += 1;
                        Some((self.out.as_slice(), dest))
                    }
                    Some(srtp) => match srtp.protect(&self.out) {
                        Ok(secure) => {
                            self.out = secure;
                            self.sent += 1;
                            Some((self.out.as_slice(), dest))
                        }
                        Err(e) => {
                            warn!(error = %e, "cannot protect an RTP packet: not sent");
                            None
                        }
                    },
                }
            }
            _ => None,
        };
        // The clock advances whether or not a packet went out, so timestamps track real time.
        self.seq = self.seq.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(FRAME as u32);
        TickOutput {
            send,
            caller,
            heard,
            event,
        }
    }

    /// One frame of the music, wrapping round at its end.
    fn fill_music(&mut self, heard: &mut [i16; FRAME], encoded: &mut [u8; FRAME]) {
        let Some(music) = &self.music else {
            return;
        };
        let len = music.pcm.len();
        let mut filled = 0;
        while filled < FRAME && len > 0 {
            let take = (len - self.music_offset).min(FRAME - filled);
            let range = self.music_offset..self.music_offset + take;
            heard[filled..filled + take].copy_from_slice(&music.pcm[range.clone()]);
            encoded[filled..filled + take].copy_from_slice(&music.encoded(self.params.law)[range]);
            filled += take;
            self.music_offset = (self.music_offset + take) % len;
        }
    }

    fn fill_playback(
        &mut self,
        heard: &mut [i16; FRAME],
        encoded: &mut [u8; FRAME],
    ) -> Option<MediaEvent> {
        let mut filled = 0;
        while filled < FRAME {
            let Some(prompt) = self.playing.front() else {
                break;
            };
            let take = (prompt.pcm.len() - self.offset).min(FRAME - filled);
            heard[filled..filled + take]
                .copy_from_slice(&prompt.pcm[self.offset..self.offset + take]);
            encoded[filled..filled + take]
                .copy_from_slice(&prompt.encoded(self.params.law)[self.offset..self.offset + take]);
            filled += take;
            self.offset += take;
            if self.offset >= prompt.pcm.len() {
                self.playing.pop_front();
                self.offset = 0;
            }
        }
        if self.playing.is_empty() && !self.announced_done {
            self.announced_done = true;
            return Some(MediaEvent::PlaybackFinished);
        }
        None
    }
}

#[cfg(test)]
mod srtp_tests;
#[cfg(test)]
mod tests;
