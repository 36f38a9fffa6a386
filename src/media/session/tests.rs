use super::*;

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

fn packet(pt: u8, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
    stream_packet(99, pt, seq, ts, payload)
}

fn stream_packet(ssrc: u32, pt: u8, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    rtp::build(
        &mut out,
        &Packet {
            marker: false,
            payload_type: pt,
            sequence: seq,
            timestamp: ts,
            ssrc,
            payload,
        },
    );
    out
}

#[test]
fn playback_is_paced_in_frames_and_reports_its_end_once() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr("127.0.0.1:4000")), t0);
    let pcm: Vec<i16> = (0..400).map(|i| (i * 50) as i16).collect();
    s.play(vec![Arc::new(Prompt::from_pcm(pcm.clone()))]);
    let mut heard = Vec::new();
    let mut events = Vec::new();
    let mut headers = Vec::new();
    for i in 0..5 {
        let out = s.on_tick(t0 + Duration::from_millis(20 * i));
        heard.extend_from_slice(&out.heard);
        events.extend(out.event);
        let (bytes, dest) = out.send.unwrap();
        assert_eq!(dest, addr("127.0.0.1:4000"));
        let p = rtp::parse(bytes).unwrap();
        assert_eq!(p.payload.len(), FRAME);
        headers.push((p.marker, p.sequence, p.timestamp));
    }
    assert_eq!(&heard[..400], &pcm[..]);
    assert!(
        heard[400..].iter().all(|&x| x == 0),
        "silence after the prompt"
    );
    assert_eq!(events, [MediaEvent::PlaybackFinished]);
    for w in headers.windows(2) {
        assert_eq!(w[1].1, w[0].1.wrapping_add(1));
        assert_eq!(w[1].2, w[0].2.wrapping_add(160));
    }
    assert!(
        headers[0].0 && headers[1..].iter().all(|h| !h.0),
        "marker on the first packet only"
    );
}

#[test]
fn stopping_playback_emits_no_finish() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr("127.0.0.1:4000")), t0);
    s.play(vec![Arc::new(Prompt::from_pcm(vec![100; 1600]))]);
    assert!(s.on_tick(t0).event.is_none());
    s.stop();
    for i in 1..20 {
        assert!(
            s.on_tick(t0 + Duration::from_millis(20 * i))
                .event
                .is_none()
        );
    }
}

#[test]
fn caller_audio_reaches_the_left_channel_in_order() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr("127.0.0.1:1")), t0);
    let frame = |v: i16| vec![Law::Ulaw.encode(v); FRAME];
    for (seq, v) in [(1u16, 1000i16), (3, 3000), (2, 2000)] {
        s.on_datagram(
            t0,
            addr("127.0.0.1:1"),
            &packet(0, seq, u32::from(seq) * 160, &frame(v)),
        );
    }
    let got: Vec<i16> = (0..3)
        .map(|i| s.on_tick(t0 + Duration::from_millis(20 * i)).caller[0])
        .collect();
    let expect: Vec<i16> = [1000, 2000, 3000]
        .iter()
        .map(|&v| Law::Ulaw.decode(Law::Ulaw.encode(v)))
        .collect();
    assert_eq!(got, expect);
}

#[test]
fn rfc4733_digits_come_out_once() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr("127.0.0.1:1")), t0);
    let mut digits = Vec::new();
    for (i, end) in [false, false, true, true, true].iter().enumerate() {
        let payload = [7u8, if *end { 0x80 } else { 0 }, 0, ((i + 1) * 40) as u8];
        if let Some(MediaEvent::Digit(d)) = s
            .on_datagram(
                t0,
                addr("127.0.0.1:1"),
                &packet(101, i as u16, 8000, &payload),
            )
            .event
        {
            digits.push(d);
        }
    }
    assert_eq!(digits, ['7']);
    assert_eq!(s.stats().jitter.received, 0, "events are not audio");
}

#[test]
fn silence_from_the_caller_times_out_once_but_not_on_hold() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr("127.0.0.1:4000")), t0);
    assert!(s.on_tick(t0 + Duration::from_secs(4)).event.is_none());
    assert_eq!(
        s.on_tick(t0 + Duration::from_secs(5)).event,
        Some(MediaEvent::RtpTimeout)
    );
    assert!(s.on_tick(t0 + Duration::from_secs(6)).event.is_none());

    let mut held = MediaSession::new(params(), Some(addr("127.0.0.1:4000")), t0);
    held.update_remote(None, true, t0);
    let out = held.on_tick(t0 + Duration::from_secs(60));
    assert!(out.event.is_none());
    assert!(
        out.send.is_none(),
        "nothing is sent to a caller who put us on hold"
    );
}

