//! Bearer tokens, the console's session cookie and roles: who is asking, and whether a
//! cookie-borne change comes from this server's own pages. Checking a token, under the sign-in
//! limits, is `verify::Verifier`'s job; sessions are `sessions`'.

use super::HttpState;
use super::error::ApiError;
use super::front::ClientAddr;
use super::sessions;
use crate::store::Role;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use std::net::{IpAddr, SocketAddr};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    /// For agents: whose calls they may hear.
    pub agent_id: Option<String>,
}

impl Caller {
    /// How much of a card's timeline this caller may see: agents only their own entries.
    pub fn visibility(&self) -> crate::store::Visibility {
        if self.role >= Role::Supervisor {
            crate::store::Visibility::All
        } else {
            crate::store::Visibility::Agent {
                agent_id: self.agent_id.clone(),
                user: self.name.clone(),
            }
        }
    }

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

impl FromRequestParts<HttpState> for Caller {
    type Rejection = ApiError;

    /// A bearer header (an API token) wins; else the console's session cookie, which the API
    /// accepts too (the page's audio player, its own fetches), but for anything but a read only
    /// with a same-origin `Origin`/`Referer` (SameSite=Strict already keeps other sites out).
    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Caller, ApiError> {
        let ip = client_ip(parts);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            return state.auth.verify(state, ip, token).await;
        }
        let id = sessions::presented(parts)
            .ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
        let read = matches!(parts.method, Method::GET | Method::HEAD);
        if !read && !same_origin(&parts.headers) {
            return Err(ApiError::forbidden(
                "a cookie-authenticated change must come from this server's own pages",
            ));
        }
        sessions::resolve(state, id).await
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
        assert_eq!(cookie(&h, "fd_session"), Some("fd_x_y"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "fd"), None);
        assert_eq!(
            cookie(&headers(&[("cookie", "fd_session=")]), "fd_session"),
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
