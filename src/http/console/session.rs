//! Signing in to the console: a name and a password, checked under the sign-in limits
//! (`verify::Verifier::sign_in`), start a server-side session whose random id goes into an
//! HttpOnly, SameSite=Strict cookie (`http::sessions`), so scripts on the page cannot read it and
//! other sites cannot make the browser send it. Logging out ends the session on the server, so
//! a copy of the cookie is worthless afterwards. API tokens are not taken here: they are for
//! machines, in the `Authorization` header.
//!
//! Every form that changes something must also come from this server's own pages (`SameOrigin`).

use super::page::{PageError, local_path, render};
use crate::http::HttpState;
use crate::http::auth::{client_ip, same_origin};
use crate::http::sessions;
use crate::store::Role;
use axum::Form;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

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
    name: String,
    password: String,
    next: Option<String>,
}

/// Checks name and password; on success starts a new session, sets its cookie and goes on to
/// `next` (a path on this server).
pub async fn login(
    State(state): State<HttpState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = form.next.as_deref().unwrap_or("/");
    if !same_origin(&parts.headers) {
        return login_form(
            &state,
            StatusCode::FORBIDDEN,
            next,
            Some("Sign in from this server's own login page."),
        );
    }
    let ip = client_ip(&parts);
    let name = form.name.trim();
    let signed_in = match state.auth.sign_in(&state, ip, name, &form.password).await {
        Ok(account) => {
            let tls = sessions::over_tls(&parts);
            sessions::start(&state, &account, tls)
                .await
                .map(|cookie| (account, cookie))
        }
        Err(e) => Err(e),
    };
    match signed_in {
        Ok((account, cookie)) => {
            tracing::info!(user = %account.name, role = account.role.as_str(), "console sign-in");
            // An agent's home is their workspace.
            let to = if next == "/" && account.role == Role::Agent && account.agent_id.is_some() {
                "/workspace"
            } else {
                local_path(next)
            };
            with_cookie(Redirect::to(to).into_response(), &cookie)
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => login_form(
            &state,
            StatusCode::UNAUTHORIZED,
            next,
            Some("Wrong name or password."),
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

/// Ends the session on the server and clears the cookie. A form post (not a link), so another
/// site cannot sign a supervisor out.
pub async fn logout(_: SameOrigin, State(state): State<HttpState>, parts: Parts) -> Response {
    let tls = sessions::over_tls(&parts);
    if let Some(id) = sessions::presented(&parts)
        && let Err(e) = sessions::end(&state, id).await
    {
        // The session could not be ended: say so rather than pretend the user is signed out.
        return PageError::from(e).into_response();
    }
    with_cookie(
        Redirect::to("/login").into_response(),
        &sessions::clear_cookie(tls),
    )
}

fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    match HeaderValue::from_str(cookie) {
        Ok(v) => {
            resp.headers_mut().append(header::SET_COOKIE, v);
            resp
        }
        // The cookie is built from hex digits and fixed text only.
        Err(_) => PageError::bad_request("the session cookie cannot be set").into_response(),
    }
}
