//! The routed part of a call: joining the line, ringing offered agents and what the call does
//! when one answers or leaves. Ringing, bridging, hold, digit relay and freeing the agent are the
//! call's [`Legs`](crate::sip::legs::Legs), shared with callbacks.

use super::*;
use crate::bridge::{Command, Event as LegsEvent, Gone, LegId, Role};
use crate::routing::AgentGuard;
use crate::routing::queue::{Joining, caller_priority};
use crate::sip::legs::{Dial, Next, Outward};

/// The caller's leg on the call's bridge.
pub(super) const CALLER: LegId = LegId(0);

impl Call {
    /// `RouteToAgent`: queue the caller, unless nobody is staffed to take the call at all.
    pub(super) async fn join_queue(
        &self,
        live: &mut Live,
        vip_agent: Option<String>,
    ) -> Option<Event> {
        let staffed = match self.ctx.store.agent_counts(Utc::now()).await {
            Ok(c) => c.available + c.ringing + c.in_call + c.wrap_up,
            Err(e) => {
                warn!(error = %e, "cannot read the roster");
                0
            }
        };
        let routing = &self.ctx.config.routing;
        if staffed == 0 && !routing.join_when_all_away {
            self.log("route", "every agent is away: not queued").await;
            return Some(Event::RoutingFailed);
        }
        // A card's own priority (special needs) orders the caller right after VIPs.
        let card = match (&self.phone, vip_agent.is_some()) {
            (Some(phone), false) => self.ctx.store.client(phone).await.ok().flatten(),
            _ => None,
        };
        let card_priority = card.map_or(0, |c| c.priority);
        let priority = caller_priority(vip_agent.is_some(), card_priority, routing.vip_priority);
        let joining = Joining {
            call: self.call_id.clone(),
            priority,
            language: Some(live.flow.language().as_str().to_string()),
            vip_agent,
            phone: self.phone.clone(),
        };
        let (position, offers) = match self.ctx.router.join(joining.clone()).await {
            Ok(joined) => joined,
            Err(e) => {
                warn!(error = %e, "cannot write the caller in the line");
                self.log("route", "the line cannot be written: not queued")
                    .await;
                return Some(Event::RoutingFailed);
            }
        };
        live.queue_ticket = self.ctx.router.ticket(&self.call_id).map(|t| (joining, t));
        live.offers = Some((offers, Instant::now()));
        // Music between the announcements while the caller waits.
        live.legs.command(Command::Waiting(true), &live.media).await;
        self.ctx.metrics.queued.fetch_add(1, Ordering::Relaxed);
        self.log(
            "queue",
            &format!("joined at position {position} (priority {priority})"),
        )
        .await;
        None
    }

    /// Back in the line after a transfer to it, in the place the call had; joined afresh if it
    /// never was in it.
    async fn rejoin_queue(&self, live: &mut Live) {
        let Some((joining, ticket)) = live.queue_ticket.clone() else {
            let _ = self.join_queue(live, None).await;
            return;
        };
        let (position, offers) = self.ctx.router.rejoin(joining, ticket).await;
        live.offers = Some((offers, Instant::now()));
        self.ctx.metrics.queued.fetch_add(1, Ordering::Relaxed);
        self.log(
            "queue",
            &format!("back in the queue at position {position}"),
        )
        .await;
    }

    /// Leaves the line (if in it); agents claimed for us meanwhile go straight back.
    pub(super) async fn leave_queue(&self, live: &mut Live) -> Option<u32> {
        let (mut offers, since) = live.offers.take()?;
        let position = self.ctx.router.leave(&self.call_id).await;
        self.ctx.metrics.queued.fetch_sub(1, Ordering::Relaxed);
        self.ctx
            .metrics
            .queue_wait
            .observe(since.elapsed().as_secs_f64());
        offers.close();
        while let Ok(offer) = offers.try_recv() {
            self.guard(&offer).release(None).await;
        }
        live.legs
            .command(Command::Waiting(false), &live.media)
            .await;
        position
    }

    /// The hold on the agent `offer` names, claimed for this call.
    fn guard(&self, offer: &Offer) -> AgentGuard {
        AgentGuard::new(
            self.ctx.router.clone(),
            offer.agent.clone(),
            self.call_id.clone(),
        )
    }

    pub(super) async fn on_offer(&mut self, live: &mut Live, offer: Offer) -> Option<Event> {
        let guard = self.guard(&offer);
        if live.legs.has_agent() || live.flow.is_finished() {
            guard.release(None).await;
            return None;
        }
        self.log(
            "route",
            &format!("ringing agent {} ({})", offer.agent, offer.reason),
        )
        .await;
        live.ringing = Some(offer);
        let outs = live.legs.ring_agent(guard, &live.media).await;
        self.on_outs(live, outs).await
    }

    /// What the legs said while the call waited.
    pub(super) async fn on_legs(&mut self, live: &mut Live, next: Next) -> Option<Event> {
        let outs = live.legs.on_next(next, &live.media).await;
        self.on_outs(live, outs).await
    }

