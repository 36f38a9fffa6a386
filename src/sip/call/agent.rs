//! The agent leg of a routed call: an [`OutboundLeg`] to the offered agent, carrying the
//! screen-pop headers, straight to the agent's URI or through the outbound proxy.

use super::*;
use crate::routing::Offer;
use crate::sip::leg::{self, LegHost, LegRequest, OutboundLeg, ScreenPop, agent_destination};

impl Call {
    /// Rings the offered agent. `Err` when the leg could not even start.
    pub(super) async fn ring_agent(
        &self,
        live: &Live,
        offer: &Offer,
    ) -> Result<OutboundLeg, String> {
        let socket = leg::bind_rtp(&self.ctx.ports).await?;
        let callee = Uri::try_from(offer.uri.as_str())
            .map_err(|e| format!("bad agent URI {:?}: {e}", offer.uri))?;
        let user = self.phone.clone().unwrap_or_else(|| "anonymous".into());
        let caller = Uri::try_from(format!("sip:{user}@{}", self.contact.host_with_port).as_str())
            .map_err(|e| e.to_string())?;
        let s = live.screening.clone().unwrap_or_default();
        let pop = ScreenPop {
            call_id: &self.call_id,
            client: s.name.as_deref(),
            vip: s.vip_agent.is_some(),
            dnc: s.dnc,
            language: live.flow.language().as_str(),
            agent: &offer.agent,
            phone: self.phone.as_deref(),
            callback_id: None,
        };
        let host = LegHost {
            dialogs: &self.dialogs,
            media_ip: self.ctx.media_ip,
            contact: &self.contact,
        };
        leg::place(
            &host,
            socket,
            LegRequest {
                label: offer.agent.clone(),
                callee,
                caller,
                display_name: s.name.clone(),
                destination: agent_destination(&self.ctx.config),
                headers: pop.offer(&self.ctx.events),
                ring_timeout: Duration::from_secs(self.ctx.config.routing.ring_timeout_seconds),
                rtp_timeout: Duration::from_secs(self.ctx.config.calls.leg_rtp_timeout_seconds),
            },
        )
    }
}
