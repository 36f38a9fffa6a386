//! An outbound leg we place as a B2BUA: an agent's phone for a routed call or a callback, or the
//! client's number for a callback. We send the INVITE with our SDP offer, ring for at most the ring
//! timeout, and on answer hand its media to a media task to bridge. Every way a leg ends is
//! reported once as a [`LegEvent`], so the owner can free what it holds on every path.

use crate::dispatch::DialResult;
use crate::media::ports::PortPool;
use crate::media::sdp::{self, Direction, Negotiated};
use crate::media::session::{MediaEvent, MediaParams, MediaSession};
use crate::media::srtp::SrtpPolicy;
use crate::media::task::{Leg, RemoteUpdate};
use rsipstack::dialog::DialogId;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TransactionHandle};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Request, Response, StatusCode, Uri};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::warn;

type InviteResult = rsipstack::Result<(DialogId, Option<Response>)>;

/// What to call and how.
pub struct LegRequest {
    /// Who the leg is for (agent id, or the client's number), for logs and the owner.
    pub label: String,
    pub callee: Uri,
    /// Our From: the caller's number towards an agent, the company's caller ID towards a client.
    pub caller: Uri,
    pub display_name: Option<String>,
    /// Send the INVITE here instead of resolving the request URI (the outbound proxy).
    pub destination: Option<SocketAddr>,
    pub headers: Vec<Header>,
    pub ring_timeout: Duration,
    /// No RTP from the far end for this long ends the leg (`[calls] leg_rtp_timeout_seconds`);
    /// never while it holds the call or we hold it.
    pub rtp_timeout: Duration,
}

/// Where the leg's media and signalling live on our side.
pub struct LegHost<'a> {
    pub dialogs: &'a Arc<DialogLayer>,
    pub media_ip: IpAddr,
    pub contact: &'a Uri,
    /// `[media] srtp`: what our offer carries and what the answer must.
    pub srtp: SrtpPolicy,
}

pub struct OutboundLeg {
    pub label: String,
    dialog: InviteDialog,
    state_rx: DialogStateReceiver,
    invite: Option<JoinHandle<InviteResult>>,
    socket: Option<std::net::UdpSocket>,
    local_port: u16,
    negotiated: Option<Negotiated>,
    /// Our side's o= line and SRTP key, for every SDP of this leg.
    sdp_origin: sdp::Origin,
    srtp: SrtpPolicy,
    ring_deadline: Instant,
    rtp_timeout: Duration,
    cancelled: bool,
    pub answered_at: Option<Instant>,
    media_events: Option<mpsc::UnboundedReceiver<MediaEvent>>,
    /// The far end's re-INVITEs, to its media once answered (strict RTP follows signalling only).
    media_updates: Option<mpsc::UnboundedSender<RemoteUpdate>>,
    /// Relay keys by SIP INFO: the far end's answer offered no telephone-event.
    pub info_dtmf: bool,
    dialogs: Arc<DialogLayer>,
    done: bool,
    /// Dialog news that came while a REFER's answer was awaited.
    backlog: std::collections::VecDeque<DialogState>,
}

