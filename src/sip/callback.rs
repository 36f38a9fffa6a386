//! A dispatched callback as a call: the agent's phone rings first; once the agent answers they
//! hear a short whisper (callback, VIP, why, the number's last digits), then the client is dialled
//! through the outbound proxy with the company's caller ID. When the client answers they hear who
//! is calling and the recording notice, the recording starts (left = client, right = agent) and the
//! two talk through our bridge. The attempt's result, and what follows from it, go to the request
//! and the client's card in one write.
//!
//! A failure on the agent's side puts the request back without counting an attempt: the client's
//! phone never rang.

use super::call::{self, CallContext};
use super::leg::{self, LegHost, LegRequest, OutboundLeg, ScreenPop, agent_destination};
use super::legs::{Dial, Legs, Outward};
use crate::bridge::{CallbackEnd, Command, Event, Gone, Role};
use crate::dispatch::{DialResult, InFlight, Job, after_attempt};
use crate::flow::prompt;
use crate::media::g711::Law;
use crate::media::prompts::Prompt;
use crate::media::session::{MediaEvent, MediaParams, MediaSession};
use crate::media::task::{MediaCommand, MediaTask};
use crate::routing::AgentGuard;
use crate::store::{Attempt, AttemptEnd, NewCall};
use chrono::Utc;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::{Header, Uri};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// A request whose agent did not take it goes back to the pool for this long.
const AGENT_RETRY: chrono::Duration = chrono::Duration::seconds(30);

struct Callback {
    ctx: Arc<CallContext>,
    dialogs: Arc<DialogLayer>,
    contact: Uri,
    job: Job,
    token: CancellationToken,
}

/// Runs one job to its end; `_guard` keeps its lease renewed until the result is written.
pub async fn run(
    ctx: Arc<CallContext>,
    dialogs: Arc<DialogLayer>,
    contact: Uri,
    job: Job,
    guard: InFlight,
    token: CancellationToken,
) {
    let metrics = ctx.metrics.clone();
    let _active = call::Active::enter(&metrics.active_calls);
    tracing::Span::current().record("id", job.call_id.as_str());
    let cb = Callback {
        ctx,
        dialogs,
        contact,
        job,
        token,
    };
    let agent = AgentGuard::new(
        cb.ctx.router.clone(),
        cb.job.agent.id.clone(),
        cb.job.call_id.clone(),
    );
    let (end, recording) = cb.dial(agent).await;
    cb.record(end, recording, guard.node()).await;
    drop(guard);
}

impl Callback {
    fn log(&self, kind: &str, detail: &str) {
        info!(kind, detail, "callback");
        self.ctx
            .journal
            .log(&self.job.call_id, Utc::now(), kind, detail);
    }

