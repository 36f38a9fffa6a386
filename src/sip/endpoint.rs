//! The SIP endpoint (UDP, and TCP and TLS through `streams`) and the loop that routes every
//! incoming transaction.

use super::call::CallContext;
use super::datagram::DoorSocket;
use super::edge::{self, Edge, EdgeInspector};
use super::streams::{self, StreamError, StreamListener};
use super::{admission, request};
use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, Param, StatusCode, Transport, Uri};
use rsipstack::transaction::TransactionReceiver;
use rsipstack::transaction::endpoint::Endpoint;
use rsipstack::transaction::endpoint::EndpointOption;
use rsipstack::transport::tls::TlsConfig;
use rsipstack::transport::{SipConnection, TransportLayer, udp::UdpConnection};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, warn};

#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("cannot listen for SIP on udp {addr}: {message}")]
    Bind { addr: SocketAddr, message: String },
    #[error(transparent)]
    Stream(#[from] StreamError),
}

/// Where and how the endpoint listens, read from `sip_listen` and `[sip]`.
pub struct Listen {
    pub udp: SocketAddr,
    /// TCP on the UDP socket's address and port.
    pub tcp: bool,
    pub tls: Option<(SocketAddr, tokio_rustls::TlsAcceptor)>,
    /// What the stack trusts when it opens TLS connections itself.
    pub tls_client: Option<TlsConfig>,
    pub handshake: Duration,
    pub idle: Duration,
}

impl Listen {
    /// Reads the certificate, key and CA files now, so a broken one fails the start.
    pub fn from_config(udp: SocketAddr, sip: &crate::config::Sip) -> Result<Listen, SipError> {
        let tls = match (&sip.tls_listen, &sip.tls_certificate, &sip.tls_private_key) {
            (Some(addr), Some(cert), Some(key)) => Some((*addr, streams::acceptor(cert, key)?)),
            _ => None,
        };
        // Unset: the system's CA bundle, as any TLS client trusts by default (a public-CA trunk
        // works out of the box); no bundle either: the stack trusts nothing and says so.
        let system = Path::new(SYSTEM_CA_BUNDLE);
        let ca = sip
            .tls_ca
            .as_deref()
            .or_else(|| system.exists().then_some(system));
        let tls_client = ca.map(streams::client_config).transpose()?;
        Ok(Listen {
            udp,
            tcp: sip.tcp,
            tls,
            tls_client,
            handshake: Duration::from_secs(sip.tls_handshake_seconds),
            idle: Duration::from_secs(sip.connection_idle_seconds),
        })
    }
}

/// Where Debian's ca-certificates keeps the system's trusted CAs.
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// A bound, not yet serving, SIP endpoint.
pub struct SipEndpoint {
    endpoint: Endpoint,
    incoming: TransactionReceiver,
    pub local: SocketAddr,
    /// The TCP and TLS listeners' addresses, when they listen.
    pub tcp: Option<SocketAddr>,
    pub tls: Option<SocketAddr>,
    streams: Vec<StreamListener>,
    handshake: Duration,
    /// Shutdown asked: stop taking calls, hang up the ones in progress, unregister.
    token: CancellationToken,
    /// The transport's own lifetime: it outlives `token` until the BYEs and the unregister are out.
    transport: CancellationToken,
    edge: Arc<Edge>,
}

