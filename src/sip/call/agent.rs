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
        self.ring_agent_for(live, offer, None).await
    }

    /// Rings an agent; `transferred_by` names the agent who passed the caller on, for the screen
    /// pop.
    pub(super) async fn ring_agent_for(
        &self,
        live: &Live,
        offer: &Offer,
        transferred_by: Option<&str>,
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
        let mut headers = pop.offer(&self.ctx.events);
        if let Some(by) = transferred_by {
            headers.push(Header::Other(
                "X-Frontdesk-Transferred-By".into(),
                by.replace(['\r', '\n'], " "),
            ));
        }
        leg::place(
            &self.host(),
            socket,
            LegRequest {
                label: offer.agent.clone(),
                callee,
                caller,
                display_name: s.name.clone(),
                destination: agent_destination(&self.ctx.config),
                headers,
                ring_timeout: Duration::from_secs(self.ctx.config.routing.ring_timeout_seconds),
                rtp_timeout: Duration::from_secs(self.ctx.config.calls.leg_rtp_timeout_seconds),
            },
        )
    }
}

impl Call {
    fn host(&self) -> LegHost<'_> {
        LegHost {
            dialogs: &self.dialogs,
            media_ip: self.ctx.media_ip,
            contact: &self.contact,
            srtp: self.ctx.config.media.srtp,
        }
    }

    /// Rings a supervisor's phone to listen in on this call.
    pub(super) async fn ring_supervisor(&self, phone: &str) -> Result<OutboundLeg, String> {
        let socket = leg::bind_rtp(&self.ctx.ports).await?;
        crate::sip::legs::place_supervisor(&self.host(), socket, &self.ctx, &self.call_id, phone)
    }

    /// A transfer to a number outside: `INVITE sip:<number>@outbound_proxy`, from the company's
    /// caller ID as callbacks are (a trunk takes only its own numbers as caller ID); the caller's
    /// number goes along in `Referred-By`-like `X-Frontdesk-Caller`.
    pub(super) async fn dial_out(&self, _live: &Live, number: &str) -> Result<OutboundLeg, String> {
        let config = &self.ctx.config;
        let proxy = config
            .pbx
            .outbound_proxy
            .as_deref()
            .ok_or("no [pbx] outbound_proxy to transfer calls out through")?;
        let proxy_addr: SocketAddr = proxy
            .parse()
            .map_err(|e| format!("[pbx] outbound_proxy {proxy:?}: {e}"))?;
        let callee = Uri::try_from(format!("sip:{number}@{proxy}").as_str())
            .map_err(|e| format!("bad transfer target {number:?}: {e}"))?;
        let caller_id = config
            .callbacks
            .caller_id
            .clone()
            .or_else(|| config.pbx.username.clone())
            .unwrap_or_else(|| "frontdesk".into());
        let caller =
            Uri::try_from(format!("sip:{caller_id}@{}", self.contact.host_with_port).as_str())
                .map_err(|e| e.to_string())?;
        let socket = leg::bind_rtp(&self.ctx.ports).await?;
        let pai = Header::Other("P-Asserted-Identity".into(), format!("<{caller}>"));
        let mut headers = vec![
            pai,
            Header::Other("X-Frontdesk-Call-Id".into(), self.call_id.clone()),
        ];
        if let Some(phone) = &self.phone {
            headers.push(Header::Other("X-Frontdesk-Caller".into(), phone.clone()));
        }
        leg::place(
            &self.host(),
            socket,
            LegRequest {
                label: number.to_string(),
                callee,
                caller,
                display_name: Some(config.company.name.clone()),
                destination: Some(proxy_addr),
                headers,
                ring_timeout: Duration::from_secs(config.callbacks.client_ring_seconds),
                rtp_timeout: Duration::from_secs(config.calls.leg_rtp_timeout_seconds),
            },
        )
    }
}
