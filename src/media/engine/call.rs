//! One call on a media worker: its sockets, its sessions (the call's own side, a bridged leg and a
//! supervisor listening in), its recording taps and its command channel. The worker calls
//! [`CallMedia::turn`] once per tick; everything a call does happens there, in a fixed order:
//! commands, re-INVITE updates, reading the sockets, then the clock (the leg first, so what it
//! said this tick is what the caller hears this tick; the supervisor last, hearing both of this
//! tick, and heard by them the next).

use super::mix::Hears;
use super::record::Tap;
use super::recv::{self, MediaSocket, RECV_BUDGET, RecvBuffers};
use crate::media::session::{FRAME, MediaEvent, MediaSession, MediaStats};
use crate::media::task::{Leg, MediaCommand, MediaEnd, RemoteUpdate, Side};
use crate::metrics::NodeMetrics;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// One side of the call: a socket and the media state behind it.
struct Party {
    socket: MediaSocket,
    session: MediaSession,
    events: mpsc::UnboundedSender<MediaEvent>,
    updates: Option<mpsc::UnboundedReceiver<RemoteUpdate>>,
}

impl Party {
    fn from_leg(leg: Leg) -> std::io::Result<Party> {
        Ok(Party {
            socket: MediaSocket::new(leg.socket)?,
            session: leg.session,
            events: leg.events,
            updates: leg.updates,
        })
    }

    fn apply_updates(&mut self, now: Instant) {
        let Some(rx) = &mut self.updates else {
            return;
        };
        while let Ok(update) = rx.try_recv() {
            self.session
                .update_remote(update.remote, update.on_hold, now);
        }
    }

    /// A tick of a side nobody's recording follows: sends its frame, passes its event on and
    /// returns what its far end said.
    fn tick(&mut self, now: Instant, feed: Option<&[i16; FRAME]>) -> [i16; FRAME] {
        let out = self.session.on_tick_with(now, feed);
        if let Some((bytes, dest)) = out.send {
            self.socket.send(bytes, dest);
        }
        if let Some(ev) = out.event {
            let _ = self.events.send(ev);
        }
        out.caller
    }

    fn read(&mut self, io: &mut RecvBuffers, now: Instant) -> u64 {
        recv::drain(
            &self.socket,
            &mut self.session,
            io,
            RECV_BUDGET,
            now,
            &self.events,
        )
        .foreign
    }
}

/// How often the stop token is read (320 ms).
const STOP_CHECK_TICKS: u32 = 16;

/// Whether the call goes on after this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    Continue,
    End,
}

pub struct CallMedia {
    /// The call's tracing span: the sessions' decisions are logged with the call.
    span: tracing::Span,
    main: Party,
    leg: Option<Party>,
    monitor: Option<Party>,
    consult: Option<Party>,
    hears: Hears,
    commands: Receiver<MediaCommand>,
    stop: CancellationToken,
    metrics: Arc<NodeMetrics>,
    recording: Option<Tap>,
    extra: Option<Tap>,
    leg_stats: MediaStats,
    /// The caller's previous frame: what the bridged leg hears this tick.
    last_caller: [i16; FRAME],
    /// The supervisor's previous frame: what a whisper or a barge adds this tick.
    last_monitor: [i16; FRAME],
    /// The consulted target's previous frame: what the consulting agent hears this tick.
    last_consult: [i16; FRAME],
    /// Datagrams strict RTP dropped during the call.
    foreign_total: u64,
    ticks: u32,
    done: Option<oneshot::Sender<MediaEnd>>,
}

impl CallMedia {
    pub fn new(
        main: Leg,
        commands: Receiver<MediaCommand>,
        stop: CancellationToken,
        done: oneshot::Sender<MediaEnd>,
        metrics: Arc<NodeMetrics>,
        span: tracing::Span,
    ) -> std::io::Result<CallMedia> {
        Ok(CallMedia {
            span,
            main: Party::from_leg(main)?,
            leg: None,
            monitor: None,
            consult: None,
            hears: Hears::default(),
            commands,
            stop,
            metrics,
            recording: None,
            extra: None,
            leg_stats: MediaStats::default(),
            last_caller: [0; FRAME],
            last_monitor: [0; FRAME],
            last_consult: [0; FRAME],
            foreign_total: 0,
            ticks: 0,
            done: Some(done),
        })
    }

    /// One 20 ms tick of this call: whether it goes on.
    pub fn turn(&mut self, now: Instant, io: &mut RecvBuffers) -> Turn {
        // Taken out for the turn (no reference count touched), so `self` stays free to borrow.
        let span = std::mem::replace(&mut self.span, tracing::Span::none());
        let result = span.in_scope(|| self.turn_in_span(now, io));
        self.span = span;
        result
    }