/// Binds the UDP socket: a taken port fails `serve` before anything answers. Every request passes
/// `edge` before the stack sees it.
pub async fn bind(
    config: Listen,
    token: CancellationToken,
    edge: Arc<Edge>,
) -> Result<SipEndpoint, SipError> {
    let listen = config.udp;
    let bind_err = |e: rsipstack::Error| SipError::Bind {
        addr: listen,
        message: e.to_string(),
    };
    let lifetime = CancellationToken::new();
    let transport = TransportLayer::new(lifetime.clone());
    let (socket, tcp_listener) = bind_udp_and_tcp(listen, config.tcp)?;
    // The door's socket rates every datagram and answers what the stack cannot parse.
    let socket = Arc::new(DoorSocket::new(socket, edge.clone()));
    let udp = UdpConnection::from_socket(socket, None, Some(lifetime.child_token()))
        .await
        .map_err(bind_err)?;
    transport.add_transport(udp.into());
    transport.set_stream_idle_timeout(config.idle);
    if let Some(tls) = config.tls_client {
        transport.set_tls_config(tls);
    }
    let option = EndpointOption {
        callid_suffix: Some("frontdesk".into()),
        ..Default::default()
    };
    let endpoint = EndpointBuilder::new()
        .with_cancel_token(lifetime.clone())
        .with_transport_layer(transport)
        .with_user_agent(concat!("frontdesk/", env!("CARGO_PKG_VERSION")))
        .with_option(option)
        .with_transport_inspector(Box::new(EdgeInspector(edge.clone())))
        .build();
    let local = endpoint
        .get_addrs()
        .first()
        .and_then(|a| a.addr.to_string().parse::<SocketAddr>().ok())
        .ok_or_else(|| SipError::Bind {
            addr: listen,
            message: "no local address".into(),
        })?;
    let incoming = endpoint.incoming_transactions().map_err(bind_err)?;
    let mut listeners = Vec::new();
    if let Some(listener) = tcp_listener {
        listeners.push(StreamListener {
            local: listener.local_addr().unwrap_or(local),
            listener,
            tls: None,
        });
    }
    if let Some((addr, acceptor)) = config.tls {
        let listener = streams::listen(addr, "tls")?;
        listeners.push(StreamListener {
            local: listener.local_addr().unwrap_or(addr),
            listener,
            tls: Some(acceptor),
        });
    }
    let of = |tls: bool| {
        listeners
            .iter()
            .find(|l| l.tls.is_some() == tls)
            .map(|l| l.local)
    };
    Ok(SipEndpoint {
        tcp: of(false),
        tls: of(true),
        streams: listeners,
        handshake: config.handshake,
        endpoint,
        incoming,
        local,
        token,
        transport: lifetime,
        edge,
    })
}

/// The kernel's receive buffer for the SIP socket. A flood fills the default (about 200 KB, a few
/// hundred datagrams) in a couple of milliseconds, and then the kernel drops whatever comes next,
/// the PBX's requests included; a larger one rides out the moments the reader is not scheduled.
/// The kernel caps it at `net.core.rmem_max`.
const RECEIVE_BUFFER: usize = 4 << 20;

/// Attempts at finding a port free for both UDP and TCP when the configured port is 0.
const EPHEMERAL_ATTEMPTS: usize = 16;

