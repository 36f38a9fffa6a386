use super::recv::{self, MediaSocket, RECV_BUDGET, RecvBuffers};
use super::*;
use crate::media::g711::Law;
use crate::media::rtp::{self, Packet};
use crate::media::session::MediaParams;
use crate::media::task::{MediaCommand, RemoteUpdate};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// A media socket on loopback, as the port pool hands them out.
fn media_socket() -> std::net::UdpSocket {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap()
}

fn rtp_packet(ssrc: u32, pt: u8, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    rtp::build(
        &mut out,
        &Packet {
            marker: false,
            payload_type: pt,
            sequence: seq,
            timestamp: u32::from(seq) * 160,
            ssrc,
            payload,
        },
    );
    out
}

/// A stranger floods the call's port as fast as loopback goes, with consecutive sequence numbers
/// and key presses, while the caller listens: the caller still gets its 50 packets a second, the
/// stranger gets nothing, no key reaches the call, and every dropped datagram is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_flood_on_the_port_neither_holds_back_the_clock_nor_reaches_the_call() {
    let socket = media_socket();
    let port = socket.local_addr().unwrap();
    let caller = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let params = MediaParams {
        law: Law::Ulaw,
        payload_type: 0,
        dtmf_pt: Some(101),
        ssrc: 42,
        rtp_timeout: Duration::from_secs(60),
    };
    let session = MediaSession::new(params, Some(caller.local_addr().unwrap()), Instant::now());
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let metrics = Arc::new(NodeMetrics::default());
    let task = Engine::start(1, 0)
        .unwrap()
        .spawn(
            socket,
            session,
            events_tx,
            CancellationToken::new(),
            metrics.clone(),
        )
        .unwrap();
    // The caller's first packet locks the call to it.
    caller
        .send_to(&rtp_packet(7, 0, 1, &[0xFF; 160]), port)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let flooding = Arc::new(AtomicBool::new(true));
    let floods: Vec<_> = (7..10)
        .map(|host| {
            let flooding = flooding.clone();
            std::thread::spawn(move || {
                let stranger = std::net::UdpSocket::bind(format!("127.0.0.{host}:0")).unwrap();
                stranger.set_nonblocking(true).unwrap();
                let (mut sent, mut seq) = (0u64, 0u16);
                while flooding.load(Ordering::Relaxed) {
                    let p = if seq.is_multiple_of(4) {
                        rtp_packet(9, 101, seq, &[9, 0x8A, 0, 160])
                    } else {
                        rtp_packet(9, 0, seq, &[0x80; 160])
                    };
                    if stranger.send_to(&p, port).is_ok() {
                        sent += 1;
                    }
                    seq = seq.wrapping_add(1);
                }
                let mut buf = [0u8; 2048];
                (sent, stranger.recv_from(&mut buf).is_ok())
            })
        })
        .collect();
    let listen = std::thread::spawn(move || {
        caller
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = [0u8; 2048];
        // Settle for 200 ms, then count for one second.
        let settle = std::time::Instant::now() + Duration::from_millis(200);
        while std::time::Instant::now() < settle {
            let _ = caller.recv_from(&mut buf);
        }
        let until = std::time::Instant::now() + Duration::from_secs(1);
        let mut got = 0;
        while std::time::Instant::now() < until {
            if caller.recv_from(&mut buf).is_ok() {
                got += 1;
            }
        }
        got
    });
    let got = tokio::task::spawn_blocking(move || listen.join().unwrap())
        .await
        .unwrap();
    flooding.store(false, Ordering::Relaxed);
    let (mut sent, mut stranger_heard) = (0, false);
    for flood in floods {
        let (n, heard) = flood.join().unwrap();
        sent += n;
        stranger_heard |= heard;
    }
    let end = task.finish().await;

    assert!(
        got >= 40,
        "the caller got {got} packets in a second under a flood of {sent}; the clock sends 50"
    );
    assert!(!stranger_heard, "the stranger was sent media");
    assert!(
        events.try_recv().is_err(),
        "a stranger's key reached the call"
    );
    assert!(end.stats.foreign > 0, "{:?}", end.stats);
    assert_eq!(
        metrics.rtp_foreign.load(Ordering::Relaxed),
        end.stats.foreign
    );
    assert_eq!(
        end.stats.jitter.received, 1,
        "only the caller's packet was used"
    );
}

