//! The legs of one call, carried out: the bridge ([`crate::bridge`]) decides, this places and
//! hangs up the outbound legs, drives the call's media task, passes holds and keys on, plays the
//! whisper and the music, and frees agents through their guards. Inbound calls routed to an agent
//! and dispatched callbacks both run on it; each owner only says how to place a leg of a given
//! role and what the call does when an agent answers or leaves.

use super::call::CallContext;
use super::leg::{LegEvent, OutboundLeg};
use crate::bridge::keys::{Code, Kind};
use crate::bridge::{Action, Bridge, Command, Event, Feature, Gone, Keys, LegId, Role};
use crate::media::prompts::Prompt;
use crate::media::session::MediaEvent;
use crate::media::task::{MediaCommand, MediaTask, Side};
use crate::routing::{AgentGuard, Offer};
use chrono::Utc;
use futures_util::future::{FutureExt, select_all};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tracing::{info, warn};

mod apply;
mod asked;
mod monitor;
mod recording;
mod state;
mod transfer;

pub use asked::TransferRefusal;
pub use monitor::{Supervisor, place_supervisor};
pub use recording::NotRecording;
pub use state::{LiveState, Monitoring};

pub use transfer::{BadRefer, ReferTo, parse_refer_to};

/// What the call's owner has to do about a turn of the bridge.
#[derive(Debug)]
pub enum Outward {
    /// Place this leg's INVITE and hand the result to [`Legs::attach`].
    Place(LegId, Role),
    /// Place a leg a transfer added, to whom it names; then [`Legs::attach`].
    Dial(LegId, Dial),
    /// The agent is bridged with the call's party.
    Connected { agent: String },
    /// An agent's leg ended (already released); `answered` when they had picked up.
    AgentGone {
        agent: String,
        answered: bool,
        why: Gone,
        /// The agent passed the caller on (a transfer): not the end of the caller's talk.
        handed_over: bool,
    },
    /// The caller goes back to the queue (a transfer to it, or a transfer whose target did not
    /// answer after the transferor left), keeping their priority and place.
    Requeue,
    /// Pass a hold (or resume) on to the inbound caller: their dialog is the owner's.
    HoldCaller(bool),
    /// The agent on this leg keyed a feature code: hand it back to [`Legs::on_feature`].
    Feature(LegId, Feature),
    /// Every leg has ended.
    Done,
}

/// What the legs did while the owner waited: a leg's news, or the bridge's time came.
pub enum Next {
    Leg(LegId, LegEvent),
    Tick,
}

/// Whom to ring for a leg a transfer added.
#[derive(Debug)]
pub enum Dial {
    /// A roster agent, already claimed for the call (their guard is on the leg).
    Agent { offer: Offer, by: String },
    /// A number outside, through the outbound proxy.
    External(String),
    /// A supervisor's phone (the URI on their account), to listen in.
    Supervisor(String),
}

#[derive(Default)]
struct Slot {
    leg: Option<OutboundLeg>,
    dial: Option<Dial>,
    /// Who the leg is for when the bridge does not know (an outside number).
    label: Option<String>,
    guard: Option<AgentGuard>,
    whisper: Vec<Arc<Prompt>>,
    answered_at: Option<Instant>,
}

pub struct Legs {
    bridge: Bridge,
    slots: Vec<Slot>,
    epoch: Instant,
    ctx: Arc<CallContext>,
    call_id: String,
    /// The leg whose media is bridged in the media task now (its second side).
    media_leg: Option<LegId>,
    /// The leg whose REFER started the transfer under way: it gets the NOTIFYs (a transfer keyed
    /// on the phone has no subscription to notify).
    refer_by: Option<LegId>,
    /// The call's recording, once started, and its pause.
    recording: Option<recording::Recording>,
}

impl Legs {
    /// An answered inbound call: the caller is leg 0.
    pub fn inbound(ctx: Arc<CallContext>, call_id: String) -> Legs {
        let mut bridge = Bridge::inbound();
        bridge.set_keys(feature_keys(&ctx.config.features, true));
        Legs::with(bridge, ctx, call_id)
    }

