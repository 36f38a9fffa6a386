//! The SIP door against the real binary: the source is the socket (a forged Via does not pass the
//! trunk allow-list), P-Asserted-Identity is believed only from trusted sources, and a short flood
//! from a stranger and from the trunk leaves SIP answering, nothing open and every refusal counted.
//! Loopback only: 127.0.0.0/8 gives the distinct sources.

mod support;

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};
use support::Service;

fn socket(ip: &str) -> UdpSocket {
    let s = UdpSocket::bind((ip, 0)).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    s
}

/// An INVITE without SDP (the call is refused 488 once past the door, so nothing stays up).
fn invite(to: SocketAddr, sent_by: &str, n: u32, from: &str, pai: Option<&str>) -> String {
    let pai = pai
        .map(|p| format!("P-Asserted-Identity: <sip:{p}@pbx.example>\r\n"))
        .unwrap_or_default();
    format!(
        "INVITE sip:frontdesk@{to} SIP/2.0\r\nVia: SIP/2.0/UDP {sent_by};branch=z9hG4bK-edge-{n};rport\r\n\
         From: <sip:{from}@pbx.example>;tag=f{n}\r\nTo: <sip:frontdesk@{to}>\r\nCall-ID: edge-{n}@test\r\n\
         CSeq: 1 INVITE\r\nContact: <sip:{from}@{sent_by}>\r\n{pai}Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

fn options(to: SocketAddr, local: SocketAddr, n: u32) -> String {
    format!(
        "OPTIONS sip:frontdesk@{to} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-opt-{n}\r\n\
         From: <sip:probe@{local}>;tag=o{n}\r\nTo: <sip:frontdesk@{to}>\r\nCall-ID: opt-{n}@probe\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

/// The final status code answering the request whose Call-ID is `call_id`, if one comes in time.
fn final_status(sock: &UdpSocket, call_id: &str, wait: Duration) -> Option<u16> {
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        let Ok((n, _)) = sock.recv_from(&mut buf) else {
            continue;
        };
        let text = String::from_utf8_lossy(&buf[..n]);
        if !text.contains(call_id) {
            continue;
        }
        let code: u16 = text.get(8..11)?.parse().ok()?;
        if code >= 200 {
            return Some(code);
        }
    }
    None
}

fn calls(svc: &Service) -> Vec<serde_json::Value> {
    svc.cli_json(&["calls", "list", "--json"])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Waits until `n` call rows exist and are all closed; returns them.
fn closed_calls(svc: &Service, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = calls(svc);
        if rows.len() >= n && rows.iter().all(|c| c["ended_at"].is_string()) {
            return rows;
        }
        assert!(Instant::now() < deadline, "rows: {rows:?}\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn metric(svc: &Service, name: &str) -> u64 {
    let text = reqwest::blocking_get(&format!("http://{}/metrics", svc.http));
    // Every sample names its node; the names asked for here leave it out.
    let text = text
        .replace("node=\"test-node\",", "")
        .replace("{node=\"test-node\"}", "");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
        .map(|v| v as u64)
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

mod reqwest {
    /// A GET without an async runtime (the tests here are plain threads).
    pub fn blocking_get(url: &str) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }
}

#[test]
fn a_forged_via_does_not_pass_the_trunk_allow_list() {
    let svc = Service::start("[pbx]\ntrunk_sources = [\"127.0.0.2/32\"]\n");
    // From 127.0.0.1, claiming in the Via to be the trunk.
    let stranger = socket("127.0.0.1");
    let forged = invite(
        svc.sip,
        "127.0.0.2:5060;received=127.0.0.2",
        1,
        "861234567",
        None,
    );
    stranger.send_to(forged.as_bytes(), svc.sip).unwrap();
    assert_eq!(
        final_status(&stranger, "edge-1@test", Duration::from_secs(5)),
        Some(403)
    );
    // The trunk itself passes the door (and is refused 488 for its missing SDP, with a row).
    let trunk = socket("127.0.0.2");
    let sent_by = trunk.local_addr().unwrap().to_string();
    let real = invite(svc.sip, &sent_by, 2, "861234567", None);
    trunk.send_to(real.as_bytes(), svc.sip).unwrap();
    assert_eq!(
        final_status(&trunk, "edge-2@test", Duration::from_secs(5)),
        Some(488)
    );
    let rows = closed_calls(&svc, 1);
    assert_eq!(rows.len(), 1, "only the trunk's call has a row: {rows:?}");
    assert_eq!(
        metric(
            &svc,
            "frontdesk_sip_turned_away_total{reason=\"forbidden\"}"
        ),
        1
    );
}

#[test]
fn pai_is_believed_only_from_trusted_sources_and_both_numbers_are_kept() {
    let svc = Service::start(
        "[pbx]\ntrunk_sources = [\"127.0.0.0/8\"]\ntrust_identity_from = [\"127.0.0.2/32\"]\n",
    );
    for (n, ip) in [(1, "127.0.0.1"), (2, "127.0.0.2")] {
        let sock = socket(ip);
        let sent_by = sock.local_addr().unwrap().to_string();
        let msg = invite(svc.sip, &sent_by, n, "861234567", Some("+37069999999"));
        sock.send_to(msg.as_bytes(), svc.sip).unwrap();
        let call_id = format!("edge-{n}@test");
        assert_eq!(
            final_status(&sock, &call_id, Duration::from_secs(5)),
            Some(488)
        );
    }
    let rows = closed_calls(&svc, 2);
    let by_phone = |p: &str| rows.iter().find(|c| c["phone"] == p).cloned();
    // From 127.0.0.1 the claim is kept but the caller is the From number.
    let untrusted = by_phone("+37061234567").unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(untrusted["from_number"], "861234567");
    assert_eq!(untrusted["asserted_number"], "+37069999999");
    let trusted = by_phone("+37069999999").unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(trusted["from_number"], "861234567", "{rows:?}");
}

/// Sends INVITEs as fast as one thread goes for `secs`, alternating between the sources `ips`
/// (one thread: on a small machine the service keeps a core); returns how many from each.
fn flood(to: SocketAddr, ips: &[&str], secs: f64) -> Vec<u32> {
    let socks: Vec<(UdpSocket, String)> = ips
        .iter()
        .map(|ip| {
            let s = socket(ip);
            let sent_by = s.local_addr().unwrap().to_string();
            (s, sent_by)
        })
        .collect();
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let mut sent = vec![0; socks.len()];
    let mut n = 0u32;
    while Instant::now() < end {
        let i = n as usize % socks.len();
        let (sock, sent_by) = &socks[i];
        let msg = invite(to, sent_by, n, "861234567", None);
        sock.send_to(msg.as_bytes(), to).unwrap();
        sent[i] += 1;
        n += 1;
    }
    sent
}

#[test]
fn a_flood_leaves_sip_answering_nothing_open_and_every_refusal_counted() {
    let svc = Service::start(
        "[pbx]\ntrunk_sources = [\"127.0.0.2/32\"]\n[calls]\nmax_new_per_second = 5\n",
    );
    let sip = svc.sip;
    let flooding = std::thread::spawn(move || flood(sip, &["127.0.0.9", "127.0.0.2"], 2.0));
    // A third source keeps asking OPTIONS meanwhile: every probe is answered.
    let probe = socket("127.0.0.3");
    let local = probe.local_addr().unwrap();
    let mut answered = 0;
    let mut worst = Duration::ZERO;
    for n in 0..30 {
        let asked = Instant::now();
        let call_id = format!("opt-{n}@probe");
        // As a SIP client does over UDP: retransmit after T1, doubling (the kernel drops datagrams
        // when the flood fills the socket's buffer, whoever sent them).
        let mut wait = Duration::from_millis(500);
        for _ in 0..4 {
            probe
                .send_to(options(sip, local, n).as_bytes(), sip)
                .unwrap();
            if final_status(&probe, &call_id, wait) == Some(200) {
                answered += 1;
                worst = worst.max(asked.elapsed());
                break;
            }
            wait *= 2;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = flooding.join().unwrap();
    let (from_stranger, from_trunk) = (sent[0], sent[1]);
    eprintln!(
        "sent {from_stranger} INVITEs from a stranger and {from_trunk} from the trunk in 2 s; \
         {answered}/30 OPTIONS answered, slowest {worst:?}"
    );
    assert_eq!(answered, 30, "{}", svc.log());
    // The stranger got a few 403s and was then dropped; nothing it sent became a row.
    let forbidden = metric(
        &svc,
        "frontdesk_sip_turned_away_total{reason=\"forbidden\"}",
    );
    let dropped = metric(&svc, "frontdesk_sip_turned_away_total{reason=\"rate\"}");
    assert!(
        forbidden >= 1 && forbidden < u64::from(from_stranger),
        "{forbidden}"
    );
    eprintln!("door: {forbidden} forbidden, {dropped} dropped over their source's rate");
    assert!(dropped > 0, "the stranger's flood is dropped at its rate");
    // The trunk's INVITEs: a few admitted (488, no SDP), the rest refused with 503, each with a
    // row or counted as unrecorded.
    let refused = metric(&svc, "frontdesk_calls_refused_total");
    assert!(refused > 0, "calls over the rate are refused");
    // Rows are written after the answers: wait for the writer to catch up.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let unrecorded = metric(&svc, "frontdesk_calls_refused_unrecorded_total");
        let refused_rows = metric(&svc, "frontdesk_calls{outcome=\"refused\"}");
        if refused_rows + unrecorded == refused {
            eprintln!("{refused} refused: {refused_rows} rows, {unrecorded} counted unrecorded");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "every refusal has its row or is counted: {refused} refused, {refused_rows} rows, \
             {unrecorded} unrecorded"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let scrape = reqwest::blocking_get(&format!("http://{}/metrics", svc.http));
    assert!(
        !scrape.contains("outcome=\"in_progress\""),
        "no call row stays open:\n{scrape}"
    );
}
