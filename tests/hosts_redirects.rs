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
    let head = text.split("\r\n\r\n").next().unwrap_or("").to_string();
    (status, head)
}

fn get(svc: &Service, path: &str, host: &str) -> u16 {
    raw(
        svc.http,
        &format!("GET {path} HTTP/1.1\r\nHost: {host}"),
        "",
    )
    .0
}

fn admin(svc: &Service) -> String {
    let out = svc.cli(&["users", "add", "boss", "--role", "admin"]);
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
