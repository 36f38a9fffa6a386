//! The agent leg of a routed call (B2BUA): we place the INVITE with the screen-pop headers, ring
//! for at most the ring timeout, and on answer hand its media to the caller's media task, which
//! bridges both ways and keeps recording. Every way a leg ends is reported once as a [`LegEvent`],
//! so the call can free the agent on every path.

use super::*;
use crate::media::task::Leg;
use crate::routing::Offer;
use rsipstack::dialog::DialogId;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::Response;
use tokio::task::JoinHandle;

type InviteResult = rsipstack::Result<(DialogId, Option<Response>)>;

pub(super) struct AgentLeg {
    pub agent: String,
    dialog: InviteDialog,
    state_rx: DialogStateReceiver,
    invite: Option<JoinHandle<InviteResult>>,
    socket: Option<tokio::net::UdpSocket>,
    local_port: u16,
    negotiated: Option<Negotiated>,
    ring_deadline: Instant,
    pub answered_at: Option<Instant>,
    media_events: Option<mpsc::UnboundedReceiver<MediaEvent>>,
    /// Relay keys by SIP INFO: the agent's answer offered no telephone-event.
    pub info_dtmf: bool,
    dialogs: Arc<DialogLayer>,
    done: bool,
}

pub(super) enum LegEvent {
    /// The agent answered; bridge this.
    Answered(Box<Leg>),
    /// Rejected, busy, not answered, unreachable: the agent never talked.
    Failed(String),
    /// The conversation ended from the agent's side (BYE or their media stopped).
    Ended(&'static str),
}

impl Call {
    /// Rings the offered agent. `None` when the leg could not even start (the agent is released).
    pub(super) async fn ring_agent(&self, live: &Live, offer: &Offer) -> Result<AgentLeg, String> {
        let socket = self
            .ctx
            .ports
            .bind()
            .await
            .map_err(|e| format!("no RTP port: {e}"))?;
        let local_port = socket.local_addr().map_err(|e| e.to_string())?.port();
        let callee = Uri::try_from(offer.uri.as_str())
            .map_err(|e| format!("bad agent URI {:?}: {e}", offer.uri))?;
        let user = self.phone.clone().unwrap_or_else(|| "anonymous".into());
        let caller = Uri::try_from(format!("sip:{user}@{}", self.contact.host_with_port).as_str())
            .map_err(|e| e.to_string())?;
        let s = live.screening.clone().unwrap_or_default();
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let header = |n: &str, v: String| Header::Other(n.into(), v);
        let headers = vec![
            header("X-Frontdesk-Call-Id", self.call_id.clone()),
            header(
                "X-Frontdesk-Client",
                s.name
                    .clone()
                    .unwrap_or_default()
                    .replace(['\r', '\n'], " "),
            ),
            header("X-Frontdesk-VIP", yes_no(s.vip_agent.is_some()).into()),
            header("X-Frontdesk-DNC", yes_no(s.dnc).into()),
            header("X-Frontdesk-Language", live.flow.language().as_str().into()),
        ];
        let routing = &self.ctx.config.routing;
        let destination = match (
            &self.ctx.config.pbx.outbound_proxy,
            routing.agents_via_proxy,
        ) {
            (Some(proxy), true) => proxy
                .parse::<SocketAddr>()
                .ok()
                .map(rsipstack::transport::SipAddr::from),
            _ => None,
        };
        let opt = InviteOption {
            caller_display_name: s.name.clone(),
            caller,
            callee,
            destination,
            contact: self.contact.clone(),
            content_type: Some("application/sdp".into()),
            offer: Some(sdp::write_offer(
                self.ctx.media_ip,
                local_port,
                rand::random::<u32>().into(),
            )),
            headers: Some(headers),
            ..Default::default()
        };
        let (state_tx, state_rx) = self.dialogs.new_dialog_state_channel();
        let (dialog, invite) = self
            .dialogs
            .do_invite_async(opt, state_tx)
            .map_err(|e| format!("cannot send the INVITE: {e}"))?;
        Ok(AgentLeg {
            agent: offer.agent.clone(),
            dialog,
            state_rx,
            invite: Some(invite),
            socket: Some(socket),
            local_port,
            negotiated: None,
            ring_deadline: Instant::now() + Duration::from_secs(routing.ring_timeout_seconds),
            answered_at: None,
            media_events: None,
            info_dtmf: false,
            dialogs: self.dialogs.clone(),
            done: false,
        })
    }
}

impl AgentLeg {
    /// The next thing that happens to the leg; never returns twice with a final event.
    pub(super) async fn next(&mut self, media_ip: IpAddr) -> LegEvent {
        loop {
            if self.done {
                return std::future::pending().await;
            }
            let ringing = self.answered_at.is_none();
            tokio::select! {
                result = wait_invite(&mut self.invite) => {
                    self.invite = None;
                    match self.on_final(result) {
                        Ok(leg) => return LegEvent::Answered(Box::new(leg)),
                        Err(why) => {
                            self.done = true;
                            return LegEvent::Failed(why);
                        }
                    }
                }
                state = self.state_rx.recv() => match state {
                    Some(DialogState::Terminated(..)) | None if !ringing => {
                        self.done = true;
                        return LegEvent::Ended("agent");
                    }
                    Some(DialogState::Updated(_, req, handle)) => {
                        // The agent's re-INVITE (hold, resume): answer with our media as it is.
                        let answer = self.negotiated.as_ref().map(|n| {
                            let dir = sdp::parse_offer(&req.body)
                                .map(|o| o.direction.answer())
                                .unwrap_or(Direction::SendRecv);
                            sdp::write_answer(media_ip, self.local_port, n, dir, rand::random::<u32>().into())
                        });
                        let ct = Header::ContentType("application/sdp".into());
                        let _ = handle.respond(StatusCode::OK, Some(vec![ct]), answer).await;
                    }
                    Some(DialogState::Info(_, _, handle)) | Some(DialogState::Options(_, _, handle)) => {
                        let _ = handle.reply(StatusCode::OK).await;
                    }
                    Some(DialogState::Refer(_, _, handle))
                    | Some(DialogState::Notify(_, _, handle))
                    | Some(DialogState::Message(_, _, handle))
                    | Some(DialogState::Publish(_, _, handle)) => {
                        let _ = handle.reply(StatusCode::NotImplemented).await;
                    }
                    _ => {}
                },
                _ = tokio::time::sleep_until(self.ring_deadline), if ringing => {
                    // CANCEL; the INVITE then ends with 487 and is reported as a failure.
                    let _ = self.dialog.cancel().await;
                    self.ring_deadline = Instant::now() + Duration::from_secs(3600);
                }
                Some(ev) = recv_media(&mut self.media_events) => {
                    if ev == MediaEvent::RtpTimeout {
                        let _ = self.dialog.bye().await;
                        self.done = true;
                        return LegEvent::Ended("timeout");
                    }
                }
            }
        }
    }

