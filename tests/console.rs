//! The supervisor console against the real server on an ephemeral port with a real SQLite store:
//! sign-in and the cookie, redirects, roles, CSRF refusals, pages, the live event stream; then the
//! same service driven by headless Chromium (tests/e2e/console.mjs, Playwright): sign in with name
//! and password, list, open a call, play its recording, check the audit log, screenshot every
//! page, sign out (the old cookie is refused).

#[path = "e2e/browser.rs"]
mod browser;
#[path = "e2e/seed.rs"]
mod seed;
mod support;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use seed::{Console, PASSWORD, session, session_of, setup};
use serde_json::Value;
use std::process::Command;

async fn sign_in_and_cookie(c: &Console) {
    // Pages redirect to the login page, keeping where the user was going.
    let r = c.http.get(c.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/login");
    let r = c
        .http
        .get(c.url(&format!("/calls/{}", c.calls[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()[LOCATION],
        format!("/login?next=%2Fcalls%2F{}", c.calls[0]).as_str()
    );
    let (status, html) = c.page("/login", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("name=\"name\"") && html.contains("name=\"password\""),
        "{html}"
    );
    assert!(
        !html.contains("name=\"token\""),
        "API tokens are not for the login page"
    );

    // A wrong password, an unknown name, a token instead of a password, a login posted from
    // elsewhere: no cookie. Then the real one.
    for (name, password) in [
        ("sue", "wrong password!"),
        ("nobody", PASSWORD),
        ("sue", c.supervisor.as_str()),
    ] {
        let r = c.sign_in(name, password).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{name}");
        assert!(r.headers().get(SET_COOKIE).is_none());
    }
    let r = c
        .post_form(
            "/login",
            None,
            Some("http://evil.example"),
            &[("name", "sue"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get(SET_COOKIE).is_none());
    let r = c
        .post_form(
            "/login",
            None,
            Some(&c.base),
            &[
                ("name", "sue"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/", "only local paths are followed");
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    let fresh = session_of(&r).unwrap();
    assert!(cookie.starts_with("fd_session="), "{cookie}");
    assert_ne!(fresh, c.sup_session, "every sign-in gets a new id");
    assert!(
        !cookie.contains(&c.supervisor),
        "the cookie is not the token"
    );
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing from {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    // The API token is not a session: as a cookie it gets the login page.
    assert_eq!(
        c.page("/", Some(&c.supervisor)).await.0,
        StatusCode::SEE_OTHER
    );

    // The cookie works for the API's reads (the audio player) but not for a change from elsewhere.
    let r = c
        .http
        .get(c.url("/api/v1/calls?limit=1"))
        .header(COOKIE, session(&c.sup_session))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .http
        .put(c.url("/api/v1/agents/ben/presence"))
        .header(COOKIE, session(&c.sup_session))
        .json(&serde_json::json!({"presence": "away"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "cookie without Origin");
    let r = c
        .http
        .put(c.url("/api/v1/agents/ben/presence"))
        .header(COOKIE, session(&c.sup_session))
        .header(ORIGIN, &c.base)
        .json(&serde_json::json!({"presence": "away"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .http
        .get(c.url(&format!("/api/v1/calls/{}/recording", c.calls[0])))
        .header(COOKIE, session(&c.sup_session))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "audio/wav");

    // Logging out ends the session and clears the cookie; it is a form post from our own pages
    // only. Afterwards the old cookie gets the login page and a 401 from the API.
    assert_eq!(c.page("/", Some(&fresh)).await.0, StatusCode::OK);
    let r = c.post_form("/logout", Some(&fresh), None, &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post_form("/logout", Some(&fresh), Some(&c.base), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let r = c
        .http
        .get(c.url("/"))
        .header(COOKIE, session(&fresh))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/login");
    let r = c
        .http
        .get(c.url("/api/v1/calls?limit=1"))
        .header(COOKIE, session(&fresh))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The other session of the same user is untouched.
    assert_eq!(c.page("/", Some(&c.sup_session)).await.0, StatusCode::OK);
}

async fn pages(c: &Console) {
    let sup = Some(c.sup_session.as_str());
    // The calls list: a page of 50, newest first, then the rest through the keyset link.
    let (status, html) = c.page("/", sup).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        html.matches("<a href=\"/calls/").count(),
        50 + 1,
        "50 rows (+1 play link)"
    );
    assert!(
        html.find(&c.calls[0]) < html.find(&c.calls[1]),
        "newest first"
    );
    let next = html
        .split("href=\"")
        .find(|s| s.contains("cursor="))
        .and_then(|s| s.split('"').next())
        .expect("a link to older calls")
        .replace("&amp;", "&");
    let (_, older) = c.page(&next, sup).await;
    assert_eq!(older.matches("<a href=\"/calls/").count(), 10);
    assert!(older.contains(&c.calls[59]));
    // Filters: outcome, agent, phone (national form), and a bad time.
    let (_, html) = c.page("/?outcome=complaint&agent=ben", sup).await;
    assert_eq!(
        html.matches("tag-complaint\">complaint").count(),
        15,
        "every 4th call is a complaint, all ben's"
    );
    let (_, html) = c.page("/?outcome=complaint&agent=anna", sup).await;
    assert!(html.contains("No calls match"));
    let (_, html) = c.page("/?phone=861234500", sup).await;
    assert_eq!(html.matches("<a href=\"/calls/").count(), 20 + 1);
    let (status, _) = c.page("/?since=yesterday", sup).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // One call: player (the API's recording URL) and timeline.
    let (status, html) = c.page(&format!("/calls/{}", c.calls[0]), sup).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!(
        "<audio controls preload=\"none\" src=\"/api/v1/calls/{}/recording\"",
        c.calls[0]
    )));
    assert!(html.contains("known client, not DNC"));
    // No way through an id: not a UUID is 404 before the store or a file is touched.
    for bad in [
        "/calls/..%2F..%2Fetc%2Fpasswd",
        "/calls/..%5C..%5Cboot.ini",
        "/calls/x'--",
    ] {
        assert_eq!(c.page(bad, sup).await.0, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(
        c.page("/clients/..%2F..%2Fetc", sup).await.0,
        StatusCode::BAD_REQUEST
    );

    // The card: fields, lists and timeline.
    let (status, html) = c
        .page(
            &format!("/clients/{}", c.card_phone.replace('+', "%2B")),
            sup,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Ona Petraitė",
        "Mon-Fri 09:00-17:00",
        "badge-vip",
        "consultant <strong>anna</strong>",
        "complaint escalated",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
    let r = c
        .http
        .get(c.url("/clients?phone=861234500"))
        .header(COOKIE, session(&c.sup_session))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[LOCATION], "/clients/%2B37061234500");
    assert_eq!(
        c.page("/clients/%2B37069999999", sup).await.0,
        StatusCode::NOT_FOUND
    );

    // Queues and figures.
    let (_, html) = c.page("/complaints", sup).await;
    assert_eq!(html.matches("tag-open\">open").count(), 2);
    let (_, html) = c.page("/callbacks", sup).await;
    assert_eq!(html.matches("<tr id=\"cb").count(), 2);
    assert!(
        html.contains("tag-on-time") || html.contains("tag-at-risk"),
        "{html}"
    );
    let (_, html) = c.page("/surveys", sup).await;
    assert!(html.contains("id=\"nps-score\">20<"), "{html}");
    assert!(html.contains("id=\"nps-responses\">10<"));
    assert!(
        html.contains("<td>anna</td><td class=\"num\"><strong>75</strong>"),
        "{html}"
    );

    // The agents board: both agents, their state.
    let (_, html) = c.page("/agents", sup).await;
    assert!(html.contains("<strong>anna</strong>"), "{html}");
    assert!(html.contains("state-available"), "{html}");

    // Assets, unknown pages, security headers.
    let r = c.http.get(c.url("/console/app.css")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(c.page("/nothing-here", sup).await.0, StatusCode::NOT_FOUND);
    let r = c
        .http
        .get(c.url("/"))
        .header(COOKIE, session(&c.sup_session))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(r.headers()["cache-control"], "no-store");
}

async fn roles(c: &Console) {
    // A script may read a page with an API token in the bearer header (not as a cookie).
    let r = c
        .http
        .get(c.url("/"))
        .bearer_auth(&c.agent)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let agent = Some(c.agent_session.as_str());
    let (status, html) = c.page("/", agent).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        html.matches("<a href=\"/calls/").count(),
        30 + 1,
        "anna's 30 calls only"
    );
    assert!(
        !html.contains("href=\"/complaints\""),
        "no supervisor tabs for agents"
    );
    assert_eq!(
        c.page(&format!("/calls/{}", c.calls[1]), agent).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.page(&format!("/calls/{}", c.calls[0]), agent).await.0,
        StatusCode::OK
    );
    for path in [
        "/complaints",
        "/callbacks",
        "/surveys",
        "/agents",
        "/console/events",
    ] {
        assert_eq!(c.page(path, agent).await.0, StatusCode::FORBIDDEN, "{path}");
    }

    // A call of anna's in progress: its page has the listen-in buttons for a supervisor only;
    // an ended call's page has none.
    let live = c.live_call("anna").await;
    let (status, html) = c.page(&format!("/calls/{live}"), agent).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("data-monitor-call") && !html.contains("/console/monitor.js"),
        "listen-in buttons for an agent: {html}"
    );
    let sup = Some(c.sup_session.as_str());
    let (_, html) = c.page(&format!("/calls/{live}"), sup).await;
    assert!(
        html.contains(&format!(
            "data-monitor-call=\"{live}\" data-monitor-mode=\"\""
        )) && html.contains("/console/monitor.js")
            && html.contains("data-err-no-phone=\"There is no phone on your account"),
        "{html}"
    );
    let (_, html) = c.page(&format!("/calls/{}", c.calls[0]), sup).await;
    assert!(!html.contains("data-monitor-call"), "an ended call: {html}");
}

/// Reads the event stream until `want` shows up (bounded).
async fn stream_until(resp: &mut reqwest::Response, want: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !seen.contains(want) {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {want:?} in the stream; got {seen:?}"))
            .unwrap()
            .expect("stream open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

async fn forms_and_live_events(c: &Console) {
    let sup = Some(c.sup_session.as_str());
    let mut live = c
        .http
        .get(c.url("/console/events"))
        .header(COOKIE, session(&c.sup_session))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.headers()["content-type"], "text/event-stream");
    stream_until(&mut live, "event: ready").await;

    // A form from elsewhere (or with no Origin/Referer at all) changes nothing.
    let path = format!("/complaints/{}/assign", c.complaint);
    for origin in [None, Some("http://evil.example")] {
        let r = c.post_form(&path, sup, origin, &[("to", "ben")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let (_, html) = c.page("/complaints?status=assigned", sup).await;
    assert!(!html.contains(&format!("id=\"c{}\"", c.complaint)));

    let r = c
        .post_form(
            &path,
            sup,
            Some(&c.base),
            &[("to", "ben"), ("back", "open")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()[LOCATION],
        format!("/complaints?status=open#c{}", c.complaint).as_str()
    );
    let got = stream_until(&mut live, "event: complaint_assigned").await;
    assert!(
        got.contains(&format!("\"complaint_id\":{}", c.complaint)),
        "{got}"
    );
    assert!(got.contains("assigned to ben by sue"), "{got}");

    let path = format!("/complaints/{}/resolve", c.complaint);
    let r = c
        .post_form(&path, sup, Some(&c.base), &[("closure_code", "explained")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    stream_until(&mut live, "event: complaint_resolved").await;
    let r = c
        .post_form(&path, sup, Some(&c.base), &[("closure_code", "again")])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "resolved once");
    let (_, html) = c.page("/complaints?status=resolved", sup).await;
    assert!(html.contains("by console:sue"), "{html}");

    // A callback requested through the API shows up live as well.
    let r = c
        .http
        .post(c.url("/api/v1/callbacks"))
        .bearer_auth(&c.admin)
        .json(&serde_json::json!({"phone": "+37061234777", "reason": "e-mail"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let got = stream_until(&mut live, "event: callback_requested").await;
    assert!(got.contains("+37061234777"), "{got}");
}

#[tokio::test(flavor = "multi_thread")]
async fn console_pages_auth_and_live_updates() {
    let c = setup().await;
    sign_in_and_cookie(&c).await;
    pages(&c).await;
    roles(&c).await;
    forms_and_live_events(&c).await;
}

/// What the browser test needs; missing pieces fail in CI and skip elsewhere.
fn browser_ready() -> bool {
    browser::ready(&support::repo(), &[])
}

#[tokio::test(flavor = "multi_thread")]
async fn console_in_a_real_browser() {
    if !browser_ready() {
        return;
    }
    let c = setup().await;
    let shots = support::repo().join("target/console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let audit_before: Value = c
        .http
        .get(c.url("/api/v1/audit"))
        .bearer_auth(&c.admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let out = tokio::task::spawn_blocking({
        let (base, token, call, phone) = (
            c.base.clone(),
            c.admin.clone(),
            c.calls[0].clone(),
            c.card_phone.clone(),
        );
        let shots = shots.clone();
        move || {
            Command::new("timeout")
                .args(["180", "node", "tests/e2e/console.mjs"])
                .current_dir(support::repo())
                .env("FD_BASE", base)
                .env("FD_TOKEN", token)
                .env("FD_USER", "boss")
                .env("FD_PASSWORD", PASSWORD)
                .env("FD_CALL", call)
                .env("FD_PHONE", phone)
                .env("FD_SCREENSHOTS", shots)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nservice log:\n{}",
        c.svc.log()
    );
    println!("{stdout}");
    // The script checked the audit log through the API itself; check it here too.
    let audit_after: Value = c
        .http
        .get(c.url("/api/v1/audit"))
        .bearer_auth(&c.admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let grew = audit_after["entries"].as_array().unwrap().len()
        - audit_before["entries"].as_array().unwrap().len();
    assert!(grew >= 1, "playing the recording wrote no audit entry");
    let newest = &audit_after["entries"][0];
    assert!(
        newest["object"] == c.calls[0].as_str() && newest["actor"] == "boss",
        "{audit_after}"
    );
    for page in [
        "login",
        "calls",
        "call",
        "card",
        "complaints",
        "callbacks",
        "surveys",
        "agents",
    ] {
        let png = shots.join(format!("{page}.png"));
        let len = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
        assert!(len > 1000, "no screenshot {}", png.display());
    }
}