#[test]
fn junk_datagrams_are_counted_not_fatal() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr("127.0.0.1:1")), t0);
    let nothing = Received::default();
    assert_eq!(s.on_datagram(t0, addr("127.0.0.1:1"), b"hello"), nothing);
    assert_eq!(
        s.on_datagram(t0, addr("127.0.0.1:1"), &packet(18, 1, 0, &[1, 2])),
        nothing
    );
    assert_eq!(s.stats().ignored, 2);
    // Once locked, junk from anyone else is foreign, not the caller's junk.
    assert!(s.on_datagram(t0, addr("127.0.0.7:1"), b"hello").foreign);
    assert_eq!((s.stats().ignored, s.stats().foreign), (2, 1));
}

#[test]
fn a_bridged_feed_is_sent_and_heard_unless_a_prompt_plays() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr("127.0.0.1:4000")), t0);
    let feed = [1200i16; FRAME];
    let out = s.on_tick_with(t0, Some(&feed));
    assert_eq!(out.heard, feed, "the other leg is what this side hears");
    let (bytes, _) = out.send.unwrap();
    let p = rtp::parse(bytes).unwrap();
    assert!(p.payload.iter().all(|&c| c == Law::Ulaw.encode(1200)));
    // A prompt (a whisper, an announcement) takes over the feed while it plays.
    s.play(vec![Arc::new(Prompt::from_pcm(vec![-500; FRAME]))]);
    let out = s.on_tick_with(t0 + Duration::from_millis(20), Some(&feed));
    assert_eq!(out.heard, [-500; FRAME]);
    assert_eq!(out.event, Some(MediaEvent::PlaybackFinished));
    let out = s.on_tick_with(t0 + Duration::from_millis(40), Some(&feed));
    assert_eq!(out.heard, feed);
}

#[test]
fn music_loops_under_prompts_instead_of_the_feed_and_a_held_party_is_not_timed_out() {
    let t0 = Instant::now();
    let tick = |n: u64| t0 + Duration::from_millis(20 * n);
    let mut s = MediaSession::new(params(), Some(addr("127.0.0.1:4000")), t0);
    let feed = [1200i16; FRAME];
    // Music a frame and a half long: it wraps round.
    let music: Vec<i16> = (0..240).map(|i| 100 + i as i16).collect();
    s.set_music(Some(Arc::new(Prompt::from_pcm(music.clone()))));
    s.set_held(true, t0);
    assert_eq!(
        s.on_tick_with(tick(1), Some(&feed)).heard[..],
        music[..FRAME]
    );
    let second = s.on_tick_with(tick(2), Some(&feed)).heard;
    assert_eq!(second[..80], music[FRAME..]);
    assert_eq!(second[80..], music[..80]);
    // An announcement interrupts it; the music goes on after.
    s.play(vec![Arc::new(Prompt::from_pcm(vec![-500; FRAME]))]);
    assert_eq!(s.on_tick_with(tick(3), Some(&feed)).heard, [-500; FRAME]);
    assert_eq!(
        s.on_tick_with(tick(4), Some(&feed)).heard[..],
        music[80..240]
    );
    // Held by us for far longer than the timeout: still sending, never timed out.
    let out = s.on_tick_with(t0 + Duration::from_secs(60), Some(&feed));
    assert!(out.event.is_none() && out.send.is_some());
    // Music off: the feed is heard again, unless the bridge says this side hears nobody.
    s.set_music(None);
    s.set_held(false, t0 + Duration::from_secs(60));
    assert_eq!(s.on_tick_with(tick(3001), Some(&feed)).heard, feed);
    s.hear_feed(false);
    assert_eq!(s.on_tick_with(tick(3002), Some(&feed)).heard, [0; FRAME]);
}

