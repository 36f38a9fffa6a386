//! The I/O half of the door (`sip::gate`): it sits between the transport and the transaction layer
//! as rsipstack's transport inspector, so a request is judged by the socket address it came from
//! before the stack creates a transaction for it. Datagrams are rated by the door's socket
//! (`sip::datagram`); a stream's messages are rated here. Requests the stack cannot parse
//! (`sip::unreadable`) are answered here too, whichever way they came. Stateless answers are
//! written straight to the source; refused calls are counted, and their rows written by one task
//! from a bounded queue (beyond it, counted as unrecorded).

use super::gate::{
    Answer, ConnectionConfig, ConnectionRefusal, Connections, Gate, GateConfig, Knock, Load,
    Verdict,
};
mod answer;

pub use answer::{rejection_response, stateless_response};

use super::unreadable::{self, Reading, Unreadable};
use super::validate::{self, Rejection};
use super::{request, validate::address};
use crate::metrics::NodeMetrics;
use crate::store::{NewCall, Store};
use rsipstack::dialog::DialogId;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, Request, Response, SipMessage};
use rsipstack::transaction::endpoint::TransportEventInspector;
use rsipstack::transaction::key::TransactionRole;
use rsipstack::transport::{SipAddr, SipConnection, TransportEvent};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Refused calls waiting for their row; beyond this they are only counted.
const REFUSED_ROWS_QUEUE: usize = 1024;

/// Methods we serve, for `Allow`.
pub const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE";

pub struct Edge {
    gate: Mutex<Gate>,
    /// TCP and TLS connections open, by source (`sip::streams` asks and tells).
    connections: Mutex<Connections>,
    metrics: Arc<NodeMetrics>,
    max_calls: usize,
    shutdown: CancellationToken,
    dialogs: OnceLock<Arc<DialogLayer>>,
    refused: mpsc::Sender<Refused>,
    user_agent: String,
    /// When each kind of refusal was last logged (unix ms): a flood logs once a second, not once
    /// a datagram.
    logged: [AtomicI64; 3],
}

/// A call refused at the door, for its row.
struct Refused {
    invite: Request,
    source: SocketAddr,
}

