//! SIP over TCP and TLS. The stack can listen by itself, but then it accepts every connection,
//! waits forever on a TLS handshake and lets one host hold as many sockets as it likes. So the
//! accept loops are ours: the door (`gate::Connections`, through `Edge`) decides whether a
//! connection may stay before anything is allocated for it, a handshake has a deadline, and every
//! connection gives its place back when it ends, however it ends. What is accepted is handed to
//! the stack, which reads it (at most 64 KiB a message, closed after `connection_idle_seconds`
//! of silence) and sends every message through the same inspector as a datagram, so the
//! per-source rate and the door's verdicts apply to streams too.

use super::edge::Edge;
use rsipstack::sip::transport::Transport;
use rsipstack::transaction::endpoint::EndpointInner;
use rsipstack::transport::tcp::TcpConnection;
use rsipstack::transport::tls::{TlsConfig, TlsConnection};
use rsipstack::transport::{SipAddr, SipConnection};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("cannot listen for SIP on {transport} {addr}: {source}")]
    Bind {
        transport: &'static str,
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Pem { path: PathBuf, message: String },
    #[error("the TLS certificate and key do not go together: {0}")]
    Tls(#[from] tokio_rustls::rustls::Error),
}

/// Pending connections the kernel keeps for us while the accept loop is busy.
const BACKLOG: i32 = 1024;

/// Binds a listening TCP socket (for plain TCP or TLS).
pub fn listen(addr: SocketAddr, transport: &'static str) -> Result<TcpListener, StreamError> {
    use socket2::{Domain, Protocol, Socket, Type};
    let bind = |source| StreamError::Bind {
        transport,
        addr,
        source,
    };
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(bind)?;
    socket.set_reuse_address(true).map_err(bind)?;
    socket.set_nonblocking(true).map_err(bind)?;
    socket.bind(&addr.into()).map_err(bind)?;
    socket.listen(BACKLOG).map_err(bind)?;
    TcpListener::from_std(socket.into()).map_err(bind)
}

fn read(path: &Path) -> Result<Vec<u8>, StreamError> {
    std::fs::read(path).map_err(|source| StreamError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn pem_error(path: &Path, message: impl std::fmt::Display) -> StreamError {
    StreamError::Pem {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// The TLS listener's acceptor, from a PEM certificate chain and private key.
pub fn acceptor(certificate: &Path, key: &Path) -> Result<TlsAcceptor, StreamError> {
    let chain = CertificateDer::pem_slice_iter(&read(certificate)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(certificate, e))?;
    if chain.is_empty() {
        return Err(pem_error(certificate, "no certificate in the file"));
    }
    let key_der = PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|e| pem_error(key, e))?;
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key_der)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// What the stack trusts when it opens a TLS connection itself: the CA file, checked here so a
/// broken one fails at start rather than at the first call.
pub fn client_config(ca: &Path) -> Result<TlsConfig, StreamError> {
    let pem = read(ca)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(ca, e))?;
    if certs.is_empty() {
        return Err(pem_error(ca, "no certificate in the file"));
    }
    Ok(TlsConfig {
        ca_certs: Some(pem),
        ..Default::default()
    })
}

/// A bound listener and what it speaks.
pub struct StreamListener {
    pub listener: TcpListener,
    pub local: SocketAddr,
    /// `None`: plain TCP.
    pub tls: Option<TlsAcceptor>,
}

/// Accepts connections until `lifetime` ends. Each one is let in by the door or closed at once;
/// a TLS one must finish its handshake within `handshake`.
pub async fn serve(
    listener: StreamListener,
    stack: Arc<EndpointInner>,
    edge: Arc<Edge>,
    handshake: Duration,
    lifetime: CancellationToken,
) {
    let transport = if listener.tls.is_some() {
        Transport::Tls
    } else {
        Transport::Tcp
    };
    let local = SipAddr {
        r#type: Some(transport),
        addr: listener.local.into(),
    };
    loop {
        let (stream, peer) = tokio::select! {
            _ = lifetime.cancelled() => return,
            accepted = listener.listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, mostly: wait a little rather than spin.
                    warn!(error = %e, %transport, "cannot accept a SIP connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if !edge.open_connection(peer.ip()) {
            // Dropping the stream closes it: nothing was read, nothing kept.
            continue;
        }
        let _ = stream.set_nodelay(true);
        let token = lifetime.child_token();
        let (stack, edge, local) = (stack.clone(), edge.clone(), local.clone());
        match &listener.tls {
            None => {
                hand_over(
                    tcp(stream, local, token.clone()),
                    &stack,
                    &edge,
                    peer,
                    token,
                );
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let conn = tokio::time::timeout(handshake, acceptor.accept(stream)).await;
                    let conn = match conn {
                        Ok(Ok(tls)) => {
                            let remote = SipAddr {
                                r#type: Some(Transport::Tls),
                                addr: peer.into(),
                            };
                            TlsConnection::from_server_stream(
                                tls,
                                local,
                                remote,
                                Some(token.clone()),
                            )
                            .await
                            .map(SipConnection::Tls)
                            .map_err(|e| e.to_string())
                        }
                        Ok(Err(e)) => Err(format!("handshake failed: {e}")),
                        Err(_) => Err("handshake not done in time".to_string()),
                    };
                    hand_over(conn, &stack, &edge, peer, token);
                });
            }
        }
    }
}

fn tcp(
    stream: TcpStream,
    local: SipAddr,
    token: CancellationToken,
) -> Result<SipConnection, String> {
    TcpConnection::from_stream(stream, local, Some(token))
        .map(SipConnection::Tcp)
        .map_err(|e| e.to_string())
}

/// Gives an accepted connection to the stack, and its place in the door back when it ends: the
/// stack cancels the connection's token when it retires it (peer gone, idle, error), and the
/// transport's lifetime cancels it at shutdown.
fn hand_over(
    conn: Result<SipConnection, String>,
    stack: &EndpointInner,
    edge: &Arc<Edge>,
    peer: SocketAddr,
    token: CancellationToken,
) {
    match conn {
        Ok(conn) => {
            debug!(%peer, "SIP connection accepted");
            stack.transport_layer.add_connection(conn);
            let edge = edge.clone();
            tokio::spawn(async move {
                token.cancelled().await;
                edge.close_connection(peer.ip());
            });
        }
        Err(message) => {
            debug!(%peer, %message, "SIP connection dropped");
            edge.close_connection(peer.ip());
        }
    }
}