#[test]
fn relayed_digits_go_out_as_telephone_events_between_audio() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr("127.0.0.1:4000")), t0);
    assert!(s.send_digit('4'));
    let mut rx = crate::media::dtmf::Rfc4733Receiver::default();
    let mut kinds = Vec::new();
    let mut digits = Vec::new();
    let mut seqs = Vec::new();
    for i in 0..12 {
        let out = s.on_tick(t0 + Duration::from_millis(20 * i));
        let (bytes, _) = out.send.unwrap();
        let p = rtp::parse(bytes).unwrap();
        seqs.push(p.sequence);
        kinds.push(p.payload_type);
        if p.payload_type == 101 {
            digits.extend(rx.on_packet(p.timestamp, p.payload).map(|d| d.digit));
        }
    }
    assert_eq!(digits, ['4']);
    assert_eq!(kinds.iter().filter(|&&k| k == 101).count(), 8);
    assert_eq!(kinds[8..], [0, 0, 0, 0], "audio resumes after the press");
    assert!(seqs.windows(2).all(|w| w[1] == w[0].wrapping_add(1)));
    let mut no_events = params();
    no_events.dtmf_pt = None;
    let mut s = MediaSession::new(no_events, None, t0);
    assert!(!s.send_digit('4'), "the caller falls back to SIP INFO");
}

// Strict RTP: who the session listens to.

const CALLER: &str = "127.0.0.1:4000";
const STRANGER: &str = "127.0.0.7:4000";
const CALLER_SSRC: u32 = 0xCA11;

/// One 20 ms µ-law frame of a constant `value` from (`from`, `ssrc`) with sequence number `seq`.
fn frame_from(
    s: &mut MediaSession,
    now: Instant,
    from: &str,
    ssrc: u32,
    seq: u16,
    value: i16,
) -> Received {
    let payload = [Law::Ulaw.encode(value); FRAME];
    let ts = u32::from(seq).wrapping_mul(160);
    s.on_datagram(now, addr(from), &stream_packet(ssrc, 0, seq, ts, &payload))
}

/// Key `code` pressed by (`from`, `ssrc`): one packet per tick, the last three ends, as phones send.
fn press_from(
    s: &mut MediaSession,
    from: &str,
    ssrc: u32,
    first_seq: u16,
    ts: u32,
    code: u8,
) -> Vec<char> {
    let t0 = Instant::now();
    (0..6u16)
        .filter_map(|i| {
            let d = ((i + 1) * 160).to_be_bytes();
            let payload = [code, if i >= 3 { 0x8A } else { 0x0A }, d[0], d[1]];
            let p = stream_packet(ssrc, 101, first_seq + i, ts, &payload);
            match s.on_datagram(t0, addr(from), &p).event {
                Some(MediaEvent::Digit(d)) => Some(d),
                _ => None,
            }
        })
        .collect()
}

/// What the caller's channel holds over `ticks` ticks (first sample of each).
fn caller_channel(s: &mut MediaSession, ticks: u64) -> Vec<i16> {
    let t0 = Instant::now();
    (0..ticks)
        .map(|i| s.on_tick(t0 + Duration::from_millis(20 * i)).caller[0])
        .collect()
}

/// The arrival time of the `n`th packet of a 20 ms stream.
fn at(t0: Instant, n: u16) -> Instant {
    t0 + Duration::from_millis(20 * u64::from(n))
}

fn heard(v: i16) -> i16 {
    Law::Ulaw.decode(Law::Ulaw.encode(v))
}

#[test]
fn a_stranger_after_the_lock_is_dropped_counted_and_not_answered() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr(CALLER)), t0);
    assert!(!frame_from(&mut s, t0, CALLER, CALLER_SSRC, 1, 1000).foreign);
    assert!(!frame_from(&mut s, t0, CALLER, CALLER_SSRC, 2, 1000).foreign);
    // A steady stream with consecutive sequence numbers: far more than any probation.
    for seq in 0..100 {
        let r = frame_from(&mut s, t0, STRANGER, 7, 5000 + seq, -8000);
        assert!(r.foreign && r.event.is_none());
    }
    assert_eq!(s.stats().foreign, 100);
    assert_eq!(s.stats().jitter.received, 2, "none of it was buffered");
    assert_eq!(caller_channel(&mut s, 3), [heard(1000), heard(1000), 0]);
    assert_eq!(
        s.remote(),
        Some(addr(CALLER)),
        "our media still goes to the caller"
    );
    let out = s.on_tick(t0 + Duration::from_millis(80));
    assert_eq!(out.send.unwrap().1, addr(CALLER));
    // A stranger does not keep a call alive either: the caller's silence still times out.
    let late = t0 + Duration::from_secs(5);
    frame_from(&mut s, late, STRANGER, 7, 6000, -8000);
    assert_eq!(s.on_tick(late).event, Some(MediaEvent::RtpTimeout));
}