pub enum LegEvent {
    /// The far end answered; bridge this.
    Answered(Box<Leg>),
    /// Rejected, busy, not answered, unreachable: nobody talked.
    Failed(DialResult, String),
    /// The conversation ended from the far side (BYE or their media stopped).
    Ended(&'static str),
    /// The far end held (`true`) or resumed the call by re-INVITE; already answered, with the
    /// direction mirrored (RFC 3264 §6.1).
    Hold(bool),
    /// From the leg's media: its playback finished (the whisper), or a key it pressed (RFC 4733,
    /// or SIP INFO, already answered).
    Media(MediaEvent),
    /// The far end asks to transfer the call (RFC 3515); `handle` must be answered.
    Refer(Box<Request>, TransactionHandle),
}

/// Sends the INVITE. `Err` when the leg could not even start (no port, bad URI).
pub fn place(
    host: &LegHost<'_>,
    socket: std::net::UdpSocket,
    req: LegRequest,
) -> Result<OutboundLeg, String> {
    let local_port = socket.local_addr().map_err(|e| e.to_string())?.port();
    let mut sdp_origin = sdp::Origin::new(rand::random::<u32>().into());
    let opt = InviteOption {
        caller_display_name: req.display_name,
        caller: req.caller,
        callee: req.callee,
        destination: req.destination.map(rsipstack::transport::SipAddr::from),
        contact: host.contact.clone(),
        content_type: Some("application/sdp".into()),
        offer: Some(sdp::write_offer(
            host.media_ip,
            local_port,
            &mut sdp_origin,
            host.srtp,
        )),
        headers: Some(req.headers),
        ..Default::default()
    };
    let (state_tx, state_rx) = host.dialogs.new_dialog_state_channel();
    let (dialog, invite) = host
        .dialogs
        .do_invite_async(opt, state_tx)
        .map_err(|e| format!("cannot send the INVITE: {e}"))?;
    Ok(OutboundLeg {
        label: req.label,
        dialog,
        state_rx,
        invite: Some(invite),
        socket: Some(socket),
        local_port,
        negotiated: None,
        sdp_origin,
        srtp: host.srtp,
        ring_deadline: Instant::now() + req.ring_timeout,
        rtp_timeout: req.rtp_timeout,
        cancelled: false,
        answered_at: None,
        media_events: None,
        media_updates: None,
        info_dtmf: false,
        dialogs: host.dialogs.clone(),
        done: false,
        backlog: std::collections::VecDeque::new(),
    })
}

/// A fresh RTP socket from the pool for a leg.
pub async fn bind_rtp(ports: &PortPool) -> Result<std::net::UdpSocket, String> {
    ports.bind().map_err(|e| format!("no RTP port: {e}"))
}

impl OutboundLeg {
    /// The next thing that happens to the leg; never returns twice with a final event.
    pub async fn next(&mut self, media_ip: IpAddr) -> LegEvent {
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
                        Err((kind, why)) => {
                            self.done = true;
                            return LegEvent::Failed(kind, why);
                        }
                    }
                }
                state = next_state(&mut self.backlog, &mut self.state_rx) => match state {
                    Some(DialogState::Terminated(..)) | None if !ringing => {
                        self.done = true;
                        return LegEvent::Ended("far end");
                    }
                    Some(DialogState::Updated(_, req, handle)) => {
                        // Their re-INVITE (hold, resume, media moved): answer with our media as it
                        // is, and tell the leg's media where the far end is now.
                        let offer = sdp::parse_offer(&req.body, self.srtp).ok();
                        let answering = match (&offer, &self.negotiated) {
                            (Some(o), Some(n)) => n.reoffer(o).map(Some),
                            _ => Ok(self.negotiated),
                        };
                        let Ok(answering) = answering else {
                            warn!("a re-offer changing the leg's SRTP: 488, the leg goes on as it was");
                            let _ = handle.reply(StatusCode::NotAcceptableHere).await;
                            continue;
                        };
                        if let (Some(o), Some(tx)) = (&offer, &self.media_updates) {
                            let remote = (!o.addr.is_unspecified()).then(|| SocketAddr::new(o.addr, o.port));
                            let _ = tx.send(RemoteUpdate { remote, on_hold: o.is_hold() });
                        }
                        let answer = answering.as_ref().map(|n| {
                            let dir = offer
                                .as_ref()
                                .map(|o| o.direction.answer())
                                .unwrap_or(Direction::SendRecv);
                            sdp::write_answer(media_ip, self.local_port, offer.as_ref(), n, dir, &mut self.sdp_origin)
                        });
                        let ct = Header::ContentType("application/sdp".into());
                        let _ = handle.respond(StatusCode::OK, Some(vec![ct]), answer).await;
                        if let (Some(o), Some(_)) = (offer, self.negotiated) {
                            return LegEvent::Hold(o.is_hold());
                        }
                    }
                    Some(DialogState::Info(_, req, handle)) => {
                        let ct = super::request::content_type(&req).unwrap_or_default();
                        let digit = crate::media::dtmf::info_digit(&ct, &req.body);
                        let _ = handle.reply(StatusCode::OK).await;
                        if let Some(d) = digit {
                            return LegEvent::Media(MediaEvent::Digit(d));
                        }
                    }
                    Some(DialogState::Options(_, _, handle)) => {
                        let _ = handle.reply(StatusCode::OK).await;
                    }
                    Some(DialogState::Refer(_, req, handle)) if !ringing => {
                        return LegEvent::Refer(Box::new(req), handle);
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
                    // CANCEL; the INVITE then ends with 487 and is reported as no answer.
                    let _ = self.dialog.cancel().await;
                    self.cancelled = true;
                    self.ring_deadline = Instant::now() + Duration::from_secs(3600);
                }
                Some(ev) = recv_media(&mut self.media_events) => {
                    if ev == MediaEvent::RtpTimeout {
                        let _ = self.dialog.bye().await;
                        self.done = true;
                        return LegEvent::Ended("timeout");
                    }
                    return LegEvent::Media(ev);
                }
            }
        }
    }

    fn on_final(&mut self, result: Option<InviteResult>) -> Result<Leg, (DialResult, String)> {
        let failed = |why: String| (DialResult::Failed, why);
        let (_, response) = match result {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(failed(format!("INVITE failed: {e}"))),
            None => return Err(failed("INVITE task lost".into())),
        };
        let Some(resp) = response else {
            return Err((DialResult::NoAnswer, "no answer (cancelled)".into()));
        };
        let code = u16::from(resp.status_code.clone());
        if !(200..300).contains(&code) {
            return Err((classify(code, self.cancelled), format!("answered {code}")));
        }
        let offer = sdp::parse_offer(&resp.body, self.srtp).map_err(|e| {
            self.hang_up_async();
            failed(format!("SDP answer unusable: {e}"))
        })?;
        let Some(n) = sdp::negotiate(&offer) else {
            self.hang_up_async();
            return Err(failed("answered without G.711".into()));
        };
        let socket = self.socket.take().ok_or(failed("RTP socket gone".into()))?;
        let params = MediaParams {
            law: n.law,
            payload_type: n.payload_type,
            dtmf_pt: n.dtmf_pt,
            ssrc: rand::random(),
            rtp_timeout: self.rtp_timeout,
        };
        self.info_dtmf = n.dtmf_pt.is_none();
        self.negotiated = Some(n);
        let remote = SocketAddr::new(offer.addr, offer.port);
        let srtp = n.srtp_leg(&self.sdp_origin).map_err(|e| {
            self.hang_up_async();
            failed(format!("cannot start SRTP: {e}"))
        })?;
        let session =
            MediaSession::new(params, Some(remote), Instant::now().into_std()).with_srtp(srtp);
        let (events, rx) = mpsc::unbounded_channel();
        self.media_events = Some(rx);
        let (updates_tx, updates) = mpsc::unbounded_channel();
        self.media_updates = Some(updates_tx);
        self.answered_at = Some(Instant::now());
        Ok(Leg {
            socket,
            session,
            events,
            updates: Some(updates),
        })
    }

    fn hang_up_async(&self) {
        let d = self.dialog.clone();
        tokio::spawn(async move {
            let _ = d.bye().await;
        });
    }

    /// Passes a hold (or resume) on to the far end as a re-INVITE of our side of the leg:
    /// `sendonly` while held, `sendrecv` after. Sent in the background, so a phone slow to answer
    /// never stalls the other side.
    pub fn hold(&mut self, media_ip: IpAddr, on_hold: bool) {
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
            None,
            &n,
            dir,
            &mut self.sdp_origin,
        );
        let dialog = self.dialog.clone();
        tokio::spawn(async move {
            let ct = Header::ContentType("application/sdp".into());
            if let Err(e) = dialog.reinvite(Some(vec![ct]), Some(sdp)).await {
                warn!(error = %e, "the far end did not take the hold re-INVITE");
            }
        });
    }

    /// Answers the far end's REFER and waits (a second at most) until the stack has sent the
    /// answer — it then reports the dialog confirmed again — so the NOTIFYs that follow cannot
    /// overtake a 202 on the wire. Other dialog news meanwhile is kept for [`next`](Self::next).
    pub async fn answer_refer(&mut self, handle: TransactionHandle, status: u16) {
        if handle.reply(StatusCode::from(status)).await.is_err() {
            warn!(status, "the REFER's transaction was gone before its answer");
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            tokio::select! {
                state = self.state_rx.recv() => match state {
                    Some(DialogState::Confirmed(..)) => break,
                    Some(other) => self.backlog.push_back(other),
                    None => break,
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
    }

    /// Reports a transfer's progress to the far end that asked for it (RFC 3515 §2.4.5): a
    /// NOTIFY in the REFER's implicit subscription with a `message/sipfrag` status line. Waits a
    /// moment for the answer so the NOTIFYs and a BYE after them go out in order; a phone that
    /// does not answer never stalls the call for longer.
    pub async fn notify_transfer(&self, status: u16) {
        let code = StatusCode::from(status);
        let reason = code.text();
        let state = if status >= 200 {
            "terminated;reason=noresource"
        } else {
            "active;expires=60"
        };
        let headers = vec![
            Header::Event("refer".into()),
            Header::SubscriptionState(state.into()),
            Header::ContentType("message/sipfrag;version=2.0".into()),
        ];
        let body = format!("SIP/2.0 {status} {reason}\r\n").into_bytes();
        let sent = tokio::time::timeout(
            Duration::from_secs(2),
            self.dialog.notify(Some(headers), Some(body)),
        )
        .await;
        match sent {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => warn!(error = %e, status, "the transfer NOTIFY failed"),
            Err(_) => warn!(status, "no answer to the transfer NOTIFY in 2 s"),
        }
    }

    /// Relays a key by SIP INFO (`application/dtmf-relay`).
    pub async fn info_digit(&self, digit: char) {
        let body = format!("Signal={digit}\r\nDuration=160\r\n").into_bytes();
        let ct = Header::ContentType("application/dtmf-relay".into());
        let _ = self.dialog.info(Some(vec![ct]), Some(body)).await;
    }

    /// Ends the leg from our side: CANCEL while ringing, BYE once answered.
    pub async fn hang_up(mut self) {
        if self.answered_at.is_some() {
            if !self.done {
                let _ = self.dialog.bye().await;
            }
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

/// What a final failure response means for a dial attempt.
pub fn classify(code: u16, we_cancelled: bool) -> DialResult {
    match code {
        // Busy, or declined at the phone: they cannot talk now.
        486 | 600 | 603 => DialResult::Busy,
        // Not answered in time (our ring timeout, or theirs).
        487 if we_cancelled => DialResult::NoAnswer,
        408 | 480 => DialResult::NoAnswer,
        _ => DialResult::Failed,
    }
}

/// The screen-pop headers every agent INVITE carries (routed calls and callbacks alike).
pub struct ScreenPop<'a> {
    pub call_id: &'a str,
    pub client: Option<&'a str>,
    pub vip: bool,
    pub dnc: bool,
    pub language: &'a str,
    pub agent: &'a str,
    pub phone: Option<&'a str>,
    pub callback_id: Option<i64>,
}

impl ScreenPop<'_> {
    /// The agent's leg is about to be offered: tells their workspace (the one place every agent
    /// INVITE passes) and returns the headers for the INVITE.
    pub fn offer(&self, events: &crate::events::EventBus) -> Vec<Header> {
        events.publish(crate::events::Event::ScreenPop {
            agent: self.agent.to_string(),
            call_id: self.call_id.to_string(),
            phone: self.phone.map(str::to_string),
            client: self.client.map(str::to_string),
            language: self.language.to_string(),
            vip: self.vip,
            dnc: self.dnc,
            callback_id: self.callback_id,
            at: chrono::Utc::now(),
        });
        self.headers()
    }

    pub fn headers(&self) -> Vec<Header> {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let header = |n: &str, v: String| Header::Other(n.into(), v);
        vec![
            header("X-Frontdesk-Call-Id", self.call_id.to_string()),
            header(
                "X-Frontdesk-Client",
                self.client.unwrap_or_default().replace(['\r', '\n'], " "),
            ),
            header("X-Frontdesk-VIP", yes_no(self.vip).into()),
            header("X-Frontdesk-DNC", yes_no(self.dnc).into()),
            header("X-Frontdesk-Language", self.language.into()),
        ]
    }
}

/// Agent legs go straight to the agent's URI, or through the outbound proxy when configured so.
pub fn agent_destination(config: &crate::config::Config) -> Option<SocketAddr> {
    match (&config.pbx.outbound_proxy, config.routing.agents_via_proxy) {
        (Some(proxy), true) => proxy.parse::<SocketAddr>().ok(),
        _ => None,
    }
}

impl Drop for OutboundLeg {
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

async fn next_state(
    backlog: &mut std::collections::VecDeque<DialogState>,
    rx: &mut DialogStateReceiver,
) -> Option<DialogState> {
    match backlog.pop_front() {
        Some(s) => Some(s),
        None => rx.recv().await,
    }
}

async fn recv_media(rx: &mut Option<mpsc::UnboundedReceiver<MediaEvent>>) -> Option<MediaEvent> {
    match rx {
        Some(r) => r.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_no_answer_and_failure_are_told_apart() {
        assert_eq!(classify(486, false), DialResult::Busy);
        assert_eq!(classify(600, false), DialResult::Busy);
        assert_eq!(classify(487, true), DialResult::NoAnswer);
        assert_eq!(classify(480, false), DialResult::NoAnswer);
        assert_eq!(classify(603, false), DialResult::Busy);
        assert_eq!(
            classify(487, false),
            DialResult::Failed,
            "cancelled by someone else"
        );
        assert_eq!(classify(404, false), DialResult::Failed);
        assert_eq!(classify(503, false), DialResult::Failed);
    }
}
