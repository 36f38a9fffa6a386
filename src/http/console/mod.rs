//! The supervisor console: server-rendered pages at `/` over the same store, roles and rules as the
//! JSON API (agents see only their own calls, decided in one place). Templates and the one CSS and
//! JS file are embedded in the binary: nothing to build, nothing to deploy beside it.
//!
//! Sign-in keeps the user's API token in an HttpOnly, SameSite=Strict cookie, which the API also
//! accepts (so the page's `<audio>` can fetch the recording, audited as usual); every form that
//! changes something must come from this server's own pages. See docs/console.md.

mod agents;
mod calls;
mod cards;
mod format;
mod live;
mod page;
mod queues;
mod reports;
mod session;
mod surveys;
mod wallboard;
mod workspace;

use crate::http::HttpState;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use page::PageError;
pub use wallboard::Feed as WallboardFeed;
pub use workspace::WorkspaceSettings;

pub fn router() -> Router<HttpState> {
    Router::new()
        .route("/", get(calls::list))
        .route("/calls/{id}", get(calls::detail))
        .route("/clients", get(cards::find))
        .route("/clients/{phone}", get(cards::card))
        .route("/complaints", get(queues::complaints))
        .route("/complaints/{id}/assign", post(queues::assign))
        .route("/complaints/{id}/resolve", post(queues::resolve))
        .route("/callbacks", get(queues::callbacks))
        .route("/surveys", get(surveys::surveys))
        .route("/agents", get(agents::agents))
        .route("/workspace", get(workspace::page))
        .route("/workspace/presence", post(workspace::presence))
        .route("/workspace/ready", post(workspace::ready))
        .route("/workspace/more-time", post(workspace::more_time))
        .route("/workspace/disposition", post(workspace::disposition))
        .route("/workspace/events", get(workspace::events))
        .route("/workspace/pop/{call}", get(workspace::pop))
        .route("/reports", get(reports::page))
        .route("/reports.csv", get(reports::csv))
        .route("/wallboard", get(wallboard::page))
        .route("/wallboard/figures", get(wallboard::figures))
        .route("/wallboard/events", get(wallboard::events))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/console/language", post(session::language))
        .route("/console/events", get(live::events))
        .route("/console/app.css", get(stylesheet))
        .route("/console/app.js", get(script))
        .route("/console/workspace.js", get(workspace_script))
        .route("/console/wallboard.js", get(wallboard_script))
        .route("/console/monitor.js", get(monitor_script))
        .route("/console/call-actions.js", get(call_actions_script))
        .layer(axum::middleware::map_response(page_headers))
}

/// Pages hold personal data: never cached, never framed, and only this server's own script,
/// style, media and form targets (no inline script or style anywhere).
async fn page_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k, v: &'static str| {
        if !h.contains_key(&k) {
            h.insert(k, HeaderValue::from_static(v));
        }
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    // Keeps the Referer on same-origin requests, which the CSRF check may rely on.
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::CACHE_CONTROL, "no-store");
    resp
}

const CSS: &str = include_str!("../../../assets/console.css");
const JS: &str = include_str!("../../../assets/console.js");

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

async fn workspace_script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../../assets/workspace.js"),
    )
}

async fn wallboard_script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../../assets/wallboard.js"),
    )
}

/// The listen-in buttons (wallboard, a live call's page); they call the monitor API.
async fn monitor_script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../../assets/monitor.js"),
    )
}

/// The agent's buttons for their call in progress (transfer, consult, pause); they call the API.
async fn call_actions_script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../../assets/call-actions.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// Any other path outside the API: a readable 404 page.
pub async fn not_found() -> Response {
    PageError::not_found("There is no such page.").into_response()
}
