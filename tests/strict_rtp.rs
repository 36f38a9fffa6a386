//! Strict RTP against the real binary: a SIPp caller on the call's media, and strangers on other
//! loopback sources sending audio and RFC 4733 key presses to the same port. The happy path (a
//! caller's own RFC 2833 key reaching the menu) is `calls::rfc2833_opt_out_is_listed_confirmed_and_recorded`.

mod support;

use frontdesk::media::g711::Law;
use frontdesk::media::rtp::{self, Packet};
use frontdesk::store::Store;
use serde_json::Value;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};
use support::{Service, read_stereo, rms, sipp_available};

const CALLER: &str = "+37061234590";
/// The strangers' audio: the loudest µ-law code, a sample value no echoed prompt holds for a frame.
const STRANGER_CODE: u8 = 0x80;

/// Reads the media port SIPp found in the 200 OK (`m=audio PORT`), bounded in time.
fn media_port(svc: &Service) -> u16 {
    let file = svc.dir.path().join("media_port.txt");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if let Some(port) = text
            .trim()
            .strip_prefix("m=audio ")
            .and_then(|p| p.parse().ok())
        {
            return port;
        }
        assert!(
            Instant::now() < deadline,
            "no media port from SIPp; service log:\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What one stranger did.
#[derive(Debug, Default)]
struct Attack {
    sent: u64,
    presses: u32,
    received: u64,
}

/// Sends RTP to `target` from `bind` for `length`: 20 ms audio frames with consecutive sequence
/// numbers (what a NAT'd phone's probation would accept) and, every 200 ms, a press of key 9 as
/// RFC 4733 events; counts what comes back.
fn attack(bind: &str, target: SocketAddr, length: Duration) -> Attack {
    let socket = UdpSocket::bind(bind).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(5)))
        .unwrap();
    let mut done = Attack::default();
    let ssrc = rand::random::<u32>();
    let (mut seq, mut ts) = (rand::random::<u16>(), rand::random::<u32>());
    let audio = [STRANGER_CODE; 160];
    let mut out = Vec::new();
    let mut buf = [0u8; 2048];
    let start = Instant::now();
    let mut frame = 0u32;
    while start.elapsed() < length {
        if frame.is_multiple_of(10) {
            // Key 9: three progress packets and three end packets sharing the press's timestamp.
            done.presses += 1;
            for i in 0..6u16 {
                let end = i >= 3;
                let duration = (i.min(3) + 1) * 160;
                let d = duration.to_be_bytes();
                let payload = [9, if end { 0x8A } else { 0x0A }, d[0], d[1]];
                rtp::build(
                    &mut out,
                    &Packet {
                        marker: i == 0,
                        payload_type: 101,
                        sequence: seq,
                        timestamp: ts,
                        ssrc,
                        payload: &payload,
                    },
                );
                socket.send_to(&out, target).unwrap();
                done.sent += 1;
                seq = seq.wrapping_add(1);
            }
        }
        rtp::build(
            &mut out,
            &Packet {
                marker: false,
                payload_type: 0,
                sequence: seq,
                timestamp: ts,
                ssrc,
                payload: &audio,
            },
        );
        socket.send_to(&out, target).unwrap();
        done.sent += 1;
        seq = seq.wrapping_add(1);
        ts = ts.wrapping_add(160);
        frame += 1;
        // Pace at about 20 ms, listening meanwhile for anything the service sends back.
        let next = start + Duration::from_millis(20) * frame;
        while Instant::now() < next {
            if socket.recv_from(&mut buf).is_ok() {
                done.received += 1;
            }
        }
    }
    // Anything already on its way.
    let until = Instant::now() + Duration::from_millis(200);
    while Instant::now() < until {
        if socket.recv_from(&mut buf).is_ok() {
            done.received += 1;
        }
    }
    done
}

fn metric(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// The scrape with the node label (every sample carries it) left out.
async fn scrape(svc: &Service) -> String {
    reqwest::get(format!("http://{}/metrics", svc.http))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("node=\"test-node\",", "")
        .replace("{node=\"test-node\"}", "")
}

/// `sent=` and `received=` of the call's closing media log line.
fn media_counts(log: &str) -> Option<(u64, u64)> {
    let line = log.lines().find(|l| l.contains(" media sent="))?;
    let field = |name: &str| -> Option<u64> {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))?
            .parse()
            .ok()
    };
    Some((field("sent=")?, field("received=")?))
}

