//! What one call's media costs per packet in the sans-IO session alone (no sockets, no timers):
//! a 20 ms tick (a prompt frame encoded, the RTP packet built, protected with SRTP when the leg is
//! encrypted) and a received packet (strict RTP, authenticated and decrypted with SRTP, reordered,
//! decoded), for a plain and an SRTP leg. The difference is what SRTP adds to every call; the socket
//! and timer costs, which the media engine pays per packet whatever the leg, come on top.
//!
//!   cargo bench --bench media -- [CALL_SECONDS]      (default 20000: a million packets each way)
//!
//! Under `cargo test --all-targets` (a debug build) it runs as a smoke of 20 call-seconds.
//! Instruction counts, which do not depend on what else the machine is doing:
//!   valgrind --tool=callgrind target/release/deps/media-* 2000

use frontdesk::media::g711::Law;
use frontdesk::media::prompts::Prompt;
use frontdesk::media::rtp::{self, Packet};
use frontdesk::media::session::{FRAME, MediaParams, MediaSession};
use frontdesk::media::srtp::{MasterKey, SrtpLeg};
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FAR: &str = "127.0.0.1:40000";
const SSRC: u32 = 0xCA11;
/// Packets in one batch: a fresh session per batch keeps sequence numbers and the replay window
/// realistic (100 s of one call).
const BATCH: u16 = 5000;

fn params() -> MediaParams {
    MediaParams {
        law: Law::Ulaw,
        payload_type: 0,
        dtmf_pt: Some(101),
        ssrc: 0x1234_5678,
        rtp_timeout: Duration::from_secs(3600),
    }
}

/// The far end's packets for one batch, protected under `key` when given.
fn far_packets(key: Option<(&MasterKey, &MasterKey)>) -> Vec<Vec<u8>> {
    let mut far = key.map(|(theirs, ours)| SrtpLeg::new(theirs, ours).expect("srtp"));
    let payload = [Law::Ulaw.encode(1000); FRAME];
    (1..=BATCH)
        .map(|seq| {
            let mut out = Vec::new();
            rtp::build(
                &mut out,
                &Packet {
                    marker: false,
                    payload_type: 0,
                    sequence: seq,
                    timestamp: u32::from(seq) * FRAME as u32,
                    ssrc: SSRC,
                    payload: &payload,
                },
            );
            match &mut far {
                Some(leg) => leg.protect(&out).expect("protect"),
                None => out,
            }
        })
        .collect()
}

/// Runs `seconds` call-seconds (50 ticks and 50 received packets each); returns the time spent.
fn run(seconds: u64, secure: bool) -> Duration {
    let (ours, theirs) = (MasterKey::random(), MasterKey::random());
    let packets = far_packets(secure.then_some((&theirs, &ours)));
    let far: SocketAddr = FAR.parse().expect("address");
    let prompt = Arc::new(Prompt::from_pcm(
        (0..8000 * 10)
            .map(|i| ((i % 80) as i16 - 40) * 300)
            .collect(),
    ));
    let total = seconds * 50;
    let mut done = 0u64;
    let mut spent = Duration::ZERO;
    while done < total {
        let n = (total - done).min(u64::from(BATCH));
        let t0 = Instant::now();
        let srtp = secure.then(|| SrtpLeg::new(&ours, &theirs).expect("srtp"));
        let mut s = MediaSession::new(params(), Some(far), t0).with_srtp(srtp);
        s.play(vec![prompt.clone(); 20]);
        let started = Instant::now();
        for (i, packet) in packets.iter().take(n as usize).enumerate() {
            let now = t0 + Duration::from_millis(20 * i as u64);
            black_box(s.on_datagram(now, far, packet));
            let out = s.on_tick(now);
            black_box(out.send.map(|(b, _)| b.len()));
        }
        spent += started.elapsed();
        done += n;
    }
    spent
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let default = if cfg!(debug_assertions) { 20 } else { 20_000 };
    let seconds: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(default);
    println!(
        "scenario: one call's MediaSession, {seconds} call-seconds ({} packets each way), \
         PCMU with a prompt playing, no sockets",
        seconds * 50
    );
    let per_packet = |d: Duration| d.as_nanos() as f64 / (seconds * 50) as f64;
    let plain = per_packet(run(seconds, false));
    let secure = per_packet(run(seconds, true));
    println!("plain RTP: {plain:.0} ns per packet pair (one sent, one received)");
    println!(
        "SRTP:      {secure:.0} ns per packet pair (+{:.0} ns, x{:.2})",
        secure - plain,
        secure / plain
    );
    // A call is 50 pairs a second: its share of one core.
    println!(
        "per call: plain {:.4}% of a core, SRTP {:.4}% (session work only)",
        plain * 50.0 / 1e7,
        secure * 50.0 / 1e7
    );
}
