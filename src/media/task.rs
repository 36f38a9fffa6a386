//! The thin tokio task around a [`MediaSession`]: one UDP socket, a steady 20 ms clock, commands
//! from the call, events back to it, and frames to the recording writer.

use super::prompts::Prompt;
use super::session::{MediaEvent, MediaSession, MediaStats};
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
}

/// What the task leaves behind: the recording to finish, and the counters.
pub struct MediaEnd {
    pub recording: Option<RecordingHandle>,
    pub stats: MediaStats,
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
            stats: MediaStats::default(),
        })
    }
}

async fn run(
    socket: UdpSocket,
    mut session: MediaSession,
    mut commands: mpsc::UnboundedReceiver<MediaCommand>,
    events: mpsc::UnboundedSender<MediaEvent>,
    stop: CancellationToken,
) -> MediaEnd {
    let mut clock = tokio::time::interval(Duration::from_millis(20));
    // Burst catches up after a stall so the packet count tracks wall time (no drift).
    clock.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut recording: Option<RecordingHandle> = None;
    let mut buf = vec![0u8; 2048];
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
            },
            received = socket.recv_from(&mut buf) => {
                if let Ok((n, from)) = received
                    && let Some(ev) = session.on_datagram(Instant::now().into_std(), from, &buf[..n]) {
                        let _ = events.send(ev);
                    }
            }
            tick = clock.tick() => {
                let out = session.on_tick(tick.into_std());
                if let Some((bytes, dest)) = out.send {
                    // UDP send on a non-full socket does not block; a full buffer drops the packet.
                    let _ = socket.try_send_to(bytes, dest);
                }
                if let Some(rec) = &recording {
                    rec.push(&out.caller, &out.heard);
                }
                if let Some(ev) = out.event {
                    let _ = events.send(ev);
                }
            }
        }
    }
    MediaEnd {
        recording,
        stats: session.stats(),
    }
}
