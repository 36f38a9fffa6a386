//! Console passwords: argon2id like tokens, with a length policy, and a dummy hash so that
//! signing in as a name that does not exist costs what a real one does (no user-name oracle by
//! timing).

use super::{AuthError, hash_secret};
use std::sync::OnceLock;

/// The longest user name there is (`users add` refuses longer ones); longer sign-in names are
/// refused before they reach a limit map or argon2.
pub const MAX_NAME_BYTES: usize = 64;

/// Shorter passwords are refused: argon2 slows guessing, it cannot make "1234" safe.
pub const MIN_CHARS: usize = 10;
/// Longer ones are refused too: nobody types more, and the form's body stays small.
pub const MAX_BYTES: usize = 1024;

/// Checks the policy and hashes `password` for storage.
pub fn hash(password: &str) -> Result<String, AuthError> {
    if password.chars().count() < MIN_CHARS {
        return Err(AuthError::Password(format!(
            "the password must have at least {MIN_CHARS} characters"
        )));
    }
    if password.len() > MAX_BYTES {
        return Err(AuthError::Password(format!(
            "the password must have at most {MAX_BYTES} bytes"
        )));
    }
    hash_secret(password.as_bytes())
}

/// A hash of a random secret nobody knows, with the same parameters as real ones: checked when
/// the name is unknown (or has no password), so the answer takes as long as a real check.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret: [u8; 32] = rand::random();
        // The parameters are the library's defaults; hashing cannot fail with them. Should it,
        // an unparsable string still makes every check fail (never succeed).
        hash_secret(&secret).unwrap_or_else(|_| "unusable".into())
    })
}

/// The password read from a pipe: everything, less one trailing line break.
pub fn from_stdin_text(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::verify;

    #[test]
    fn policy_and_round_trip() {
        assert!(hash("short").is_err());
        assert!(hash(&"x".repeat(MAX_BYTES + 1)).is_err());
        let h = hash("correct horse battery").unwrap();
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batter", &h));
        assert!(!verify("correct horse battery", dummy_hash()));
        assert_eq!(dummy_hash(), dummy_hash(), "made once");
        assert_eq!(
            dummy_hash().split('$').nth(3),
            h.split('$').nth(3),
            "same cost"
        );
    }

    #[test]
    fn stdin_loses_one_line_break() {
        assert_eq!(from_stdin_text("pw\n"), "pw");
        assert_eq!(from_stdin_text("pw\r\n"), "pw");
        assert_eq!(from_stdin_text("pw \n\n"), "pw \n");
        assert_eq!(from_stdin_text("pw"), "pw");
    }
}
