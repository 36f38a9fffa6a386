//! `[notify]`: who else hears about what happens (a CRM, an SMS gateway), by webhook.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Notify {
    /// Every event is POSTed to each of these.
    pub webhooks: Vec<Webhook>,
    /// Attempts per delivery before it is given up (`failed`).
    pub max_attempts: u32,
    /// The promise e-mailed to a client whose card has an address; off when unset.
    pub email: Option<Email>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// The SMTP relay (plain SMTP, as to a local relay that does TLS onwards).
    pub host: String,
    #[serde(default = "smtp_port")]
    pub port: u16,
    /// The sender, e.g. `"Example Ltd <callbacks@example.com>"`.
    pub from: String,
}

fn smtp_port() -> u16 {
    25
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            webhooks: Vec::new(),
            max_attempts: 12,
            email: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// `http://host:port/path` (plain HTTP: put a TLS-terminating proxy in front for HTTPS).
    pub url: String,
    /// The HMAC-SHA256 key of the `X-Frontdesk-Signature` header.
    pub secret: String,
}

impl Notify {
    pub fn urls(&self) -> Vec<String> {
        self.webhooks.iter().map(|w| w.url.clone()).collect()
    }

    pub fn secret(&self, url: &str) -> Option<&str> {
        self.webhooks
            .iter()
            .find(|w| w.url == url)
            .map(|w| w.secret.as_str())
    }
}