    fn host(&self) -> LegHost<'_> {
        LegHost {
            dialogs: &self.dialogs,
            media_ip: self.ctx.media_ip,
            contact: &self.contact,
            srtp: self.ctx.config.media.srtp,
        }
    }

    /// Both legs, bridge and recording, on the call's [`Legs`]; returns how it ended and the
    /// recording.
    async fn dial(&self, guard: AgentGuard) -> (CallbackEnd, Option<(String, String)>) {
        let cb = &self.job.callback;
        let not_dialled = |label, hangup_by| CallbackEnd {
            dialled: None,
            label,
            hangup_by,
        };
        let row = NewCall {
            id: self.job.call_id.clone(),
            sip_call_id: None,
            direction: "outbound",
            phone: Some(cb.phone.clone()),
            caller_raw: None,
            from_number: None,
            asserted_number: None,
            source: None,
            started_at: Utc::now(),
            node: Some(self.ctx.node.clone()),
        };
        if let Err(e) = self.ctx.journal.open(row).await {
            warn!(error = %e, "cannot write the callback's call row");
            return (not_dialled("store", "frontdesk"), None);
        }
        self.log(
            "callback",
            &format!(
                "callback #{} ({}, attempt {}): agent {} ({})",
                cb.id,
                cb.source,
                cb.attempts + 1,
                self.job.agent.id,
                if self.job.owned {
                    "its owner"
                } else {
                    "from the pool"
                }
            ),
        );
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let media = match self.start_media(events_tx).await {
            Ok(m) => m,
            Err(e) => {
                warn!(error = %e, "cannot start the callback's media");
                return (not_dialled("media", "frontdesk"), None);
            }
        };
        let names = prompt::whisper(&cb.source, self.job.vip, &cb.phone);
        let whisper = self.prompts(&self.agent_language(), &names);
        self.log("whisper", &names.join(" "));
        let (mut legs, first) =
            Legs::callback(self.ctx.clone(), self.job.call_id.clone(), guard, whisper);
        let mut pending = VecDeque::from(first);
        // The API reaches the callback's recording like an inbound call's.
        let (_registration, mut controls) = self.ctx.live.register(&self.job.call_id);
        let mut talking = false;
        let mut notice_done = false;
        let mut stopping = false;
        'call: loop {
            while let Some(out) = pending.pop_front() {
                match out {
                    Outward::Place(id, Role::Agent) => {
                        let placed = self.ring_agent().await;
                        pending.extend(legs.attach(id, placed, &media).await);
                    }
                    Outward::Place(id, _) => {
                        self.log("dial", &format!("calling {}", cb.phone));
                        let placed = self.dial_client().await;
                        pending.extend(legs.attach(id, placed, &media).await);
                    }
                    Outward::Connected { .. } => {
                        talking = true;
                        self.ctx.journal.answered(&self.job.call_id, Utc::now());
                        let lang = self.client_language();
                        let intro = self
                            .prompts(&lang, &[prompt::CALLBACK_INTRO, prompt::RECORDING_NOTICE]);
                        notice_done = intro.is_empty();
                        media.send(MediaCommand::Play(intro));
                        if notice_done {
                            self.start_recording(&media, &mut legs).await;
                        }
                        self.log("answered", "the client answered; bridged with the agent");
                    }
                    Outward::Dial(id, Dial::Supervisor(phone)) => {
                        let placed = match leg::bind_rtp(&self.ctx.ports).await {
                            Ok(socket) => crate::sip::legs::place_supervisor(
                                &self.host(),
                                socket,
                                &self.ctx,
                                &self.job.call_id,
                                &phone,
                            ),
                            Err(e) => Err(e),
                        };
                        pending.extend(legs.attach(id, placed, &media).await);
                    }
                    Outward::Dial(id, _) => {
                        let why = Err("no transfers on a callback".to_string());
                        pending.extend(legs.attach(id, why, &media).await);
                    }
                    Outward::Feature(id, feature) => {
                        pending.extend(legs.on_feature(id, feature, &media).await);
                    }
                    Outward::AgentGone { .. } | Outward::HoldCaller(_) | Outward::Requeue => {}
                    Outward::Done => break 'call,
                }
            }
            tokio::select! {
                next = legs.next() => pending.extend(legs.on_next(next, &media).await),
                Some(ev) = events.recv() => {
                    // The client's media, once they answered (the placeholder's before).
                    let Some(client) = legs.client() else { continue };
                    match ev {
                        MediaEvent::PlaybackFinished if talking && !notice_done => {
                            notice_done = true;
                            self.start_recording(&media, &mut legs).await;
                        }
                        MediaEvent::PlaybackFinished => {}
                        MediaEvent::Digit(d) => {
                            pending.extend(legs.event(Event::Digit(client, d), &media).await);
                        }
                        MediaEvent::RtpTimeout => {
                            self.log("route", "no RTP from the client: hanging up");
                            let cmd = Command::HangUp(client, Gone::Timeout);
                            pending.extend(legs.command(cmd, &media).await);
                        }
                    }
                }
                Some(control) = controls.recv() => {
                    pending.extend(control.serve(&mut legs, &media).await);
                }
                _ = self.token.cancelled(), if !stopping => {
                    stopping = true;
                    pending.extend(legs.command(Command::HangUpAll(Gone::Shutdown), &media).await);
                }
            }
        }
        let end = legs.bridge().callback_end();
        self.log(
            "route",
            &format!("the call ended ({}, {})", end.label, end.hangup_by),
        );
        drop(legs);
        let finished = media.finish().await;
        self.ctx.metrics.add_media(
            finished.stats.jitter.received,
            finished.stats.jitter.lost,
            finished.stats.jitter.late,
        );
        let recording = crate::recording::finished(finished.recording).await;
        (end, recording)
    }

    async fn ring_agent(&self) -> Result<OutboundLeg, String> {
        let socket = leg::bind_rtp(&self.ctx.ports).await?;
        let cb = &self.job.callback;
        let callee = Uri::try_from(self.job.agent.uri.as_str())
            .map_err(|e| format!("bad agent URI {:?}: {e}", self.job.agent.uri))?;
        let caller = self.uri(&cb.phone)?;
        let pop = ScreenPop {
            call_id: &self.job.call_id,
            client: self.job.client_name.as_deref(),
            vip: self.job.vip,
            dnc: self.job.dnc,
            language: &self.client_language(),
            agent: &self.job.agent.id,
            phone: Some(&cb.phone),
            callback_id: Some(cb.id),
        };
        let mut headers = pop.offer(&self.ctx.events);
        headers.push(Header::Other(
            "X-Frontdesk-Callback".into(),
            format!("{} {}", cb.id, cb.source),
        ));
        leg::place(
            &self.host(),
            socket,
            LegRequest {
                label: self.job.agent.id.clone(),
                callee,
                caller,
                display_name: self.job.client_name.clone(),
                destination: agent_destination(&self.ctx.config),
                headers,
                ring_timeout: Duration::from_secs(self.ctx.config.routing.ring_timeout_seconds),
                rtp_timeout: Duration::from_secs(self.ctx.config.calls.leg_rtp_timeout_seconds),
            },
        )
    }

    /// `INVITE sip:<E.164>@outbound_proxy`, from the company's caller ID.
    async fn dial_client(&self) -> Result<OutboundLeg, String> {
        let config = &self.ctx.config;
        let proxy = config
            .pbx
            .outbound_proxy
            .as_deref()
            .ok_or("no [pbx] outbound_proxy to send client calls to")?;
        let proxy_addr: SocketAddr = proxy
            .parse()
            .map_err(|e| format!("[pbx] outbound_proxy {proxy:?}: {e}"))?;
        let phone = &self.job.callback.phone;
        let callee = Uri::try_from(format!("sip:{phone}@{proxy}").as_str())
            .map_err(|e| format!("bad client URI for {phone}: {e}"))?;
        let caller_id = config
            .callbacks
            .caller_id
            .clone()
            .or_else(|| config.pbx.username.clone())
            .unwrap_or_else(|| "frontdesk".into());
        let caller = self.uri(&caller_id)?;
        let socket = leg::bind_rtp(&self.ctx.ports).await?;
        let pai = Header::Other("P-Asserted-Identity".into(), format!("<{caller}>"));
        let tag = Header::Other(
            "X-Frontdesk-Callback".into(),
            self.job.callback.id.to_string(),
        );
        leg::place(
            &self.host(),
            socket,
            LegRequest {
                label: phone.clone(),
                callee,
                caller,
                display_name: Some(config.company.name.clone()),
                destination: Some(proxy_addr),
                headers: vec![pai, tag],
                ring_timeout: Duration::from_secs(config.callbacks.client_ring_seconds),
                rtp_timeout: Duration::from_secs(config.calls.leg_rtp_timeout_seconds),
            },
        )
    }

    fn uri(&self, user: &str) -> Result<Uri, String> {
        Uri::try_from(format!("sip:{user}@{}", self.contact.host_with_port).as_str())
            .map_err(|e| e.to_string())
    }

    /// The media task starts with a placeholder for the client (no address yet, nothing sent)
    /// so the agent can be bridged and whispered to; the client's leg replaces it on answer.
    async fn start_media(
        &self,
        events: mpsc::UnboundedSender<MediaEvent>,
    ) -> std::io::Result<MediaTask> {
        let placeholder = std::net::UdpSocket::bind((self.ctx.media_ip, 0))?;
        let params = MediaParams {
            law: Law::Ulaw,
            payload_type: 0,
            dtmf_pt: None,
            ssrc: rand::random(),
            rtp_timeout: Duration::from_secs(3600),
        };
        let session = MediaSession::new(params, None, Instant::now().into_std());
        MediaTask::spawn(
            placeholder,
            session,
            events,
            self.token.child_token(),
            self.ctx.metrics.clone(),
        )
    }

    async fn start_recording(&self, media: &MediaTask, legs: &mut Legs) {
        let path = self.ctx.recording_path(&self.job.call_id);
        if let Some(handle) = self.ctx.open_recording(&self.job.call_id, &path).await {
            legs.recording_started(handle.pause_switch());
            media.send(MediaCommand::Record(handle));
        }
    }

    fn prompts(&self, lang: &str, names: &[impl AsRef<str>]) -> Vec<Arc<Prompt>> {
        names
            .iter()
            .filter_map(|n| {
                let p = self.ctx.prompts.get(lang, n.as_ref());
                if p.is_none() {
                    warn!(prompt = n.as_ref(), lang, "missing prompt");
                }
                p
            })
            .collect()
    }

    /// The client's language from the card, else the flow's default.
    fn client_language(&self) -> String {
        self.job
            .language
            .clone()
            .filter(|l| self.ctx.prompts.languages().iter().any(|x| x == l))
            .unwrap_or_else(|| self.ctx.flow.default_language.as_str().to_string())
    }

    /// The agent's first language we have prompts in, else the flow's default.
    fn agent_language(&self) -> String {
        let have = self.ctx.prompts.languages();
        self.job
            .agent
            .languages
            .iter()
            .find(|l| have.iter().any(|x| x == *l))
            .cloned()
            .unwrap_or_else(|| self.ctx.flow.default_language.as_str().to_string())
    }

    /// Writes the attempt (or puts the request back) and closes the call row. The agent was
    /// freed by their leg's guard.
    async fn record(&self, end: CallbackEnd, recording: Option<(String, String)>, node: &str) {
        let store = &self.ctx.store;
        let cb = &self.job.callback;
        let now = Utc::now();
        let outcome = match end {
            CallbackEnd {
                dialled: None,
                label: why,
                ..
            } => {
                let put_back = store
                    .postpone_callback(cb.id, node, now + AGENT_RETRY)
                    .await;
                match put_back {
                    Ok(true) => self.log("callback", &format!("put back, not dialled ({why})")),
                    Ok(false) => warn!("the lease was lost; another node has the request"),
                    Err(e) => warn!(error = %e, "cannot put the request back; its lease runs out"),
                }
                format!("callback-{why}")
            }
            CallbackEnd {
                dialled: Some(result),
                label,
                ..
            } => {
                let next = self.after(result, now).await;
                let attempt = Attempt {
                    at: now,
                    agent_id: Some(self.job.agent.id.clone()),
                    call_id: Some(self.job.call_id.clone()),
                    result: label.to_string(),
                };
                match store
                    .finish_callback_attempt(cb.id, node, &attempt, &next)
                    .await
                {
                    Ok(true) => self.log("callback", &format!("{label}: {next:?}")),
                    Ok(false) => warn!("the lease was lost; the attempt's result was refused"),
                    Err(e) => warn!(error = %e, "cannot write the attempt"),
                }
                format!("callback-{}", result.as_str())
            }
        };
        call::close(
            &self.ctx,
            &self.job.call_id,
            end.hangup_by,
            &outcome,
            "",
            None,
            recording,
        )
        .await;
    }

    /// What follows this attempt: done, a retry inside every window, or closed.
    async fn after(&self, result: DialResult, now: chrono::DateTime<Utc>) -> AttemptEnd {
        let cfg = &self.ctx.config.callbacks;
        let planner = &self.ctx.planner;
        let client = planner
            .client_window(&self.ctx.store, &self.job.callback.phone)
            .await
            .ok();
        after_attempt(
            result,
            u32::try_from(self.job.callback.attempts + 1).unwrap_or(u32::MAX),
            cfg.max_attempts,
            chrono::Duration::minutes(i64::from(cfg.retry_after_minutes)),
            now,
            |at| client.as_ref().and_then(|c| planner.next_open(c, at)),
        )
    }
}
