//! Accounts against the real server on ephemeral ports, on SQLite and PostgreSQL: console sign-in
//! with name and password into a server-side session (new id each time, ended by logout, idle
//! expiry, cookie flags with and without TLS in front), API tokens revoked one by one, a disabled
//! or removed user refused on the very next request (also by another node sharing the database),
//! and wrong passwords counted before the hash is checked, in parallel too, the same for names
//! that do not exist.

mod common;
mod support;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, RETRY_AFTER, SET_COOKIE};
use std::collections::BTreeMap;
use std::time::Duration;
use support::Service;

const PASSWORD: &str = "correct horse battery staple";

/// Sessions lapse after 6 s without a request; three wrong passwords a minute per account; the
/// address limit out of the way; loopback is a trusted proxy (for `X-Forwarded-Proto`).
const TABLES: &str = "[http]\nsession_idle_seconds = 6\nfailures_per_account = 3\n\
    failures_per_address = 1000\ntrusted_proxies = [\"127.0.0.0/8\"]\n";

struct Node {
    svc: Service,
    base: String,
    /// Follows no redirects, keeps no cookies: every request says what it sends.
    http: reqwest::Client,
}

fn node(top: &str, tables: &str) -> Node {
    let svc = Service::start_with_top(top, tables);
    Node {
        base: format!("http://{}", svc.http),
        svc,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `users add NAME --role R --password-stdin`; returns the API token.
fn add_user(svc: &Service, name: &str, role: &str) -> String {
    ok(svc.cli_stdin(
        &["users", "add", name, "--role", role, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    ))
}

/// The public id of a token (`fd_<id>_…`).
fn token_id(token: &str) -> &str {
    frontdesk::auth::key_id(token).unwrap()
}

impl Node {
    async fn sign_in_with(
        &self,
        name: &str,
        password: &str,
        forwarded_proto: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/login", self.base))
            .header(ORIGIN, &self.base)
            .form(&[("name", name), ("password", password)]);
        if let Some(p) = forwarded_proto {
            req = req.header("x-forwarded-proto", p);
        }
        req.send().await.unwrap()
    }

    async fn sign_in(&self, name: &str, password: &str) -> reqwest::Response {
        self.sign_in_with(name, password, None).await
    }

    /// A new session of `name`: the whole `name=value` pair for the Cookie header.
    async fn session(&self, name: &str) -> String {
        let r = self.sign_in(name, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{name} cannot sign in");
        cookie_pair(&r)
    }

    /// The console's calls page with `cookie`: 200, or 303 to the login page.
    async fn page(&self, cookie: &str) -> StatusCode {
        let r = self
            .http
            .get(format!("{}/", self.base))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::SEE_OTHER {
            assert_eq!(r.headers()[LOCATION], "/login");
        }
        r.status()
    }

    /// An API read with the session cookie.
    async fn api_with_cookie(&self, cookie: &str) -> StatusCode {
        self.http
            .get(format!("{}/api/v1/calls?limit=1", self.base))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn api_with_token(&self, token: &str) -> StatusCode {
        self.http
            .get(format!("{}/api/v1/calls?limit=1", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn logout(&self, cookie: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/logout", self.base))
            .header(COOKIE, cookie)
            .header(ORIGIN, &self.base)
            .send()
            .await
            .unwrap()
    }
}

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()[SET_COOKIE].to_str().unwrap().to_string()
}

/// `name=value` of the response's Set-Cookie.
fn cookie_pair(r: &reqwest::Response) -> String {
    set_cookie(r).split(';').next().unwrap().to_string()
}

async fn sessions_tokens_and_revocation(n: Node) {
    let sue = add_user(&n.svc, "sue", "supervisor");
    let crm = ok(n.svc.cli(&["users", "token", "sue", "--label", "crm"]));

    // Sign in, use the console and the API with the session; the cookie is not the token.
    let r = n.sign_in("sue", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let header = set_cookie(&r);
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(header.contains(attr), "{attr}: {header}");
    }
    assert!(header.starts_with("fd_session=") && !header.contains("Secure"));
    let a = cookie_pair(&r);
    assert!(!a.contains(&sue) && !a.contains(&crm));
    assert_eq!(n.page(&a).await, StatusCode::OK);
    assert_eq!(n.api_with_cookie(&a).await, StatusCode::OK);

    // Each sign-in gets a new id; logout ends that session on the server: the old cookie is
    // refused, the other session goes on.
    let b = n.session("sue").await;
    assert_ne!(a, b);
    assert_eq!(n.page(&a).await, StatusCode::OK);
    let r = n.logout(&b).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&r).contains("Max-Age=0"));
    assert_eq!(n.page(&b).await, StatusCode::SEE_OTHER);
    assert_eq!(n.api_with_cookie(&b).await, StatusCode::UNAUTHORIZED);
    assert_eq!(n.page(&a).await, StatusCode::OK);
    // Junk and tokens as cookies are no sessions.
    for junk in [
        format!("fd_session={sue}"),
        "fd_session=00".into(),
        format!("fd_session={}", "a".repeat(64)),
    ] {
        assert_eq!(n.page(&junk).await, StatusCode::SEE_OTHER, "{junk}");
    }

    // Revoking one token: refused at once (it was just verified and remembered), the other works.
    assert_eq!(n.api_with_token(&sue).await, StatusCode::OK);
    assert_eq!(n.api_with_token(&crm).await, StatusCode::OK);
    ok(n.svc.cli(&["users", "revoke", token_id(&sue)]));
    assert_eq!(n.api_with_token(&sue).await, StatusCode::UNAUTHORIZED);
    assert_eq!(n.api_with_token(&crm).await, StatusCode::OK);
    let tokens: serde_json::Value =
        serde_json::from_str(&ok(n.svc.cli(&["users", "tokens", "sue", "--json"]))).unwrap();
    assert!(tokens[1]["last_used_at"].is_string(), "{tokens}");

    // Disabled: session and token refused on the very next request, and no sign-in.
    let a = n.session("sue").await;
    assert_eq!(n.page(&a).await, StatusCode::OK);
    ok(n.svc.cli(&["users", "disable", "sue"]));
    assert_eq!(n.page(&a).await, StatusCode::SEE_OTHER);
    assert_eq!(n.api_with_cookie(&a).await, StatusCode::UNAUTHORIZED);
    assert_eq!(n.api_with_token(&crm).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        n.sign_in("sue", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Enabled again: the token works; the old session stays ended, a new sign-in works.
    ok(n.svc.cli(&["users", "enable", "sue"]));
    assert_eq!(n.api_with_token(&crm).await, StatusCode::OK);
    assert_eq!(n.page(&a).await, StatusCode::SEE_OTHER);
    let c = n.session("sue").await;
    assert_eq!(n.page(&c).await, StatusCode::OK);

    // Idle expiry: in use, the session lives past its idle time; left alone, it lapses.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(n.page(&c).await, StatusCode::OK);
    }
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert_eq!(n.page(&c).await, StatusCode::SEE_OTHER);

    // A new password ends the sessions; the old password no longer works.
    let d = n.session("sue").await;
    assert_eq!(n.page(&d).await, StatusCode::OK);
    ok(n.svc.cli_stdin(
        &["users", "password", "sue", "--password-stdin"],
        "a brand new password",
    ));
    assert_eq!(n.page(&d).await, StatusCode::SEE_OTHER);
    assert_eq!(
        n.sign_in("sue", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let e = n.sign_in("sue", "a brand new password").await;
    assert_eq!(e.status(), StatusCode::SEE_OTHER);
    let e = cookie_pair(&e);

    // Removed: everything refused, for good.
    assert_eq!(n.page(&e).await, StatusCode::OK);
    ok(n.svc.cli(&["users", "remove", "sue"]));
    assert_eq!(n.page(&e).await, StatusCode::SEE_OTHER);
    assert_eq!(n.api_with_token(&crm).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        n.sign_in("sue", "a brand new password").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Behind a trusted proxy that says https: `__Host-` and Secure, and only that name is read.
    add_user(&n.svc, "tess", "supervisor");
    let r = n.sign_in_with("tess", PASSWORD, Some("https")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let header = set_cookie(&r);
    assert!(header.starts_with("__Host-fd_session="), "{header}");
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(header.contains(attr), "{attr}: {header}");
    }
    assert!(!header.contains("Domain"), "{header}");
    let tls = cookie_pair(&r);
    let over_tls = n
        .http
        .get(format!("{}/", n.base))
        .header(COOKIE, &tls)
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(over_tls.status(), StatusCode::OK);
    assert_eq!(n.page(&tls).await, StatusCode::SEE_OTHER, "plain http");

    wrong_passwords(&n).await;
}

/// Sends `n` sign-ins for `name` with wrong passwords at once; counts the statuses.
async fn parallel_wrong(node: &Node, name: &str, n: usize) -> BTreeMap<u16, usize> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (http, base, name) = (node.http.clone(), node.base.clone(), name.to_string());
        tasks.spawn(async move {
            let r = http
                .post(format!("{base}/login"))
                .header(ORIGIN, &base)
                .form(&[("name", name.as_str()), ("password", &format!("guess {i}"))])
                .send()
                .await
                .unwrap();
            assert!(r.headers().get(SET_COOKIE).is_none());
            if r.status() == StatusCode::TOO_MANY_REQUESTS {
                assert!(r.headers().get(RETRY_AFTER).is_some());
            }
            r.status().as_u16()
        });
    }
    let mut counts = BTreeMap::new();
    while let Some(status) = tasks.join_next().await {
        *counts.entry(status.unwrap()).or_insert(0) += 1;
    }
    counts
}

async fn wrong_passwords(n: &Node) {
    // Three wrong passwords are checked (401), the fourth is refused unchecked (429), and so is
    // the right one while the account is over its limit.
    add_user(&n.svc, "ben", "agent");
    for i in 0..3 {
        let r = n.sign_in("ben", &format!("wrong {i}")).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = n.sign_in("ben", "wrong again").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(RETRY_AFTER).is_some());
    assert_eq!(
        n.sign_in("ben", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    // Parallel guesses do not get past the limit: counted before the hash is checked. A name that
    // does not exist is answered exactly like one that does.
    add_user(&n.svc, "max", "agent");
    for name in ["max", "ghost"] {
        let counts = parallel_wrong(n, name, 30).await;
        assert_eq!(counts.get(&401), Some(&3), "{name}: {counts:?}");
        assert_eq!(counts.get(&429), Some(&27), "{name}: {counts:?}");
    }
    // Other accounts are not affected.
    assert!(!n.session("tess").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_tokens_and_revocation_on_sqlite() {
    sessions_tokens_and_revocation(node("", TABLES)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_tokens_and_revocation_on_postgres() {
    let Some(db) = common::TestDb::postgres().await else {
        return;
    };
    let top = format!("database_url = \"{}\"\n", db.url);
    sessions_tokens_and_revocation(node(&top, TABLES)).await;
    db.cleanup().await;
}

/// Two nodes on one PostgreSQL database: what the command line does on the shared database is
/// seen by both on their very next request, whatever they remember.
#[tokio::test(flavor = "multi_thread")]
async fn another_node_refuses_at_once() {
    let Some(db) = common::TestDb::postgres().await else {
        return;
    };
    let top = |id: &str| format!("database_url = \"{}\"\nnode_id = \"{id}\"\n", db.url);
    let a = node(&top("node-a"), "");
    let b = node(&top("node-b"), "");
    let token = add_user(&a.svc, "sue", "supervisor");
    let spare = ok(a.svc.cli(&["users", "token", "sue"]));
    // B does not trust loopback as a proxy: a client claiming https gets the plain cookie.
    let r = b.sign_in_with("sue", PASSWORD, Some("https")).await;
    assert!(set_cookie(&r).starts_with("fd_session="));
    assert!(!set_cookie(&r).contains("Secure"));
    let on_b = cookie_pair(&r);
    for n in [&a, &b] {
        assert_eq!(n.api_with_token(&token).await, StatusCode::OK);
        assert_eq!(n.api_with_token(&spare).await, StatusCode::OK);
    }
    assert_eq!(b.page(&on_b).await, StatusCode::OK);
    assert_eq!(a.page(&on_b).await, StatusCode::OK, "sessions are shared");

    ok(a.svc.cli(&["users", "disable", "sue"]));
    assert_eq!(b.page(&on_b).await, StatusCode::SEE_OTHER);
    for n in [&a, &b] {
        assert_eq!(n.api_with_token(&token).await, StatusCode::UNAUTHORIZED);
    }
    ok(a.svc.cli(&["users", "enable", "sue"]));
    ok(a.svc.cli(&["users", "revoke", token_id(&token)]));
    for n in [&a, &b] {
        assert_eq!(n.api_with_token(&token).await, StatusCode::UNAUTHORIZED);
        assert_eq!(n.api_with_token(&spare).await, StatusCode::OK);
    }
    let fresh = b.session("sue").await;
    assert_eq!(a.logout(&fresh).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        b.page(&fresh).await,
        StatusCode::SEE_OTHER,
        "logout on A ends it on B"
    );
    drop((a, b));
    db.cleanup().await;
}
