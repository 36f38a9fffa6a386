//! What a browser can be tricked into, against the real server on an ephemeral port: requests
//! carrying a foreign `Host` (DNS rebinding) get 421 before any handler, `/healthz` excepted;
//! after signing in, `next` is followed only when it is a path on this site.
//!
//! Requests are written by hand on a TCP socket so that every header and byte is exactly what the
//! test says (HTTP clients fix up `Host` and refuse control characters).

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use support::Service;

/// Sends `head` (request line and headers, `\r\n`-separated, without the blank line) and `body`;
/// returns the status and the response head.
fn raw(addr: SocketAddr, head: &str, body: &str) -> (u16, String) {
    let (status, head, _) = exchange(addr, head, body);
    (status, head)
}

/// As `raw`, with the response body too.
fn exchange(addr: SocketAddr, head: &str, body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let msg = format!(
        "{head}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(msg.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"));
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (status, head.to_string(), body.to_string())
}

/// Every byte but letters and digits percent-encoded, as a form would send it.
fn form_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

fn get(svc: &Service, path: &str, host: &str) -> u16 {
    raw(
        svc.http,
        &format!("GET {path} HTTP/1.1\r\nHost: {host}"),
        "",
    )
    .0
}

/// The admin's console password.
const PASSWORD: &str = "a long enough password";

/// Adds `boss` (admin, password `PASSWORD`); returns the API token.
fn admin(svc: &Service) -> String {
    let out = svc.cli_stdin(
        &[
            "users",
            "add",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
        ],
        PASSWORD,
    );
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn foreign_hosts_get_421_before_any_handler() {
    let svc = Service::start("[http]\nallowed_hosts = [\"frontdesk.example.com\"]\n");
    let port = svc.http.port();
    let token = admin(&svc);
    let ours = format!("127.0.0.1:{port}");

    // Happy: the names this server answers to.
    for host in [
        ours.clone(),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "frontdesk.example.com".to_string(),
        "FrontDesk.Example.com:443".to_string(),
    ] {
        assert_eq!(get(&svc, "/metrics", &host), 200, "{host}");
    }
    assert_eq!(get(&svc, "/login", &ours), 200);

    // A rebound name, another port, the wildcard address: 421 everywhere but /healthz.
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("0.0.0.0:{port}"),
        format!("frontdesk.example.com.evil.example:{port}"),
    ] {
        for path in [
            "/metrics",
            "/",
            "/login",
            "/api/v1/openapi.json",
            "/nothing",
        ] {
            assert_eq!(get(&svc, path, &host), 421, "{host} {path}");
        }
        assert_eq!(
            get(&svc, "/healthz", &host),
            200,
            "{host}: /healthz is exempt"
        );
    }
    // Even with a valid token: the Host is checked first.
    let (status, head) = raw(
        svc.http,
        &format!(
            "GET /api/v1/calls HTTP/1.1\r\nHost: evil.example:{port}\r\nAuthorization: Bearer {token}"
        ),
        "",
    );
    assert_eq!(status, 421, "{head}");
    let (status, _) = raw(
        svc.http,
        &format!("GET /api/v1/calls HTTP/1.1\r\nHost: {ours}\r\nAuthorization: Bearer {token}"),
        "",
    );
    assert_eq!(status, 200);

    // No Host at all is a bad request; an absolute target must name us as well.
    assert_eq!(raw(svc.http, "GET /metrics HTTP/1.1", "").0, 400);
    assert_eq!(raw(svc.http, "GET /healthz HTTP/1.1", "").0, 200);
    let (status, _) = raw(
        svc.http,
        &format!("GET http://evil.example/metrics HTTP/1.1\r\nHost: {ours}"),
        "",
    );
    assert_eq!(status, 421);
    let (status, _) = raw(
        svc.http,
        &format!("GET http://{ours}/metrics HTTP/1.1\r\nHost: {ours}"),
        "",
    );
    assert_eq!(status, 200);
}

#[test]
fn after_sign_in_next_is_followed_only_to_a_path_on_this_site() {
    let svc = Service::start("");
    admin(&svc);
    let ours = format!("127.0.0.1:{}", svc.http.port());
    let sign_in = |next: &str, password: &str| {
        let body = format!(
            "name=boss&password={}&next={}",
            form_escape(password),
            form_escape(next)
        );
        exchange(
            svc.http,
            &format!(
                "POST /login HTTP/1.1\r\nHost: {ours}\r\nOrigin: http://{ours}\r\n\
                 Content-Type: application/x-www-form-urlencoded"
            ),
            &body,
        )
    };

    // Happy: a path on this site is where the user goes after signing in.
    for next in ["/calls/x?y=1", "/complaints?status=open", "/"] {
        let (status, head, _) = sign_in(next, PASSWORD);
        assert_eq!(status, 303, "{next:?}: {head}");
        assert_eq!(header(&head, "location"), Some(next), "{head}");
    }
    // Everything else goes to `/`, never off-site, never a 500.
    for next in [
        "/\t/evil.example/",
        "/\r\nSet-Cookie: fd_session=stolen",
        "/\n/evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
    ] {
        let (status, head, _) = sign_in(next, PASSWORD);
        assert_eq!(status, 303, "{next:?}: {head}");
        assert_eq!(header(&head, "location"), Some("/"), "{next:?}: {head}");
        assert!(!head.contains("stolen"), "{head}");
    }

    // The login page carries only a safe `next` into its form, whatever the link said (the
    // template escapes `/` as `&#x2f;`).
    let (status, _, html) = exchange(
        svc.http,
        &format!("GET /login?next=%2Fcalls%2Fx HTTP/1.1\r\nHost: {ours}"),
        "",
    );
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"name="next" value="&#x2f;calls&#x2f;x""#),
        "{html}"
    );
    let (status, _, html) = exchange(
        svc.http,
        &format!("GET /login?next=%2F%09%2Fevil.example%2F HTTP/1.1\r\nHost: {ours}"),
        "",
    );
    assert_eq!(status, 200);
    assert!(html.contains(r#"name="next" value="&#x2f;""#), "{html}");
    assert!(!html.contains("evil.example"), "{html}");
    // A wrong password shows the form again, with the same safe `next`.
    let (status, _, html) = sign_in("//evil.example/", "not the password");
    assert_eq!(status, 401);
    assert!(html.contains(r#"name="next" value="&#x2f;""#), "{html}");
}