    fn turn_in_span(&mut self, now: Instant, io: &mut RecvBuffers) -> Turn {
        // The token (the server's shutdown) takes a lock to read: looked at every 16th tick. A
        // call's own end comes through its closed command channel, read every tick.
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(STOP_CHECK_TICKS) && self.stop.is_cancelled() {
            return Turn::End;
        }
        loop {
            match self.commands.try_recv() {
                Ok(cmd) => self.apply(cmd, now),
                Err(TryRecvError::Empty) => break,
                // The call's handle is gone without finishing: nobody will ever stop this.
                Err(TryRecvError::Disconnected) => return Turn::End,
            }
        }
        self.main.apply_updates(now);
        let mut foreign = self.main.read(io, now);
        let others = [&mut self.leg, &mut self.monitor, &mut self.consult];
        for party in others.into_iter().flatten() {
            party.apply_updates(now);
            foreign += party.read(io, now);
        }
        self.tick(now);
        if foreign > 0 {
            // Counted as it happens, so an attack shows while the call is still up.
            self.metrics
                .rtp_foreign
                .fetch_add(foreign, Ordering::Relaxed);
            self.foreign_total += foreign;
        }
        Turn::Continue
    }

    /// One frame for every side. The leg and the call's party hear each other's freshest frame
    /// (the leg's of this tick, the party's of the last); a supervisor or a consulted target
    /// hears this tick's frames of those ticked before it, and is heard one tick later.
    fn tick(&mut self, now: Instant) {
        let sup = self.monitor.is_some().then_some(&self.last_monitor);
        let con = self.consult.is_some().then_some(&self.last_consult);
        let mut leg_audio = None;
        if let Some(l) = &mut self.leg {
            let feed = self.hears.feed(Side::Leg, |s| match s {
                Side::Main => Some(&self.last_caller),
                Side::Monitor => sup,
                Side::Consult => con,
                Side::Leg => None,
            });
            let out = l.session.on_tick_with(now, feed.as_ref());
            if let Some((bytes, dest)) = out.send {
                l.socket.send(bytes, dest);
            }
            leg_audio = Some(out.caller);
            if let Some(ev) = out.event {
                let _ = l.events.send(ev);
            }
        }
        let feed = self.hears.feed(Side::Main, |s| match s {
            Side::Leg => leg_audio.as_ref(),
            Side::Monitor => sup,
            Side::Consult => con,
            Side::Main => None,
        });
        let out = self.main.session.on_tick_with(now, feed.as_ref());
        if let Some((bytes, dest)) = out.send {
            self.main.socket.send(bytes, dest);
        }
        self.last_caller = out.caller;
        if let Some(tap) = &mut self.recording {
            tap.push(&out.caller, &out.heard);
        }
        if let Some(tap) = &mut self.extra {
            tap.push(&out.caller, &out.heard);
        }
        if let Some(ev) = out.event {
            let _ = self.main.events.send(ev);
        }
        let caller = self.last_caller;
        if let Some(m) = &mut self.monitor {
            let feed = self.hears.feed(Side::Monitor, |s| match s {
                Side::Main => Some(&caller),
                Side::Leg => leg_audio.as_ref(),
                Side::Consult => con,
                Side::Monitor => None,
            });
            self.last_monitor = m.tick(now, feed.as_ref());
        }
        if let Some(c) = &mut self.consult {
            let sup = self.monitor.is_some().then_some(&self.last_monitor);
            let feed = self.hears.feed(Side::Consult, |s| match s {
                Side::Main => Some(&caller),
                Side::Leg => leg_audio.as_ref(),
                Side::Monitor => sup,
                Side::Consult => None,
            });
            self.last_consult = c.tick(now, feed.as_ref());
        }
    }

