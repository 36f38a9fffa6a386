//! A call as legs and a bridge: who is on the call (caller, agent, callback client, later a
//! supervisor or a consult target), what state each leg is in, and who hears whom.
//!
//! Sans-IO like `flow`: the SIP layer (`sip::legs`) turns leg answers, BYEs, re-INVITEs, digits
//! and media events into [`Event`]s, and carries out the [`Action`]s that [`Bridge::handle`]
//! returns, with the time injected. Inbound calls routed to an agent and dispatched callbacks run
//! on the same machine, so ringing, the whisper, bridging, hold, digit relay and releasing the
//! agent exist once.
//!
//! Who hears whom is a matrix over the legs ([`Bridge::hears`]); every change of it comes out as
//! [`Action::Hears`], and music on hold as [`Action::Music`]. The media layer carries three sides:
//! the call's party, the agent bridged with it, and a supervisor listening in ([`Mode`]: listen,
//! whisper to the agent, or barge in), each hearing the sum of those the matrix names.

pub mod keys;
mod model;

pub use keys::{Feature, Keys};
pub use model::{Bridge, CallbackEnd, WHISPER_MAX_MS};

use crate::dispatch::DialResult;

/// A leg's index on its call; stable for the call's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LegId(pub usize);

/// What a leg is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The inbound caller (the dialog we answered).
    Caller,
    /// An agent's phone, rung for a routed call or a callback.
    Agent,
    /// The client of a callback, dialled through the outbound proxy.
    Client,
    /// A supervisor joined to a live call ([`Mode`]).
    Supervisor,
    /// The target of an attended transfer while the agent consults them; they become an
    /// agent (or outside) leg when the transfer completes.
    Consult,
    /// A number outside, dialled through the outbound proxy: a transfer's target.
    External,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caller => "caller",
            Role::Agent => "agent",
            Role::Client => "client",
            Role::Supervisor => "supervisor",
            Role::Consult => "consult",
            Role::External => "external",
        }
    }

    /// Who talks with the call's party in the bridge: an agent, or an outside number the call
    /// was transferred to.
    fn is_talker(self) -> bool {
        matches!(self, Role::Agent | Role::External)
    }

    /// The call's own party: the one an agent talks to.
    fn is_party(self) -> bool {
        matches!(self, Role::Caller | Role::Client)
    }
}

/// Where a leg is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegState {
    /// Created; the INVITE is being sent (or waits for the whisper before it, for a client).
    Ringing,
    /// Answered, hearing the whisper; nobody hears it and it hears only the whisper.
    Whisper,
    /// Answered and in the bridge.
    Up,
    Ended,
}

/// Why a leg ended, as the call row's `hangup_by` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    /// The far end hung up (BYE, CANCEL from the caller).
    Far,
    /// No RTP from it for the configured time (never while held).
    Timeout,
    /// It never answered (busy, no answer, failure).
    NotAnswered(DialResult),
    /// We hung it up (the other side left, the call ended).
    Us,
    /// An agent who passed the call on: hung up by us once the transfer's target answered (or
    /// the party went back to the queue).
    Transferred,
    Shutdown,
}

impl Gone {
    /// For the timeline.
    pub fn as_str(self) -> &'static str {
        match self {
            Gone::Far => "hung up",
            Gone::Timeout => "no RTP",
            Gone::NotAnswered(r) => r.as_str(),
            Gone::Us => "hung up by us",
            Gone::Transferred => "transferred the call",
            Gone::Shutdown => "shutdown",
        }
    }
}

/// Where a blind transfer sends the call's party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A roster agent, rung whether or not they take queue calls now.
    Agent(String),
    /// Back to the queue, keeping the party's priority and place.
    Queue,
    /// A number outside, through the outbound proxy.
    External(String),
}

/// Why a transfer is refused: the REFER's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Only the agent bridged with the party may pass the call on (403).
    NotBridged,
    /// One transfer at a time per call (491 Request Pending).
    InProgress,
    /// A callback's client is not transferred (403).
    Callback,
}

impl Refusal {
    pub fn status(self) -> u16 {
        match self {
            Refusal::NotBridged | Refusal::Callback => 403,
            Refusal::InProgress => 491,
        }
    }
}

/// How a supervisor is on a call. Keys 4, 5 and 6 on the supervisor's phone switch between them,
/// as in Asterisk's ChanSpy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Hears the caller and the agent; nobody hears the supervisor.
    Listen,
    /// Hears both; only the agent hears the supervisor (coaching).
    Whisper,
    /// Everyone hears everyone.
    Barge,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Listen => "listen",
            Mode::Whisper => "whisper",
            Mode::Barge => "barge",
        }
    }

    /// The mode a key on the supervisor's phone selects.
    pub fn from_key(digit: char) -> Option<Mode> {
        match digit {
            '4' => Some(Mode::Listen),
            '5' => Some(Mode::Whisper),
            '6' => Some(Mode::Barge),
            _ => None,
        }
    }

    /// Whether the agent hears the supervisor.
    pub(crate) fn agent_hears(self) -> bool {
        self != Mode::Listen
    }

    /// Whether the call's party hears the supervisor.
    pub(crate) fn party_hears(self) -> bool {
        self == Mode::Barge
    }
}

