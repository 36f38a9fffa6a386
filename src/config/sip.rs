//! `[sip]`: the SIP door's limits (see `sip::gate` and docs/security.md).

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Limits of the SIP door, applied by source address before the stack keeps any state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sip {
    /// Requests per second from one trunk source (the PBX); above it they are dropped.
    pub trunk_requests_per_second: u32,
    /// Requests per second from any other source (agents' phones, strangers).
    pub requests_per_second_per_source: u32,
    /// Sources remembered for their rates; beyond this many, strangers share one budget.
    pub tracked_sources: usize,
    /// SIP over TCP too, on the same address and port as UDP (`sip_listen`).
    pub tcp: bool,
    /// SIP over TLS on this address (off unless set); needs `tls_certificate` and
    /// `tls_private_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_listen: Option<SocketAddr>,
    /// The TLS listener's certificate chain (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_certificate: Option<PathBuf>,
    /// The TLS listener's private key (PEM, PKCS#8, PKCS#1 or SEC1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_private_key: Option<PathBuf>,
    /// CA certificates (PEM) trusted when we open a TLS connection (agents' phones, the
    /// registrar, the outbound proxy). Without it such connections fail verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ca: Option<PathBuf>,
    /// TCP and TLS connections open at once, from everyone.
    pub max_connections: usize,
    /// TCP and TLS connections open at once from one address (trunk sources: only the total).
    pub max_connections_per_source: usize,
    /// A TLS handshake not done within this many seconds is cut off.
    pub tls_handshake_seconds: u64,
    /// A connection that sends nothing for this many seconds is closed.
    pub connection_idle_seconds: u64,
}

impl Default for Sip {
    fn default() -> Self {
        Sip {
            trunk_requests_per_second: 10_000,
            requests_per_second_per_source: 50,
            tracked_sources: 10_000,
            tcp: true,
            tls_listen: None,
            tls_certificate: None,
            tls_private_key: None,
            tls_ca: None,
            max_connections: 1024,
            max_connections_per_source: 16,
            tls_handshake_seconds: 5,
            connection_idle_seconds: 300,
        }
    }
}

impl Sip {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (key, v) in [
            (
                "sip.trunk_requests_per_second",
                self.trunk_requests_per_second as usize,
            ),
            (
                "sip.requests_per_second_per_source",
                self.requests_per_second_per_source as usize,
            ),
            ("sip.tracked_sources", self.tracked_sources),
            ("sip.max_connections", self.max_connections),
            (
                "sip.max_connections_per_source",
                self.max_connections_per_source,
            ),
            (
                "sip.tls_handshake_seconds",
                self.tls_handshake_seconds as usize,
            ),
            (
                "sip.connection_idle_seconds",
                self.connection_idle_seconds as usize,
            ),
        ] {
            if v == 0 {
                return Err(ConfigError::Key {
                    key,
                    message: "must be at least 1".into(),
                });
            }
        }
        if self.tls_listen.is_some()
            && (self.tls_certificate.is_none() || self.tls_private_key.is_none())
        {
            return Err(ConfigError::Key {
                key: "sip.tls_listen",
                message: "needs sip.tls_certificate and sip.tls_private_key".into(),
            });
        }
        Ok(())
    }
}
