//! A call's handle on its media: the commands the call sends (play, bridge, record, ...), the
//! legs it hands over, and what it gets back when the media ends. The media itself runs on a
//! worker of the [`engine`](super::engine), which owns the sockets and the sessions; commands are
//! applied at the call's next 20 ms tick.

use super::engine::Engine;
use super::prompts::Prompt;
use super::session::{MediaEvent, MediaSession, MediaStats};
use crate::metrics::NodeMetrics;
use crate::recording::RecordingHandle;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
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
    /// Music on hold to one side (`None` stops it): looped under prompts instead of the bridge.
    Music(Side, Option<Arc<Prompt>>),
    /// One side is held by us (a hold passed on from the other): no RTP timeout for it meanwhile.
    Held(Side, bool),
    /// Whether `listener` hears `speaker` (each listener hears the sum of its speakers).
    Hears {
        listener: Side,
        speaker: Side,
        on: bool,
    },
    /// A supervisor's leg joins the call's media: a third side that hears and is heard as
    /// [`MediaCommand::Hears`] says (nothing at first). Replaces a supervisor already there.
    Monitor(Box<Leg>),
    /// Drops the supervisor's leg (its socket closes).
    Unmonitor,
    /// The target an agent consults (attended transfer): a fourth side, hearing and heard as
    /// [`MediaCommand::Hears`] says.
    Consult(Box<Leg>),
    /// Drops the consulted target's leg.
    Unconsult,
    /// The consulted target takes the caller: their side becomes the bridged leg (the one it
    /// replaces is dropped), hearing what the bridged leg heard.
    PromoteConsult,
    /// Also records the call into a second file (a complaint message) until `StopExtra`.
    RecordExtra(RecordingHandle),
    StopExtra(tokio::sync::oneshot::Sender<Option<RecordingHandle>>),
}

/// The sides the task carries: the call's own (the caller, a callback's client), the bridged leg
/// (the agent), a supervisor listening in, and a target the agent consults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Main,
    Leg,
    Monitor,
    Consult,
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
    commands: std::sync::mpsc::Sender<MediaCommand>,
    stop: CancellationToken,
    done: oneshot::Receiver<MediaEnd>,
}

impl MediaTask {
    pub(super) fn new(
        local: SocketAddr,
        commands: std::sync::mpsc::Sender<MediaCommand>,
        stop: CancellationToken,
        done: oneshot::Receiver<MediaEnd>,
    ) -> MediaTask {
        MediaTask {
            local,
            commands,
            stop,
            done,
        }
    }

    /// Puts the call's media on the process's engine ([`Engine::shared`]). Dropped foreign
    /// datagrams are added to `metrics` as they happen, so an attack shows while the call is up.
    pub fn spawn(
        socket: UdpSocket,
        session: MediaSession,
        events: mpsc::UnboundedSender<MediaEvent>,
        stop: CancellationToken,
        metrics: Arc<NodeMetrics>,
    ) -> std::io::Result<MediaTask> {
        Engine::shared()?.spawn(socket, session, events, stop, metrics)
    }

    pub fn send(&self, cmd: MediaCommand) {
        // The media only ends when stopped; a send after that has nothing left to do.
        let _ = self.commands.send(cmd);
    }

    /// Stops the media (at its next tick) and returns what the call needs to close its books.
    pub async fn finish(self) -> MediaEnd {
        let MediaTask {
            commands,
            stop,
            done,
            ..
        } = self;
        // The closed channel is what the worker notices at the call's next tick; the token stops
        // anything else that shares it.
        drop(commands);
        stop.cancel();
        done.await.unwrap_or(MediaEnd {
            recording: None,
            extra: None,
            stats: MediaStats::default(),
            leg_stats: MediaStats::default(),
        })
    }
}
