//! The callback promise e-mailed to the client: an outbox row (`mailto:<address>`, body
//! `{"to", "subject", "text"}`) sent through the `[notify.email]` SMTP relay with lettre.

use super::deliver::DeliverError;
use crate::config::Email;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Deserialize)]
struct Outgoing {
    to: String,
    subject: String,
    text: String,
}

/// Sends one queued e-mail; an error is retried like a webhook.
pub async fn send(cfg: &Email, body: &str) -> Result<(), DeliverError> {
    let bad = |e: &dyn std::fmt::Display| DeliverError::Email(e.to_string());
    let out: Outgoing = serde_json::from_str(body).map_err(|e| bad(&e))?;
    let message = Message::builder()
        .from(cfg.from.parse().map_err(|e| bad(&e))?)
        .to(out.to.parse().map_err(|e| bad(&e))?)
        .subject(out.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(out.text)
        .map_err(|e| bad(&e))?;
    let mailer = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.as_str())
        .port(cfg.port)
        .timeout(Some(Duration::from_secs(10)))
        .build();
    mailer.send(message).await.map_err(|e| bad(&e))?;
    Ok(())
}
