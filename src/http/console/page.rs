//! Rendering: the templates (embedded in the binary, so there is nothing to deploy beside it), the
//! signed-in viewer every page is rendered for, and the pages a failure becomes (a redirect to the
//! login page, or a readable error page with the right status).

use super::format;
use crate::http::HttpState;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::i18n::Lang;
use crate::store::Role;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Environment, Value, context};
use serde::Serialize;
use std::sync::OnceLock;

/// Every template, by name. Names end in `.html`, which turns on HTML escaping for all of them.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../templates/base.html")),
    ("login.html", include_str!("../../../templates/login.html")),
    ("error.html", include_str!("../../../templates/error.html")),
    ("calls.html", include_str!("../../../templates/calls.html")),
    ("call.html", include_str!("../../../templates/call.html")),
    ("card.html", include_str!("../../../templates/card.html")),
    (
        "complaints.html",
        include_str!("../../../templates/complaints.html"),
    ),
    (
        "callbacks.html",
        include_str!("../../../templates/callbacks.html"),
    ),
    (
        "surveys.html",
        include_str!("../../../templates/surveys.html"),
    ),
    (
        "agents.html",
        include_str!("../../../templates/agents.html"),
    ),
    (
        "workspace.html",
        include_str!("../../../templates/workspace.html"),
    ),
    (
        "wallboard.html",
        include_str!("../../../templates/wallboard.html"),
    ),
    (
        "reports.html",
        include_str!("../../../templates/reports.html"),
    ),
    (
        "monitor.html",
        include_str!("../../../templates/monitor.html"),
    ),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // The templates are part of the binary and a unit test renders each one, so this only
            // fails in development; the page then says so instead of the process dying.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "console template does not parse");
            }
        }
        format::register(&mut env);
        env
    })
}

/// Renders `name` with `ctx`; a template error is logged and shown as a plain 500.
pub fn render(status: StatusCode, name: &str, ctx: Value) -> Response {
    match env().get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "console page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// The signed-in user a page is for (bearer header or the console cookie), and the language the
/// page is shown in.
pub struct Viewer(pub Caller, pub Lang);

/// The page's language: the user's choice, else the browser's, else English.
pub async fn page_lang(state: &HttpState, user: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(name) = user {
        match state.store.user_language(name).await {
            Ok(Some(l)) => {
                if let Some(lang) = Lang::parse(&l) {
                    return lang;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read the user's language"),
        }
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::i18n::negotiate)
        .unwrap_or(Lang::En)
}

/// The chooser's entries: code and the language's own name.
pub fn languages() -> Vec<(&'static str, &'static str)> {
    crate::i18n::ALL
        .iter()
        .map(|l| (l.as_str(), l.native_name()))
        .collect()
}

#[derive(Serialize)]
struct UserView<'a> {
    name: &'a str,
    role: &'a str,
    supervisor: bool,
    /// On the roster: the workspace tab is theirs.
    agent: bool,
}

impl Viewer {
    pub fn require(&self, role: Role) -> Result<(), PageError> {
        self.0.require(role).map_err(PageError::from)
    }

    pub fn supervisor(&self) -> bool {
        self.0.role >= Role::Supervisor
    }

    /// A page for this viewer: `ctx` plus who is signed in, the company and its zone.
    pub fn page(&self, state: &HttpState, nav: &str, name: &str, ctx: Value) -> Response {
        let user = UserView {
            name: &self.0.name,
            role: self.0.role.as_str(),
            supervisor: self.supervisor(),
            agent: self.0.agent_id.is_some(),
        };
        let ctx = context! {
            user => Value::from_serialize(&user),
            nav => nav,
            company => state.company.as_ref(),
            tz => state.time_zone.name(),
            lang => self.1.as_str(),
            languages => languages(),
            ..ctx
        };
        render(StatusCode::OK, name, ctx)
    }
}

impl FromRequestParts<HttpState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Viewer, PageError> {
        match Caller::from_request_parts(parts, state).await {
            Ok(caller) => {
                let lang = page_lang(state, Some(&caller.name), &parts.headers).await;
                Ok(Viewer(caller, lang))
            }
            Err(e) if e.status == StatusCode::UNAUTHORIZED => Err(PageError::Login {
                next: parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/".into()),
            }),
            Err(e) => Err(e.into()),
        }
    }
}

/// Why a console request did not get its page.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in: to the login page, then back to `next`.
    Login {
        next: String,
    },
    Status {
        status: StatusCode,
        message: String,
    },
    /// 429: the page says why and `Retry-After` says when.
    Throttled {
        message: String,
        retry_after: u64,
    },
}

