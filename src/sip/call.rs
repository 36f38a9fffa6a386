//! One inbound call, from INVITE to the closed row: signalling (rsipstack dialog), media task,
//! flow machine, store. The flow decides; this task only carries out its actions and feeds back
//! what happened, so every decision is in `flow` and tested there.

use super::request;
use crate::callbacks::{CallbackRequest, Planner};
use crate::config::Config;
use crate::events::EventBus;
use crate::flow::{Action, Event, Flow, FlowConfig, Lang, Outcome, Screening};
use crate::media::ports::PortPool;
use crate::media::prompts::Prompts;
use crate::media::sdp::{self, Direction, Negotiated};
use crate::media::session::{MediaEvent, MediaParams, MediaSession};
use crate::media::srtp::SrtpPolicy;
use crate::media::task::{MediaCommand, MediaTask};
use crate::metrics::NodeMetrics;
use crate::recording::Recorder;
use crate::routing::{Offer, Router};
use crate::store::{CallEnd, CallJournal, CallbackSource, ListSource, NewCall, Store};
use chrono::Utc;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, StatusCode, Uri};
use rsipstack::transaction::transaction::Transaction;
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Everything a call needs, shared by all calls of the node.
pub struct CallContext {
    pub config: Arc<Config>,
    pub store: Store,
    pub prompts: Arc<Prompts>,
    pub recorder: Recorder,
    pub ports: PortPool,
    pub planner: Planner,
    pub flow: FlowConfig,
    pub node: String,
    /// The address put in our SDP.
    pub media_ip: IpAddr,
    /// Who may send us INVITEs: `[pbx] trunk_sources`, plus the registrar in register mode.
    pub allowed_sources: Vec<ipnet::IpNet>,
    /// Whose P-Asserted-Identity we believe.
    pub identity: request::IdentityPolicy,
    pub max_calls: usize,
    pub metrics: Arc<NodeMetrics>,
    /// The node's waiting line and agent distributor.
    pub router: Arc<Router>,
    /// Complaints and callbacks opened by calls, for the console's live stream.
    pub events: EventBus,
    /// Every call's timeline, written in batches.
    /// Call rows and timelines, written in batches (`store::journal`).
    pub journal: CallJournal,
    /// The calls running here, for the API's requests to a live call.
    pub live: control::LiveCalls,
    /// Renders the callback promise; `None` plays the confirmation alone.
    pub announcer: Option<crate::speech::announcer::Announcer>,
}

/// A call row written slower than this means the store is backlogged (admission refuses calls).
pub const STORE_SLOW: Duration = Duration::from_millis(250);

impl CallContext {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: Arc<Config>,
        store: Store,
        prompts: Arc<Prompts>,
        recorder: Recorder,
        ports: PortPool,
        flow: FlowConfig,
        node: String,
        media_ip: IpAddr,
        metrics: Arc<NodeMetrics>,
        events: EventBus,
    ) -> CallContext {
        CallContext {
            planner: Planner::from_config(&config),
            router: Router::new(store.clone(), node.clone(), config.routing.clone()),
            journal: CallJournal::start(store.clone(), metrics.clone()).0,
            live: control::LiveCalls::default(),
            allowed_sources: allowed_sources(&config.pbx),
            identity: identity_policy(&config),
            max_calls: config.calls.max_concurrent,
            config,
            store,
            prompts,
            recorder,
            ports,
            flow,
            node,
            media_ip,
            metrics,
            events,
            announcer: None,
        }
    }

    /// True for a second after a call-row write took longer than [`STORE_SLOW`]: new calls are
    /// refused meanwhile, so the calls already up keep their store.
    pub fn store_backlogged(&self) -> bool {
        self.metrics.store_backlogged()
    }

    fn note_store_latency(&self, took: Duration) {
        self.metrics.call_open.observe(took.as_secs_f64());
        if took > STORE_SLOW {
            self.metrics.store_slow_for(1_000);
            warn!(
                ms = took.as_millis() as u64,
                "store is slow: refusing new calls for 1 s"
            );
        }
    }

    /// Where a call's recording goes: `<recordings>/<day>/<call id>.wav`.
    pub fn recording_path(&self, call_id: &str) -> PathBuf {
        let day = Utc::now().format("%Y-%m-%d").to_string();
        self.config
            .recordings_dir()
            .join(day)
            .join(format!("{call_id}.wav"))
    }

    /// Opens the call's recording and names it on the call row and in its timeline; `None`
    /// (logged) when it cannot be opened: the call goes on unrecorded rather than not at all.
    pub async fn open_recording(
        &self,
        call_id: &str,
        path: &std::path::Path,
    ) -> Option<crate::recording::RecordingHandle> {
        match self.recorder.open_async(path.to_path_buf()).await {
            Ok(handle) => {
                let shown = path.display().to_string();
                self.journal.recording(call_id, &shown);
                info!(path = %shown, "recording");
                self.journal.log(call_id, Utc::now(), "recording", &shown);
                Some(handle)
            }
            Err(e) => {
                warn!(error = %e, "cannot start the recording");
                None
            }
        }
    }

    pub fn active_calls(&self) -> usize {
        self.metrics.active_calls.load(Ordering::Relaxed)
    }
}

