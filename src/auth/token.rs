//! API tokens: `fd_<key>_<secret>`. The key finds the token's row; the argon2 hash of the whole
//! token proves it. A user may hold several, each revocable on its own.

use super::{AuthError, hash_secret};
use rand::Rng;
use rand::distributions::Alphanumeric;

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
    let hash = hash_secret(token.as_bytes())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_tokens_have_no_key() {
        assert_eq!(key_id("nope"), None);
        assert_eq!(key_id("fd_short_x"), None);
        let t = issue().unwrap();
        assert_eq!(key_id(&t.token), Some(t.key_id.as_str()));
    }
}