impl PageError {
    pub fn not_found(message: impl Into<String>) -> PageError {
        PageError::Status {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> PageError {
        PageError::Status {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        if e.status == StatusCode::UNAUTHORIZED {
            return PageError::Login { next: "/".into() };
        }
        if let Some(retry_after) = e.retry_after {
            return PageError::Throttled {
                message: e.message,
                retry_after,
            };
        }
        PageError::Status {
            status: e.status,
            message: e.message,
        }
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> PageError {
        ApiError::from(e).into()
    }
}

/// Longer `next` values are not paths this console produces.
const MAX_NEXT: usize = 2048;

/// Only a path on this server may be a place to come back to; anything else is `/`.
///
/// A single leading `/` (not `//host` or `/\host`, which browsers read as another host), no
/// scheme, no backslash anywhere, and nothing but visible ASCII: browsers drop TAB, CR and LF
/// from URLs, so `/<TAB>/evil.example` would become `//evil.example`, and a CR or LF cannot go
/// into a `Location` header at all. Paths this console links to are percent-encoded ASCII.
pub fn local_path(next: &str) -> &str {
    let bytes = next.as_bytes();
    let ok = next.len() <= MAX_NEXT
        && bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'\\');
    if ok { next } else { "/" }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login { next } => {
                let next = local_path(&next);
                let to = if next == "/" {
                    "/login".to_string()
                } else {
                    format!("/login?next={}", format::query_escape(next))
                };
                Redirect::to(&to).into_response()
            }
            PageError::Status { status, message } => {
                let title = status.canonical_reason().unwrap_or("Error");
                let mut resp = render(
                    status,
                    "error.html",
                    context! { status => status.as_u16(), title => title, message => message },
                );
                if status == StatusCode::TOO_MANY_REQUESTS {
                    resp.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
                }
                resp
            }
            PageError::Throttled {
                message,
                retry_after,
            } => {
                let status = StatusCode::TOO_MANY_REQUESTS;
                let title = status.canonical_reason().unwrap_or("Error");
                let mut resp = render(
                    status,
                    "error.html",
                    context! { status => status.as_u16(), title => title, message => message },
                );
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
                resp
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            assert!(env().get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn only_local_paths_are_followed_after_login() {
        for good in [
            "/",
            "/calls/x?y=1",
            "/clients/%2B37061234500",
            "/complaints?status=open#c7",
            "/a:b",
        ] {
            assert_eq!(local_path(good), good);
        }
        let long = format!("/{}", "a".repeat(MAX_NEXT));
        for bad in [
            "",
            "//evil.example/",
            "///evil.example/",
            "/\\evil.example/",
            "/x\\y",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/ok\r\nSet-Cookie: x=1",
            "/ok\u{7f}",
            "/ok\u{85}",
            "/with space",
            "/caf\u{e9}",
            long.as_str(),
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }

    #[tokio::test]
    async fn error_page_escapes_the_message() {
        let resp = PageError::bad_request("<script>x</script>").into_response();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let html = String::from_utf8_lossy(&body);
        assert!(html.contains("&lt;script&gt;x&lt;"), "{html}");
        assert!(!html.contains("<script>x"), "{html}");
    }
}
