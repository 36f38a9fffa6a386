//! The thin tokio task around a [`MediaSession`]: one UDP socket, a steady 20 ms clock, commands
//! from the call, events back to it, and frames to the recording writer.

use super::prompts::Prompt;
use super::session::{FRAME, MediaEvent, MediaSession, MediaStats};
use crate::recording::RecordingHandle;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

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
    /// Also records the call into a second file (a complaint message) until `StopExtra`.
    RecordExtra(RecordingHandle),
    StopExtra(tokio::sync::oneshot::Sender<Option<RecordingHandle>>),
}

/// The other side of a bridge: its own socket, media state and event channel.
pub struct Leg {
    pub socket: UdpSocket,
    pub session: MediaSession,
    pub events: mpsc::UnboundedSender<MediaEvent>,
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
    /// open and lets symmetric RTP latch.
    pub fn spawn(
        socket: UdpSocket,
        session: MediaSession,
        events: mpsc::UnboundedSender<MediaEvent>,
        stop: CancellationToken,
    ) -> std::io::Result<MediaTask> {
        let local = socket.local_addr()?;
        let (commands, rx) = mpsc::unbounded_channel();
        let join = tokio::spawn(run(socket, session, rx, events, stop.clone()));
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
) -> MediaEnd {
    let mut clock = tokio::time::interval(Duration::from_millis(20));
    // Burst catches up after a stall so the packet count tracks wall time (no drift).
    clock.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut recording: Option<RecordingHandle> = None;
    let mut extra: Option<RecordingHandle> = None;
    let mut leg: Option<Leg> = None;
    let mut leg_stats = MediaStats::default();
    // The caller's previous frame: what the bridged leg hears this tick.
    let mut last_caller = [0i16; FRAME];
    let mut buf = vec![0u8; 2048];
    let mut leg_buf = vec![0u8; 2048];
    loop {
        tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            Some(cmd) = commands.recv() => match cmd {
                MediaCommand::Play(prompts) => session.play(prompts),
                MediaCommand::Stop => session.stop(),
                MediaCommand::Update { remote, on_hold } => {
                    session.update_remote(remote, on_hold, Instant::now().into_std());
                }
                MediaCommand::Record(handle) => recording = Some(handle),
                MediaCommand::Bridge(new) => {
                    if let Some(old) = leg.replace(*new) {
                        add_stats(&mut leg_stats, old.session.stats());
                    }
                }
                MediaCommand::Unbridge => {
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
                    let Leg { socket: s, session: m, .. } = *main;
                    socket = s;
                    session = m;
                }
                MediaCommand::PlayLeg(prompts) => {
                    if let Some(l) = &mut leg {
                        l.session.play(prompts);
                    }
                }
                MediaCommand::RecordExtra(handle) => extra = Some(handle),
                MediaCommand::StopExtra(reply) => {
                    let _ = reply.send(extra.take());
                }
            },
            received = socket.recv_from(&mut buf) => {
                if let Ok((n, from)) = received
                    && let Some(ev) = session.on_datagram(Instant::now().into_std(), from, &buf[..n]).event {
                        let _ = events.send(ev);
                    }
            }
            received = leg_recv(leg.as_ref(), &mut leg_buf) => {
                if let (Ok((n, from)), Some(l)) = (received, leg.as_mut())
                    && let Some(ev) = l.session.on_datagram(Instant::now().into_std(), from, &leg_buf[..n]).event {
                        let _ = l.events.send(ev);
                    }
            }
            tick = clock.tick() => {
                let now = tick.into_std();
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
        }
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

/// The bridged leg's next datagram; never completes when nothing is bridged.
async fn leg_recv(leg: Option<&Leg>, buf: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
    match leg {
        Some(l) => l.socket.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

fn add_stats(total: &mut MediaStats, s: MediaStats) {
    total.sent += s.sent;
    total.ignored += s.ignored;
    total.foreign += s.foreign;
    total.jitter.received += s.jitter.received;
    total.jitter.lost += s.jitter.lost;
    total.jitter.late += s.jitter.late;
}
