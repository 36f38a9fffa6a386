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

pub async fn login_page(
    State(state): State<HttpState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    login_form(
        &state,
        &headers,
        StatusCode::OK,
        q.next.as_deref().unwrap_or("/"),
        None,
    )
}

fn browser_lang(headers: &axum::http::HeaderMap) -> crate::i18n::Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::i18n::negotiate)
        .unwrap_or(crate::i18n::Lang::En)
}

/// The login page, in the browser's language (nobody is known yet).
fn login_form(
    state: &HttpState,
    headers: &axum::http::HeaderMap,
    status: StatusCode,
    next: &str,
    error: Option<&str>,
) -> Response {
    let lang = browser_lang(headers);
    render(
        status,
        "login.html",
        context! {
            next => local_path(next), error => error, company => state.company.as_ref(),
            lang => lang.as_str(),
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    /// en, lt, ru, uk; empty: follow the browser.
    language: String,
}

/// The header's language chooser: stored on the user, then back to the page they were on.
pub async fn language(
    State(state): State<HttpState>,
    parts: Parts,
    Form(form): Form<LanguageForm>,
) -> Result<Response, PageError> {
    if !same_origin(&parts.headers) {
        return Err(PageError::Status {
            status: StatusCode::FORBIDDEN,
            message: "change the language from this server's own pages".into(),
        });
    }
    let mut parts = parts;
    let viewer = super::page::Viewer::from_request_parts(&mut parts, &state).await?;
    let lang = match form.language.trim() {
        "" => None,
        l => Some(
            crate::i18n::Lang::parse(l)
                .filter(|p| p.as_str() == l)
                .ok_or_else(|| PageError::bad_request("no such language"))?,
        ),
    };
    state
        .store
        .set_user_language(&viewer.0.name, lang.map(|l| l.as_str()))
        .await?;
    // Back to the page the form was on, when it is one of ours.
    let back = parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
        .unwrap_or_else(|| "/".into());
    Ok(Redirect::to(local_path(&back)).into_response())
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
            &parts.headers,
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
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            let lang = browser_lang(&parts.headers);
            let wrong = crate::i18n::text(lang, "login-wrong", &[]);
            login_form(
                &state,
                &parts.headers,
                StatusCode::UNAUTHORIZED,
                next,
                Some(&wrong),
            )
        }
        Err(e) => {
            let mut resp = login_form(&state, &parts.headers, e.status, next, Some(&e.message));
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
