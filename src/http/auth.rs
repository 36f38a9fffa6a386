//! Bearer tokens and roles. A token is checked against its argon2 hash once, then remembered (by
//! its SHA-256) for a minute, so argon2's deliberate slowness is paid per login, not per request.
//! Failed attempts are counted per address; past the limit the address gets 429 for a while.

use super::HttpState;
use super::error::ApiError;
use super::front::ClientAddr;
use crate::auth;
use crate::store::Role;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const CACHE_TTL: Duration = Duration::from_secs(60);
const FAILURE_WINDOW: Duration = Duration::from_secs(60);
const MAX_FAILURES: u32 = 20;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    /// For agents: whose calls they may hear.
    pub agent_id: Option<String>,
}

impl Caller {
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} role required",
                role.as_str()
            )))
        }
    }
}

#[derive(Default)]
pub struct AuthCache {
    verified: Mutex<HashMap<[u8; 32], (Caller, Instant)>>,
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl AuthCache {
    fn blocked(&self, ip: IpAddr, now: Instant) -> bool {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.get(&ip).is_some_and(|(n, since)| {
            *n >= MAX_FAILURES && now.duration_since(*since) < FAILURE_WINDOW
        })
    }

    fn failed(&self, ip: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let entry = failures.entry(ip).or_insert((0, now));
        if now.duration_since(entry.1) >= FAILURE_WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }
}

/// The console's cookie: the API token itself, HttpOnly and SameSite=Strict, so pages, the audio
/// player and the console's own API calls authenticate like a bearer header would.
pub const SESSION_COOKIE: &str = "fd_session";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Whether the request says it comes from a page of this very server: its `Origin` (or, when a
/// browser sends none, its `Referer`) names the host the request was sent to. Cookie-authenticated
/// requests that change something must pass this, so no other site can make a browser send them.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(from) = from else {
        return false;
    };
    let Some((_, rest)) = from.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.eq_ignore_ascii_case(host)
}

/// The client's address as the front layer settled it (trusted proxies considered).
pub fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ClientAddr>()
        .map(|c| c.0)
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        })
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

impl AuthCache {
    /// Who `token` belongs to. Failures count against `ip`; past the limit the address gets 429
    /// whatever it presents. Shared by the bearer header, the console cookie and the login form.
    pub async fn verify(
        &self,
        state: &HttpState,
        ip: IpAddr,
        token: &str,
    ) -> Result<Caller, ApiError> {
        let now = Instant::now();
        if self.blocked(ip, now) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_failures",
                "too many failed logins; wait a minute",
            ));
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some((caller, at)) = self
            .verified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&digest)
            && now.duration_since(*at) < CACHE_TTL
        {
            return Ok(caller.clone());
        }
        let fail = || {
            self.failed(ip, now);
            ApiError::unauthorized("invalid token")
        };
        let key = auth::key_id(token).ok_or_else(fail)?;
        let user = state.store.user_by_key(key).await?.ok_or_else(fail)?;
        let hash = user.token_hash.clone();
        let presented = token.to_string();
        let valid = tokio::task::spawn_blocking(move || auth::verify(&presented, &hash))
            .await
            .unwrap_or(false);
        if !valid {
            return Err(fail());
        }
        let caller = Caller {
            name: user.name,
            role: user.role,
            agent_id: user.agent_id,
        };
        self.verified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(digest, (caller.clone(), now));
        Ok(caller)
    }
}

impl FromRequestParts<HttpState> for Caller {
    type Rejection = ApiError;

    /// A bearer header wins; else the console cookie, which for anything but a read must come
    /// with a same-origin `Origin`/`Referer` (SameSite=Strict already keeps other sites out).
    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Caller, ApiError> {
        let ip = client_ip(parts);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let token = match bearer {
            Some(t) => t,
            None => {
                let t = cookie(&parts.headers, SESSION_COOKIE)
                    .ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
                let read = matches!(parts.method, Method::GET | Method::HEAD);
                if !read && !same_origin(&parts.headers) {
                    return Err(ApiError::forbidden(
                        "a cookie-authenticated change must come from this server's own pages",
                    ));
                }
                t
            }
        };
        state.auth.verify(state, ip, token).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; fd_session=fd_x_y"), ("cookie", "b=2")]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("fd_x_y"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "fd"), None);
        assert_eq!(
            cookie(&headers(&[("cookie", "fd_session=")]), SESSION_COOKIE),
            None
        );
    }

    #[test]
    fn same_origin_needs_a_matching_origin_or_referer() {
        let ok = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(same_origin(&ok));
        let referer = headers(&[
            ("host", "127.0.0.1:8080"),
            ("referer", "http://127.0.0.1:8080/complaints?status=open"),
        ]);
        assert!(same_origin(&referer));
        for bad in [
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://evil.example"),
            ]),
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8081"),
            ]),
            headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]),
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("referer", "http://127.0.0.1:8080.evil.example/"),
            ]),
            headers(&[("host", "127.0.0.1:8080")]),
            headers(&[("origin", "http://127.0.0.1:8080")]),
        ] {
            assert!(!same_origin(&bad), "{bad:?}");
        }
    }
}