    /// A callback: the agent (held by `guard`) is leg 0 and hears `whisper` once they answer;
    /// the client is dialled after it. Returns the placing of the agent's leg.
    pub fn callback(
        ctx: Arc<CallContext>,
        call_id: String,
        guard: AgentGuard,
        whisper: Vec<Arc<Prompt>>,
    ) -> (Legs, Vec<Outward>) {
        let (mut bridge, actions) = Bridge::callback(guard.agent().to_string(), 0);
        // A callback's client is not transferred; its recording may be paused.
        bridge.set_keys(feature_keys(&ctx.config.features, false));
        let mut legs = Legs::with(bridge, ctx, call_id);
        legs.slots[0].guard = Some(guard);
        legs.slots[0].whisper = whisper;
        let out = actions
            .into_iter()
            .filter_map(|a| match a {
                Action::Place(id) => Some(Outward::Place(id, Role::Agent)),
                _ => None,
            })
            .collect();
        (legs, out)
    }

    fn with(bridge: Bridge, ctx: Arc<CallContext>, call_id: String) -> Legs {
        let mut legs = Legs {
            bridge,
            slots: Vec::new(),
            epoch: Instant::now(),
            ctx,
            call_id,
            media_leg: None,
            refer_by: None,
            recording: None,
        };
        legs.grow();
        legs
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn grow(&mut self) {
        while self.bridge.role(LegId(self.slots.len())).is_some() {
            self.slots.push(Slot::default());
        }
    }

    pub fn bridge(&self) -> &Bridge {
        &self.bridge
    }

    /// An agent leg is ringing or talking.
    pub fn has_agent(&self) -> bool {
        self.bridge.agent_leg().is_some()
    }

    /// The call's own party leg in a callback (the client), once dialled.
    pub fn client(&self) -> Option<LegId> {
        (0..self.slots.len())
            .map(LegId)
            .find(|&i| self.bridge.role(i) == Some(Role::Client))
    }

    fn side(&self, id: LegId) -> Side {
        match self.bridge.role(id) {
            Some(Role::Caller | Role::Client) => Side::Main,
            Some(Role::Supervisor) => Side::Monitor,
            Some(Role::Consult) => Side::Consult,
            _ => Side::Leg,
        }
    }

    fn log(&self, detail: &str) {
        info!(kind = "route", detail, "legs");
        self.ctx
            .journal
            .log(&self.call_id, Utc::now(), "route", detail);
    }

    /// Rings the agent `guard` holds; `Place` follows.
    pub async fn ring_agent(&mut self, guard: AgentGuard, media: &MediaTask) -> Vec<Outward> {
        let agent = guard.agent().to_string();
        let actions = self.bridge.command(
            self.now(),
            Command::RingAgent {
                agent,
                whisper: false,
            },
        );
        self.grow();
        if let Some(Action::Place(id)) = actions.first() {
            self.slots[id.0].guard = Some(guard);
        }
        self.apply(actions, media).await
    }

    /// The owner placed leg `id` (or could not).
    pub async fn attach(
        &mut self,
        id: LegId,
        placed: Result<OutboundLeg, String>,
        media: &MediaTask,
    ) -> Vec<Outward> {
        match placed {
            Ok(leg) => {
                self.slots[id.0].leg = Some(leg);
                Vec::new()
            }
            Err(why) => {
                self.log(&format!("{}: {why}", self.name(id)));
                self.event(Event::Ended(id, Gone::Us), media).await
            }
        }
    }

    fn name(&self, id: LegId) -> String {
        if let Some(label) = &self.slots[id.0].label {
            return label.clone();
        }
        match (self.bridge.role(id), self.bridge.agent(id)) {
            (_, Some(agent)) => format!("agent {agent}"),
            (Some(role), None) => role.as_str().to_string(),
            (None, None) => "leg".into(),
        }
    }

    /// The next thing the legs or the bridge's clock have to say.
    pub async fn next(&mut self) -> Next {
        let media_ip = self.ctx.media_ip;
        let deadline = [self.bridge.deadline(), self.pause_deadline()]
            .into_iter()
            .flatten()
            .min()
            .map(|ms| self.epoch + Duration::from_millis(ms));
        let waits: Vec<_> = self
            .slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| s.leg.as_mut().map(|l| (i, l)))
            .map(|(i, l)| l.next(media_ip).map(move |ev| (i, ev)).boxed())
            .collect();
        let legs = async {
            if waits.is_empty() {
                std::future::pending().await
            } else {
                select_all(waits).await.0
            }
        };
        tokio::select! {
            (i, ev) = legs => Next::Leg(LegId(i), ev),
            _ = sleep_until(deadline) => Next::Tick,
        }
    }

