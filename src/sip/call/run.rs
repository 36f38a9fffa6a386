//! The running call: answer, then one loop over dialog, media, timer and shutdown events, each turned
//! into flow events whose actions are carried out here.

use super::*;
use crate::flow::prompt::CALLBACK_PROMISE;

impl Call {
    pub(super) async fn run(mut self) {
        // Ring first when configured; a CANCEL meanwhile ends the call with 487 (sent by the stack).
        // Answering at once sends no 180: a 180 a few microseconds before the 200 tells the caller
        // nothing, and a proxy that forwards with several processes (Kamailio) may deliver it
        // after the 200, which some UACs then wait on for good.
        let answer_after = Duration::from_millis(self.ctx.config.calls.answer_after_ms);
        if !answer_after.is_zero() {
            if let Err(e) = self.dialog.ringing(None, None) {
                warn!(error = %e, "cannot send 180 Ringing");
            }
            let deadline = tokio::time::sleep(answer_after);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    _ = &mut deadline => break,
                    state = self.state_rx.recv() => {
                        if matches!(state, Some(DialogState::Terminated(..)) | None) {
                            close_unanswered(&self.ctx, &self.call_id, "caller", Outcome::Abandoned).await;
                            return;
                        }
                    }
                    _ = self.token.cancelled() => {
                        let _ = self.dialog.reject(Some(StatusCode::ServiceUnavailable), None);
                        close_unanswered(&self.ctx, &self.call_id, "shutdown", Outcome::Failed).await;
                        return;
                    }
                }
            }
        }
        let Some(socket) = self.socket.take() else {
            return;
        };
        let local = match socket.local_addr() {
            Ok(a) => a,
            Err(_) => return,
        };
        let answer = sdp::write_answer(
            self.ctx.media_ip,
            local.port(),
            Some(&self.offer),
            &self.negotiated,
            Direction::SendRecv,
            &mut self.sdp_origin,
        );
        let content_type = Header::ContentType("application/sdp".into());
        if let Err(e) = self.dialog.accept(Some(vec![content_type]), Some(answer)) {
            warn!(error = %e, "cannot answer");
            close_unanswered(&self.ctx, &self.call_id, "frontdesk", Outcome::Failed).await;
            return;
        }
        let now = Utc::now();
        self.ctx.journal.answered(&self.call_id, now);
        let params = MediaParams {
            law: self.negotiated.law,
            payload_type: self.negotiated.payload_type,
            dtmf_pt: self.negotiated.dtmf_pt,
            ssrc: rand::random(),
            rtp_timeout: Duration::from_secs(self.ctx.config.calls.rtp_timeout_seconds),
        };
        let srtp = match self.negotiated.srtp_leg(&self.sdp_origin) {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %e, "cannot start SRTP");
                let _ = self.dialog.bye().await;
                close_unanswered(&self.ctx, &self.call_id, "frontdesk", Outcome::Failed).await;
                return;
            }
        };
        let session =
            MediaSession::new(params, Some(self.remote), Instant::now().into_std()).with_srtp(srtp);
        let (events_tx, media_events) = mpsc::unbounded_channel();
        let media = match MediaTask::spawn(
            socket,
            session,
            events_tx,
            self.token.child_token(),
            self.ctx.metrics.clone(),
        ) {
            Ok(m) => m,
            Err(e) => {
                warn!(error = %e, "cannot start media");
                let _ = self.dialog.bye().await;
                close_unanswered(&self.ctx, &self.call_id, "frontdesk", Outcome::Failed).await;
                return;
            }
        };
        let mut live = Live {
            flow: Flow::new(self.ctx.flow.clone()),
            media,
            media_events,
            timer: None,
            recording: None,
            hangup_by: None,
            screening: None,
            offers: None,
            legs: crate::sip::legs::Legs::inbound(self.ctx.clone(), self.call_id.clone()),
            ringing: None,
            queue_ticket: None,
            complaint: None,
            promise: None,
        };
        let (_registration, mut controls) = self.ctx.live.register(&self.call_id);
        self.drive(&mut live, Event::Answered).await;
        while !live.flow.is_finished() || live.hangup_by.is_none() {
            let timer = live.timer;
            let event = tokio::select! {
                state = self.state_rx.recv() => match state {
                    Some(state) => self.on_dialog(&mut live, state).await,
                    None => Some(Event::Hangup),
                },
                Some(ev) = live.media_events.recv() => match ev {
                    MediaEvent::Digit(d) => Some(Event::Digit(d)),
                    MediaEvent::PlaybackFinished => Some(Event::PromptFinished),
                    MediaEvent::RtpTimeout => {
                        warn!("no RTP from the caller: hanging up");
                        let _ = self.dialog.bye().await;
                        live.hangup_by = Some("timeout");
                        Some(Event::Hangup)
                    }
                },
                Some(offer) = route::recv_offer(&mut live.offers) => {
                    self.on_offer(&mut live, offer).await
                }
                next = live.legs.next() => self.on_legs(&mut live, next).await,
                Some(control) = controls.recv() => {
                    let outs = control.serve(&mut live.legs, &live.media).await;
                    self.on_outs(&mut live, outs).await
                }
                _ = sleep_until(timer) => {
                    live.timer = None;
                    Some(Event::TimerFired)
                }
                _ = self.token.cancelled() => {
                    let _ = self.dialog.bye().await;
                    live.hangup_by = Some("shutdown");
                    Some(Event::Hangup)
                }
            };
            if let Some(event) = event {
                self.drive(&mut live, event).await;
            }
            if live.hangup_by.is_some() && live.flow.is_finished() {
                break;
            }
        }
        self.finish(live).await;
    }

    /// Feeds one event and carries out the actions, including events they produce at once.
    async fn drive(&mut self, live: &mut Live, first: Event) {
        let mut pending = VecDeque::from([first]);
        while let Some(event) = pending.pop_front() {
            if let Event::Digit(d) = &event {
                self.log("digit", &d.to_string()).await;
            }
            for action in live.flow.handle(event) {
                if let Some(next) = self.act(live, action).await {
                    pending.push_back(next);
                }
            }
        }
    }

    async fn act(&mut self, live: &mut Live, action: Action) -> Option<Event> {
        match action {
            Action::Screen => {
                let screening = self.screen().await;
                live.screening = Some(screening.clone());
                return Some(Event::Screened(screening));
            }
            Action::Play(play) => {
                let promise = if play.prompts.iter().any(|p| p == CALLBACK_PROMISE) {
                    self.promise_audio(live).await
                } else {
                    None
                };
                let prompts: Vec<_> = play
                    .prompts
                    .iter()
                    .filter_map(|name| {
                        if name == CALLBACK_PROMISE {
                            return promise.clone();
                        }
                        let p = self.ctx.prompts.get(play.lang.as_str(), name);
                        if p.is_none() {
                            warn!(prompt = %name, lang = play.lang.as_str(), "missing prompt");
                        }
                        p
                    })
                    .collect();
                if prompts.is_empty() {
                    return Some(Event::PromptFinished);
                }
                live.media.send(MediaCommand::Play(prompts));
            }
            Action::StopPlayback => live.media.send(MediaCommand::Stop),
            Action::StartRecording => {
                let path = self.recording_path();
                if let Some(handle) = self.ctx.open_recording(&self.call_id, &path).await {
                    live.legs.recording_started(handle.pause_switch());
                    // The media task pushes frames and hands the handle back at the end.
                    live.media.send(MediaCommand::Record(handle));
                    live.recording = Some(path);
                }
            }
            Action::SetTimer { ms } => {
                live.timer = Some(Instant::now() + Duration::from_millis(ms))
            }
            Action::CancelTimer => live.timer = None,
            Action::SetLanguage(lang) => self.log("language", lang.as_str()).await,
            Action::AddDnc => {
                if let Some(phone) = self.phone.clone() {
                    let added = self
                        .ctx
                        .store
                        .add_dnc(
                            &phone,
                            Some("asked during a call"),
                            ListSource::Ivr,
                            "caller",
                            Utc::now(),
                        )
                        .await;
                    if let Err(e) = added {
                        warn!(error = %e, "cannot add to the DNC list");
                    }
                } else {
                    warn!("opt-out from a number we cannot normalise; nothing to list");
                }
                return Some(Event::DncRecorded);
            }
            Action::RequestCallback {
                dnc_consent,
                keep_place,
            } => {
                let place = if keep_place {
                    let place = self.leave_queue(live).await;
                    self.drop_agent(live).await;
                    place
                } else {
                    None
                };
                let source = if keep_place {
                    CallbackSource::Queue
                } else {
                    CallbackSource::Menu
                };
                let lang = live.flow.language();
                let (event, promise) = self
                    .request_callback(dnc_consent, source, place, lang)
                    .await;
                // Rendering starts now; the confirmation plays meanwhile.
                live.promise = promise.and_then(|text| {
                    self.ctx
                        .announcer
                        .as_ref()
                        .and_then(|a| a.promise(lang, &text))
                });
                return Some(event);
            }
            Action::QueryQueue => {
                let (position, wait_secs) = self.ctx.router.status(&self.call_id).await;
                return Some(Event::QueueStatus {
                    position,
                    wait_secs,
                });
            }
            Action::Abandoned => {
                let place = self.leave_queue(live).await;
                let dnc = live.screening.as_ref().is_some_and(|s| s.dnc);
                if dnc {
                    self.log("callback", "abandoned in the queue; DNC, no callback")
                        .await;
                } else {
                    let _ = self
                        .request_callback(
                            false,
                            CallbackSource::Abandoned,
                            place,
                            live.flow.language(),
                        )
                        .await;
                }
            }
            Action::RelayDigit(d) => self.relay_digit(live, d).await,
            Action::SaveSurvey(score) => {
                let saved = self
                    .ctx
                    .store
                    .insert_survey(&self.call_id, self.phone.as_deref(), score, Utc::now())
                    .await;
                if let Err(e) = saved {
                    warn!(error = %e, "cannot save the survey score");
                }
            }
            Action::RecordComplaint => self.record_complaint(live).await,
            Action::StopComplaintRecording => {
                self.finish_complaint(live).await;
                return Some(Event::ComplaintRecorded);
            }
            Action::RouteToAgent { vip_agent } => return self.join_queue(live, vip_agent).await,
            Action::Outcome(outcome) => self.log("outcome", outcome.as_str()).await,
            Action::Log(step) => self.log(step.name, &step.detail).await,
            Action::Hangup => {
                if live.hangup_by.is_none() {
                    let _ = self.dialog.bye().await;
                    live.hangup_by = Some("frontdesk");
                }
            }
        }
        None
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