    fn apply(&mut self, cmd: MediaCommand, now: Instant) {
        match cmd {
            MediaCommand::Play(prompts) => self.main.session.play(prompts),
            MediaCommand::Stop => self.main.session.stop(),
            MediaCommand::Update { remote, on_hold } => {
                self.main.session.update_remote(remote, on_hold, now)
            }
            MediaCommand::Record(handle) => {
                if let Some(old) = self.recording.replace(Tap::new(handle)) {
                    // Dropping the handle finalises its file.
                    drop(old.into_handle());
                }
            }
            MediaCommand::Bridge(new) => match Party::from_leg(*new) {
                Ok(party) => {
                    if let Some(old) = self.leg.replace(party) {
                        add_stats(&mut self.leg_stats, old.session.stats());
                    }
                }
                Err(e) => warn!(error = %e, "cannot bridge the leg's media socket"),
            },
            MediaCommand::Unbridge => {
                if let Some(old) = self.leg.take() {
                    add_stats(&mut self.leg_stats, old.session.stats());
                }
            }
            MediaCommand::RelayDigit(d) => {
                if let Some(l) = &mut self.leg {
                    l.session.send_digit(d);
                }
            }
            MediaCommand::Main(main) => match Party::from_leg(*main) {
                Ok(party) => {
                    // The events of the new main side go where the old one's went.
                    let events = self.main.events.clone();
                    self.main = Party { events, ..party };
                }
                Err(e) => warn!(error = %e, "cannot take the main side's media socket"),
            },
            MediaCommand::PlayLeg(prompts) => {
                if let Some(l) = &mut self.leg {
                    l.session.play(prompts);
                }
            }
            MediaCommand::Music(side, music) => {
                if let Some(s) = self.side(side) {
                    s.set_music(music);
                }
            }
            MediaCommand::Held(side, on) => {
                if let Some(s) = self.side(side) {
                    s.set_held(on, now);
                }
            }
            MediaCommand::Hears {
                listener,
                speaker,
                on,
            } => {
                self.hears.set(listener, speaker, on);
                let any = self.hears.any(listener);
                if let Some(s) = self.side(listener) {
                    s.hear_feed(any);
                }
            }
            MediaCommand::Monitor(new) => match Party::from_leg(*new) {
                Ok(party) => {
                    self.last_monitor = [0; FRAME];
                    if let Some(old) = self.monitor.replace(party) {
                        add_stats(&mut self.leg_stats, old.session.stats());
                    }
                }
                Err(e) => warn!(error = %e, "cannot take the supervisor's media socket"),
            },
            MediaCommand::Unmonitor => {
                self.hears.clear(Side::Monitor);
                if let Some(old) = self.monitor.take() {
                    add_stats(&mut self.leg_stats, old.session.stats());
                }
            }
            MediaCommand::Consult(new) => match Party::from_leg(*new) {
                Ok(party) => {
                    self.last_consult = [0; FRAME];
                    if let Some(old) = self.consult.replace(party) {
                        add_stats(&mut self.leg_stats, old.session.stats());
                    }
                }
                Err(e) => warn!(error = %e, "cannot take the consulted leg's media socket"),
            },
            MediaCommand::Unconsult => {
                self.hears.clear(Side::Consult);
                if let Some(old) = self.consult.take() {
                    add_stats(&mut self.leg_stats, old.session.stats());
                }
            }
            MediaCommand::PromoteConsult => {
                self.hears.clear(Side::Consult);
                if let Some(mut party) = self.consult.take() {
                    party.session.hear_feed(self.hears.any(Side::Leg));
                    if let Some(old) = self.leg.replace(party) {
                        add_stats(&mut self.leg_stats, old.session.stats());
                    }
                }
            }
            MediaCommand::RecordExtra(handle) => {
                if let Some(old) = self.extra.replace(Tap::new(handle)) {
                    drop(old.into_handle());
                }
            }
            MediaCommand::StopExtra(reply) => {
                let _ = reply.send(self.extra.take().map(Tap::into_handle));
            }
        }
    }

    fn side(&mut self, side: Side) -> Option<&mut MediaSession> {
        match side {
            Side::Main => Some(&mut self.main.session),
            Side::Leg => self.leg.as_mut().map(|l| &mut l.session),
            Side::Monitor => self.monitor.as_mut().map(|l| &mut l.session),
            Side::Consult => self.consult.as_mut().map(|l| &mut l.session),
        }
    }

    /// Ends the call's media: the recordings get their last frames, and the call's `finish`
    /// gets what it needs to close its books.
    pub fn end(mut self) {
        let _entered = self.span.clone().entered();
        if self.foreign_total > 0 {
            info!(
                foreign = self.foreign_total,
                "strict RTP dropped datagrams from other sources during the call"
            );
        }
        let others = [self.leg.take(), self.monitor.take(), self.consult.take()];
        for old in others.into_iter().flatten() {
            add_stats(&mut self.leg_stats, old.session.stats());
        }
        let end = MediaEnd {
            recording: self.recording.take().map(Tap::into_handle),
            extra: self.extra.take().map(Tap::into_handle),
            stats: self.main.session.stats(),
            leg_stats: self.leg_stats,
        };
        if let Some(done) = self.done.take() {
            // Nobody waits when the handle was dropped: the recordings then finalise on drop.
            let _ = done.send(end);
        }
    }
}

pub fn add_stats(total: &mut MediaStats, s: MediaStats) {
    total.sent += s.sent;
    total.ignored += s.ignored;
    total.foreign += s.foreign;
    total.unauthenticated += s.unauthenticated;
    total.jitter.received += s.jitter.received;
    total.jitter.lost += s.jitter.lost;
    total.jitter.late += s.jitter.late;
}
