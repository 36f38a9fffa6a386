//! The call's side effects: dialog events in, screening, callbacks, the timeline, the closing row.

use super::*;

/// How long the promise may still take once the confirmation has ended.
const PROMISE_WAIT: Duration = Duration::from_secs(3);

impl Call {
    /// A dialog event; returns the flow event it means, if any. Every in-dialog request is answered.
    pub(super) async fn on_dialog(&mut self, live: &mut Live, state: DialogState) -> Option<Event> {
        match state {
            DialogState::Info(_, req, handle) => {
                let ct = request::content_type(&req).unwrap_or_default();
                let digit = crate::media::dtmf::info_digit(&ct, &req.body);
                let status = if digit.is_some() {
                    StatusCode::OK
                } else {
                    StatusCode::UnsupportedMediaType
                };
                let _ = handle.reply(status).await;
                digit.map(Event::Digit)
            }
            DialogState::Updated(_, req, handle) => {
                // re-INVITE: hold (sendonly/inactive/0.0.0.0), resume, or a new media address.
                let reoffer = sdp::parse_offer(&req.body, self.ctx.config.media.srtp)
                    .and_then(|offer| self.negotiated.reoffer(&offer).map(|n| (offer, n)));
                match reoffer {
                    Ok((offer, negotiated)) => {
                        let hold = offer.is_hold();
                        let remote = (!offer.addr.is_unspecified())
                            .then(|| SocketAddr::new(offer.addr, offer.port));
                        live.media.send(MediaCommand::Update {
                            remote,
                            on_hold: hold,
                        });
                        let answer = sdp::write_answer(
                            self.ctx.media_ip,
                            live.media.local.port(),
                            Some(&offer),
                            &negotiated,
                            offer.direction.answer(),
                            &mut self.sdp_origin,
                        );
                        let ct = Header::ContentType("application/sdp".into());
                        let _ = handle
                            .respond(StatusCode::OK, Some(vec![ct]), Some(answer))
                            .await;
                        // To the agent, after our answer: their re-INVITE must not delay it.
                        self.caller_hold(live, hold).await;
                        self.log(
                            "media",
                            if hold {
                                "held by the caller"
                            } else {
                                "resumed"
                            },
                        )
                        .await;
                    }
                    Err(_) if req.body.is_empty() => {
                        // An offerless re-INVITE: offer what we have.
                        let answer = sdp::write_answer(
                            self.ctx.media_ip,
                            live.media.local.port(),
                            None,
                            &self.negotiated,
                            Direction::SendRecv,
                            &mut self.sdp_origin,
                        );
                        let ct = Header::ContentType("application/sdp".into());
                        let _ = handle
                            .respond(StatusCode::OK, Some(vec![ct]), Some(answer))
                            .await;
                    }
                    Err(e) => {
                        warn!(error = %e, "bad re-INVITE SDP: 488");
                        let _ = handle.reply(StatusCode::NotAcceptableHere).await;
                    }
                }
                None
            }
            DialogState::Options(_, _, handle) => {
                let _ = handle.reply(StatusCode::OK).await;
                None
            }
            DialogState::Refer(_, _, handle) => {
                // Only the agent bridged with the caller passes the call on, from their leg.
                self.log("transfer", "REFER from the caller refused").await;
                let _ = handle.reply(StatusCode::Forbidden).await;
                None
            }
            DialogState::Notify(_, _, handle)
            | DialogState::Message(_, _, handle)
            | DialogState::Publish(_, _, handle) => {
                let _ = handle.reply(StatusCode::NotImplemented).await;
                None
            }
            DialogState::Terminated(_, reason) => {
                if live.hangup_by.is_none() {
                    live.hangup_by = Some(match reason {
                        TerminatedReason::UacBye | TerminatedReason::UacCancel => "caller",
                        TerminatedReason::Timeout => "timeout",
                        _ => "frontdesk",
                    });
                }
                Some(Event::Hangup)
            }
            _ => None,
        }
    }

