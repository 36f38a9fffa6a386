//! The thin tokio task around a [`MediaSession`]: one UDP socket, a steady 20 ms clock, commands
//! from the call, events back to it, and frames to the recording writer.
//!
//! The clock comes first. Anyone who can reach the RTP range can make a call's socket readable all
//! the time, so the socket is read only between ticks and at most [`RECV_BUDGET`] datagrams per tick;
//! the rest waits in the kernel's buffer (which drops what does not fit). A flood then costs a call a
//! bounded amount of work per tick and never delays what the caller hears or the recording.

use super::prompts::Prompt;
use super::session::{FRAME, MediaEvent, MediaSession, MediaStats};
use crate::metrics::NodeMetrics;
use crate::recording::RecordingHandle;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info};

/// Datagrams read from one socket between two ticks. A far end sends one per 20 ms, a burst of a
/// dozen after a network stall; 64 leaves room for that and for a few strangers, and bounds what a
/// flood can cost.
pub const RECV_BUDGET: usize = 64;

pub enum MediaCommand {
    Play(Vec<Arc<Prompt>>),
    Stop,
    Update {
        remote: Option<SocketAddr>,
        on_hold: bool,
    },
    Record(RecordingHandle),
    /// Bridges a second leg (the agent): its audio becomes what the caller hears and goes into the
    /// recording's right channel; the caller's audio goes to it. Replaces a bridged leg.
    Bridge(Box<Leg>),
    /// Drops the bridged leg (its socket closes); the caller hears prompts or silence again.
    Unbridge,
    /// Relays a caller's key to the bridged leg as RFC 4733 events (its SDP offered them).
    RelayDigit(char),
    /// The main side answered late (the client of a callback, dialled after the agent): its
    /// socket and session replace the placeholder the task started with. Its events come on the
    /// task's own channel from then on.
    Main(Box<Leg>),
    /// Plays prompts to the bridged leg only (a whisper to the agent).
    PlayLeg(Vec<Arc<Prompt>>),
    /// Music on hold to one side (`None` stops it): looped under prompts instead of the bridge.
    Music(Side, Option<Arc<Prompt>>),
    /// One side is held by us (a hold passed on from the other): no RTP timeout for it meanwhile.
    Held(Side, bool),
    /// Whether one side hears the other through the bridge.
    Hear(Side, bool),
    /// Also records the call into a second file (a complaint message) until `StopExtra`.
    RecordExtra(RecordingHandle),
    StopExtra(tokio::sync::oneshot::Sender<Option<RecordingHandle>>),
}

/// The two sides the task carries: the call's own (the caller, a callback's client) and the
/// bridged leg (the agent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Main,
    Leg,
}

/// The other side of a bridge: its own socket, media state and event channel.
pub struct Leg {
    pub socket: UdpSocket,
    pub session: MediaSession,
    pub events: mpsc::UnboundedSender<MediaEvent>,
    /// The media part of the leg's re-INVITEs, from the code that owns its dialog. Strict RTP
    /// follows a far end to a new address only when signalling says so, so a leg whose far end
    /// may move its media (a PBX re-INVITE for direct media) needs this; `None` when nobody tells.
    pub updates: Option<mpsc::UnboundedReceiver<RemoteUpdate>>,
}

/// Where a leg's far end now receives, and whether it holds the call (from its re-INVITE's SDP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteUpdate {
    /// `None` for a hold to 0.0.0.0: the address stays as it was.
    pub remote: Option<SocketAddr>,
    pub on_hold: bool,
}

/// What the task leaves behind: the recording to finish, and the counters.
pub struct MediaEnd {
    pub recording: Option<RecordingHandle>,
    /// A second recording still open when the call ended.
    pub extra: Option<RecordingHandle>,
    pub stats: MediaStats,
    /// Counters of every bridged leg, summed.
    pub leg_stats: MediaStats,
}

pub struct MediaTask {
    pub local: SocketAddr,
    commands: mpsc::UnboundedSender<MediaCommand>,
    stop: CancellationToken,
    join: JoinHandle<MediaEnd>,
}

impl MediaTask {
    /// Starts the clock at once: silence flows until something is played, which keeps NAT bindings
    /// open and lets symmetric RTP latch. Dropped foreign datagrams are added to `metrics` as they
    /// happen (once per tick), so an attack shows while the call is still up. The task runs in the
    /// caller's tracing span, so its decisions are logged with the call.
    pub fn spawn(
        socket: UdpSocket,
        session: MediaSession,
        events: mpsc::UnboundedSender<MediaEvent>,
        stop: CancellationToken,
        metrics: Arc<NodeMetrics>,
    ) -> std::io::Result<MediaTask> {
        let local = socket.local_addr()?;
        let (commands, rx) = mpsc::unbounded_channel();
        let task = run(socket, session, rx, events, stop.clone(), metrics);
        let join = tokio::spawn(task.instrument(tracing::Span::current()));
        Ok(MediaTask {
            local,
            commands,
            stop,
            join,
        })
    }

