//! A second channel: events that matter outside (a callback planned, …) POSTed as JSON to the
//! configured webhooks, signed with HMAC-SHA256, from a durable outbox in the store.
//!
//! - this module: the signature, the backoff, the event bodies (pure);
//! - [`deliver`]: the node's delivery task (HTTP/1.1, over TLS for `https://` receivers);
//! - [`event`]: the typed events and who subscribed to which;
//! - [`email`]: the promise e-mailed to the client (SMTP through lettre), from the same outbox.

pub mod deliver;
pub mod email;
pub mod event;
mod tls;

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `X-Frontdesk-Signature: sha256=<hex>` over the exact body.
pub const SIGNATURE_HEADER: &str = "x-frontdesk-signature";

/// The header value for `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // An HMAC key may be any length: this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// When attempt `attempts + 1` is due after a failure: 5 s, 10 s, 20 s, … at most an hour.
pub fn next_attempt(attempts: u32, now: DateTime<Utc>) -> DateTime<Utc> {
    let secs = 5i64.saturating_mul(1i64 << attempts.min(20)).min(3600);
    now + Duration::seconds(secs)
}

/// The body of an event: `{"event": …, "at": …, "data": …}`.
pub fn body(event: &str, at: DateTime<Utc>, data: &serde_json::Value) -> String {
    serde_json::json!({ "event": event, "at": at, "data": data }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_to_an_hour() {
        let t = Utc::now();
        let gaps: Vec<i64> = (0..12)
            .map(|a| (next_attempt(a, t) - t).num_seconds())
            .collect();
        assert_eq!(&gaps[..5], &[5, 10, 20, 40, 80]);
        assert_eq!(gaps[11], 3600);
        assert_eq!((next_attempt(u32::MAX, t) - t).num_seconds(), 3600);
    }
}