/// Between two ticks the task reads at most its budget; the rest stays queued for the next tick.
#[tokio::test]
async fn a_drain_stops_at_its_budget_and_leaves_the_rest_queued() {
    let socket = MediaSocket::new(media_socket()).unwrap();
    let port = socket.socket.local_addr().unwrap();
    let stranger = std::net::UdpSocket::bind("127.0.0.7:0").unwrap();
    let params = MediaParams {
        law: Law::Ulaw,
        payload_type: 0,
        dtmf_pt: Some(101),
        ssrc: 42,
        rtp_timeout: Duration::from_secs(60),
    };
    let caller = "127.0.0.1:9".parse().unwrap();
    let mut session = MediaSession::new(params, Some(caller), Instant::now());
    session.on_datagram(Instant::now(), caller, &rtp_packet(7, 0, 1, &[0; 160]));
    for seq in 0..100 {
        stranger
            .send_to(&rtp_packet(9, 0, seq, &[0x80; 160]), port)
            .unwrap();
    }
    // Loopback delivers at once, but give the last datagrams a moment to land.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (events, _rx) = mpsc::unbounded_channel();
    let mut io = RecvBuffers::default();
    let now = Instant::now();
    let first = recv::drain(&socket, &mut session, &mut io, RECV_BUDGET, now, &events);
    assert_eq!(
        (first.used, first.foreign),
        (RECV_BUDGET, RECV_BUDGET as u64)
    );
    let second = recv::drain(&socket, &mut session, &mut io, RECV_BUDGET, now, &events);
    assert_eq!(
        (second.used, second.foreign),
        (100 - RECV_BUDGET, 100 - RECV_BUDGET as u64)
    );
    assert_eq!(session.stats().foreign, 100);
    let empty = recv::drain(&socket, &mut session, &mut io, RECV_BUDGET, now, &events);
    assert_eq!(empty, recv::Drained::default(), "nothing left to read");
}

/// A bridged leg's re-INVITE moves its media: the task sends there from then on and takes the new
/// address's packets, where the old source is now a stranger.
#[tokio::test]
async fn a_legs_re_invite_moves_its_media() {
    let params = MediaParams {
        law: Law::Ulaw,
        payload_type: 0,
        dtmf_pt: None,
        ssrc: 42,
        rtp_timeout: Duration::from_secs(60),
    };
    let now = Instant::now();
    let main = media_socket();
    let caller = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let main_session = MediaSession::new(params, Some(caller.local_addr().unwrap()), now);
    let (events, _main_events) = mpsc::unbounded_channel();
    let metrics = Arc::new(NodeMetrics::default());
    let task = Engine::start(1, 0)
        .unwrap()
        .spawn(
            main,
            main_session,
            events,
            CancellationToken::new(),
            metrics,
        )
        .unwrap();
    let leg_socket = media_socket();
    let leg_port = leg_socket.local_addr().unwrap();
    let old = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let moved = UdpSocket::bind("127.0.0.2:0").await.unwrap();
    let (leg_events, _leg_rx) = mpsc::unbounded_channel();
    let (updates, updates_rx) = mpsc::unbounded_channel();
    task.send(MediaCommand::Bridge(Box::new(Leg {
        socket: leg_socket,
        session: MediaSession::new(params, Some(old.local_addr().unwrap()), now),
        events: leg_events,
        updates: Some(updates_rx),
    })));
    let mut buf = [0u8; 2048];
    let got = tokio::time::timeout(Duration::from_secs(2), old.recv_from(&mut buf)).await;
    assert!(got.is_ok(), "the leg's media goes to its SDP address first");
    old.send_to(&rtp_packet(5, 0, 1, &[0; 160]), leg_port)
        .await
        .unwrap();
    // Let the task read it before the re-INVITE arrives.
    tokio::time::sleep(Duration::from_millis(60)).await;
    updates
        .send(RemoteUpdate {
            remote: Some(moved.local_addr().unwrap()),
            on_hold: false,
        })
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(2), moved.recv_from(&mut buf)).await;
    assert!(
        got.is_ok(),
        "after the re-INVITE the leg's media goes to the new address"
    );
    moved
        .send_to(&rtp_packet(6, 0, 1, &[0; 160]), leg_port)
        .await
        .unwrap();
    old.send_to(&rtp_packet(5, 0, 2, &[0; 160]), leg_port)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let end = task.finish().await;
    assert_eq!(end.leg_stats.jitter.received, 2, "{:?}", end.leg_stats);
    assert_eq!(end.leg_stats.foreign, 1, "the old source after the move");
}