    pub fn send(&self, cmd: MediaCommand) {
        // The task only ends when stopped; a send after that has nothing left to do.
        let _ = self.commands.send(cmd);
    }

    /// Stops the clock and returns what the call needs to close its books.
    pub async fn finish(self) -> MediaEnd {
        self.stop.cancel();
        self.join.await.unwrap_or(MediaEnd {
            recording: None,
            extra: None,
            stats: MediaStats::default(),
            leg_stats: MediaStats::default(),
        })
    }
}

async fn run(
    mut socket: UdpSocket,
    mut session: MediaSession,
    mut commands: mpsc::UnboundedReceiver<MediaCommand>,
    events: mpsc::UnboundedSender<MediaEvent>,
    stop: CancellationToken,
    metrics: Arc<NodeMetrics>,
) -> MediaEnd {
    let mut clock = tokio::time::interval(Duration::from_millis(20));
    // Burst catches up after a stall so the packet count tracks wall time (no drift).
    clock.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut recording: Option<RecordingHandle> = None;
    let mut extra: Option<RecordingHandle> = None;
    let mut leg: Option<Leg> = None;
    // Kept beside the legs they belong to, so they can be awaited while the legs' sockets are.
    let mut leg_updates: Option<mpsc::UnboundedReceiver<RemoteUpdate>> = None;
    let mut main_updates: Option<mpsc::UnboundedReceiver<RemoteUpdate>> = None;
    let mut leg_stats = MediaStats::default();
    // The caller's previous frame: what the bridged leg hears this tick.
    let mut last_caller = [0i16; FRAME];
    let mut buf = vec![0u8; 2048];
    let mut leg_buf = vec![0u8; 2048];
    let mut budget = RECV_BUDGET;
    let mut leg_budget = RECV_BUDGET;
    // Foreign datagrams since the last flush to the node's counter.
    let mut foreign = 0u64;
    let mut foreign_total = 0u64;
    loop {
        // Biased towards stopping and then the clock: a due tick always runs before more reading.
        tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            tick = clock.tick() => {
                let now = tick.into_std();
                budget = RECV_BUDGET;
                leg_budget = RECV_BUDGET;
                if foreign > 0 {
                    metrics.rtp_foreign.fetch_add(foreign, Ordering::Relaxed);
                    foreign_total += foreign;
                    foreign = 0;
                }
                // The leg first: what it said this tick is what the caller hears this tick.
                let mut leg_audio = None;
                if let Some(l) = &mut leg {
                    let out = l.session.on_tick_with(now, Some(&last_caller));
                    if let Some((bytes, dest)) = out.send {
                        let _ = l.socket.try_send_to(bytes, dest);
                    }
                    leg_audio = Some(out.caller);
                    if let Some(ev) = out.event {
                        let _ = l.events.send(ev);
                    }
                }
                let out = session.on_tick_with(now, leg_audio.as_ref());
                if let Some((bytes, dest)) = out.send {
                    // UDP send on a non-full socket does not block; a full buffer drops the packet.
                    let _ = socket.try_send_to(bytes, dest);
                }
                last_caller = out.caller;
                if let Some(rec) = &recording {
                    rec.push(&out.caller, &out.heard);
                }
                if let Some(rec) = &extra {
                    rec.push(&out.caller, &out.heard);
                }
                if let Some(ev) = out.event {
                    let _ = events.send(ev);
                }
            }
            Some(cmd) = commands.recv() => match cmd {
                MediaCommand::Play(prompts) => session.play(prompts),
                MediaCommand::Stop => session.stop(),
                MediaCommand::Update { remote, on_hold } => {
                    session.update_remote(remote, on_hold, Instant::now().into_std());
                }
                MediaCommand::Record(handle) => recording = Some(handle),
                MediaCommand::Bridge(new) => {
                    let mut new = *new;
                    leg_updates = new.updates.take();
                    if let Some(old) = leg.replace(new) {
                        add_stats(&mut leg_stats, old.session.stats());
                    }
                }
                MediaCommand::Unbridge => {
                    leg_updates = None;
                    if let Some(old) = leg.take() {
                        add_stats(&mut leg_stats, old.session.stats());
                    }
                }
                MediaCommand::RelayDigit(d) => {
                    if let Some(l) = &mut leg {
                        l.session.send_digit(d);
                    }
                }
                MediaCommand::Main(main) => {
                    let Leg { socket: s, session: m, updates, .. } = *main;
                    socket = s;
                    session = m;
                    main_updates = updates;
                }
                MediaCommand::PlayLeg(prompts) => {
                    if let Some(l) = &mut leg {
                        l.session.play(prompts);
                    }
                }
                MediaCommand::Music(Side::Main, music) => session.set_music(music),
                MediaCommand::Held(Side::Main, on) => session.set_held(on, Instant::now().into_std()),
                MediaCommand::Hear(Side::Main, on) => session.hear_feed(on),
                MediaCommand::Music(Side::Leg, music) => {
                    if let Some(l) = &mut leg {
                        l.session.set_music(music);
                    }
                }
                MediaCommand::Held(Side::Leg, on) => {
                    if let Some(l) = &mut leg {
                        l.session.set_held(on, Instant::now().into_std());
                    }
                }
                MediaCommand::Hear(Side::Leg, on) => {
                    if let Some(l) = &mut leg {
                        l.session.hear_feed(on);
                    }
                }
                MediaCommand::RecordExtra(handle) => extra = Some(handle),
                MediaCommand::StopExtra(reply) => {
                    let _ = reply.send(extra.take());
                }
            },
            Some(update) = next_update(main_updates.as_mut()) => {
                session.update_remote(update.remote, update.on_hold, Instant::now().into_std());
            }
            Some(update) = next_update(leg_updates.as_mut()) => {
                if let Some(l) = &mut leg {
                    l.session.update_remote(update.remote, update.on_hold, Instant::now().into_std());
                }
            }
            ready = socket.readable(), if budget > 0 => {
                // An error here would repeat at once: give up reading until the next tick.
                budget = match ready {
                    Ok(()) => budget - drain(&socket, &mut session, &mut buf, budget, &events, &mut foreign),
                    Err(_) => 0,
                };
            }
            ready = leg_readable(leg.as_ref().map(|l| &l.socket)), if leg_budget > 0 => {
                leg_budget = match (ready, leg.as_mut()) {
                    (Ok(()), Some(l)) => {
                        let used = drain(&l.socket, &mut l.session, &mut leg_buf, leg_budget, &l.events, &mut foreign);
                        leg_budget - used
                    }
                    _ => 0,
                };
            }
        }
    }
    if foreign > 0 {
        metrics.rtp_foreign.fetch_add(foreign, Ordering::Relaxed);
        foreign_total += foreign;
    }
    if foreign_total > 0 {
        info!(
            foreign = foreign_total,
            "strict RTP dropped datagrams from other sources during the call"
        );
    }
    if let Some(old) = leg.take() {
        add_stats(&mut leg_stats, old.session.stats());
    }
    MediaEnd {
        recording,
        extra,
        stats: session.stats(),
        leg_stats,
    }
}

