//! What the door keeps back from the stack, on the RFC 4475 / RFC 5118 cases it is for.

use super::*;
use crate::sip::validate::{self, Malformed, Rejection};
use rsipstack::sip::prelude::HeadersExt;

fn source() -> SocketAddr {
    "127.0.0.1:5099".parse().expect("address")
}

/// `lines` joined with CRLF, the blank line and `body` after them.
fn wire(lines: &[&str], body: &str) -> Vec<u8> {
    format!("{}\r\n\r\n{body}", lines.join("\r\n")).into_bytes()
}

fn headers(method: &str, extra: &[&str]) -> Vec<String> {
    let mut h = vec![
        "Via: SIP/2.0/UDP host.example.net;branch=z9hG4bK-d1".to_string(),
        "To: <sip:user@example.com>".to_string(),
        "From: <sip:caller@example.net>;tag=34525".to_string(),
        "Call-ID: datagram-1@example.net".to_string(),
        format!("CSeq: 8 {method}"),
        "Max-Forwards: 70".to_string(),
    ];
    h.extend(extra.iter().map(|s| s.to_string()));
    h.push("Content-Length: 0".to_string());
    h
}

fn request(start: &str, method: &str, extra: &[&str]) -> Vec<u8> {
    let mut lines = vec![start.to_string()];
    lines.extend(headers(method, extra));
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    wire(&lines, "")
}

fn unreadable(packet: &[u8]) -> Unreadable {
    match read(packet, source(), Transport::Udp) {
        Reading::Unreadable(u) => *u,
        Reading::Stack => panic!("passed to the stack: {}", String::from_utf8_lossy(packet)),
    }
}

#[test]
fn what_the_stack_parses_goes_to_it() {
    let invite = request("INVITE sip:user@example.com SIP/2.0", "INVITE", &[]);
    assert!(matches!(
        read(&invite, source(), Transport::Udp),
        Reading::Stack
    ));
    let options = request("OPTIONS sip:user@[2001:db8::10] SIP/2.0", "OPTIONS", &[]);
    assert!(matches!(
        read(&options, source(), Transport::Udp),
        Reading::Stack
    ));
}

#[test]
fn responses_keepalives_and_garbage_go_to_the_stack_to_be_dropped() {
    let response = wire(&["SIP/2.0 200 OK", "Call-ID: x"], "");
    assert!(matches!(
        read(&response, source(), Transport::Udp),
        Reading::Stack
    ));
    assert!(matches!(
        read(b"\r\n\r\n", source(), Transport::Udp),
        Reading::Stack
    ));
    assert!(matches!(
        read(b"no line end at all", source(), Transport::Udp),
        Reading::Stack
    ));
    // A method that is not a token, a line without a version, and bytes that are not UTF-8.
    let bad_method = request("IN(VITE sip:user@example.com SIP/2.0", "IN(VITE", &[]);
    assert!(matches!(
        read(&bad_method, source(), Transport::Udp),
        Reading::Stack
    ));
    assert!(matches!(
        read(
            b"NEWMETHOD sip:user@example.com\r\n\r\n",
            source(),
            Transport::Udp
        ),
        Reading::Stack
    ));
    assert!(matches!(
        read(
            b"NEW\xffMETHOD sip:a@b SIP/2.0\r\n\r\n",
            source(),
            Transport::Udp
        ),
        Reading::Stack
    ));
    // No headers the stand-in parse can read.
    assert!(matches!(
        read(
            b"NEWMETHOD sip:user@example.com SIP/2.0\r\nno separator",
            source(),
            Transport::Udp
        ),
        Reading::Stack
    ));
}

#[test]
fn an_extension_method_is_kept_back_with_its_headers_and_passes_the_checks() {
    // RFC 4475 §3.1.1.5: `RE%47IST%45R` is not REGISTER, it is a method of its own.
    let packet = request(
        "RE%47IST%45R sip:registrar.example.com SIP/2.0",
        "RE%47IST%45R",
        &[],
    );
    let u = unreadable(&packet);
    assert_eq!(u.method, "RE%47IST%45R");
    assert_eq!(u.known, None);
    let cseq = u.request.cseq_header().expect("CSeq kept");
    assert_eq!(cseq.value(), "8 RE%47IST%45R");
    let via = u.request.top_via_header().expect("Via kept");
    assert!(
        via.value().contains("received=127.0.0.1"),
        "{}",
        via.value()
    );
    assert_eq!(validate::check_extension(&u.method, &u.request), Ok(()));
}

#[test]
fn an_extension_method_whose_cseq_names_another_is_malformed() {
    // RFC 4475 §3.1.2.18.
    let packet = request("NEWMETHOD sip:user@example.com SIP/2.0", "INVITE", &[]);
    let u = unreadable(&packet);
    assert_eq!(
        validate::check_extension(&u.method, &u.request),
        Err(Rejection::Malformed(Malformed::CSeqMethod))
    );
}

#[test]
fn an_extension_method_is_checked_like_any_request() {
    let required = request(
        "NEWMETHOD sip:user@example.com SIP/2.0",
        "NEWMETHOD",
        &["Require: foo"],
    );
    let u = unreadable(&required);
    assert_eq!(
        validate::check_extension(&u.method, &u.request),
        Err(Rejection::Extensions(vec!["foo".into()]))
    );
    let other_version = request("NEWMETHOD sip:user@example.com SIP/3.0", "NEWMETHOD", &[]);
    let u = unreadable(&other_version);
    assert!(matches!(
        validate::check_extension(&u.method, &u.request),
        Err(Rejection::Version(_))
    ));
}

#[test]
fn a_known_method_with_a_request_uri_the_stack_refuses_is_kept_back() {
    // RFC 5118 §4.10: to be tolerated, but rsipstack's URI reader refuses three colons.
    let packet = request(
        "OPTIONS sip:user@[2001:db8:::192.0.2.1] SIP/2.0",
        "OPTIONS",
        &[],
    );
    let u = unreadable(&packet);
    assert_eq!(u.known, Some(Method::Options));
    assert_eq!(u.method, "OPTIONS");
    let mut checked = u.request.clone();
    checked.method = Method::Options;
    assert_eq!(validate::check(&checked), Ok(()));
}