fn plain_params() -> MediaParams {
    MediaParams {
        law: Law::Ulaw,
        payload_type: 0,
        dtmf_pt: None,
        ssrc: 42,
        rtp_timeout: Duration::from_secs(60),
    }
}

/// A plain call on `engine` whose far end is `peer`.
fn start_call(
    engine: &Engine,
    peer: &std::net::UdpSocket,
    metrics: Arc<NodeMetrics>,
) -> (MediaTask, mpsc::UnboundedReceiver<MediaEvent>) {
    let session = MediaSession::new(
        plain_params(),
        Some(peer.local_addr().unwrap()),
        Instant::now(),
    );
    let (events, rx) = mpsc::unbounded_channel();
    let task = engine
        .spawn(
            media_socket(),
            session,
            events,
            CancellationToken::new(),
            metrics,
        )
        .unwrap();
    (task, rx)
}

/// Fifty calls on one worker: each far end gets its 50 packets a second from the one clock, and
/// the worker ticks fifty times a second in all, not fifty times per call.
#[tokio::test]
async fn many_calls_share_one_worker_clock() {
    let engine = Engine::start(1, 0).unwrap();
    let metrics = Arc::new(NodeMetrics::default());
    let mut tasks = Vec::new();
    let mut peers = Vec::new();
    for _ in 0..50 {
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let (task, rx) = start_call(&engine, &peer, metrics.clone());
        tasks.push((task, rx));
        peers.push(peer);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = engine.stats();
    let counted = tokio::task::spawn_blocking(move || {
        for p in &peers {
            p.set_nonblocking(true).unwrap();
            let mut buf = [0u8; 2048];
            while p.recv_from(&mut buf).is_ok() {}
        }
        std::thread::sleep(Duration::from_secs(1));
        peers
            .iter()
            .map(|p| {
                let mut buf = [0u8; 2048];
                let mut n = 0;
                while p.recv_from(&mut buf).is_ok() {
                    n += 1;
                }
                n
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let after = engine.stats();
    assert_eq!(after.calls, 50);
    let ticks = after.ticks - before.ticks;
    assert!(
        (30..=70).contains(&ticks),
        "{ticks} worker ticks in about a second"
    );
    for (i, n) in counted.iter().enumerate() {
        assert!(
            (30..=70).contains(n),
            "call {i}'s far end got {n} packets in a second"
        );
    }
    for (task, _) in tasks {
        let end = task.finish().await;
        assert!(end.stats.sent >= 50, "{:?}", end.stats);
    }
    assert_eq!(engine.stats().calls, 0);
}

/// A call whose handle is dropped without `finish` (its task failed) does not keep its media
/// running on the worker.
#[tokio::test]
async fn a_dropped_handle_ends_its_media() {
    let engine = Engine::start(1, 0).unwrap();
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let (task, _rx) = start_call(&engine, &peer, Arc::new(NodeMetrics::default()));
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(engine.stats().calls, 1);
    drop(task);
    let mut calls = 1;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        calls = engine.stats().calls;
        if calls == 0 {
            break;
        }
    }
    assert_eq!(calls, 0, "the worker still runs a call nobody holds");
}

/// A command reaches the call at its next tick: a prompt is played to the end and reported.
#[tokio::test]
async fn a_played_prompt_is_reported_finished() {
    let engine = Engine::start(1, 0).unwrap();
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let (task, mut rx) = start_call(&engine, &peer, Arc::new(NodeMetrics::default()));
    let prompt = Arc::new(crate::media::prompts::Prompt::from_pcm(vec![1000; 800]));
    task.send(MediaCommand::Play(vec![prompt]));
    let event = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await;
    assert_eq!(event.unwrap(), Some(MediaEvent::PlaybackFinished));
    task.finish().await;
}