/// Why a supervisor cannot join a call now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MonitorRefusal {
    #[error("no agent is talking with the caller")]
    NotBridged,
    #[error("another supervisor is on the call")]
    Taken,
}

/// Everything the SIP and media layers tell the bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Answered(LegId),
    /// The leg never answered.
    Failed(LegId, DialResult),
    /// The far end hung up, or its media stopped.
    Ended(LegId, Gone),
    /// The far end held (`true`: sendonly, inactive, 0.0.0.0) or resumed the call by re-INVITE.
    Hold(LegId, bool),
    Digit(LegId, char),
    /// What was played to this leg has been sent to its end.
    PlaybackFinished(LegId),
    /// The time has moved (see [`Bridge::deadline`]).
    Tick,
}

/// What the call's owner asks of the bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Ring an agent; with `whisper`, they hear the whisper before being bridged.
    RingAgent { agent: String, whisper: bool },
    /// The caller waits for an agent (music on hold between announcements) or stopped waiting.
    Waiting(bool),
    /// End one leg from our side, for the reason given (`Us`, or `Timeout` when its media
    /// stopped and the owner noticed).
    HangUp(LegId, Gone),
    /// End the call: every leg still up is hung up.
    HangUpAll(Gone),
    /// The bridged agent on leg `by` passes the party on (blind): the party hears music until
    /// the target answers, then `by` is hung up; if the target does not answer, the party is
    /// back with `by` (or, when `by` has left meanwhile, back in the queue). Ignored unless
    /// [`Bridge::may_transfer`] allows it.
    Transfer { by: LegId, target: Target },
    /// The bridged agent on leg `by` consults `target` first (attended transfer): the party
    /// hears music while `by` talks with the target. Ignored unless [`Bridge::may_transfer`]
    /// allows it; a consultation with the queue is a blind transfer to it.
    Consult { by: LegId, target: Target },
    /// `by` completes their consultation: the target takes the party (once they answer, if
    /// still ringing) and `by` leaves.
    CompleteConsult { by: LegId },
    /// `by` ends their consultation: the target is hung up and `by` has the party back.
    CancelConsult { by: LegId },
    /// A supervisor joins in `mode` (their leg is placed), or the one on the call switches to it.
    /// Ignored unless [`Bridge::may_monitor`] allows it.
    Monitor(Mode),
}

/// What the bridge asks of the SIP and media layers, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this leg's INVITE (its role says to whom).
    Place(LegId),
    /// Play the whisper to this leg; `PlaybackFinished` for it ends the whisper.
    Whisper(LegId),
    /// Media: `listener` starts or stops hearing `speaker`.
    Hears {
        listener: LegId,
        speaker: LegId,
        on: bool,
    },
    /// Media: music on hold to this leg (under prompts, instead of the bridge) on or off.
    Music { leg: LegId, on: bool },
    /// Pass a hold or resume on to this leg (re-INVITE sendonly / sendrecv); while held by us it
    /// may go silent, so its RTP timeout is suspended.
    RelayHold { to: LegId, on: bool },
    /// Pass a key on to this leg (RFC 4733 or SIP INFO, as it negotiated).
    RelayDigit { to: LegId, digit: char },
    /// An agent leg is bridged with the call's party (the owner marks the agent in call).
    Connected { agent: LegId, party: LegId },
    /// End this leg from our side (CANCEL while ringing, BYE once answered).
    HangUp(LegId),
    /// Free the agent this leg held: after a talk (`talked`, wrap-up follows) or not.
    Release {
        leg: LegId,
        agent: String,
        talked: bool,
    },
    /// A leg is gone; the owner learns who and why (an agent hanging up sends the caller to the
    /// survey, unless `handed_over`: the party is being passed on by a transfer).
    LegGone {
        leg: LegId,
        role: Role,
        why: Gone,
        handed_over: bool,
    },
    /// How the transfer asked by leg `by` goes, as a SIP status (100 accepted, 200 the target
    /// answered or the queue took the party, 486/480/503 it failed): a NOTIFY with a sipfrag.
    TransferProgress { by: LegId, status: u16 },
    /// The party goes back to the queue, keeping its priority and place.
    Requeue,
    /// The agent on `leg` keyed a feature code (a transfer with its target, pausing the
    /// recording).
    Feature { leg: LegId, feature: Feature },
    /// The target `to` of `by`'s consultation answered: they talk while the party waits.
    Consulting { by: LegId, to: LegId },
    /// How a consultation ended without the target taking the party (`status` as a SIP status:
    /// 487 cancelled by the agent, 486 busy, 480 no answer, 503 failed, 200 the target hung up).
    ConsultEnded { by: LegId, status: u16 },
    /// The consultation's target `leg` takes the party: its media becomes the bridged leg's.
    Promote { leg: LegId },
    /// The supervisor on `leg` is now on the call in `mode` (they answered, or switched).
    Monitoring { leg: LegId, mode: Mode },
    /// Every leg has ended (callbacks end here; an inbound call ends with its caller).
    Done,
}