    /// Carries out what `next` returned.
    pub async fn on_next(&mut self, next: Next, media: &MediaTask) -> Vec<Outward> {
        let (id, ev) = match next {
            Next::Tick => {
                self.pause_tick();
                return self.event(Event::Tick, media).await;
            }
            Next::Leg(id, ev) => (id, ev),
        };
        let event = match ev {
            LegEvent::Answered(m) => {
                match self.side(id) {
                    Side::Leg => {
                        media.send(MediaCommand::Bridge(m));
                        self.media_leg = Some(id);
                    }
                    Side::Main => media.send(MediaCommand::Main(m)),
                    Side::Monitor => media.send(MediaCommand::Monitor(m)),
                    Side::Consult => media.send(MediaCommand::Consult(m)),
                }
                self.slots[id.0].answered_at = Some(Instant::now());
                if let Some(agent) = self.bridge.agent(id) {
                    let store = &self.ctx.store;
                    // A consulted target is not the call's agent unless the transfer completes.
                    let marked = if self.bridge.role(id) == Some(Role::Consult) {
                        store
                            .consult_answered(agent, &self.call_id, Utc::now())
                            .await
                    } else {
                        store.agent_answered(agent, &self.call_id, Utc::now()).await
                    };
                    if let Err(e) = marked {
                        warn!(error = %e, "cannot mark the agent in call");
                    }
                }
                Event::Answered(id)
            }
            LegEvent::Failed(kind, why) => {
                self.slots[id.0].leg = None;
                self.log(&format!("{}: {why}", self.name(id)));
                if let Some(agent) = self.bridge.agent(id) {
                    // Counted before the release, so an agent set away is not offered again.
                    crate::presence::ring_not_answered(
                        &self.ctx.store,
                        &self.ctx.config,
                        agent,
                        kind,
                    )
                    .await;
                }
                Event::Failed(id, kind)
            }
            LegEvent::Ended(by) => {
                self.slots[id.0].leg = None;
                self.log(&format!("{} ended the call ({by})", self.name(id)));
                Event::Ended(
                    id,
                    if by == "timeout" {
                        Gone::Timeout
                    } else {
                        Gone::Far
                    },
                )
            }
            LegEvent::Hold(on) => {
                let what = if on { "holds" } else { "resumed" };
                self.log(&format!("{} {what}", self.name(id)));
                Event::Hold(id, on)
            }
            LegEvent::Media(MediaEvent::PlaybackFinished) => Event::PlaybackFinished(id),
            LegEvent::Media(MediaEvent::Digit(d)) => Event::Digit(id, d),
            LegEvent::Media(MediaEvent::RtpTimeout) => return Vec::new(),
            LegEvent::Refer(req, handle) => return self.on_refer(id, &req, handle, media).await,
        };
        self.event(event, media).await
    }

    /// An event the owner saw (the caller's hold, keys, hangup; the client's media).
    pub async fn event(&mut self, event: Event, media: &MediaTask) -> Vec<Outward> {
        let actions = self.bridge.handle(self.now(), event);
        self.apply(actions, media).await
    }

    pub async fn command(&mut self, command: Command, media: &MediaTask) -> Vec<Outward> {
        let actions = self.bridge.command(self.now(), command);
        self.apply(actions, media).await
    }
}

/// The codes an agent may key: pausing the recording, and transfers where they are allowed.
fn feature_keys(features: &crate::config::Features, transfers: bool) -> Keys {
    let mut codes = vec![Code {
        keys: features.pause_recording.clone(),
        kind: Kind::ToggleRecording,
    }];
    if transfers {
        for (keys, kind) in [
            (&features.blind_transfer, Kind::Transfer),
            (&features.attended_transfer, Kind::Attended),
            (&features.consult_abort, Kind::AbortConsult),
        ] {
            codes.push(Code {
                keys: keys.clone(),
                kind,
            });
        }
    }
    Keys::new(codes, features.digit_timeout_ms)
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
