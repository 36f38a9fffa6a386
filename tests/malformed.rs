//! Hostile and broken SIP against the real binary: every RFC 4475 and RFC 5118 torture message
//! gets the answer its RFC asks for (the table in malformed/expected.rs), calls it starts are
//! ended, and truncated, oversized and junk datagrams never take the service down.

#[path = "malformed/expected.rs"]
mod expected;
mod support;

use expected::Expect;
use rsipstack::sip::{Header, SipMessage};
use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::Service;

/// How long a message may go unanswered before it counts as dropped: generous for a busy machine,
/// and only dropped ones wait it out (the files are sent concurrently).
const WINDOW: Duration = Duration::from_secs(3);

fn corpus(name: &str) -> Option<Vec<PathBuf>> {
    let dir = support::repo().join("../shared/corpora").join(name);
    match std::fs::read_dir(&dir) {
        Ok(rd) => {
            let mut v: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            Some(v)
        }
        Err(_) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true and {} is missing", dir.display());
            }
            eprintln!(
                "NOTICE: {} not found; skipping the torture corpus",
                dir.display()
            );
            None
        }
    }
}

fn options(to: std::net::SocketAddr, sock: &UdpSocket, n: u32) -> Option<String> {
    let local = sock.local_addr().unwrap();
    let msg = format!(
        "OPTIONS sip:frontdesk@{to} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-alive-{n}\r\n\
         From: <sip:probe@{local}>;tag=p{n}\r\nTo: <sip:frontdesk@{to}>\r\nCall-ID: alive-{n}@probe\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    );
    sock.send_to(msg.as_bytes(), to).unwrap();
    let mut buf = [0u8; 4096];
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // Skip any responses to the barrage; wait for ours.
    for _ in 0..200 {
        let (n_read, _) = sock.recv_from(&mut buf).ok()?;
        let text = String::from_utf8_lossy(&buf[..n_read]).to_string();
        if text.contains(&format!("alive-{n}@probe")) {
            return Some(text);
        }
    }
    None
}

fn assert_alive(svc: &Service, sock: &UdpSocket, n: u32) {
    let resp = options(svc.sip, sock, n).unwrap_or_else(|| {
        panic!(
            "no answer to OPTIONS after barrage {n}; log:\n{}",
            svc.log()
        )
    });
    assert!(resp.starts_with("SIP/2.0 200"), "{resp}");
}

/// The status of a SIP/2.0 response (`None` for anything else).
fn status(text: &str) -> Option<u16> {
    text.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
}

fn recv(sock: &UdpSocket) -> Option<String> {
    let mut buf = [0u8; 65_535];
    let (n, _) = sock.recv_from(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// Everything one torture message drew, in order of arrival.
#[derive(Debug, Default)]
struct Seen {
    answers: Vec<String>,
    /// For a call that rang: what the CANCEL drew.
    cancelled: Vec<String>,
}

impl Seen {
    fn last_status(&self) -> Option<u16> {
        self.answers.last().and_then(|t| status(t))
    }
}

/// A CANCEL or ACK in the transaction of the INVITE `file` (RFC 3261 §9.1, §17.1.1.3): its
/// Request-URI as written, its top Via, From, Call-ID and CSeq number, and `to`.
fn in_transaction(file: &[u8], method: &str, to: &str) -> String {
    let text = String::from_utf8_lossy(file);
    let ruri = text.split_whitespace().nth(1).expect("a Request-URI");
    let Ok(SipMessage::Request(invite)) = SipMessage::try_from(file) else {
        panic!("not a request: {text}");
    };
    let first = |pick: fn(&Header) -> bool| {
        invite
            .headers
            .iter()
            .find(|h| pick(h))
            .map(|h| h.value().to_string())
            .unwrap_or_else(|| panic!("a field missing in {text}"))
    };
    let via = first(|h| matches!(h, Header::Via(_)));
    let via = via.split(',').next().unwrap_or_default();
    let from = first(|h| matches!(h, Header::From(_)));
    let call_id = first(|h| matches!(h, Header::CallId(_)));
    let cseq = first(|h| matches!(h, Header::CSeq(_)));
    let n = cseq.split_whitespace().next().unwrap_or_default();
    format!(
        "{method} {ruri} SIP/2.0\r\nVia: {via}\r\nFrom: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\n\
         CSeq: {n} {method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

/// The To line of a response, with the tag the ACK must repeat.
fn to_of(response: &str) -> &str {
    response
        .lines()
        .find_map(|l| l.strip_prefix("To:"))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no To in {response}"))
}

/// Sends `file` from a socket of its own and collects the answers: a final one, a ringing call,
/// or nothing within [`WINDOW`]. A ringing call is CANCELled; a 487 or 488 (the stack's INVITE
/// transaction retransmits them until ACKed; the door's stateless answers keep no transaction)
/// is ACKed.
fn exchange(svc: &Service, file: &[u8]) -> Seen {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    sock.send_to(file, svc.sip).unwrap();
    let mut seen = Seen::default();
    let deadline = Instant::now() + WINDOW;
    while Instant::now() < deadline && seen.last_status().is_none_or(|c| c < 180) {
        seen.answers.extend(recv(&sock));
    }
    let ack = |response: &str| {
        let ack = in_transaction(file, "ACK", to_of(response));
        sock.send_to(ack.as_bytes(), svc.sip).unwrap();
    };
    match seen.last_status() {
        Some(488) => ack(seen.answers.last().unwrap()),
        Some(180..=199) => {
            let to = {
                let Ok(SipMessage::Request(invite)) = SipMessage::try_from(file) else {
                    panic!("a ringing call from something not a request");
                };
                invite
                    .headers
                    .iter()
                    .find(|h| matches!(h, Header::To(_)))
                    .map(|h| h.value().to_string())
                    .unwrap_or_default()
            };
            let cancel = in_transaction(file, "CANCEL", &to);
            sock.send_to(cancel.as_bytes(), svc.sip).unwrap();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline
                && !seen.cancelled.iter().any(|t| status(t) == Some(487))
            {
                seen.cancelled.extend(recv(&sock));
            }
            if let Some(terminated) = seen.cancelled.iter().find(|t| status(t) == Some(487)) {
                ack(terminated);
            }
        }
        _ => {}
    }
    seen
}

/// Whether `seen` is what `expect` asks for; `Err` says what is wrong.
fn judge(seen: &Seen, expect: Expect) -> Result<(), String> {
    let codes: Vec<Option<u16>> = seen.answers.iter().map(|t| status(t)).collect();
    match expect {
        Expect::Dropped if seen.answers.is_empty() => Ok(()),
        Expect::Final(code) => {
            let (last, before) = codes.split_last().ok_or("no answer")?;
            let provisional = before.iter().all(|c| c.is_some_and(|c| c < 200));
            if *last == Some(code) && provisional {
                Ok(())
            } else {
                Err(format!("answers {codes:?}"))
            }
        }
        Expect::Rings => {
            let rang = codes.iter().all(|c| c.is_some_and(|c| c < 200)) && !codes.is_empty();
            let ended = seen.cancelled.iter().any(|t| status(t) == Some(487));
            if rang && ended {
                Ok(())
            } else {
                Err(format!(
                    "answers {codes:?}, after CANCEL {:?}",
                    seen.cancelled
                ))
            }
        }
        Expect::Dropped => Err(format!("answers {codes:?}")),
    }
}

#[test]
fn every_torture_message_gets_the_answer_its_rfc_asks_for() {
    let mut table: BTreeMap<&str, Expect> = BTreeMap::new();
    let mut files = Vec::new();
    for (dir, expected) in [
        ("rfc4475", expected::RFC4475),
        ("rfc5118", expected::RFC5118),
    ] {
        let Some(found) = corpus(dir) else { return };
        table.extend(expected.iter().copied());
        let names: Vec<String> = found
            .iter()
            .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
            .collect();
        let mut listed: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
        listed.sort();
        assert_eq!(
            names, listed,
            "{dir}: the table must name every file, no more"
        );
        files.extend(found);
    }
    // Calls ring for 10 s before they would be answered: time to CANCEL them.
    let svc = Service::start("[calls]\nanswer_after_ms = 10000\n");
    let seen: Vec<(String, Seen)> = std::thread::scope(|s| {
        let running: Vec<_> = files
            .iter()
            .map(|path| {
                let svc = &svc;
                s.spawn(move || {
                    let name = path.file_name().unwrap().to_string_lossy().into_owned();
                    (name, exchange(svc, &std::fs::read(path).unwrap()))
                })
            })
            .collect();
        running.into_iter().map(|t| t.join().unwrap()).collect()
    });

    let wrong: Vec<String> = seen
        .iter()
        .filter_map(|(name, seen)| {
            let expect = table[name.as_str()];
            let verdict = judge(seen, expect).err()?;
            Some(format!("{name}: expected {expect:?}, {verdict}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{}\nlog:\n{}",
        wrong.join("\n"),
        svc.log()
    );

    let answer = |name: &str| -> &str {
        let (_, s) = seen.iter().find(|(n, _)| n == name).expect("sent");
        s.answers.last().expect("answered")
    };
    // The answers carry what their status calls for, and say what is wrong with a 400.
    let unsupported = "Unsupported: nothingSupportsThis, nothingSupportsThisEither\r\n";
    assert!(answer("bext01.dat").contains(unsupported));
    assert!(answer("invut.dat").contains("Accept: application/sdp\r\n"));
    assert!(answer("clerr.dat").starts_with("SIP/2.0 400 Content-Length Larger Than Body\r\n"));
    assert!(answer("badvers.dat").starts_with("SIP/2.0 505 "));
    // An extension method is told what is implemented, in a response to its own transaction.
    assert!(answer("intmeth.dat").starts_with("SIP/2.0 501 "));
    assert!(answer("intmeth.dat").contains("Allow: INVITE"));
    assert!(answer("esc02.dat").contains("CSeq: 29344 RE%47IST%45R\r\n"));
    assert!(answer("mismatch02.dat").starts_with("SIP/2.0 400 CSeq Method Does Not Match\r\n"));
    assert!(
        answer("mcl01.dat").contains(";tag="),
        "a final answer tags To"
    );

    // Every call an INVITE started is over, and no invalid INVITE got as far as a call.
    let calls = table
        .values()
        .filter(|e| matches!(e, Expect::Rings | Expect::Final(488)))
        .count();
    closed_calls(&svc, calls);
    let refused = table
        .values()
        .filter(|e| matches!(e, Expect::Final(400 | 406 | 415 | 416 | 420 | 505)))
        .count() as u64;
    let counted = metric(&svc, "frontdesk_sip_turned_away_total{reason=\"invalid\"}");
    assert_eq!(counted, refused, "requests counted as invalid");

    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_alive(&svc, &sock, 0);
    let log = svc.log();
    assert!(!log.contains("panicked"), "a panic was logged:\n{log}");
}

/// Waits until exactly `n` call rows exist and are all closed.
fn closed_calls(svc: &Service, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = svc.cli_json(&["calls", "list", "--json"]);
        let rows = rows.as_array().cloned().unwrap_or_default();
        if rows.len() == n && rows.iter().all(|c| c["ended_at"].is_string()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} closed calls, rows: {rows:?}\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn metric(svc: &Service, name: &str) -> u64 {
    let url = format!("http://{}/metrics", svc.http);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let text = rt.block_on(async { reqwest::get(&url).await.unwrap().text().await.unwrap() });
    // Every sample names its node; the names asked for here leave it out.
    let text = text
        .replace("node=\"test-node\",", "")
        .replace("{node=\"test-node\"}", "");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

#[test]
fn junk_datagrams_do_not_stop_the_service() {
    let svc = Service::start("");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_alive(&svc, &sock, 0);

    let invite = format!(
        "INVITE sip:frontdesk@{to} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-x\r\n\
         From: <sip:+37061234567@127.0.0.1>;tag=1\r\nTo: <sip:frontdesk@{to}>\r\nCall-ID: junk@x\r\n\
         CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 99999999\r\n\r\nv=0\r\n",
        to = svc.sip
    );
    let junk: Vec<Vec<u8>> = vec![
        vec![],
        b"\r\n\r\n".to_vec(),
        b"INVITE".to_vec(),
        invite.as_bytes()[..invite.len() / 2].to_vec(),
        invite.clone().into_bytes(),
        invite.replace("Call-ID: junk@x\r\n", "").into_bytes(),
        invite
            .replace("CSeq: 1 INVITE", "CSeq: banana")
            .into_bytes(),
        (0..1400u32).map(|i| (i * 7919 % 251) as u8).collect(),
        vec![0xFF; 9000],
    ];
    for j in &junk {
        let _ = sock.send_to(j, svc.sip);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_alive(&svc, &sock, 1);
    let log = svc.log();
    assert!(!log.contains("panicked"), "a panic was logged:\n{log}");
}

/// The door's socket answers extension methods itself; a stranger flooding them is answered at
/// most at its source's rate (50/s, a burst of one second's worth), like any other request, and
/// the service keeps answering others.
#[test]
fn a_flood_of_extension_methods_is_answered_at_the_sources_rate_only() {
    let svc = Service::start("[pbx]\ntrunk_sources = [\"127.0.0.1/32\"]\n");
    let flood = UdpSocket::bind("127.0.0.9:0").unwrap();
    let sent = 2_000u32;
    for i in 0..sent {
        let msg = format!(
            "NEWMETHOD sip:frontdesk@{to} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK-f{i}\r\n\
             From: <sip:x@127.0.0.9>;tag=f{i}\r\nTo: <sip:frontdesk@{to}>\r\nCall-ID: flood-{i}\r\n\
             CSeq: 1 NEWMETHOD\r\nContent-Length: 0\r\n\r\n",
            to = svc.sip,
            me = flood.local_addr().unwrap()
        );
        flood.send_to(msg.as_bytes(), svc.sip).unwrap();
    }
    flood
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut answered = 0u32;
    let mut buf = [0u8; 4096];
    while let Ok((n, _)) = flood.recv_from(&mut buf) {
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(text.starts_with("SIP/2.0 501 "), "{text}");
        answered += 1;
    }
    assert!(answered > 0, "no extension method was answered");
    // One second's burst plus what the rate refills while the flood is read: far below `sent`.
    assert!(answered <= 150, "{answered} of {sent} answered");
    let dropped = metric(&svc, "frontdesk_sip_turned_away_total{reason=\"rate\"}");
    // The kernel may drop some of the burst before the service reads it; the rest are counted.
    assert!(dropped > 0, "none dropped over the rate");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_alive(&svc, &sock, 0);
}