/// The UDP socket and, with `tcp`, the TCP listener on the same port. With port 0 the kernel
/// picks the UDP port, and that number may be taken for TCP (any outgoing connection can hold it):
/// then another port is drawn, so a start on an ephemeral port never fails by chance.
fn bind_udp_and_tcp(
    listen: SocketAddr,
    tcp: bool,
) -> Result<(tokio::net::UdpSocket, Option<tokio::net::TcpListener>), SipError> {
    let attempts = if listen.port() == 0 && tcp {
        EPHEMERAL_ATTEMPTS
    } else {
        1
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let socket = udp_socket(listen).map_err(|e| SipError::Bind {
            addr: listen,
            message: e.to_string(),
        })?;
        if !tcp {
            return Ok((socket, None));
        }
        let port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
        match streams::listen(SocketAddr::new(listen.ip(), port), "tcp") {
            Ok(listener) => return Ok((socket, Some(listener))),
            Err(e) if attempt < attempts => {
                tracing::debug!(error = %e, "TCP port taken beside the UDP one: drawing another");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn udp_socket(listen: SocketAddr) -> std::io::Result<tokio::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(
        Domain::for_address(listen),
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    if let Err(e) = socket.set_recv_buffer_size(RECEIVE_BUFFER) {
        warn!(error = %e, "cannot enlarge the SIP socket's receive buffer");
    }
    socket.set_nonblocking(true)?;
    socket.bind(&listen.into())?;
    let granted = socket.recv_buffer_size().unwrap_or(0);
    tracing::debug!(granted, "SIP socket receive buffer");
    tokio::net::UdpSocket::from_std(socket.into())
}

impl SipEndpoint {
    /// Serves until the token is cancelled, then waits for every call to close its books.
    pub async fn run(self, ctx: Arc<CallContext>) -> Result<(), String> {
        let SipEndpoint {
            endpoint,
            incoming,
            local,
            tcp,
            tls,
            streams: listeners,
            handshake,
            token,
            transport,
            edge,
        } = self;
        for listener in listeners {
            tokio::spawn(streams::serve(
                listener,
                endpoint.inner.clone(),
                edge.clone(),
                handshake,
                transport.child_token(),
            ));
        }
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        edge.set_dialogs(dialogs.clone());
        let contact = Uri {
            scheme: Some(rsipstack::sip::Scheme::Sip),
            host_with_port: local.into(),
            ..Default::default()
        };
        info!(%local, ?tcp, ?tls, "sip listening");
        let contacts = Contacts {
            udp: contact.clone(),
            tcp: tcp.map(|a| transport_contact(a, Transport::Tcp)),
            tls: tls.map(|a| transport_contact(a, Transport::Tls)),
        };
        let calls = tokio_util::task::TaskTracker::new();
        // In register mode the binding lives as long as the endpoint and is removed at shutdown,
        // while the endpoint still serves (so the unregister can be answered).
        let registration = (ctx.config.pbx.mode == crate::config::PbxMode::Register).then(|| {
            let stop = CancellationToken::new();
            let task = tokio::spawn(super::register::keep_registered(
                endpoint.inner.clone(),
                ctx.config.pbx.clone(),
                stop.clone(),
            ));
            (stop, task)
        });
        let dispatching = dispatch(
            ctx.clone(),
            dialogs.clone(),
            contact.clone(),
            calls.clone(),
            token.clone(),
        );
        tokio::spawn(dispatching);
        let prober = crate::presence::prober::Prober {
            store: ctx.store.clone(),
            config: ctx.config.clone(),
            endpoint: endpoint.inner.clone(),
            contact: contact.clone(),
            destination: super::leg::agent_destination(&ctx.config),
        };
        tokio::spawn(prober.run(token.clone()));
        let serving = endpoint.serve();
        tokio::pin!(serving);
        let routing = route(
            dialogs.clone(),
            incoming,
            contacts,
            ctx,
            edge,
            calls.clone(),
            token.clone(),
        );
        tokio::pin!(routing);
        tokio::select! {
            _ = &mut serving => {}
            _ = &mut routing => {}
            _ = token.cancelled() => {}
        }
        // Keep serving (answering the BYEs' responses and new requests with 503) while the calls
        // hang up and the registration is removed; then close the transport.
        calls.close();
        let drain = async {
            calls.wait().await;
            if let Some((stop, task)) = registration {
                stop.cancel();
                let _ = task.await;
            }
        };
        tokio::select! {
            _ = drain => {}
            _ = &mut serving => {}
            _ = &mut routing => {}
        }
        transport.cancel();
        Ok(())
    }
}

/// Dials due callbacks from this node (unless `[callbacks] dispatch` is off). Each job is a call
/// tracked with the inbound ones, so shutdown drains both.
async fn dispatch(
    ctx: Arc<CallContext>,
    dialogs: Arc<DialogLayer>,
    contact: Uri,
    calls: tokio_util::task::TaskTracker,
    token: CancellationToken,
) {
    let cfg = &ctx.config.callbacks;
    if !cfg.dispatch {
        info!("callback dispatch is off on this node");
        return;
    }
    let dispatcher = crate::dispatch::Dispatcher::new(
        ctx.store.clone(),
        ctx.planner.clone(),
        ctx.node.clone(),
        crate::dispatch::DispatchSettings {
            owner_wait: chrono::Duration::minutes(i64::from(cfg.owner_wait_minutes)),
            lease: chrono::Duration::seconds(cfg.lease_seconds as i64),
        },
        Arc::new(crate::dispatch::SystemClock),
    );
    let waiting = {
        let ctx = ctx.clone();
        // Callers waiting on any node come first.
        move || ctx.router.line_waiting()
    };
    let start = {
        let token = token.clone();
        move |job: crate::dispatch::Job, guard| {
            let span = tracing::info_span!(
                "callback",
                id = tracing::field::Empty,
                callback = job.callback.id
            );
            let run = super::callback::run(
                ctx.clone(),
                dialogs.clone(),
                contact.clone(),
                job,
                guard,
                token.child_token(),
            );
            calls.spawn(run.instrument(span));
        }
    };
    dispatcher.run(waiting, start, token).await;
}

/// Routes what passed the door: requests in a dialog to it, new INVITEs to a new call. The door
/// has already refused strangers and calls over the rate; the checks here close the gap between
/// its view of the load and the calls that have started since.
async fn route(
    dialogs: Arc<DialogLayer>,
    mut incoming: TransactionReceiver,
    contacts: Contacts,
    ctx: Arc<CallContext>,
    edge: Arc<Edge>,
    calls: tokio_util::task::TaskTracker,
    token: CancellationToken,
) {
    while let Some(mut tx) = incoming.recv().await {
        let in_dialog = tx
            .original
            .to_header()
            .ok()
            .and_then(|to| to.tag().ok().flatten())
            .is_some();
        if in_dialog {
            match dialogs.match_dialog(&tx) {
                Some(mut d) => {
                    tokio::spawn(async move {
                        let _ = d.handle(&mut tx).await;
                    });
                }
                None => {
                    let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                }
            }
            continue;
        }
        match tx.original.method {
            Method::Invite => {
                let peer = request::peer_of(&tx);
                if !request::source_allowed(peer.map(|p| p.ip()), &ctx.allowed_sources) {
                    warn!(?peer, "INVITE from outside the trunk allow-list: 403");
                    let _ = tx.reply(StatusCode::Forbidden).await;
                    continue;
                }
                let refusal = if token.is_cancelled() {
                    Some(admission::Refusal::ShuttingDown)
                } else if ctx.active_calls() >= ctx.max_calls {
                    Some(admission::Refusal::Full)
                } else {
                    None
                };
                if let Some(refusal) = refusal {
                    warn!(
                        ?refusal,
                        active = ctx.active_calls(),
                        "refusing a new call: 503"
                    );
                    let secs = admission::retry_after(refusal).as_secs().to_string();
                    let retry = Header::Other("Retry-After".into(), secs);
                    let _ = tx
                        .reply_with(StatusCode::ServiceUnavailable, vec![retry], None)
                        .await;
                    ctx.metrics
                        .refused_calls
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if let Some(peer) = peer {
                        edge.record(&tx.original, peer);
                    }
                    continue;
                }
                let span = tracing::info_span!("call", id = tracing::field::Empty);
                let ctx = ctx.clone();
                let dialogs = dialogs.clone();
                let contact = contacts.of(tx.connection.as_ref());
                let token = token.child_token();
                calls.spawn(
                    async move { super::call::run(ctx, tx, dialogs, contact, token).await }
                        .instrument(span),
                );
            }
            Method::Options => {
                let allow = Header::Other("Allow".into(), edge::ALLOW.into());
                let _ = tx.reply_with(StatusCode::OK, vec![allow], None).await;
            }
            Method::Ack => {}
            Method::Bye | Method::Cancel | Method::Info | Method::Update => {
                let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
            }
            _ => {
                let allow = Header::Other("Allow".into(), edge::ALLOW.into());
                let _ = tx
                    .reply_with(StatusCode::MethodNotAllowed, vec![allow], None)
                    .await;
            }
        }
    }
}

/// Our Contact for each transport: in-dialog requests of a call that came over TCP or TLS come
/// back the same way.
struct Contacts {
    udp: Uri,
    tcp: Option<Uri>,
    tls: Option<Uri>,
}

impl Contacts {
    fn of(&self, connection: Option<&SipConnection>) -> Uri {
        let stream = match connection {
            Some(SipConnection::Tcp(_)) => self.tcp.as_ref(),
            Some(SipConnection::Tls(_)) => self.tls.as_ref(),
            _ => None,
        };
        stream.unwrap_or(&self.udp).clone()
    }
}

fn transport_contact(addr: SocketAddr, transport: Transport) -> Uri {
    Uri {
        scheme: Some(rsipstack::sip::Scheme::Sip),
        host_with_port: addr.into(),
        params: vec![Param::Transport(transport)],
        ..Default::default()
    }
}