#[tokio::test(flavor = "multi_thread")]
async fn strangers_on_the_media_port_are_neither_heard_nor_answered() {
    if !sipp_available() {
        return;
    }
    // A short RTP timeout: were the caller's media sent elsewhere, its echo would stop and the
    // service would hang up, which fails the SIPp scenario. A long menu timeout keeps the call in
    // the main menu, where 9 would opt the caller out.
    let svc = Service::start(
        "[calls]\nrtp_timeout_seconds = 3\n[flow]\nmenu_timeout_ms = 30000\nmenu_retries = 0\n",
    );
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ona,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let sipp = svc.sipp_spawn_with("rtp_echo_caller.xml", CALLER, &["-rtp_echo"]);
    let port = media_port(&svc);
    let target = SocketAddr::new(svc.sip.ip(), port);
    // Let the caller's echo start, so the call is locked before anyone else speaks.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let length = Duration::from_secs(3);
    let other_host = tokio::task::spawn_blocking(move || attack("127.0.0.7:0", target, length));
    let same_host = tokio::task::spawn_blocking(move || attack("127.0.0.1:0", target, length));
    let (other_host, same_host) = (other_host.await.unwrap(), same_host.await.unwrap());

    // Counted while the call is still up.
    let live = metric(&scrape(&svc).await, "frontdesk_rtp_foreign_packets_total");

    let sipp = tokio::task::spawn_blocking(move || sipp.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        sipp.status.success(),
        "the caller's call ran to its own BYE: sipp exited {:?}\nservice log:\n{}",
        sipp.status.code(),
        svc.log()
    );

    for (who, a) in [("127.0.0.7", &other_host), ("127.0.0.1", &same_host)] {
        assert!(a.sent > 100 && a.presses >= 10, "{who}: {a:?}");
        assert_eq!(a.received, 0, "{who} got the caller's media: {a:?}");
    }

    let call = ended_call(&svc);
    assert_eq!(call["outcome"], "hangup-in-menu", "{call}");
    assert!(
        call["digits"].as_str().unwrap_or("").is_empty(),
        "no key reached the call: {call}"
    );
    let dnc = svc.cli_json(&["dnc", "list", "--json"]);
    assert_eq!(dnc.as_array().map(Vec::len), Some(0), "{dnc}");
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let events = store
        .call_events(call["id"].as_str().unwrap())
        .await
        .unwrap();
    store.close().await;
    assert!(
        !events.iter().any(|(_, kind, _)| kind == "digit"),
        "{events:?}"
    );

    // Every stranger datagram was dropped and counted, while the call was up and at its end.
    assert!(live.is_some_and(|n| n > 0), "live foreign count {live:?}");
    let text = scrape(&svc).await;
    let foreign = metric(&text, "frontdesk_rtp_foreign_packets_total");
    assert_eq!(
        foreign,
        Some(other_host.sent + same_host.sent),
        "metrics:\n{text}"
    );

    // The caller kept receiving: nearly everything the service sent came back as the echo.
    let log = svc.log();
    let (sent, received) = media_counts(&log).unwrap_or_else(|| panic!("no media line:\n{log}"));
    assert!(
        sent > 300 && received * 10 >= sent * 9,
        "sent {sent}, echoed back {received}"
    );

    // The recording holds the caller's side (the echo) and none of the strangers' audio.
    let path = call["recording"].as_str().expect("a recording");
    let (_, left, _) = read_stereo(std::path::Path::new(path));
    assert!(
        rms(&left) > 100.0,
        "the echo is on the left (rms {})",
        rms(&left)
    );
    let loud = Law::Ulaw.decode(STRANGER_CODE);
    let longest = left
        .split(|&s| s != loud)
        .map(<[i16]>::len)
        .max()
        .unwrap_or(0);
    assert!(
        longest < 80,
        "a stranger's frame is in the recording ({longest} samples)"
    );
}

/// The one call, once its row is closed.
fn ended_call(svc: &Service) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let calls = svc.cli_json(&["calls", "list", "--json"]);
        let calls = calls.as_array().unwrap();
        assert_eq!(calls.len(), 1, "{calls:?}");
        if calls[0]["ended_at"].is_string() || Instant::now() > deadline {
            return calls[0].clone();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
