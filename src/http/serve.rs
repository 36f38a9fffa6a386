//! The HTTP listener. axum's own `serve` accepts every connection and waits as long as a client
//! likes for its request headers, so a few hundred clients sending a byte now and then
//! (slowloris) hold the server and its file descriptors. This accept loop is ours: connections are
//! counted in all and per address before hyper reads a byte (`connections::Connections`; trusted
//! proxies are held only to the total, since every user comes through them), each request's
//! headers have a deadline, and shutdown is graceful as before: stop accepting, let requests in
//! flight finish, then close.

use crate::connections::{ConnectionConfig, Connections};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use tracing::{debug, warn};

/// How long requests in flight may take to finish once shutdown is asked.
const DRAIN: Duration = Duration::from_secs(10);

pub struct ServeLimits {
    pub connections: ConnectionConfig,
    /// A connection must deliver a whole request head within this of being ready for one.
    pub header_timeout: Duration,
}

/// Shared by the accept loop and each connection's task, which gives its place back at the end.
struct Open(Mutex<Connections>);

impl Open {
    fn open(&self, ip: IpAddr) -> bool {
        let mut c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        c.open(ip).is_ok()
    }

    fn close(&self, ip: IpAddr) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).close(ip);
    }
}

/// Serves `app` on `listener` until `shutdown`; `on_shutdown` runs when it is asked (the console's
/// live streams never end by themselves and must be told to).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: CancellationToken,
    on_shutdown: impl FnOnce(),
) {
    let open = Arc::new(Open(Mutex::new(Connections::new(limits.connections))));
    let graceful = GracefulShutdown::new();
    let mut refused_logged = tokio::time::Instant::now() - Duration::from_secs(2);
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, mostly: wait a little rather than spin.
                    warn!(error = %e, "cannot accept an HTTP connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if !open.open(peer.ip()) {
            if refused_logged.elapsed() >= Duration::from_secs(1) {
                refused_logged = tokio::time::Instant::now();
                warn!(%peer, "closing a new HTTP connection: too many open");
            }
            continue;
        }
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req)
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        let open = open.clone();
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                debug!(%peer, error = %e, "HTTP connection ended with an error");
            }
            open.close(peer.ip());
        });
    }
    on_shutdown();
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        warn!("HTTP requests still in flight after the drain: closed");
    }
}

/// `ServeLimits` from `[http]`.
pub fn limits(http: &crate::config::Http) -> ServeLimits {
    ServeLimits {
        connections: ConnectionConfig {
            total: http.max_connections,
            per_source: http.max_connections_per_address,
            unlimited: http.trusted_proxies.clone(),
        },
        header_timeout: Duration::from_secs(http.header_timeout_seconds),
    }
}