    /// The card, the lists and the clock: what the flow needs to know about the caller.
    pub(super) async fn screen(&self) -> Screening {
        let mut s = Screening {
            after_hours: !self.ctx.planner.company.contains(Utc::now()),
            ..Default::default()
        };
        let Some(phone) = &self.phone else {
            return s;
        };
        match self.ctx.store.lookup(phone).await {
            Ok(found) => {
                if let Some(client) = found.client {
                    s.known_client = true;
                    s.name = client.name;
                    s.language = client.language.and_then(|l| l.parse::<Lang>().ok());
                }
                s.dnc = found.dnc;
                s.vip_agent = found.vip_agent;
            }
            Err(e) => warn!(error = %e, "cannot screen the caller; treated as unknown"),
        }
        let detail = format!(
            "known {}, language {:?}, DNC {}, VIP {:?}, after hours {}",
            s.known_client, s.language, s.dnc, s.vip_agent, s.after_hours
        );
        self.log("screening", &detail).await;
        s
    }

    pub(super) async fn request_callback(
        &self,
        dnc_consent: bool,
        source: CallbackSource,
        queue_position: Option<u32>,
        lang: Lang,
    ) -> (Event, Option<String>) {
        let Some(phone) = self.phone.clone() else {
            return (
                Event::CallbackRefused("the caller's number is unknown".into()),
                None,
            );
        };
        let store = &self.ctx.store;
        if dnc_consent {
            let detail = format!("agreed to one callback during call {}", self.call_id);
            // The callback row carries the consent too (`dnc_consent`); the card's line is its
            // trace for whoever reads the card. Not written: said and counted, the call goes on.
            if let Err(e) = store
                .card_event(
                    &phone,
                    Utc::now(),
                    "dnc_callback_consent",
                    Some(&detail),
                    "caller",
                )
                .await
            {
                self.ctx
                    .metrics
                    .call_writes_failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                warn!(error = %e, "cannot write the DNC consent on the card");
            }
        }
        let now = Utc::now();
        let req = CallbackRequest {
            phone,
            source,
            reason: Some(
                match source {
                    CallbackSource::Abandoned => "hung up while queued",
                    CallbackSource::Queue => "asked while queued, keeping the place",
                    _ => "requested by phone",
                }
                .into(),
            ),
            requested_at: now,
            requested_by: Some("caller".into()),
            agent_id: None,
            call_id: Some(self.call_id.clone()),
            dnc_consent,
            lang: Some(lang),
        };
        let planned = self
            .ctx
            .planner
            .request_from_queue(store, req, queue_position, now)
            .await;
        match planned {
            Ok(cb) => {
                self.ctx
                    .events
                    .publish(crate::events::Event::callback_requested(&cb));
                self.log(
                    "callback",
                    &format!(
                        "#{} planned at {} ({}); promised: {}",
                        cb.id,
                        cb.slot_start,
                        cb.plan_reason,
                        cb.promise.as_deref().unwrap_or("-")
                    ),
                )
                .await;
                (Event::CallbackPlanned, cb.promise)
            }
            Err(e) => {
                self.log("callback", &format!("refused: {e}")).await;
                (Event::CallbackRefused(e.to_string()), None)
            }
        }
    }

    /// The promise rendering since the plan came back: normally ready long before the
    /// confirmation ends; waited for a few seconds at most, else the call goes on without it.
    pub(super) async fn promise_audio(
        &self,
        live: &mut Live,
    ) -> Option<Arc<crate::media::prompts::Prompt>> {
        let handle = live.promise.take()?;
        match tokio::time::timeout(PROMISE_WAIT, handle).await {
            Ok(Ok(Ok(prompt))) => Some(prompt),
            Ok(Ok(Err(e))) => {
                warn!(error = %e, "callback promise not rendered: confirmation only");
                None
            }
            Ok(Err(e)) => {
                warn!(error = %e, "callback promise rendering failed: confirmation only");
                None
            }
            Err(_) => {
                warn!("callback promise not ready in time: confirmation only");
                None
            }
        }
    }