/// `[pbx] trust_identity_from`, by default whoever may send calls.
pub fn identity_policy(config: &Config) -> request::IdentityPolicy {
    request::IdentityPolicy {
        trust: config
            .pbx
            .trust_identity_from
            .clone()
            .unwrap_or_else(|| allowed_sources(&config.pbx)),
        region: config.company.default_region,
    }
}

pub fn allowed_sources(pbx: &crate::config::Pbx) -> Vec<ipnet::IpNet> {
    let mut allowed = pbx.trunk_sources.clone();
    if pbx.mode == crate::config::PbxMode::Register {
        let host = pbx.registrar.as_deref().map(|r| {
            let r = r.trim_start_matches("sips:").trim_start_matches("sip:");
            r.rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or(r)
                .trim_matches(['[', ']'])
        });
        if let Some(ip) = host.and_then(|h| h.parse::<IpAddr>().ok()) {
            allowed.push(ipnet::IpNet::from(ip));
        }
    }
    allowed
}

/// Counts a call in progress for admission control, for exactly as long as it lives.
pub(crate) struct Active<'a>(&'a AtomicUsize);
impl<'a> Active<'a> {
    pub(crate) fn enter(counter: &'a AtomicUsize) -> Active<'a> {
        counter.fetch_add(1, Ordering::Relaxed);
        Active(counter)
    }
}
impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Handles one INVITE to the end. Every call that gets a final response gets its row.
pub async fn run(
    ctx: Arc<CallContext>,
    mut tx: Transaction,
    dialogs: Arc<DialogLayer>,
    contact: Uri,
    token: CancellationToken,
) {
    let _active = Active::enter(&ctx.metrics.active_calls);
    let call_id = crate::store::new_call_id();
    tracing::Span::current().record("id", call_id.as_str());
    let started = Utc::now();
    let caller = ctx.identity.caller(&tx.original, request::peer_of(&tx));
    let phone = caller.phone.clone();
    let new_call = NewCall {
        id: call_id.clone(),
        sip_call_id: rsipstack::sip::prelude::HeadersExt::call_id_header(&tx.original)
            .ok()
            .map(|c| c.value().to_string()),
        direction: "inbound",
        phone: phone.clone(),
        caller_raw: caller.number.clone(),
        from_number: caller.from.clone(),
        asserted_number: caller.asserted.clone(),
        source: caller.source.map(|s| s.to_string()),
        started_at: started,
        node: Some(ctx.node.clone()),
    };
    let writing = Instant::now();
    let inserted = ctx.journal.open(new_call).await;
    ctx.note_store_latency(writing.elapsed());
    if let Err(e) = inserted {
        // Without a row we cannot keep the promise that every call is logged: refuse it.
        warn!(error = %e, "cannot write the call row: 503");
        let _ = tx.reply(StatusCode::ServiceUnavailable).await;
        return;
    }
    info!(caller = ?caller.number, phone = ?phone, source = ?caller.source, "incoming call");

    let Some((offer, negotiated)) = offer_of(&tx, ctx.config.media.srtp) else {
        let _ = tx.reply(StatusCode::NotAcceptableHere).await;
        close_unanswered(&ctx, &call_id, "frontdesk", Outcome::Failed).await;
        return;
    };
    let socket = match ctx.ports.bind() {
        Ok(s) => s,
        Err(e) => {
            warn!(error = %e, "no RTP port: 503");
            let retry = Header::Other("Retry-After".into(), "5".into());
            let _ = tx
                .reply_with(StatusCode::ServiceUnavailable, vec![retry], None)
                .await;
            close_unanswered(&ctx, &call_id, "frontdesk", Outcome::Failed).await;
            return;
        }
    };
    let (state_tx, state_rx) = dialogs.new_dialog_state_channel();
    let contact_uri = contact.clone();
    let dialog = match dialogs.get_or_create_server_invite(&tx, state_tx, None, Some(contact)) {
        Ok(d) => d,
        Err(e) => {
            warn!(error = %e, "cannot create the dialog");
            let _ = tx.reply(StatusCode::ServerInternalError).await;
            close_unanswered(&ctx, &call_id, "frontdesk", Outcome::Failed).await;
            return;
        }
    };
    let mut handler = dialog.clone();
    // Sends 100 Trying, then waits for the ACK or a CANCEL on the INVITE transaction.
    tokio::spawn(async move {
        let _ = handler.handle(&mut tx).await;
    });
    let id = dialog.id();
    let call = Call {
        ctx: ctx.clone(),
        call_id: call_id.clone(),
        phone,
        dialog,
        state_rx,
        negotiated,
        remote: SocketAddr::new(offer.addr, offer.port),
        offer,
        sdp_origin: sdp::Origin::new(rand::random::<u32>().into()),
        socket: Some(socket),
        token,
        dialogs: dialogs.clone(),
        contact: contact_uri,
    };
    call.run().await;
    dialogs.remove_dialog(&id);
}

fn offer_of(tx: &Transaction, srtp: SrtpPolicy) -> Option<(sdp::AudioOffer, Negotiated)> {
    let offer = sdp::parse_offer(&tx.original.body, srtp)
        .map_err(|e| warn!(error = %e, "unusable SDP offer: 488"))
        .ok()?;
    let negotiated = sdp::negotiate(&offer);
    if negotiated.is_none() {
        warn!(formats = ?offer.formats, "no G.711 in the offer: 488");
    }
    Some((offer, negotiated?))
}

/// Closes the row of a call that never got to the flow (refused, cancelled, failed to start).
async fn close_unanswered(ctx: &CallContext, call_id: &str, hangup_by: &str, outcome: Outcome) {
    close(ctx, call_id, hangup_by, outcome.as_str(), "", None, None).await;
}

pub(crate) async fn close(
    ctx: &CallContext,
    call_id: &str,
    hangup_by: &str,
    outcome: &str,
    digits: &str,
    language: Option<Lang>,
    recording: Option<(String, String)>,
) {
    let (path, sha) = recording.unzip();
    let end = CallEnd {
        ended_at: Utc::now(),
        hangup_by: hangup_by.to_string(),
        outcome: outcome.to_string(),
        digits: digits.to_string(),
        language: language.map(|l| l.as_str().to_string()),
        recording: path,
        recording_sha256: sha,
    };
    // The journal writes the call's timeline before its close.
    if let Err(e) = ctx.journal.close(call_id, end).await {
        warn!(error = %e, "cannot close the call row (it is closed at next start)");
    }
    info!(outcome, hangup_by, "call ended");
}

struct Call {
    ctx: Arc<CallContext>,
    call_id: String,
    phone: Option<String>,
    dialog: InviteDialog,
    state_rx: DialogStateReceiver,
    negotiated: Negotiated,
    remote: SocketAddr,
    /// The INVITE's offer: the answer mirrors its m= lines.
    offer: sdp::AudioOffer,
    /// Our side's o= line, for every SDP of this call leg.
    sdp_origin: sdp::Origin,
    socket: Option<std::net::UdpSocket>,
    token: CancellationToken,
    dialogs: Arc<DialogLayer>,
    /// Our own URI, for the Contact and From of agent legs.
    contact: Uri,
}

/// What the running call keeps between events.
struct Live {
    flow: Flow,
    media: MediaTask,
    media_events: mpsc::UnboundedReceiver<MediaEvent>,
    timer: Option<Instant>,
    recording: Option<PathBuf>,
    hangup_by: Option<&'static str>,
    /// What screening found, for the agent's screen pop.
    screening: Option<Screening>,
    /// Offers of claimed agents while the call is queued, and when it joined.
    offers: Option<(mpsc::UnboundedReceiver<Offer>, Instant)>,
    /// The call's legs: the caller, and the agent ringing or talking.
    legs: crate::sip::legs::Legs,
    /// The offer whose agent is being rung (their URI, for the INVITE).
    ringing: Option<Offer>,
    /// How the call joined the line and its ticket there, to put it back in the same place when
    /// an agent transfers it back.
    queue_ticket: Option<(crate::routing::queue::Joining, i64)>,
    /// The caller's message being recorded alongside the call.
    complaint: Option<PathBuf>,
    /// The callback promise being rendered while the confirmation plays.
    promise: Option<PromiseAudio>,
}

type PromiseAudio =
    tokio::task::JoinHandle<Result<Arc<crate::media::prompts::Prompt>, crate::speech::SpeechError>>;

mod agent;
pub mod control;
mod events;
mod route;
mod run;
