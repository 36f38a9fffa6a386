//! The routed part of a call: joining the line, ringing offered agents, bridging, and freeing the
//! agent on every way out (answered then hung up, rejected, not answered, caller gone, shutdown).

use super::*;
use crate::routing::queue::Joining;
use crate::sip::leg::{LegEvent, OutboundLeg};

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
        let priority = if vip_agent.is_some() {
            routing.vip_priority
        } else {
            0
        };
        let (position, offers) = self.ctx.router.join(Joining {
            call: self.call_id.clone(),
            priority,
            language: Some(live.flow.language().as_str().to_string()),
            vip_agent,
        });
        live.offers = Some((offers, Instant::now()));
        self.ctx.metrics.queued.fetch_add(1, Ordering::Relaxed);
        self.log(
            "queue",
            &format!("joined at position {position} (priority {priority})"),
        )
        .await;
        None
    }

    /// Leaves the line (if in it); agents claimed for us meanwhile go straight back.
    pub(super) async fn leave_queue(&self, live: &mut Live) -> Option<u32> {
        let (mut offers, since) = live.offers.take()?;
        let position = self.ctx.router.leave(&self.call_id);
        self.ctx.metrics.queued.fetch_sub(1, Ordering::Relaxed);
        self.ctx
            .metrics
            .queue_wait
            .observe(since.elapsed().as_secs_f64());
        offers.close();
        while let Ok(offer) = offers.try_recv() {
            self.release(&offer.agent, None).await;
        }
        position
    }

    pub(super) async fn on_offer(&mut self, live: &mut Live, offer: Offer) -> Option<Event> {
        if live.leg.is_some() || live.flow.is_finished() {
            self.release(&offer.agent, None).await;
            return None;
        }
        self.log(
            "route",
            &format!("ringing agent {} ({})", offer.agent, offer.reason),
        )
        .await;
        match self.ring_agent(live, &offer).await {
            Ok(leg) => live.leg = Some(leg),
            Err(why) => {
                self.log("route", &format!("agent {}: {why}", offer.agent))
                    .await;
                self.release(&offer.agent, None).await;
                self.ctx.router.ring_failed(&self.call_id, &offer.agent);
            }
        }
        None
    }

    pub(super) async fn on_leg(&mut self, live: &mut Live, ev: LegEvent) -> Option<Event> {
        let agent = live.leg.as_ref()?.label.clone();
        match ev {
            LegEvent::Answered(media) => {
                live.media.send(MediaCommand::Bridge(media));
                let _ = self.leave_queue(live).await;
                if let Err(e) = self
                    .ctx
                    .store
                    .agent_answered(&agent, &self.call_id, Utc::now())
                    .await
                {
                    warn!(error = %e, "cannot mark the agent in call");
                }
                Some(Event::AgentAnswered { agent })
            }
            LegEvent::Failed(_, why) => {
                live.leg = None;
                self.log("route", &format!("agent {agent}: {why}")).await;
                self.release(&agent, None).await;
                self.ctx.router.ring_failed(&self.call_id, &agent);
                None
            }
            LegEvent::Ended(by) => {
                let leg = live.leg.take()?;
                live.media.send(MediaCommand::Unbridge);
                self.end_agent_call(&leg).await;
                self.log("route", &format!("agent {agent} ended the call ({by})"))
                    .await;
                Some(Event::AgentHungUp)
            }
        }
    }

    /// Wrap-up for an agent who talked; the talk time feeds the wait estimate.
    async fn end_agent_call(&self, leg: &OutboundLeg) {
        let wrap_up = Duration::from_secs(self.ctx.config.routing.wrap_up_seconds);
        if let Some(at) = leg.answered_at {
            self.ctx.router.call_handled(at.elapsed().as_secs_f64());
        }
        let until = Utc::now() + chrono::Duration::from_std(wrap_up).unwrap_or_default();
        self.release(&leg.label, Some(until)).await;
    }

    /// Frees `agent` if this call still holds them: idle, or wrap-up until `until`.
    pub(super) async fn release(&self, agent: &str, until: Option<chrono::DateTime<Utc>>) {
        match self
            .ctx
            .store
            .release_agent(agent, &self.call_id, Utc::now(), until)
            .await
        {
            Ok(_) => self.ctx.router.kick(),
            // The sweep frees the agent once this call's row is closed.
            Err(e) => warn!(error = %e, agent, "cannot free the agent now"),
        }
    }

    /// At the end of the call, whatever happened: hang up the agent leg, free the agent, leave
    /// the line.
    pub(super) async fn end_routing(&self, live: &mut Live) {
        if let Some(leg) = live.leg.take() {
            if leg.answered_at.is_some() {
                self.end_agent_call(&leg).await;
            } else {
                self.release(&leg.label, None).await;
            }
            leg.hang_up().await;
        }
        let _ = self.leave_queue(live).await;
    }

    /// Relays a caller's key to the agent, in band when their phone offered telephone-event.
    pub(super) async fn relay_digit(&self, live: &Live, digit: char) {
        match &live.leg {
            Some(leg) if leg.info_dtmf => leg.info_digit(digit).await,
            Some(_) => live.media.send(MediaCommand::RelayDigit(digit)),
            None => {}
        }
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

pub(super) async fn leg_next(leg: &mut Option<OutboundLeg>, media_ip: IpAddr) -> LegEvent {
    match leg {
        Some(l) => l.next(media_ip).await,
        None => std::future::pending().await,
    }
}