#[test]
fn the_sdp_address_wins_over_a_stranger_before_the_lock() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr(CALLER)), t0);
    // A stranger streaming before the caller's first packet looks like a NAT'd caller: after its
    // probation it is taken (the window a NAT'd caller needs; see the latch's notes)...
    let fates: Vec<bool> = (0..6)
        .map(|i| frame_from(&mut s, at(t0, i), STRANGER, 7, 10 + i, -8000).foreign)
        .collect();
    assert_eq!(fates, [true, true, true, false, false, false]);
    assert_eq!(s.remote(), Some(addr(STRANGER)));
    // ...until the caller's first packet from the SDP address, which locks at once.
    assert!(!frame_from(&mut s, at(t0, 6), CALLER, CALLER_SSRC, 1, 1000).foreign);
    assert_eq!(s.remote(), Some(addr(CALLER)));
    for i in 7..30 {
        assert!(frame_from(&mut s, at(t0, i), STRANGER, 7, 10 + i, -8000).foreign);
    }
    frame_from(&mut s, at(t0, 30), CALLER, CALLER_SSRC, 2, 1000);
    assert_eq!(caller_channel(&mut s, 2), [heard(1000), heard(1000)]);
    assert_eq!(s.remote(), Some(addr(CALLER)));
}

#[test]
fn a_natted_caller_is_learnt_after_probation_and_yields_to_the_sdp_address() {
    let t0 = Instant::now();
    // The SDP names a private address the caller's media never comes from.
    let sdp = addr("10.0.0.1:4000");
    let public = "127.0.0.1:5555";
    let mut s = MediaSession::new(params(), Some(sdp), t0);
    assert_eq!(
        s.on_tick(t0).send.unwrap().1,
        sdp,
        "until learnt, media goes to the SDP"
    );
    // A gap restarts the run: 1, 2, then 4.
    let fates: Vec<bool> = [1, 2, 4, 5, 6, 7, 8]
        .iter()
        .map(|&seq| frame_from(&mut s, at(t0, seq), public, CALLER_SSRC, seq, 1000).foreign)
        .collect();
    assert_eq!(fates, [true, true, true, true, true, false, false]);
    assert_eq!(s.remote(), Some(addr(public)));
    assert_eq!(s.stats().foreign, 5);
    let out = s.on_tick(t0 + Duration::from_millis(20));
    assert_eq!(out.send.unwrap().1, addr(public));
    // Once learnt, others are strangers.
    for seq in 0..10 {
        assert!(frame_from(&mut s, at(t0, seq), STRANGER, 7, seq, -8000).foreign);
    }
    // The signalled address outranks a source learnt by probation.
    assert!(!frame_from(&mut s, t0, "10.0.0.1:4000", 42, 1, 500).foreign);
    assert_eq!(s.remote(), Some(sdp));
    assert!(frame_from(&mut s, t0, public, CALLER_SSRC, 9, 1000).foreign);
}

#[test]
fn competing_sources_keep_each_other_on_probation() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), None, t0);
    for seq in 0..50 {
        assert!(frame_from(&mut s, at(t0, seq), "127.0.0.1:5555", 1, seq, 1000).foreign);
        assert!(frame_from(&mut s, at(t0, seq), STRANGER, 2, seq, -8000).foreign);
    }
    assert_eq!(
        s.remote(),
        None,
        "no one is learnt while two stream at once"
    );
    assert!(s.on_tick(t0).send.is_none());
}

#[test]
fn a_burst_between_a_streams_packets_never_passes_probation() {
    let t0 = Instant::now();
    let natted = "127.0.0.1:5555";
    let mut s = MediaSession::new(params(), Some(addr("10.0.0.1:4000")), t0);
    // Between two of the NAT'd caller's packets a stranger fires five consecutive numbers at once.
    for i in 0..20u16 {
        assert!(frame_from(&mut s, at(t0, i), natted, 1, i, 1000).foreign);
        for k in 0..5 {
            assert!(frame_from(&mut s, at(t0, i), STRANGER, 2, 100 * i + k, -8000).foreign);
        }
    }
    assert_eq!(s.remote(), Some(addr("10.0.0.1:4000")), "neither is taken");
    // The stranger stops; the caller passes probation on its own.
    let fates: Vec<bool> = (20..25)
        .map(|i| frame_from(&mut s, at(t0, i), natted, 1, i, 1000).foreign)
        .collect();
    assert_eq!(fates, [true, true, true, false, false]);
    assert_eq!(s.remote(), Some(addr(natted)));
}

