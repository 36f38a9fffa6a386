//! An encrypted leg: SRTP out, SRTP in only after strict RTP and only if it authenticates.

use super::*;
use crate::media::srtp::{MasterKey, SrtpLeg};

const CALLER: &str = "127.0.0.1:4000";
const STRANGER: &str = "127.0.0.7:4000";
const SSRC: u32 = 0xCA11;

fn params() -> MediaParams {
    MediaParams {
        law: Law::Ulaw,
        payload_type: 0,
        dtmf_pt: Some(101),
        ssrc: 0x1234_5678,
        rtp_timeout: Duration::from_secs(5),
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn packet(ssrc: u32, pt: u8, seq: u16, payload: &[u8]) -> Vec<u8> {
    timed_packet(ssrc, pt, seq, u32::from(seq) * 160, payload)
}

/// Every packet of one key press shares its timestamp (RFC 4733).
fn timed_packet(ssrc: u32, pt: u8, seq: u16, timestamp: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    rtp::build(
        &mut out,
        &Packet {
            marker: false,
            payload_type: pt,
            sequence: seq,
            timestamp,
            ssrc,
            payload,
        },
    );
    out
}

fn frame(value: i16) -> [u8; FRAME] {
    [Law::Ulaw.encode(value); FRAME]
}

fn at(t0: Instant, n: u16) -> Instant {
    t0 + Duration::from_millis(20 * u64::from(n))
}

/// A session encrypted with `ours`/`theirs`, and the far end's side of the same keys.
fn secure(remote: &str, t0: Instant) -> (MediaSession, SrtpLeg) {
    let (ours, theirs) = (MasterKey::random(), MasterKey::random());
    let session = MediaSession::new(params(), Some(addr(remote)), t0)
        .with_srtp(Some(SrtpLeg::new(&ours, &theirs).unwrap()));
    (session, SrtpLeg::new(&theirs, &ours).unwrap())
}

#[test]
fn what_we_send_is_srtp_and_what_they_send_is_heard_and_pressed() {
    let t0 = Instant::now();
    let (mut s, mut far) = secure(CALLER, t0);
    assert!(s.is_secure());
    let out = s.on_tick(t0);
    let (bytes, to) = out.send.expect("a packet");
    assert_eq!(to, addr(CALLER));
    assert_eq!(bytes.len(), 12 + FRAME + 10, "RTP plus the 80-bit tag");
    let plain = far.unprotect(bytes).expect("the far end can read it");
    let p = rtp::parse(&plain).unwrap();
    assert_eq!(p.payload, &[Law::Ulaw.silence(); FRAME][..]);

    for seq in 1..=3 {
        let r = s.on_datagram(
            at(t0, seq),
            addr(CALLER),
            &far.protect(&packet(SSRC, 0, seq, &frame(1000))).unwrap(),
        );
        assert!(!r.foreign);
    }
    let heard = Law::Ulaw.decode(Law::Ulaw.encode(1000));
    assert_eq!(s.on_tick(at(t0, 4)).caller[0], heard);
    // A key press (RFC 4733) inside SRTP.
    let digits: Vec<char> = (0..6u16)
        .filter_map(|i| {
            let d = ((i + 1) * 160).to_be_bytes();
            let payload = [9, if i >= 3 { 0x8A } else { 0x0A }, d[0], d[1]];
            let p = timed_packet(SSRC, 101, 10 + i, 1600, &payload);
            match s
                .on_datagram(t0, addr(CALLER), &far.protect(&p).unwrap())
                .event
            {
                Some(MediaEvent::Digit(d)) => Some(d),
                _ => None,
            }
        })
        .collect();
    assert_eq!(digits, ['9']);
    assert_eq!(s.stats().unauthenticated, 0);
}

#[test]
fn plain_or_forged_packets_from_the_locked_source_are_refused_and_press_nothing() {
    let t0 = Instant::now();
    let (mut s, mut far) = secure(CALLER, t0);
    let good = far.protect(&packet(SSRC, 0, 1, &frame(1000))).unwrap();
    assert!(!s.on_datagram(t0, addr(CALLER), &good).foreign);
    // The same address (spoofed), no key: plain RTP, a key press, a replay of a good packet.
    let plain = packet(SSRC, 0, 2, &frame(-8000));
    assert!(s.on_datagram(t0, addr(CALLER), &plain).foreign);
    for i in 0..6u16 {
        let press = packet(SSRC, 101, 3 + i, &[9, 0x8A, 0, 160]);
        let r = s.on_datagram(t0, addr(CALLER), &press);
        assert!(r.foreign && r.event.is_none());
    }
    assert!(s.on_datagram(t0, addr(CALLER), &good).foreign, "a replay");
    assert_eq!(s.stats().unauthenticated, 8);
    assert_eq!(
        s.stats().jitter.received,
        1,
        "only the real packet was buffered"
    );
    // The real stream goes on, and the lock never moved.
    let next = far.protect(&packet(SSRC, 0, 2, &frame(1000))).unwrap();
    assert!(!s.on_datagram(t0, addr(CALLER), &next).foreign);
    assert_eq!(s.remote(), Some(addr(CALLER)));
}

#[test]
fn a_stranger_who_wins_the_probation_without_the_key_does_not_keep_the_lock() {
    let t0 = Instant::now();
    // The SDP names a private address; the caller's media comes from elsewhere (NAT).
    let (mut s, mut far) = secure("10.0.0.1:4000", t0);
    for i in 0..6 {
        let forged = packet(7, 0, 100 + i, &frame(-8000));
        assert!(s.on_datagram(at(t0, i), addr(STRANGER), &forged).foreign);
    }
    assert_ne!(s.remote(), Some(addr(STRANGER)), "the lock was undone");
    assert_eq!(s.remote(), Some(addr("10.0.0.1:4000")));
    // The real, NAT'd caller passes the probation with packets that authenticate.
    let public = "127.0.0.1:5555";
    let fates: Vec<bool> = (1..=6u16)
        .map(|seq| {
            let p = far.protect(&packet(SSRC, 0, seq, &frame(1000))).unwrap();
            s.on_datagram(at(t0, 10 + seq), addr(public), &p).foreign
        })
        .collect();
    assert_eq!(fates, [true, true, true, false, false, false]);
    assert_eq!(s.remote(), Some(addr(public)));
}
