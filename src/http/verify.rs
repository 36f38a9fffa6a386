//! Checking a presented token or password, the one expensive thing an unauthenticated client
//! can ask for.
//!
//! Tokens, in order:
//! 1. The store is asked, on every request, whether the token's key names a live token of an
//!    enabled user (one indexed query). So revoking a token or disabling its user takes effect on
//!    the next request, on every node sharing the database.
//! 2. If this token's argon2 check succeeded against that very hash within `token_cache_seconds`
//!    (remembered by the token's SHA-256), it is accepted without checking again.
//! 3. Otherwise the attempt is counted against its address, then its account, *before* the hash
//!    is checked (`limits::SignInLimits`): parallel attempts cannot all pass a check that only
//!    sees finished failures. A token that verifies gives its count back.
//! 4. argon2 runs in one of `verify_concurrency` slots, each with its own ~19 MiB of working
//!    memory, allocated once and reused (`auth::HashMemory`), so the slots bound the memory. An
//!    attempt that cannot get a slot within `verify_wait_ms` gets 429.
//!
//! A token that verified in the last day is "known": it skips the counting of step 3 (an
//! attacker cannot produce one without the token itself), so a noisy neighbour at the same
//! address, or someone guessing at the same account, never locks its owner out.
//!
//! Passwords (the console's sign-in) take steps 3 and 4 with the user name as the account,
//! counted whether or not the name exists; an unknown name is checked against a dummy hash of
//! the same cost, so the answer and its timing say nothing about which names exist.

use super::HttpState;
use super::auth::Caller;
use super::error::ApiError;
use super::limits::{Attempt, RetryAfter, SignInLimits};
use crate::auth;
use crate::config::Http;
use crate::store::{Account, TokenOwner};
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
    /// Token digests whose argon2 check succeeded, and the stored hash it succeeded against.
    verified: Mutex<Memory<String>>,
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

fn wrong_password() -> ApiError {
    ApiError::unauthorized("wrong name or password")
}

impl From<Account> for Caller {
    fn from(a: Account) -> Caller {
        Caller {
            name: a.name,
            role: a.role,
            agent_id: a.agent_id,
        }
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

    /// Who `token` belongs to (the bearer header).
    pub async fn verify(
        &self,
        state: &HttpState,
        ip: IpAddr,
        token: &str,
    ) -> Result<Caller, ApiError> {
        let now = Instant::now();
        let digest: Digest32 = Sha256::digest(token.as_bytes()).into();
        let remembered = lock(&self.verified).get(&digest, now);
        if let Some(hash) = remembered {
            // Checked before; the store still decides whether it is live.
            let owner = match auth::key_id(token) {
                Some(key) => state.store.token_owner(key).await?,
                None => None,
            };
            return match owner {
                Some(owner) if owner.hash == hash => Ok(self.accepted(state, owner).await),
                _ => {
                    lock(&self.verified).remove(&digest);
                    Err(ApiError::unauthorized("invalid token"))
                }
            };
        }
        let known = lock(&self.known).get(&digest, now).is_some();
        let mut attempt = if known {
            Attempt::default()
        } else {
            lock(&self.limits).count_address(ip, now)
        };
        let owner = match auth::key_id(token) {
            Some(key) => state.store.token_owner(key).await?,
            None => None,
        };
        let Some(owner) = owner else {
            self.forget(known, &digest);
            return Err(refused(&attempt));
        };
        if !known {
            let key = auth::key_id(token).unwrap_or_default();
            lock(&self.limits)
                .count_account(&mut attempt, key, Instant::now())
                .map_err(too_many_failures)?;
        }
        let valid = match self.check(token, &owner.hash).await {
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
        lock(&self.verified).insert(digest, owner.hash.clone(), now);
        lock(&self.known).insert(digest, (), now);
        Ok(self.accepted(state, owner).await)
    }

    /// A live token's caller; its use is noted (at most once a minute, see the store).
    async fn accepted(&self, state: &HttpState, owner: TokenOwner) -> Caller {
        if let Err(e) = state.store.token_used(&owner, chrono::Utc::now()).await {
            // When it was last used is a convenience for the administrator, not evidence.
            tracing::warn!(error = %e, "cannot note a token's use");
        }
        owner.account.into()
    }

    /// Who signs in with `name` and `password` (the console's login form).
    pub async fn sign_in(
        &self,
        state: &HttpState,
        ip: IpAddr,
        name: &str,
        password: &str,
    ) -> Result<Account, ApiError> {
        let mut attempt = lock(&self.limits).count_address(ip, Instant::now());
        if name.len() > auth::password::MAX_NAME_BYTES || password.len() > auth::password::MAX_BYTES
        {
            // No such user can exist, nor such a password: refused unchecked, but counted.
            return Err(match attempt.blocked() {
                Some(wait) => too_many_failures(wait),
                None => wrong_password(),
            });
        }
        // Counted under the name whether or not it exists, before anything is looked up.
        lock(&self.limits)
            .count_account(&mut attempt, &format!("user:{name}"), Instant::now())
            .map_err(too_many_failures)?;
        let found = match state.store.sign_in_account(name).await {
            Ok(found) => found,
            Err(e) => {
                lock(&self.limits).give_back(attempt, Instant::now());
                return Err(e.into());
            }
        };
        let hash = found
            .as_ref()
            .map_or(auth::password::dummy_hash(), |(_, h)| h.as_str());
        let valid = match self.check(password, hash).await {
            Ok(valid) => valid,
            Err(e) => {
                lock(&self.limits).give_back(attempt, Instant::now());
                return Err(e);
            }
        };
        match found {
            Some((account, _)) if valid => {
                lock(&self.limits).give_back(attempt, Instant::now());
                Ok(account)
            }
            _ => Err(wrong_password()),
        }
    }

    fn forget(&self, known: bool, digest: &Digest32) {
        if known {
            lock(&self.known).remove(digest);
        }
    }

    /// argon2 of `secret` against `hash` in a slot, in that slot's memory. The permit moves into the blocking task, so a
    /// client that goes away mid-check does not free its slot while the hash is still being
    /// computed; the memory goes back to the pool before the slot is freed.
    async fn check(&self, secret: &str, hash: &str) -> Result<bool, ApiError> {
        let busy = || ApiError::too_many("busy", "too many sign-ins at once; try again", 1);
        let permit = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let (secret, hash) = (secret.to_string(), hash.to_string());
        let memories = self.memories.clone();
        tokio::task::spawn_blocking(move || {
            // Holding a permit, there is a memory for us unless this is the slot's first check.
            let mut memory = lock(&memories).pop().unwrap_or_default();
            let valid = auth::verify_in(&secret, &hash, &mut memory);
            lock(&memories).push(memory);
            drop(permit);
            valid
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "argon2 check failed to run");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the credentials could not be checked",
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
