//! Signing in to the console: the user pastes their API token once; it is checked like a bearer
//! header (same failed-login limit) and kept in an HttpOnly, SameSite=Strict cookie, so scripts on
//! the page cannot read it and other sites cannot make the browser send it. Logging out clears it.
//!
//! Every form that changes something must also come from this server's own pages (`SameOrigin`).

use super::page::{PageError, local_path, render};
use crate::http::HttpState;
use crate::http::auth::{SESSION_COOKIE, client_ip, same_origin};
use axum::Form;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

/// How long the browser keeps the cookie; the token itself does not expire.
const COOKIE_MAX_AGE_SECS: u32 = 12 * 3600;

/// Refuses a state-changing request whose `Origin`/`Referer` is not this server (CSRF).
pub struct SameOrigin;

impl<S: Send + Sync> FromRequestParts<S> for SameOrigin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<SameOrigin, PageError> {
        if same_origin(&parts.headers) {
            Ok(SameOrigin)
        } else {
            Err(PageError::Status {
                status: StatusCode::FORBIDDEN,
                message: "this form must be sent from the console's own pages".into(),
            })
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

pub async fn login_page(State(state): State<HttpState>, Query(q): Query<LoginQuery>) -> Response {
    login_form(
        &state,
        StatusCode::OK,
        q.next.as_deref().unwrap_or("/"),
        None,
    )
}

fn login_form(state: &HttpState, status: StatusCode, next: &str, error: Option<&str>) -> Response {
    render(
        status,
        "login.html",
        context! { next => local_path(next), error => error, company => state.company.as_ref() },
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    next: Option<String>,
}

/// Checks the token; on success sets the cookie and goes on to `next` (a path on this server).
pub async fn login(
    State(state): State<HttpState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = form.next.as_deref().unwrap_or("/");
    let headers = &parts.headers;
    if !same_origin(headers) {
        return login_form(
            &state,
            StatusCode::FORBIDDEN,
            next,
            Some("Sign in from this server's own login page."),
        );
    }
    let ip = client_ip(&parts);
    let token = form.token.trim();
    match state.auth.verify(&state, ip, token).await {
        Ok(caller) => {
            tracing::info!(user = %caller.name, role = caller.role.as_str(), "console sign-in");
            let cookie = format!(
                "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}{}",
                secure_suffix(headers)
            );
            with_cookie(Redirect::to(local_path(next)).into_response(), &cookie)
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => login_form(
            &state,
            StatusCode::UNAUTHORIZED,
            next,
            Some("That token is not valid."),
        ),
        Err(e) => {
            let mut resp = login_form(&state, e.status, next, Some(&e.message));
            if let Some(secs) = e.retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
    }
}

/// Clears the cookie. A form post (not a link), so another site cannot sign a supervisor out.
pub async fn logout(_: SameOrigin, headers: HeaderMap) -> Response {
    let cookie = format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        secure_suffix(&headers)
    );
    with_cookie(Redirect::to("/login").into_response(), &cookie)
}

/// Behind a TLS-terminating proxy the cookie is marked Secure as well.
fn secure_suffix(headers: &HeaderMap) -> &'static str {
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    match HeaderValue::from_str(cookie) {
        Ok(v) => {
            resp.headers_mut().append(header::SET_COOKIE, v);
            resp
        }
        // A token with characters a cookie cannot carry never verified in the first place.
        Err(_) => PageError::bad_request("that token cannot be kept in a cookie").into_response(),
    }
}
