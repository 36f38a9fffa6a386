//! Checking a presented token, the one expensive thing an unauthenticated client can ask for.
//!
//! Order matters:
//! 1. A token verified within `token_cache_seconds` is accepted from memory (by its SHA-256), so
//!    argon2 is paid once per token per period, and nothing about the address can refuse it.
//! 2. Otherwise the attempt is counted against its address, then its account, *before* the hash
//!    is checked (`limits::SignInLimits`): parallel attempts cannot all pass a check that only
//!    sees finished failures. A token that verifies gives its count back.
//! 3. argon2 runs in one of `verify_concurrency` slots, each with its own ~19 MiB of working
//!    memory, allocated once and reused (`auth::HashMemory`), so the slots bound the memory. An
//!    attempt that cannot get a slot within `verify_wait_ms` gets 429.
//!
//! A token that verified in the last day is "known": it skips the counting of step 2 (an
//! attacker cannot produce one without the token itself), so a noisy neighbour at the same
//! address, or someone guessing at the same account, never locks its owner out. It is still
//! checked with argon2 once the short cache has expired, so a removed user is refused.

use super::HttpState;
use super::auth::Caller;
use super::error::ApiError;
use super::limits::{Attempt, RetryAfter, SignInLimits};
use crate::auth;
use crate::config::Http;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How many tokens are remembered at most. Only valid tokens get in, so this is a ceiling
/// against surprises, not a limit anyone reaches.
const MEMORY_CAP: usize = 10_000;
/// A token that verified within this long is known (see the module's doc).
const KNOWN_FOR: Duration = Duration::from_secs(24 * 3600);
/// Addresses and accounts tracked at most, each (about 100 bytes an entry).
const LIMIT_KEYS: usize = 65_536;

type Digest32 = [u8; 32];

/// Token digests and what they stood for, each for `ttl`; at most `MEMORY_CAP` of them.
struct Memory<T> {
    ttl: Duration,
    map: HashMap<Digest32, (T, Instant)>,
}

impl<T: Clone> Memory<T> {
    fn new(ttl: Duration) -> Memory<T> {
        Memory {
            ttl,
            map: HashMap::new(),
        }
    }

    fn get(&self, digest: &Digest32, now: Instant) -> Option<T> {
        self.map
            .get(digest)
            .filter(|(_, at)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(v, _)| v.clone())
    }

    /// Expired entries make room first; if there is still none, the oldest goes.
    fn insert(&mut self, digest: Digest32, value: T, now: Instant) {
        if self.map.len() >= MEMORY_CAP && !self.map.contains_key(&digest) {
            let ttl = self.ttl;
            self.map
                .retain(|_, (_, at)| now.saturating_duration_since(*at) < ttl);
            if self.map.len() >= MEMORY_CAP
                && let Some(oldest) = self
                    .map
                    .iter()
                    .min_by_key(|(_, (_, at))| *at)
                    .map(|(k, _)| *k)
            {
                self.map.remove(&oldest);
            }
        }
        self.map.insert(digest, (value, now));
    }

    fn remove(&mut self, digest: &Digest32) {
        self.map.remove(digest);
    }
}

/// A poisoned lock only means another request panicked mid-update of a cache or counter; the
/// data is still usable, and refusing every later sign-in would be worse.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct Verifier {
    verified: Mutex<Memory<Caller>>,
    known: Mutex<Memory<()>>,
    limits: Mutex<SignInLimits>,
    slots: Arc<Semaphore>,
    /// One working memory per slot, taken while a check runs.
    memories: Arc<Mutex<Vec<auth::HashMemory>>>,
    wait: Duration,
}

fn too_many_failures(wait: RetryAfter) -> ApiError {
    ApiError::too_many(
        "too_many_failures",
        "too many failed sign-ins; try again later",
        wait.secs(),
    )
}

fn refused(attempt: &Attempt) -> ApiError {
    match attempt.blocked() {
        Some(wait) => too_many_failures(wait),
        None => ApiError::unauthorized("invalid token"),
    }
}

