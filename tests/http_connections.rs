//! The HTTP listener against the real binary: a client that never finishes its request head is
//! cut off, one address may hold only a few connections (a trusted proxy only the total), and a
//! place is given back when its connection ends. Loopback only: 127.0.0.0/8 gives the addresses.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use support::Service;

/// What the server sends until it closes (or the read times out).
fn read_all(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).to_string()
}

fn healthz(stream: &mut TcpStream, host: SocketAddr) -> String {
    stream
        .write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
    read_all(stream)
}

#[test]
fn a_request_head_never_finished_is_cut_off() {
    let svc = Service::start("[http]\nheader_timeout_seconds = 1\n");
    let mut slow = support::connect_from("127.0.0.1", svc.http);
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let answer = read_all(&mut slow);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "closed after about a second, not {:?}",
        started.elapsed()
    );
    assert!(!answer.contains("200 OK"), "{answer}");
    // A silent one too.
    let mut silent = support::connect_from("127.0.0.1", svc.http);
    let started = Instant::now();
    let _ = read_all(&mut silent);
    assert!(started.elapsed() < Duration::from_secs(5));
    // Meanwhile and after, a real request is answered.
    let mut ok = support::connect_from("127.0.0.1", svc.http);
    assert!(healthz(&mut ok, svc.http).starts_with("HTTP/1.1 200"));
}

#[test]
fn one_address_holds_only_a_few_connections_and_gets_them_back() {
    let svc = Service::start(
        "[http]\nmax_connections_per_address = 3\nheader_timeout_seconds = 30\n\
         trusted_proxies = [\"127.0.0.9/32\"]\n",
    );
    let held: Vec<TcpStream> = (0..3)
        .map(|_| support::connect_from("127.0.0.7", svc.http))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // The fourth from that address is closed at once, unanswered.
    let mut fourth = support::connect_from("127.0.0.7", svc.http);
    let started = Instant::now();
    let _ = fourth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    let answer = read_all(&mut fourth);
    assert!(answer.is_empty(), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // Another address is not affected; a trusted proxy is held only to the total.
    let mut other = support::connect_from("127.0.0.8", svc.http);
    assert!(healthz(&mut other, svc.http).starts_with("HTTP/1.1 200"));
    let mut proxy: Vec<TcpStream> = (0..5)
        .map(|_| support::connect_from("127.0.0.9", svc.http))
        .collect();
    assert!(healthz(&mut proxy[4], svc.http).starts_with("HTTP/1.1 200"));
    // Closing one gives its place back.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut again = support::connect_from("127.0.0.7", svc.http);
        if healthz(&mut again, svc.http).starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "the places were not given back");
        std::thread::sleep(Duration::from_millis(100));
    }
}
