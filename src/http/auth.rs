//! Bearer tokens and roles. A token is checked against its argon2 hash once, then remembered (by
//! its SHA-256) for a minute, so argon2's deliberate slowness is paid per login, not per request.
//! Failed attempts are counted per address; past the limit the address gets 429 for a while.

use super::HttpState;
use super::error::ApiError;
use crate::auth;
use crate::store::Role;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
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

impl FromRequestParts<HttpState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Caller, ApiError> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let now = Instant::now();
        if state.auth.blocked(ip, now) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_failures",
                "too many failed logins; wait a minute",
            ));
        }
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some((caller, at)) = state
            .auth
            .verified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&digest)
            && now.duration_since(*at) < CACHE_TTL
        {
            return Ok(caller.clone());
        }
        let fail = || {
            state.auth.failed(ip, now);
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
        state
            .auth
            .verified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(digest, (caller.clone(), now));
        Ok(caller)
    }
}
