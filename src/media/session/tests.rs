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
    let mut out = Vec::new();
    rtp::build(
        &mut out,
        &Packet {
            marker: false,
            payload_type: pt,
            sequence: seq,
            timestamp: ts,
            ssrc: 99,
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
fn media_latches_to_where_the_caller_really_sends_from() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), Some(addr("10.0.0.1:4000")), t0);
    s.on_datagram(t0, addr("127.0.0.1:5555"), &packet(0, 1, 160, &[0xFF; 160]));
    let out = s.on_tick(t0);
    assert_eq!(out.send.unwrap().1, addr("127.0.0.1:5555"));
}

#[test]
fn caller_audio_reaches_the_left_channel_in_order() {
    let t0 = Instant::now();
    let mut s = MediaSession::new(params(), None, t0);
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
    let mut s = MediaSession::new(params(), None, t0);
    let mut digits = Vec::new();
    for (i, end) in [false, false, true, true, true].iter().enumerate() {
        let payload = [7u8, if *end { 0x80 } else { 0 }, 0, ((i + 1) * 40) as u8];
        if let Some(MediaEvent::Digit(d)) = s.on_datagram(
            t0,
            addr("127.0.0.1:1"),
            &packet(101, i as u16, 8000, &payload),
        ) {
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
    let mut s = MediaSession::new(params(), None, t0);
    assert!(s.on_datagram(t0, addr("127.0.0.1:1"), b"hello").is_none());
    assert!(
        s.on_datagram(t0, addr("127.0.0.1:1"), &packet(18, 1, 0, &[1, 2]))
            .is_none()
    );
    assert_eq!(s.stats().ignored, 2);
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