impl Verifier {
    pub fn new(http: &Http) -> Verifier {
        Verifier {
            verified: Mutex::new(Memory::new(Duration::from_secs(http.token_cache_seconds))),
            known: Mutex::new(Memory::new(KNOWN_FOR)),
            limits: Mutex::new(SignInLimits::new(
                http.failures_per_address,
                http.failures_per_account,
                LIMIT_KEYS,
            )),
            slots: Arc::new(Semaphore::new(http.verify_concurrency)),
            memories: Arc::new(Mutex::new(Vec::new())),
            wait: Duration::from_millis(http.verify_wait_ms),
        }
    }

    /// Who `token` belongs to. Shared by the bearer header, the console cookie and the login form.
    pub async fn verify(
        &self,
        state: &HttpState,
        ip: IpAddr,
        token: &str,
    ) -> Result<Caller, ApiError> {
        let now = Instant::now();
        let digest: Digest32 = Sha256::digest(token.as_bytes()).into();
        if let Some(caller) = lock(&self.verified).get(&digest, now) {
            return Ok(caller);
        }
        let known = lock(&self.known).get(&digest, now).is_some();
        let mut attempt = if known {
            Attempt::default()
        } else {
            lock(&self.limits).count_address(ip, now)
        };
        let user = match auth::key_id(token) {
            Some(key) => state.store.user_by_key(key).await?,
            None => None,
        };
        let Some(user) = user else {
            self.forget(known, &digest);
            return Err(refused(&attempt));
        };
        if !known {
            lock(&self.limits)
                .count_account(&mut attempt, &user.key_id, Instant::now())
                .map_err(too_many_failures)?;
        }
        let valid = match self.check(token, &user.token_hash).await {
            Ok(valid) => valid,
            Err(e) => {
                // No check happened: nothing was guessed, so nothing counts.
                lock(&self.limits).give_back(attempt, Instant::now());
                return Err(e);
            }
        };
        if !valid {
            self.forget(known, &digest);
            return Err(ApiError::unauthorized("invalid token"));
        }
        let now = Instant::now();
        lock(&self.limits).give_back(attempt, now);
        let caller = Caller {
            name: user.name,
            role: user.role,
            agent_id: user.agent_id,
        };
        lock(&self.verified).insert(digest, caller.clone(), now);
        lock(&self.known).insert(digest, (), now);
        Ok(caller)
    }

    fn forget(&self, known: bool, digest: &Digest32) {
        if known {
            lock(&self.known).remove(digest);
        }
    }

    /// argon2 in a slot, in that slot's memory. The permit moves into the blocking task, so a
    /// client that goes away mid-check does not free its slot while the hash is still being
    /// computed; the memory goes back to the pool before the slot is freed.
    async fn check(&self, token: &str, hash: &str) -> Result<bool, ApiError> {
        let busy = || ApiError::too_many("busy", "too many sign-ins at once; try again", 1);
        let permit = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let (token, hash) = (token.to_string(), hash.to_string());
        let memories = self.memories.clone();
        tokio::task::spawn_blocking(move || {
            // Holding a permit, there is a memory for us unless this is the slot's first check.
            let mut memory = lock(&memories).pop().unwrap_or_default();
            let valid = auth::verify_in(&token, &hash, &mut memory);
            lock(&memories).push(memory);
            drop(permit);
            valid
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "token check failed to run");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the token could not be checked",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_forgets_after_its_ttl_and_stays_bounded() {
        let t0 = Instant::now();
        let mut m = Memory::new(Duration::from_secs(60));
        m.insert([1; 32], "a", t0);
        assert_eq!(m.get(&[1; 32], t0 + Duration::from_secs(59)), Some("a"));
        assert_eq!(m.get(&[1; 32], t0 + Duration::from_secs(60)), None);
        for i in 0..(MEMORY_CAP as u32 + 50) {
            let mut d = [0u8; 32];
            d[..4].copy_from_slice(&i.to_be_bytes());
            m.insert(d, "x", t0 + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(m.map.len(), MEMORY_CAP);
        let newest = (MEMORY_CAP as u32 + 49).to_be_bytes();
        let mut d = [0u8; 32];
        d[..4].copy_from_slice(&newest);
        assert!(m.map.contains_key(&d), "the newest entries stay");
    }
}
