//! `[http]`: who the HTTP side believes, which names it answers to, and its abuse limits.
//! See docs/security.md for why each default is what it is.

use super::ConfigError;
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    /// Peers whose `X-Forwarded-For` is believed (reverse proxies). Empty: the socket's peer is
    /// always the client, whatever a header says.
    pub trusted_proxies: Vec<IpNet>,
    /// `Host` values accepted besides the built-in ones (the listen address when it is a specific
    /// one, and localhost, 127.0.0.1 and [::1], all with the bound port). `"*"` accepts any.
    pub allowed_hosts: Vec<HostPattern>,
    /// Failed sign-ins allowed per client address per minute (a burst of this many, refilled evenly).
    pub failures_per_address: u32,
    /// Failed sign-ins allowed per account (a token's key id) per minute, from all addresses.
    pub failures_per_account: u32,
    /// argon2 verifications at once (each takes ~19 MiB); the rest wait up to
    /// `verify_wait_ms`, then get 429.
    pub verify_concurrency: usize,
    pub verify_wait_ms: u64,
    /// How long a token's argon2 check is remembered (by the token's SHA-256). Revoking the
    /// token or disabling its user still takes effect on the next request: every request asks
    /// the store whether the token and its user are live.
    pub token_cache_seconds: u64,
    /// A console session ends this long after its last request...
    pub session_idle_seconds: u64,
    /// ...and this long after sign-in at the latest.
    pub session_absolute_seconds: u64,
    /// Always treat requests as coming over HTTPS: the session cookie is `__Host-fd_session`
    /// with `Secure`. Set it when TLS is terminated in front of this server by something not
    /// listed in `trusted_proxies`; a trusted proxy saying `X-Forwarded-Proto: https` has the
    /// same effect per request.
    pub secure_cookies: bool,
    /// Recording requests per user per minute, with a burst of `recording_burst`.
    pub recording_requests_per_minute: u32,
    pub recording_burst: u32,
    /// HTTP connections open at once; a new one beyond it is closed at once.
    pub max_connections: usize,
    /// HTTP connections open at once from one address (trusted proxies: only the total).
    pub max_connections_per_address: usize,
    /// A connection must deliver a whole request head within this many seconds of being ready
    /// for one (its opening, or the end of the previous response): slow and silent clients, and
    /// kept-alive connections with nothing more to ask, are closed.
    pub header_timeout_seconds: u64,
}

impl Default for Http {
    fn default() -> Self {
        Http {
            trusted_proxies: Vec::new(),
            allowed_hosts: Vec::new(),
            failures_per_address: 20,
            failures_per_account: 10,
            verify_concurrency: 4,
            verify_wait_ms: 2000,
            token_cache_seconds: 60,
            session_idle_seconds: 30 * 60,
            session_absolute_seconds: 12 * 3600,
            secure_cookies: false,
            recording_requests_per_minute: 120,
            recording_burst: 60,
            max_connections: 1024,
            max_connections_per_address: 64,
            header_timeout_seconds: 10,
        }
    }
}

/// Ten years: no session should live longer.
const MAX_SESSION_SECONDS: u64 = 10 * 365 * 24 * 3600;

impl Http {
    /// How long console sessions live.
    pub fn session_lifetime(&self) -> crate::auth::session::Lifetime {
        let secs = |s: u64| chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000));
        crate::auth::session::Lifetime {
            idle: secs(self.session_idle_seconds),
            absolute: secs(self.session_absolute_seconds),
        }
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (key, v) in [
            ("http.failures_per_address", self.failures_per_address),
            ("http.failures_per_account", self.failures_per_account),
            (
                "http.recording_requests_per_minute",
                self.recording_requests_per_minute,
            ),
            ("http.recording_burst", self.recording_burst),
        ] {
            if v == 0 {
                return Err(ConfigError::Key {
                    key,
                    message: "must be at least 1".into(),
                });
            }
        }
        for (key, v) in [
            ("http.max_connections", self.max_connections),
            (
                "http.max_connections_per_address",
                self.max_connections_per_address,
            ),
            (
                "http.header_timeout_seconds",
                self.header_timeout_seconds as usize,
            ),
        ] {
            if v == 0 {
                return Err(ConfigError::Key {
                    key,
                    message: "must be at least 1".into(),
                });
            }
        }
        for (key, v) in [
            ("http.session_idle_seconds", self.session_idle_seconds),
            (
                "http.session_absolute_seconds",
                self.session_absolute_seconds,
            ),
        ] {
            // Chrono's durations and a cookie's Max-Age both stop far above ten years.
            if v == 0 || v > MAX_SESSION_SECONDS {
                return Err(ConfigError::Key {
                    key,
                    message: format!("must be between 1 and {MAX_SESSION_SECONDS}"),
                });
            }
        }
        if self.verify_concurrency == 0 {
            return Err(ConfigError::Key {
                key: "http.verify_concurrency",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// One `allowed_hosts` entry: `name`, `name:port`, `1.2.3.4[:port]`, `[::1][:port]`, or `*`.
/// Without a port it matches the name on any port (the name is what DNS rebinding cannot fake).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Any,
    Host { host: String, port: Option<u16> },
}

impl HostPattern {
    /// Whether a request's `Host` (already split and lower-cased) matches.
    pub fn matches(&self, host: &str, port: Option<u16>) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Host { host: h, port: p } => h == host && (p.is_none() || *p == port),
        }
    }
}

/// Splits a `Host` value (or an entry) into a lower-cased host and an optional port. IPv6
/// literals keep their brackets. No user info, path, or scheme is allowed.
pub fn split_host(s: &str) -> Option<(String, Option<u16>)> {
    if s.is_empty() || s.contains(['@', '/', '?', '#', '\\']) || s.chars().any(char::is_whitespace)
    {
        return None;
    }
    let authority: axum::http::uri::Authority = s.parse().ok()?;
    let raw_host = authority.host();
    let host = raw_host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    // What follows the host: nothing, `:` (an empty port, as good as none) or `:PORT`.
    let port = match authority.as_str().get(raw_host.len()..)? {
        "" | ":" => None,
        _ => Some(authority.port_u16()?),
    };
    Some((host, port))
}

#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a host name or address with an optional port (no scheme or path), nor \"*\"")]
pub struct BadHostPattern(String);

impl FromStr for HostPattern {
    type Err = BadHostPattern;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "*" {
            return Ok(HostPattern::Any);
        }
        let (host, port) = split_host(s).ok_or_else(|| BadHostPattern(s.to_string()))?;
        Ok(HostPattern::Host { host, port })
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Any => f.write_str("*"),
            HostPattern::Host { host, port: None } => f.write_str(host),
            HostPattern::Host {
                host,
                port: Some(p),
            } => write!(f, "{host}:{p}"),
        }
    }
}

impl Serialize for HostPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HostPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
