//! The bridge's actions carried out, in order: legs placed, hung up and released, media told who
//! hears whom, holds and keys passed on, and what only the call's owner can do handed back as
//! [`Outward`]s.

use super::{Legs, Outward};
use crate::bridge::{Action, Event, Gone, LegId, Role};
use crate::media::task::{MediaCommand, MediaTask};
use chrono::Utc;
use std::collections::VecDeque;
use tracing::warn;

impl Legs {
    pub(super) async fn apply(&mut self, actions: Vec<Action>, media: &MediaTask) -> Vec<Outward> {
        self.grow();
        let mut out = Vec::new();
        let mut queue = VecDeque::from(actions);
        while let Some(action) = queue.pop_front() {
            match action {
                Action::Place(id) => match self.slots[id.0].dial.take() {
                    Some(dial) => out.push(Outward::Dial(id, dial)),
                    None => {
                        let role = self.bridge.role(id).unwrap_or(Role::Agent);
                        out.push(Outward::Place(id, role));
                    }
                },
                Action::Whisper(id) => {
                    let whisper = std::mem::take(&mut self.slots[id.0].whisper);
                    if whisper.is_empty() {
                        let more = self.bridge.handle(self.now(), Event::PlaybackFinished(id));
                        self.grow();
                        queue.extend(more);
                    } else {
                        media.send(MediaCommand::PlayLeg(whisper));
                    }
                }
                Action::Hears {
                    listener,
                    speaker,
                    on,
                } => {
                    media.send(MediaCommand::Hears {
                        listener: self.side(listener),
                        speaker: self.side(speaker),
                        on,
                    });
                }
                Action::Music { leg, on } => {
                    let music = on.then(|| self.ctx.prompts.music()).flatten();
                    media.send(MediaCommand::Music(self.side(leg), music));
                }
                Action::RelayHold { to, on } => {
                    media.send(MediaCommand::Held(self.side(to), on));
                    match self.slots[to.0].leg.as_mut() {
                        Some(leg) => leg.hold(self.ctx.media_ip, on),
                        None => out.push(Outward::HoldCaller(on)),
                    }
                }
                Action::RelayDigit { to, digit } => match &self.slots[to.0].leg {
                    Some(leg) if leg.info_dtmf => leg.info_digit(digit).await,
                    Some(_) => media.send(MediaCommand::RelayDigit(digit)),
                    None => {}
                },
                Action::Connected { agent, .. } => {
                    self.log(&format!("{} bridged", self.name(agent)));
                    let name = self.bridge.agent(agent).unwrap_or_default().to_string();
                    out.push(Outward::Connected { agent: name });
                }
                Action::TransferProgress { by, status } => self.progress(by, status).await,
                Action::Feature { leg, feature } => out.push(Outward::Feature(leg, feature)),
                Action::Requeue => {
                    self.log("the caller goes back to the queue");
                    out.push(Outward::Requeue);
                }
                Action::HangUp(id) => {
                    if let Some(leg) = self.slots[id.0].leg.take() {
                        leg.hang_up().await;
                    }
                }
                Action::Release { leg, talked, .. } => self.release(leg, talked).await,
                Action::LegGone {
                    leg,
                    role,
                    why,
                    handed_over,
                } => {
                    self.slots[leg.0].leg = None;
                    if matches!(why, Gone::Us | Gone::Transferred | Gone::Shutdown)
                        && role != Role::Caller
                    {
                        // Ends the far side saw were logged when they came.
                        self.log(&format!(
                            "{} off the call: {}",
                            self.name(leg),
                            why.as_str()
                        ));
                    }
                    if self.media_leg == Some(leg) {
                        self.media_leg = None;
                        media.send(MediaCommand::Unbridge);
                    }
                    if role == Role::Supervisor {
                        self.monitor_ended(leg, why).await;
                        media.send(MediaCommand::Unmonitor);
                    }
                    if role == Role::Consult {
                        media.send(MediaCommand::Unconsult);
                    }
                    if role == Role::Agent {
                        out.push(Outward::AgentGone {
                            agent: self.bridge.agent(leg).unwrap_or_default().to_string(),
                            answered: self.slots[leg.0].answered_at.is_some(),
                            why,
                            handed_over,
                        });
                    }
                }
                Action::Monitoring { leg, mode } => self.monitoring(leg, mode).await,
                Action::Consulting { by, to } => {
                    self.log(&format!("{} consults {}", self.name(by), self.name(to)));
                }
                Action::ConsultEnded { by, status } => {
                    self.log(&format!("consultation by {}: {status}", self.name(by)));
                }
                Action::Promote { leg } => self.promote(leg, media).await,
                Action::Done => out.push(Outward::Done),
            }
        }
        out
    }

    /// A consulted target takes the caller: an answered one's media becomes the bridged leg's
    /// and they become the call's agent (one still ringing does when they answer).
    async fn promote(&mut self, leg: LegId, media: &MediaTask) {
        self.log(&format!("{} takes the caller", self.name(leg)));
        if self.slots[leg.0].answered_at.is_none() {
            return;
        }
        media.send(MediaCommand::PromoteConsult);
        self.media_leg = Some(leg);
        if let Some(agent) = self.bridge.agent(leg) {
            let taken = self
                .ctx
                .store
                .call_taken_by(agent, &self.call_id, Utc::now())
                .await;
            if let Err(e) = taken {
                warn!(error = %e, "cannot name the call's new agent");
            }
        }
    }

    /// Frees the leg's agent: wrap-up after a talk, whose length feeds the wait estimate.
    async fn release(&mut self, id: LegId, talked: bool) {
        let Some(guard) = self.slots[id.0].guard.take() else {
            return;
        };
        let until = if talked {
            if let Some(at) = self.slots[id.0].answered_at {
                self.ctx.router.call_handled(at.elapsed().as_secs_f64());
            }
            let wrap_up = self.ctx.config.routing.wrap_up_seconds;
            Some(Utc::now() + chrono::Duration::seconds(i64::try_from(wrap_up).unwrap_or(0)))
        } else {
            None
        };
        guard.release(until).await;
    }
}