/// Reads what is waiting on `socket`, at most `budget` datagrams, into `session`; returns how many
/// reads it used. Receive errors (ICMP port unreachable after a send, say) use up a read each, so a
/// socket that keeps failing cannot spin the task.
fn drain(
    socket: &UdpSocket,
    session: &mut MediaSession,
    buf: &mut [u8],
    budget: usize,
    events: &mpsc::UnboundedSender<MediaEvent>,
    foreign: &mut u64,
) -> usize {
    let now = Instant::now().into_std();
    let mut used = 0;
    while used < budget {
        match socket.try_recv_from(buf) {
            Ok((n, from)) => {
                used += 1;
                let received = session.on_datagram(now, from, &buf[..n]);
                *foreign += u64::from(received.foreign);
                if let Some(ev) = received.event {
                    let _ = events.send(ev);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(_) => used += 1,
        }
    }
    used
}

/// A leg's next re-INVITE; never completes when nobody reports them. A closed channel yields
/// `None`, which disables the branch for that turn of the loop (no busy loop: the other branches
/// are what the task then waits on).
async fn next_update(
    updates: Option<&mut mpsc::UnboundedReceiver<RemoteUpdate>>,
) -> Option<RemoteUpdate> {
    match updates {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The bridged leg's socket is readable; never completes when nothing is bridged. It borrows only
/// the socket: a leg's session (its SRTP contexts) need not be shareable between threads.
async fn leg_readable(socket: Option<&UdpSocket>) -> std::io::Result<()> {
    match socket {
        Some(s) => s.readable().await,
        None => std::future::pending().await,
    }
}

fn add_stats(total: &mut MediaStats, s: MediaStats) {
    total.sent += s.sent;
    total.ignored += s.ignored;
    total.foreign += s.foreign;
    total.unauthenticated += s.unauthenticated;
    total.jitter.received += s.jitter.received;
    total.jitter.lost += s.jitter.lost;
    total.jitter.late += s.jitter.late;
}

#[cfg(test)]
mod tests;