impl Edge {
    /// The door and the task that writes refused calls' rows (it ends with `shutdown`).
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        cfg: GateConfig,
        connections: ConnectionConfig,
        max_calls: usize,
        metrics: Arc<NodeMetrics>,
        store: Store,
        identity: request::IdentityPolicy,
        node: String,
        shutdown: CancellationToken,
    ) -> Arc<Edge> {
        let (refused, rows) = mpsc::channel(REFUSED_ROWS_QUEUE);
        tokio::spawn(write_refused_rows(
            rows,
            store,
            identity,
            node,
            metrics.clone(),
            shutdown.clone(),
        ));
        Arc::new(Edge {
            gate: Mutex::new(Gate::new(cfg, Instant::now())),
            connections: Mutex::new(Connections::new(connections)),
            metrics,
            max_calls,
            shutdown,
            dialogs: OnceLock::new(),
            refused,
            user_agent: concat!("frontdesk/", env!("CARGO_PKG_VERSION")).into(),
            logged: Default::default(),
        })
    }

    /// In-dialog requests are checked against these dialogs once the endpoint serves.
    pub fn set_dialogs(&self, dialogs: Arc<DialogLayer>) {
        let _ = self.dialogs.set(dialogs);
    }

    fn load(&self) -> Load {
        Load {
            active_calls: self.metrics.active_calls.load(Ordering::Relaxed),
            max_calls: self.max_calls,
            shutting_down: self.shutdown.is_cancelled(),
            store_backlogged: self.metrics.store_backlogged(),
        }
    }

    fn judge(&self, req: &Request, source: SocketAddr) -> Verdict {
        let in_dialog = req
            .to_header()
            .ok()
            .and_then(|to| to.tag().ok().flatten())
            .is_some();
        let dialog_known = in_dialog
            && self.dialogs.get().is_some_and(|dl| {
                DialogId::try_from((req, TransactionRole::Server))
                    .is_ok_and(|id| dl.get_dialog(&id).is_some())
            });
        let knock = Knock {
            method: req.method,
            source: source.ip(),
            in_dialog,
            dialog_known,
            // Only a new INVITE is looked up by its transaction: hash nothing else.
            transaction: if req.method == Method::Invite && !in_dialog {
                transaction_of(req)
            } else {
                0
            },
        };
        let load = self.load();
        let mut gate = self.gate.lock().unwrap_or_else(|p| p.into_inner());
        gate.judge(knock, load, Instant::now())
    }

    fn count(&self, verdict: Verdict) {
        let m = &self.metrics.edge;
        let counter = match verdict {
            Verdict::Pass | Verdict::Answer(Answer::Alive) => return,
            Verdict::Answer(Answer::Forbidden) => &m.forbidden,
            Verdict::Answer(Answer::Busy(_)) => &self.metrics.refused_calls,
            Verdict::Answer(Answer::NoSuchCall | Answer::NotAllowed) => &m.rejected,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// What is wrong with a request the door would let in or answer (`sip::validate`). A
    /// stranger's INVITE is not read: it gets 403 whatever it holds, which costs less and tells
    /// a scanner nothing about our parser. Nor is a request over its source's rate: it is
    /// dropped, so malformed floods are bounded like any other. An INVITE let in has already
    /// taken its token of the new-call rate, valid or not.
    fn invalid(&self, req: &Request, verdict: Verdict) -> Option<Rejection> {
        let read = matches!(verdict, Verdict::Pass | Verdict::Answer(_))
            && verdict != Verdict::Answer(Answer::Forbidden);
        read.then(|| validate::check(req).err()).flatten()
    }

    /// True at most once a second for each `kind`.
    fn may_log(&self, kind: usize) -> bool {
        let now = chrono::Utc::now().timestamp_millis();
        let last = self.logged[kind].load(Ordering::Relaxed);
        now - last >= 1_000
            && self.logged[kind]
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// The per-source rate, for a datagram before it is parsed or a message read off a stream.
    pub fn let_in(&self, ip: std::net::IpAddr) -> bool {
        let allowed = {
            let mut gate = self.gate.lock().unwrap_or_else(|p| p.into_inner());
            gate.let_in(ip, Instant::now())
        };
        if !allowed {
            self.metrics.edge.dropped.fetch_add(1, Ordering::Relaxed);
        }
        allowed
    }

    /// May a connection just accepted from `ip` stay? It costs one request of the source's rate
    /// and one place among the connections; `close_connection` gives the place back.
    pub fn open_connection(&self, ip: std::net::IpAddr) -> bool {
        if !self.let_in(ip) {
            return false;
        }
        let opened = {
            let mut c = self.connections.lock().unwrap_or_else(|p| p.into_inner());
            let opened = c.open(ip);
            self.metrics
                .edge
                .connections
                .store(c.total() as u64, Ordering::Relaxed);
            opened
        };
        match opened {
            Ok(()) => true,
            Err(refusal) => {
                self.metrics
                    .edge
                    .connections_refused
                    .fetch_add(1, Ordering::Relaxed);
                if self.may_log(2) {
                    let reason = match refusal {
                        ConnectionRefusal::Full => "the node holds its maximum of connections",
                        ConnectionRefusal::TooManyFromSource => {
                            "the source holds its maximum of connections"
                        }
                    };
                    warn!(source = %ip, reason, "closing a new SIP connection");
                }
                false
            }
        }
    }

    /// A connection `open_connection` let in has ended.
    pub fn close_connection(&self, ip: std::net::IpAddr) {
        let mut c = self.connections.lock().unwrap_or_else(|p| p.into_inner());
        c.close(ip);
        self.metrics
            .edge
            .connections
            .store(c.total() as u64, Ordering::Relaxed);
    }

    /// The stateless answer to a request the stack cannot read (`sip::unreadable`), or `None` when
    /// it gets none (an ACK is never answered). An extension method gets 501 once it is valid
    /// (RFC 3261 §8.2.1); a known method whose Request-URI the stack's reader refuses is judged
    /// by the door like any request, and what the door would let in gets 400, since the stack
    /// cannot take it.
    pub fn answer_unreadable(&self, u: &Unreadable, source: SocketAddr) -> Option<Response> {
        let request = match u.known {
            Some(Method::Ack) => return None,
            Some(method) => {
                let mut request = u.request.clone();
                request.method = method;
                request
            }
            None => u.request.clone(),
        };
        let checked = match u.known {
            Some(_) => validate::check(&request),
            None => validate::check_extension(&u.method, &request),
        };
        if let Err(rejection) = checked {
            self.metrics.edge.invalid.fetch_add(1, Ordering::Relaxed);
            debug!(%source, method = %u.method, %rejection, "refusing an invalid request");
            return Some(rejection_response(&request, &rejection, &self.user_agent));
        }
        if u.known.is_none() {
            self.metrics.edge.rejected.fetch_add(1, Ordering::Relaxed);
            debug!(%source, method = %u.method, "an extension method: 501");
            return Some(answer::not_implemented(&request, &self.user_agent));
        }
        let verdict = self.judge(&request, source);
        self.count(verdict);
        match verdict {
            Verdict::Pass => {
                self.metrics.edge.invalid.fetch_add(1, Ordering::Relaxed);
                debug!(%source, method = %u.method, "a Request-URI the stack cannot read: 400");
                let rejection = Rejection::from(validate::Malformed::RequestUri);
                Some(rejection_response(&request, &rejection, &self.user_agent))
            }
            Verdict::Answer(answer) => {
                if let Answer::Busy(_) = answer {
                    self.record(&request, source);
                }
                Some(stateless_response(&request, answer, &self.user_agent))
            }
        }
    }

    /// A whole message from a stream that the stack could not parse: rated like any other, and
    /// answered when it is a request the door can read (`sip::unreadable`); the connection stays.
    async fn answer_unparsed(&self, bytes: &[u8], connection: &SipConnection, from: &SipAddr) {
        let Ok(source) = from.get_socketaddr() else {
            return;
        };
        if !self.let_in(source.ip()) {
            return;
        }
        let Reading::Unreadable(unreadable) =
            unreadable::read(bytes, source, connection.transport())
        else {
            self.metrics.edge.invalid.fetch_add(1, Ordering::Relaxed);
            debug!(%source, len = bytes.len(), "dropping a message nobody can read");
            return;
        };
        let Some(response) = self.answer_unreadable(&unreadable, source) else {
            return;
        };
        send_stateless(connection, response, from).await;
    }

    /// Queues the row of a refused call, or counts it when the queue is full.
    pub fn record(&self, invite: &Request, source: SocketAddr) {
        let refused = Refused {
            invite: invite.clone(),
            source,
        };
        if self.refused.try_send(refused).is_err() {
            self.metrics
                .edge
                .refused_unrecorded
                .fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[async_trait::async_trait]
impl TransportEventInspector for EdgeInspector {
    async fn handle(&self, event: TransportEvent) -> Option<TransportEvent> {
        let (mut req, connection, from) = match event {
            TransportEvent::Incoming(SipMessage::Request(req), connection, from) => {
                (req, connection, from)
            }
            TransportEvent::Unparsed(bytes, connection, from) => {
                self.0.answer_unparsed(&bytes, &connection, &from).await;
                return None;
            }
            event => return Some(event),
        };
        readable_tags(&mut req);
        let Ok(source) = from.get_socketaddr() else {
            return None;
        };
        let edge = &self.0;
        // A datagram was rated before it was parsed; a stream's messages are rated here.
        let stream = is_stream(&connection);
        if stream && !edge.let_in(source.ip()) {
            return None;
        }
        let verdict = edge.judge(&req, source);
        if let Some(rejection) = edge.invalid(&req, verdict) {
            edge.metrics.edge.invalid.fetch_add(1, Ordering::Relaxed);
            debug!(%source, method = %req.method, %rejection, "refusing an invalid request");
            // An ACK is never answered (RFC 3261 §17.2.1): a broken one is only dropped.
            if req.method != Method::Ack {
                let resp = rejection_response(&req, &rejection, &edge.user_agent);
                send_stateless(&connection, resp, &from).await;
            }
            return None;
        }
        edge.count(verdict);
        match verdict {
            Verdict::Pass => Some(TransportEvent::Incoming(req.into(), connection, from)),
            Verdict::Answer(answer) => {
                match answer {
                    Answer::Forbidden if edge.may_log(0) => {
                        let total = edge.metrics.edge.forbidden.load(Ordering::Relaxed);
                        warn!(%source, total, "INVITE from outside the trunk allow-list: 403");
                    }
                    Answer::Busy(refusal) => {
                        if edge.may_log(1) {
                            let total = edge.metrics.refused_calls.load(Ordering::Relaxed);
                            warn!(%source, ?refusal, total, "refusing a new call: 503");
                        }
                        edge.record(&req, source);
                    }
                    _ => {}
                }
                let resp = stateless_response(&req, answer, &edge.user_agent);
                send_stateless(&connection, resp, &from).await;
                None
            }
        }
    }
}

/// A TCP or TLS connection (rsipstack's own test is private to it).
fn is_stream(connection: &SipConnection) -> bool {
    matches!(connection, SipConnection::Tcp(_) | SipConnection::Tls(_))
}

/// How long a stateless answer may wait to be written to a connection before the connection is
/// closed.
const STREAM_WRITE: Duration = Duration::from_secs(2);

/// Writes a stateless answer to where the request came from. A datagram goes at once. On a
/// connection the write can block for as long as the peer does not read, and the inspector runs
/// inside the stack's one event loop: a stranger who sends OPTIONS and never reads would stop all
/// SIP once the socket's buffer filled. So over TCP and TLS the answer is written from a task of
/// its own, and a connection whose peer has not taken it within [`STREAM_WRITE`] is closed. Those
/// tasks are bounded by the per-source rate times the deadline.
async fn send_stateless(connection: &SipConnection, response: Response, to: &SipAddr) {
    if !is_stream(connection) {
        if let Err(e) = connection.send(response.into(), Some(to)).await {
            debug!(%to, error = %e, "cannot send a stateless response");
        }
        return;
    }
    let (connection, to) = (connection.clone(), to.clone());
    tokio::spawn(async move {
        match tokio::time::timeout(STREAM_WRITE, connection.send(response.into(), Some(&to))).await
        {
            Ok(Ok(())) => {}
            Ok(Err(e)) => debug!(%to, error = %e, "cannot send a stateless response"),
            Err(_) => {
                debug!(%to, "a peer that does not read its answers: closing its connection");
                // TLS says goodbye on close, which a full buffer can hold up too.
                match tokio::time::timeout(STREAM_WRITE, connection.close()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => debug!(%to, error = %e, "cannot close a connection"),
                    Err(_) => debug!(%to, "a connection that cannot even be closed in time"),
                }
            }
        }
    });
}

/// rsipstack reads no tag from `; tag = 98asjd8`, which RFC 3261's grammar allows (LWS around
/// `;` and `=`, RFC 4475 §3.1.1.1): without a From tag it cannot name the transaction and drops
/// the request, and without the To tag it takes a request for a dialog as a new one. Such a From
/// or To is rewritten without that LWS; what is malformed is left for `sip::validate` to refuse.
fn readable_tags(req: &mut Request) {
    if !matches!(req.from_header().and_then(|f| f.tag()), Ok(Some(_))) {
        for h in req.headers.iter_mut() {
            if let Header::From(from) = h
                && let Some(a) = address(&from.0).filter(|a| a.tag().is_some())
            {
                from.0 = a.canonical();
            }
        }
    }
    if !matches!(req.to_header().and_then(|t| t.tag()), Ok(Some(_))) {
        for h in req.headers.iter_mut() {
            if let Header::To(to) = h
                && let Some(a) = address(&to.0).filter(|a| a.tag().is_some())
            {
                to.0 = a.canonical();
            }
        }
    }
}

/// The transport inspector handed to rsipstack (it takes ownership of a box).
pub struct EdgeInspector(pub Arc<Edge>);

/// A hash of the request's Call-ID and top Via (whose branch names the transaction).
fn transaction_of(req: &Request) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    if let Ok(c) = req.call_id_header() {
        c.value().hash(&mut h);
    }
    if let Ok(via) = req.top_via_header() {
        via.value().hash(&mut h);
    }
    h.finish()
}

/// Writes the rows of refused calls, one at a time, until shutdown.
async fn write_refused_rows(
    mut rows: mpsc::Receiver<Refused>,
    store: Store,
    identity: request::IdentityPolicy,
    node: String,
    metrics: Arc<NodeMetrics>,
    shutdown: CancellationToken,
) {
    loop {
        let refused = tokio::select! {
            r = rows.recv() => match r {
                Some(r) => r,
                None => return,
            },
            _ = shutdown.cancelled() => return,
        };
        let caller = identity.caller(&refused.invite, Some(refused.source));
        let call = NewCall {
            id: crate::store::new_call_id(),
            sip_call_id: refused
                .invite
                .call_id_header()
                .ok()
                .map(|c| c.value().to_string()),
            direction: "inbound",
            phone: caller.phone,
            caller_raw: caller.number,
            from_number: caller.from,
            asserted_number: caller.asserted,
            source: caller.source.map(|s| s.to_string()),
            started_at: chrono::Utc::now(),
            node: Some(node.clone()),
        };
        if let Err(e) = store.insert_refused_call(&call).await {
            metrics
                .edge
                .refused_unrecorded
                .fetch_add(1, Ordering::Relaxed);
            warn!(error = %e, "cannot write the row of a refused call (counted)");
        }
    }
}
