//! API tokens: `fd_<key>_<secret>`. The key finds the user's row; the argon2 hash of the whole token
//! proves it. Only the hash is stored, so a leaked database yields no usable token.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use rand::distributions::Alphanumeric;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot hash the token: {0}")]
    Hash(String),
}

/// A freshly issued token: show `token` once, store `key_id` and `hash`.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub key_id: String,
    pub hash: String,
}

const KEY_LEN: usize = 12;
const SECRET_LEN: usize = 40;

fn random_string(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Issues a new random token (about 238 bits of secret).
pub fn issue() -> Result<IssuedToken, AuthError> {
    let key_id = random_string(KEY_LEN);
    let token = format!("fd_{key_id}_{}", random_string(SECRET_LEN));
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(token.as_bytes(), &salt)
        .map_err(|e| AuthError::Hash(e.to_string()))?
        .to_string();
    Ok(IssuedToken {
        token,
        key_id,
        hash,
    })
}

/// The key part of a presented token, if it has the right shape.
pub fn key_id(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("fd_")?;
    let (key, secret) = rest.split_once('_')?;
    (key.len() == KEY_LEN && secret.len() == SECRET_LEN).then_some(key)
}

/// Checks `token` against a stored hash; argon2's comparison is constant-time.
pub fn verify(token: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|h| {
            Argon2::default()
                .verify_password(token.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
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
    fn malformed_tokens_have_no_key() {
        assert_eq!(key_id("nope"), None);
        assert_eq!(key_id("fd_short_x"), None);
    }
}