#[test]
fn a_new_ssrc_from_the_locked_address_takes_over_after_probation() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr(CALLER)), t0);
    frame_from(&mut s, t0, CALLER, CALLER_SSRC, 40000, 1000);
    frame_from(&mut s, t0, CALLER, CALLER_SSRC, 40001, 1000);
    assert_eq!(caller_channel(&mut s, 2), [heard(1000), heard(1000)]);
    // A new stream that starts while the old one still runs is not believed: the old one resets it.
    for seq in 0..10 {
        assert!(frame_from(&mut s, t0, CALLER, 0xBEEF, 100 + seq, 2000).foreign);
        assert!(!frame_from(&mut s, t0, CALLER, CALLER_SSRC, 40002 + seq, 1000).foreign);
    }
    // After hold the phone starts a new stream (new SSRC, sequence numbers behind the old ones) and
    // the old one stops: probation, then it is the caller's.
    let mut s = MediaSession::new(params(), Some(addr(CALLER)), t0);
    frame_from(&mut s, t0, CALLER, CALLER_SSRC, 40000, 1000);
    let fates: Vec<bool> = (0..6)
        .map(|seq| frame_from(&mut s, at(t0, seq), CALLER, 0xBEEF, 100 + seq, 2000).foreign)
        .collect();
    assert_eq!(fates, [true, true, true, false, false, false]);
    assert_eq!(
        caller_channel(&mut s, 3),
        [heard(2000), heard(2000), heard(2000)],
        "the new stream plays although its numbers are behind the old one's"
    );
    assert_eq!(s.stats().jitter.late, 0);
    assert!(
        frame_from(&mut s, t0, CALLER, CALLER_SSRC, 40001, 1000).foreign,
        "the old one is over"
    );
    assert_eq!(press_from(&mut s, CALLER, 0xBEEF, 106, 9999, 5), ['5']);
}

#[test]
fn key_presses_from_a_stranger_never_become_digits() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr(CALLER)), t0);
    // Before the lock: the stranger's press is on probation, and it is not the SDP address.
    assert_eq!(
        press_from(&mut s, STRANGER, 7, 10, 1000, 9),
        [] as [char; 0]
    );
    frame_from(&mut s, t0, CALLER, CALLER_SSRC, 1, 1000);
    // After the lock: ten presses of 9 with consecutive sequence numbers, not one digit.
    for i in 0..10u16 {
        assert_eq!(
            press_from(
                &mut s,
                STRANGER,
                7,
                100 + 6 * i,
                2000 + u32::from(i) * 800,
                9
            ),
            [] as [char; 0]
        );
    }
    // Not even with the caller's SSRC, guessed.
    assert_eq!(
        press_from(&mut s, STRANGER, CALLER_SSRC, 2, 9000, 9),
        [] as [char; 0]
    );
    // The caller's own press still counts.
    assert_eq!(press_from(&mut s, CALLER, CALLER_SSRC, 2, 9000, 1), ['1']);
    assert_eq!(s.stats().foreign, 6 * 12);
}

#[test]
fn a_re_invite_with_a_new_address_learns_again_and_the_same_address_keeps_the_lock() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr(CALLER)), t0);
    frame_from(&mut s, t0, CALLER, CALLER_SSRC, 1, 1000);
    // Hold and resume to the same address: still locked, strangers still out.
    s.update_remote(None, true, t0);
    s.update_remote(Some(addr(CALLER)), false, t0);
    assert!(!frame_from(&mut s, t0, CALLER, CALLER_SSRC, 2, 1000).foreign);
    assert!(frame_from(&mut s, t0, STRANGER, 7, 1, -8000).foreign);
    // The PBX moves the media to another host.
    let moved = "127.0.0.2:6000";
    s.update_remote(Some(addr(moved)), false, t0);
    assert_eq!(s.remote(), Some(addr(moved)));
    assert_eq!(s.on_tick(t0).send.unwrap().1, addr(moved));
    assert!(!frame_from(&mut s, t0, moved, 0xD00D, 500, 3000).foreign);
    assert!(
        frame_from(&mut s, t0, CALLER, CALLER_SSRC, 3, 1000).foreign,
        "the old source is over"
    );
    assert!(frame_from(&mut s, t0, STRANGER, 7, 2, -8000).foreign);
    frame_from(&mut s, t0, moved, 0xD00D, 501, 3000);
    assert_eq!(caller_channel(&mut s, 2), [heard(3000), heard(3000)]);
}
