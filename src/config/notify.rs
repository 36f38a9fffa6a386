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
    /// `https://host[:port]/path` (checked against the system's root certificates, or `ca`), or
    /// `http://…` for a receiver on a trusted network.
    pub url: String,
    /// The HMAC-SHA256 key of the `X-Frontdesk-Signature` header.
    pub secret: String,
    /// The events this webhook hears (`["callback.planned", "dnc.added"]`); every event when
    /// unset. The names are listed in `docs/webhooks.md`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    /// For an `https://` URL: trust the certificates in this PEM file instead of the system's
    /// roots (a private CA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<std::path::PathBuf>,
}

impl Notify {
    /// Every webhook's event filter names known events only: a typo would silently mute it.
    pub(super) fn validate(&self) -> Result<(), super::ConfigError> {
        for w in &self.webhooks {
            let https = w.url.starts_with("https://");
            if !https && !w.url.starts_with("http://") {
                return Err(super::ConfigError::Key {
                    key: "notify.webhooks.url",
                    message: format!("{:?} is not an http:// or https:// URL", w.url),
                });
            }
            if w.ca.is_some() && !https {
                return Err(super::ConfigError::Key {
                    key: "notify.webhooks.ca",
                    message: format!("{:?}: a CA file goes with an https:// URL", w.url),
                });
            }
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
        self.webhook(url).map(|w| w.secret.as_str())
    }

    /// The configured webhook a delivery's URL names.
    pub fn webhook(&self, url: &str) -> Option<&Webhook> {
        self.webhooks.iter().find(|w| w.url == url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(url: &str, ca: Option<&str>) -> Notify {
        Notify {
            webhooks: vec![Webhook {
                url: url.into(),
                secret: "s".into(),
                events: None,
                ca: ca.map(Into::into),
            }],
            ..Notify::default()
        }
    }

    #[test]
    fn webhooks_are_http_or_https_and_a_ca_goes_with_https() {
        assert!(one("https://crm.example/hook", None).validate().is_ok());
        assert!(
            one("https://10.0.0.5:8443/hook", Some("/etc/ca.pem"))
                .validate()
                .is_ok()
        );
        assert!(one("http://127.0.0.1:9000/hook", None).validate().is_ok());
        assert!(
            one("http://127.0.0.1:9000/hook", Some("/etc/ca.pem"))
                .validate()
                .is_err()
        );
        assert!(one("ftp://crm.example/hook", None).validate().is_err());
        assert!(one("crm.example/hook", None).validate().is_err());
    }
}