    fn on_final(&mut self, result: Option<InviteResult>) -> Result<Leg, String> {
        let (_, response) = match result {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(format!("INVITE failed: {e}")),
            None => return Err("INVITE task lost".into()),
        };
        let Some(resp) = response else {
            return Err("no answer (cancelled)".into());
        };
        let code = u16::from(resp.status_code.clone());
        if !(200..300).contains(&code) {
            return Err(format!("agent answered {code}"));
        }
        let offer = sdp::parse_offer(&resp.body).map_err(|e| {
            self.hang_up_async();
            format!("agent's SDP unusable: {e}")
        })?;
        let Some(n) = sdp::negotiate(&offer) else {
            self.hang_up_async();
            return Err("agent answered without G.711".into());
        };
        let socket = self.socket.take().ok_or("RTP socket gone")?;
        let params = MediaParams {
            law: n.law,
            payload_type: n.payload_type,
            dtmf_pt: n.dtmf_pt,
            ssrc: rand::random(),
            rtp_timeout: Duration::from_secs(60),
        };
        self.info_dtmf = n.dtmf_pt.is_none();
        self.negotiated = Some(n);
        let remote = SocketAddr::new(offer.addr, offer.port);
        let session = MediaSession::new(params, Some(remote), Instant::now().into_std());
        let (events, rx) = mpsc::unbounded_channel();
        self.media_events = Some(rx);
        self.answered_at = Some(Instant::now());
        Ok(Leg {
            socket,
            session,
            events,
        })
    }

    fn hang_up_async(&self) {
        let d = self.dialog.clone();
        tokio::spawn(async move {
            let _ = d.bye().await;
        });
    }

    /// Passes the caller's hold (or resume) on to the agent as a re-INVITE of our side of their
    /// leg: `sendonly` while the caller holds, `sendrecv` after. Sent in the background, so an
    /// agent phone slow to answer never stalls the caller's call.
    pub(super) fn hold(&self, media_ip: IpAddr, on_hold: bool) {
        let Some(n) = self.negotiated else {
            return;
        };
        let dir = if on_hold {
            Direction::SendOnly
        } else {
            Direction::SendRecv
        };
        let sdp = sdp::write_answer(
            media_ip,
            self.local_port,
            &n,
            dir,
            rand::random::<u32>().into(),
        );
        let dialog = self.dialog.clone();
        tokio::spawn(async move {
            let ct = Header::ContentType("application/sdp".into());
            if let Err(e) = dialog.reinvite(Some(vec![ct]), Some(sdp)).await {
                warn!(error = %e, "agent did not take the hold re-INVITE");
            }
        });
    }

    /// Relays a key by SIP INFO (`application/dtmf-relay`).
    pub(super) async fn info_digit(&self, digit: char) {
        let body = format!("Signal={digit}\r\nDuration=160\r\n").into_bytes();
        let ct = Header::ContentType("application/dtmf-relay".into());
        let _ = self.dialog.info(Some(vec![ct]), Some(body)).await;
    }

    /// Ends the leg from our side: CANCEL while ringing, BYE once answered.
    pub(super) async fn hang_up(mut self) {
        if self.answered_at.is_some() {
            let _ = self.dialog.bye().await;
        } else if !self.done {
            let _ = self.dialog.cancel().await;
            // Wait briefly for the INVITE to end so a 200 crossing the CANCEL is BYE'd by the stack.
            if let Some(invite) = self.invite.take() {
                let _ = tokio::time::timeout(Duration::from_secs(5), invite).await;
            }
        }
        self.dialogs.remove_dialog(&self.dialog.id());
    }
}

impl Drop for AgentLeg {
    fn drop(&mut self) {
        self.dialogs.remove_dialog(&self.dialog.id());
    }
}

async fn wait_invite(invite: &mut Option<JoinHandle<InviteResult>>) -> Option<InviteResult> {
    match invite {
        Some(h) => h.await.ok(),
        None => std::future::pending().await,
    }
}

async fn recv_media(rx: &mut Option<mpsc::UnboundedReceiver<MediaEvent>>) -> Option<MediaEvent> {
    match rx {
        Some(r) => r.recv().await,
        None => std::future::pending().await,
    }
}
