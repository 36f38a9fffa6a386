//! Console sessions on the HTTP side: the cookie, and the store row behind it.
//!
//! Signing in with a name and password creates a session: 256 random bits in the cookie, their
//! SHA-256 in `console_sessions`. Every request looks the hash up (one indexed query, no argon2);
//! the row must be open, within its idle and absolute deadlines, and its user enabled, so a
//! logout, `users disable` or `users remove` takes effect on the next request on every node.
//!
//! The cookie is `HttpOnly; SameSite=Strict; Path=/`. Over TLS (see `front::OverTls`) it is
//! `__Host-fd_session` with `Secure`: the prefix makes browsers refuse it from a sibling
//! subdomain or plain http, so nobody can plant a session of their own. A request reads only the
//! name that fits how it arrived.

use super::HttpState;
use super::auth::Caller;
use super::error::ApiError;
use super::front::OverTls;
use crate::auth::session;
use crate::store::{Account, NewSession};
use axum::http::request::Parts;
use chrono::Utc;

/// The cookie over plain http.
pub const PLAIN_COOKIE: &str = "fd_session";
/// The cookie over TLS.
pub const TLS_COOKIE: &str = "__Host-fd_session";

/// Whether the front layer found the request to have come over TLS.
pub fn over_tls(parts: &Parts) -> bool {
    parts.extensions.get::<OverTls>().is_some_and(|t| t.0)
}

pub fn cookie_name(tls: bool) -> &'static str {
    if tls { TLS_COOKIE } else { PLAIN_COOKIE }
}

/// The session id the request carries under the cookie name that fits it.
pub fn presented(parts: &Parts) -> Option<&str> {
    super::auth::cookie(&parts.headers, cookie_name(over_tls(parts)))
}

/// Who the session `id` belongs to, if it is live; pushes its idle deadline on when due.
pub async fn resolve(state: &HttpState, id: &str) -> Result<Caller, ApiError> {
    let expired = || ApiError::unauthorized("the session has ended; sign in again");
    if !session::well_formed(id) {
        return Err(expired());
    }
    let now = Utc::now();
    let owner = state
        .store
        .session_owner(&session::digest(id), now)
        .await?
        .ok_or_else(expired)?;
    let life = state.sessions;
    if session::touch_due(life, owner.last_seen_at, now) {
        let idle_until = session::idle_deadline(life, now, owner.expires_at);
        state
            .store
            .touch_session(owner.session_id, now, idle_until)
            .await?;
    }
    Ok(owner.account.into())
}

/// A new session for `account` (every sign-in gets a new id); returns the cookie to set.
pub async fn start(state: &HttpState, account: &Account, tls: bool) -> Result<String, ApiError> {
    let (id, id_hash) = session::new_id();
    let now = Utc::now();
    let life = state.sessions;
    let expires_at = now + life.absolute;
    state
        .store
        .create_session(NewSession {
            id_hash: &id_hash,
            user_id: account.user_id,
            now,
            idle_expires_at: session::idle_deadline(life, now, expires_at),
            expires_at,
        })
        .await?;
    Ok(set_cookie(&id, tls, life.absolute.num_seconds()))
}

/// Ends the session `id` (logout). An unknown or already ended one is no error.
pub async fn end(state: &HttpState, id: &str) -> Result<(), ApiError> {
    if session::well_formed(id) {
        state
            .store
            .end_session(&session::digest(id), Utc::now(), "logout")
            .await?;
    }
    Ok(())
}

fn set_cookie(id: &str, tls: bool, max_age: i64) -> String {
    let secure = if tls { "; Secure" } else { "" };
    format!(
        "{}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}",
        cookie_name(tls)
    )
}

/// The header that makes the browser forget the cookie.
pub fn clear_cookie(tls: bool) -> String {
    set_cookie("", tls, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes() {
        let plain = set_cookie("abc", false, 60);
        assert_eq!(
            plain,
            "fd_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=60"
        );
        let tls = set_cookie("abc", true, 60);
        assert!(tls.starts_with("__Host-fd_session=abc; "), "{tls}");
        assert!(tls.ends_with("; Secure"), "{tls}");
        assert!(clear_cookie(true).contains("Max-Age=0"));
    }
}