    pub(super) fn recording_path(&self) -> PathBuf {
        self.ctx.recording_path(&self.call_id)
    }

    pub(super) async fn log(&self, kind: &str, detail: &str) {
        info!(kind, detail, "flow");
        self.ctx
            .journal
            .log(&self.call_id, Utc::now(), kind, detail);
    }

    /// The caller's message goes to its own WAV (the call recording goes on too); the complaint
    /// is opened and escalated at once, pointing at that file.
    pub(super) async fn record_complaint(&self, live: &mut Live) {
        let path = self
            .recording_path()
            .with_file_name(format!("{}-complaint.wav", self.call_id));
        let message = match self.ctx.recorder.open_async(path.clone()).await {
            Ok(handle) => {
                live.media.send(MediaCommand::RecordExtra(handle));
                live.complaint = Some(path.clone());
                Some(path.display().to_string())
            }
            Err(e) => {
                warn!(error = %e, "cannot record the complaint message; the call recording has it");
                live.recording.as_ref().map(|p| p.display().to_string())
            }
        };
        let opened = self
            .ctx
            .store
            .insert_complaint(
                self.phone.as_deref(),
                &self.call_id,
                message.as_deref(),
                Utc::now(),
            )
            .await;
        match opened {
            Ok(id) => {
                let at = Utc::now();
                self.ctx
                    .events
                    .publish(crate::events::Event::ComplaintOpened {
                        complaint_id: id,
                        call_id: Some(self.call_id.clone()),
                        phone: self.phone.clone(),
                        at,
                    });
                self.ctx.events.publish(crate::events::Event::Escalated {
                    complaint_id: id,
                    to: "supervisors".into(),
                    at,
                });
                self.log(
                    "complaint",
                    &format!("complaint #{id} opened, escalated to supervisors"),
                )
                .await
            }
            Err(e) => warn!(error = %e, "cannot open the complaint"),
        }
    }

    pub(super) async fn finish_complaint(&self, live: &mut Live) {
        if live.complaint.take().is_none() {
            return;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        live.media.send(MediaCommand::StopExtra(tx));
        if let Ok(Some(handle)) = rx.await {
            close_extra(handle).await;
        }
    }

    /// Stops media, finalises the recording and closes the row.
    pub(super) async fn finish(mut self, mut live: Live) {
        self.end_routing(&mut live).await;
        let end = live.media.finish().await;
        if let Some(extra) = end.extra {
            close_extra(extra).await;
        }
        let (stats, legs) = (end.stats, end.leg_stats);
        let recording = crate::recording::finished(end.recording).await;
        // The caller's side, then every other leg's (agents, supervisors, consulted targets).
        info!(
            sent = stats.sent,
            received = stats.jitter.received,
            lost = stats.jitter.lost,
            late = stats.jitter.late,
            legs_sent = legs.sent,
            legs_received = legs.jitter.received,
            legs_lost = legs.jitter.lost,
            legs_late = legs.jitter.late,
            "media"
        );
        self.ctx
            .metrics
            .add_media(stats.jitter.received, stats.jitter.lost, stats.jitter.late);
        let outcome = live.flow.outcome().unwrap_or(Outcome::Failed);
        close(
            &self.ctx,
            &self.call_id,
            live.hangup_by.unwrap_or("frontdesk"),
            outcome.as_str(),
            live.flow.digits(),
            Some(live.flow.language()),
            recording,
        )
        .await;
    }
}

/// Finishes a second recording (a complaint message); its path is already on the complaint.
async fn close_extra(handle: crate::recording::RecordingHandle) {
    match handle.finish().await {
        Ok(Ok(done)) => info!(path = %done.path.display(), "complaint message recorded"),
        Ok(Err(e)) => warn!(error = %e, "complaint message recording failed"),
        Err(_) => warn!("recording writer gone"),
    }
}