    /// Carries out what the legs ask of the call; returns the flow's event, if any.
    pub(super) async fn on_outs(&mut self, live: &mut Live, outs: Vec<Outward>) -> Option<Event> {
        let mut pending = VecDeque::from(outs);
        let mut event = None;
        while let Some(out) = pending.pop_front() {
            match out {
                Outward::Place(id, Role::Agent) => {
                    let placed = match live.ringing.take() {
                        Some(offer) => self.ring_agent(live, &offer).await,
                        None => Err("no agent to ring".to_string()),
                    };
                    pending.extend(live.legs.attach(id, placed, &live.media).await);
                }
                Outward::Place(id, role) => {
                    let why = format!("no {} legs on an inbound call", role.as_str());
                    pending.extend(live.legs.attach(id, Err(why), &live.media).await);
                }
                Outward::Dial(id, Dial::Agent { offer, by }) => {
                    let placed = self.ring_agent_for(live, &offer, Some(&by)).await;
                    pending.extend(live.legs.attach(id, placed, &live.media).await);
                }
                Outward::Dial(id, Dial::External(number)) => {
                    let placed = self.dial_out(live, &number).await;
                    pending.extend(live.legs.attach(id, placed, &live.media).await);
                }
                Outward::Dial(id, Dial::Supervisor(phone)) => {
                    let placed = self.ring_supervisor(&phone).await;
                    pending.extend(live.legs.attach(id, placed, &live.media).await);
                }
                Outward::Feature(id, feature) => {
                    pending.extend(live.legs.on_feature(id, feature, &live.media).await);
                }
                Outward::Requeue => {
                    self.rejoin_queue(live).await;
                    event = Some(Event::BackToQueue);
                }
                Outward::Connected { agent } => {
                    let _ = self.leave_queue(live).await;
                    event = Some(Event::AgentAnswered { agent });
                }
                Outward::AgentGone {
                    handed_over: true, ..
                } => {}
                Outward::AgentGone {
                    agent, answered, ..
                } => {
                    if answered {
                        event = Some(Event::AgentHungUp);
                    } else {
                        // The line offers this call the next agent (a no-op once it left).
                        self.ctx.router.ring_failed(&self.call_id, &agent).await;
                    }
                }
                Outward::HoldCaller(on) => self.hold_caller(live, on),
                Outward::Done => {}
            }
        }
        event
    }

    /// Passes the agent's hold on to the caller: a re-INVITE of our side, `sendonly` while held
    /// (we send them music), `sendrecv` after. Sent in the background so a slow PBX never stalls
    /// the call.
    fn hold_caller(&mut self, live: &Live, on: bool) {
        let dir = if on {
            Direction::SendOnly
        } else {
            Direction::SendRecv
        };
        let sdp = sdp::write_answer(
            self.ctx.media_ip,
            live.media.local.port(),
            None,
            &self.negotiated,
            dir,
            &mut self.sdp_origin,
        );
        let dialog = self.dialog.clone();
        tokio::spawn(async move {
            let ct = Header::ContentType("application/sdp".into());
            if let Err(e) = dialog.reinvite(Some(vec![ct]), Some(sdp)).await {
                warn!(error = %e, "the caller did not take the hold re-INVITE");
            }
        });
    }

    /// The caller held or resumed: the agent hears music, or the caller again.
    pub(super) async fn caller_hold(&mut self, live: &mut Live, on: bool) {
        let outs = live
            .legs
            .event(LegsEvent::Hold(CALLER, on), &live.media)
            .await;
        let _ = self.on_outs(live, outs).await;
    }

    /// An agent ringing for this caller is not needed any more (a callback keeping the place).
    pub(super) async fn drop_agent(&mut self, live: &mut Live) {
        if let Some(id) = live.legs.bridge().agent_leg() {
            let outs = live
                .legs
                .command(Command::HangUp(id, Gone::Us), &live.media)
                .await;
            let _ = self.on_outs(live, outs).await;
        }
    }

    /// At the end of the call, whatever happened: hang up the agent leg, free the agent, leave
    /// the line.
    pub(super) async fn end_routing(&mut self, live: &mut Live) {
        let why = if live.hangup_by == Some("shutdown") {
            Gone::Shutdown
        } else {
            Gone::Far
        };
        let outs = live
            .legs
            .event(LegsEvent::Ended(CALLER, why), &live.media)
            .await;
        let _ = self.on_outs(live, outs).await;
        let _ = self.leave_queue(live).await;
    }

    /// Relays a caller's key to the bridged agent.
    pub(super) async fn relay_digit(&mut self, live: &mut Live, digit: char) {
        let outs = live
            .legs
            .event(LegsEvent::Digit(CALLER, digit), &live.media)
            .await;
        let _ = self.on_outs(live, outs).await;
    }
}

pub(super) async fn recv_offer(
    offers: &mut Option<(mpsc::UnboundedReceiver<Offer>, Instant)>,
) -> Option<Offer> {
    match offers {
        Some((rx, _)) => rx.recv().await,
        None => std::future::pending().await,
    }
}
