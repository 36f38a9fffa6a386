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
    /// The events this webhook hears (`["callback.planned", "dnc.added"]`); every event when
    /// unset. The names are listed in `docs/webhooks.md`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
}

impl Notify {
    /// Every webhook's event filter names known events only: a typo would silently mute it.
    pub(super) fn validate(&self) -> Result<(), super::ConfigError> {
        for w in &self.webhooks {
            for e in w.events.iter().flatten() {
                if !crate::notify::event::is_event(e) {
                    return Err(super::ConfigError::Key {
                        key: "notify.webhooks.events",
                        message: format!(
                            "{e:?} is not an event (known: {})",
                            crate::notify::event::EVENT_NAMES.join(", ")
                        ),
                    });
                }
            }
        }
        Ok(())
    }

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
