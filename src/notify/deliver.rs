//! The node's webhook deliveries: every second, the due rows of the outbox are POSTed (signed)
//! and marked delivered on a 2xx, else retried with backoff until `max_attempts`. Several nodes
//! on one store may deliver the same due row twice at worst; receivers dedupe by
//! `X-Frontdesk-Delivery`.

use super::{SIGNATURE_HEADER, next_attempt, sign};
use crate::config::Notify;
use crate::store::{Delivery, Store};
use bytes::Bytes;
use chrono::Utc;
use http_body_util::Full;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const TICK: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries per tick: a backlog drains over several ticks rather than in one burst.
const BATCH: i64 = 32;

#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("webhook URL {0:?} is not http(s)://host[:port]/path")]
    Url(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("cannot connect: {0}")]
    Connect(#[from] std::io::Error),
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("request: {0}")]
    Request(#[from] hyper::http::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("answered {0}")]
    Status(u16),
    #[error("the webhook is no longer configured")]
    Unconfigured,
    #[error("e-mail: {0}")]
    Email(String),
}

/// Runs until `token` is cancelled (a component that ends stops the node, so it waits even
/// with nothing to deliver).
pub async fn run(store: Store, notify: Notify, token: CancellationToken) {
    if notify.webhooks.is_empty() && notify.email.is_none() {
        token.cancelled().await;
        return;
    }
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tokio::time::sleep(TICK) => {}
        }
        let due = match store.due_webhooks(Utc::now(), BATCH).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "webhook outbox unreadable");
                continue;
            }
        };
        for d in due {
            deliver_one(&store, &notify, &d).await;
        }
    }
}

async fn deliver_one(store: &Store, notify: &Notify, d: &Delivery) {
    let result = if d.url.starts_with("mailto:") {
        match &notify.email {
            Some(email) => super::email::send(email, &d.body).await.map(|()| 250),
            None => Err(DeliverError::Unconfigured),
        }
    } else {
        match notify.webhook(&d.url) {
            Some(hook) => post(d, &hook.secret, hook.ca.as_deref()).await,
            None => Err(DeliverError::Unconfigured),
        }
    };
    let now = Utc::now();
    let attempts = u32::try_from(d.attempts)
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    let (delivered, status, error, next) = match &result {
        Ok(status) => (true, Some(*status), None, None),
        Err(e) => {
            let status = match e {
                DeliverError::Status(s) => Some(*s),
                _ => None,
            };
            let give_up =
                attempts >= notify.max_attempts || matches!(e, DeliverError::Unconfigured);
            let next = (!give_up).then(|| next_attempt(attempts - 1, now));
            (false, status, Some(e.to_string()), next)
        }
    };
    match &result {
        Ok(_) => tracing::info!(id = d.id, event = %d.event, url = %d.url, "webhook delivered"),
        Err(e) => {
            tracing::warn!(id = d.id, event = %d.event, url = %d.url, attempts, error = %e, retry = ?next, "webhook not delivered")
        }
    }
    if let Err(e) = store
        .webhook_attempt(d.id, now, delivered, status, error.as_deref(), next)
        .await
    {
        tracing::error!(id = d.id, error = %e, "cannot record a webhook attempt");
    }
}

/// One POST (over TLS for `https://`, checked against `ca` or the system's roots); the HTTP
/// status on a 2xx.
async fn post(
    d: &Delivery,
    secret: &str,
    ca: Option<&std::path::Path>,
) -> Result<u16, DeliverError> {
    let uri: hyper::Uri = d
        .url
        .parse()
        .map_err(|_| DeliverError::Url(d.url.clone()))?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(DeliverError::Url(d.url.clone())),
    };
    let host = uri.host().ok_or_else(|| DeliverError::Url(d.url.clone()))?;
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let authority = uri
        .authority()
        .map(|a| a.to_string())
        .ok_or_else(|| DeliverError::Url(d.url.clone()))?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let req = hyper::Request::post(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, sign(secret, d.body.as_bytes()))
        .header("x-frontdesk-event", d.event.as_str())
        .header("x-frontdesk-delivery", d.id.to_string())
        .body(Full::new(Bytes::from(d.body.clone())))?;
    let exchange = async {
        let stream = tokio::net::TcpStream::connect((host, port)).await?;
        if https {
            // An IP address in the URL is checked as one; a name as the name.
            let name = rustls_pki_types::ServerName::try_from(host.trim_matches(['[', ']']))
                .map_err(|e| DeliverError::Tls(format!("{host:?}: {e}")))?
                .to_owned();
            let tls = super::tls::connector(ca)?
                .connect(name, stream)
                .await
                .map_err(|e| DeliverError::Tls(e.to_string()))?;
            send(tls, req).await
        } else {
            send(stream, req).await
        }
    };
    let status = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| DeliverError::Timeout(TIMEOUT))??;
    if (200..300).contains(&status) {
        Ok(status)
    } else {
        Err(DeliverError::Status(status))
    }
}

/// HTTP/1.1 over an open connection: the answer's status.
async fn send<S>(stream: S, req: hyper::Request<Full<Bytes>>) -> Result<u16, DeliverError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let resp = sender.send_request(req).await?;
    Ok(resp.status().as_u16())
}
