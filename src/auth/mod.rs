//! Secrets and their hashes: API tokens (`token`), passwords (`password`), console session ids
//! (`session`). Tokens and passwords are kept as argon2id hashes only, so a leaked database yields
//! nothing usable; session ids are random enough that a plain SHA-256 suffices.
//!
//! Checking an argon2 hash is the one expensive thing an unauthenticated client can ask for; this
//! module does it in caller-provided, reused memory (`HashMemory`) so a few slots bound the RSS.

pub mod password;
pub mod session;
pub mod token;

pub use token::{IssuedToken, issue, key_id};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot hash the secret: {0}")]
    Hash(String),
    #[error("{0}")]
    Password(String),
}

/// argon2id with the library's defaults (19 MiB, 2 passes), salted; the PHC string to store.
fn hash_secret(secret: &[u8]) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(secret, &salt)
        .map_err(|e| AuthError::Hash(e.to_string()))?
        .to_string())
}

/// Checks a secret (a token or a password) against a stored hash; the comparison is constant-time.
pub fn verify(token: &str, stored_hash: &str) -> bool {
    verify_in(token, stored_hash, &mut HashMemory::default())
}

/// A stored hash asking for more memory than this per check (64 MiB; `issue` uses 19 MiB) is
/// refused rather than honoured: the row, not the request, would decide how much we allocate.
const MAX_BLOCKS: usize = 64 * 1024;

/// argon2's working memory (~19 MiB), kept between checks. Allocating it afresh for every check
/// left it with the allocator: a service checking 4 tokens at a time grew by ~19 MiB per check
/// and did not give it back. A few of these, reused, bound the memory instead.
#[derive(Default)]
pub struct HashMemory(Vec<argon2::Block>);

/// `verify`, in `memory` (grown once to the hash's cost, then reused).
pub fn verify_in(token: &str, stored_hash: &str, memory: &mut HashMemory) -> bool {
    check_in(token, stored_hash, memory).unwrap_or(false)
}

/// What `PasswordVerifier::verify_password` does, with our memory: parameters, algorithm,
/// version and salt from the stored string, the hash recomputed, outputs compared in constant
/// time (`password_hash::Output`'s equality).
fn check_in(token: &str, stored_hash: &str, memory: &mut HashMemory) -> Option<bool> {
    let hash = PasswordHash::new(stored_hash).ok()?;
    let (salt, expected) = (hash.salt?, hash.hash?);
    let algorithm = argon2::Algorithm::try_from(hash.algorithm).ok()?;
    let version = match hash.version {
        Some(v) => argon2::Version::try_from(v).ok()?,
        None => argon2::Version::default(),
    };
    let params = argon2::Params::try_from(&hash).ok()?;
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return None;
    }
    if memory.0.len() < blocks {
        memory.0.resize(blocks, argon2::Block::default());
    }
    let mut salt_buf = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buf).ok()?;
    let ctx = Argon2::new(algorithm, version, params);
    let computed = argon2::password_hash::Output::init_with(expected.len(), |out| {
        ctx.hash_password_into_with_memory(token.as_bytes(), salt, out, &mut memory.0[..])
            .map_err(|_| argon2::password_hash::Error::Password)
    })
    .ok()?;
    Some(computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_verifies_and_others_do_not() {
        let t = issue().unwrap();
        assert_eq!(key_id(&t.token), Some(t.key_id.as_str()));
        assert!(verify(&t.token, &t.hash));
        let mut forged = t.token.clone();
        forged.pop();
        forged.push(if t.token.ends_with('A') { 'B' } else { 'A' });
        assert!(!verify(&forged, &t.hash));
        assert!(!t.hash.contains(&t.token));
    }

    #[test]
    fn one_memory_serves_many_checks_and_matches_the_library() {
        use argon2::PasswordVerifier;
        let (a, b) = (issue().unwrap(), issue().unwrap());
        let mut memory = HashMemory::default();
        for _ in 0..2 {
            assert!(verify_in(&a.token, &a.hash, &mut memory));
            assert!(verify_in(&b.token, &b.hash, &mut memory));
            assert!(!verify_in(&a.token, &b.hash, &mut memory));
        }
        // The library's own verifier agrees on the same hashes.
        let parsed = PasswordHash::new(&a.hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(a.token.as_bytes(), &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b.token.as_bytes(), &parsed)
                .is_err()
        );
        // Garbage and absurd costs are refused, not honoured.
        assert!(!verify_in(&a.token, "not a hash", &mut memory));
        let greedy = a.hash.replace("m=19456", "m=4194304");
        assert_ne!(greedy, a.hash);
        assert!(!verify_in(&a.token, &greedy, &mut memory));
    }

    #[test]
    fn hashes_are_salted() {
        let (a, b) = (hash_secret(b"same").unwrap(), hash_secret(b"same").unwrap());
        assert_ne!(a, b);
        assert!(verify("same", &a) && verify("same", &b));
        assert!(a.starts_with("$argon2id$"));
    }
}
