use super::*;

/// Offers read with `[media] srtp = "off"` (the default); SRTP has its own tests below.
fn parse_offer(body: &[u8]) -> Result<AudioOffer, SdpError> {
    super::parse_offer(body, SrtpPolicy::Off)
}

const SIPP_OFFER: &str = "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\n\
c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";

#[test]
fn the_callers_preference_wins() {
    let offer = parse_offer(SIPP_OFFER.as_bytes()).unwrap();
    assert_eq!(offer.port, 6000);
    assert_eq!(offer.formats, [8, 0, 101]);
    let n = negotiate(&offer).unwrap();
    assert_eq!(n.law, Law::Alaw);
    assert_eq!(n.payload_type, 8);
    assert_eq!(n.dtmf_pt, Some(101));
    assert!(!offer.is_hold());
}

#[test]
fn static_types_need_no_rtpmap_and_dynamic_dtmf_types_are_found() {
    let sdp = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 18 0 96\r\na=rtpmap:96 telephone-event/8000\r\n";
    let n = negotiate(&parse_offer(sdp.as_bytes()).unwrap()).unwrap();
    assert_eq!((n.law, n.payload_type, n.dtmf_pt), (Law::Ulaw, 0, Some(96)));
}

#[test]
fn nothing_in_common_means_488() {
    let sdp = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 18 9\r\na=rtpmap:18 G729/8000\r\n";
    assert_eq!(negotiate(&parse_offer(sdp.as_bytes()).unwrap()), None);
    // A wideband PCMU is not our PCMU.
    let sdp = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/16000\r\n";
    assert_eq!(negotiate(&parse_offer(sdp.as_bytes()).unwrap()), None);
}

#[test]
fn hold_is_recognised_all_three_ways() {
    for (sdp, hold) in [
        (
            "c=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\na=sendonly\r\n",
            true,
        ),
        (
            "c=IN IP4 1.2.3.4\r\na=inactive\r\nm=audio 1 RTP/AVP 0\r\n",
            true,
        ),
        ("c=IN IP4 0.0.0.0\r\nm=audio 1 RTP/AVP 0\r\n", true),
        (
            "c=IN IP4 1.2.3.4\r\na=sendonly\r\nm=audio 1 RTP/AVP 0\r\na=sendrecv\r\n",
            false,
        ),
    ] {
        assert_eq!(
            parse_offer(sdp.as_bytes()).unwrap().is_hold(),
            hold,
            "{sdp}"
        );
    }
    assert_eq!(Direction::SendOnly.answer(), Direction::RecvOnly);
}

#[test]
fn media_level_connection_beats_session_level_and_video_is_skipped() {
    let sdp = "v=0\r\nc=IN IP4 1.1.1.1\r\nm=video 5000 RTP/AVP 96\r\nc=IN IP4 3.3.3.3\r\n\
               m=audio 4000 RTP/AVP 0\r\nc=IN IP4 2.2.2.2\r\n";
    let o = parse_offer(sdp.as_bytes()).unwrap();
    assert_eq!(o.addr.to_string(), "2.2.2.2");
    assert_eq!(o.port, 4000);
}

#[test]
fn malformed_offers_are_errors() {
    assert_eq!(parse_offer(b"v=0\r\n"), Err(SdpError::NoAudio));
    assert_eq!(
        parse_offer(b"m=audio 4000 RTP/AVP 0\r\n"),
        Err(SdpError::NoConnection)
    );
    assert!(matches!(
        parse_offer(b"m=audio x RTP/AVP 0\r\n"),
        Err(SdpError::BadMedia(_))
    ));
    assert!(matches!(
        parse_offer(b"c=IN IP4 nonsense\r\nm=audio 1 RTP/AVP 0\r\n"),
        Err(SdpError::BadConnection(_))
    ));
    assert_eq!(parse_offer(&[0xFF, 0xFE]), Err(SdpError::NotText));
}

#[test]
fn the_answer_parses_back() {
    let n = Negotiated {
        law: Law::Ulaw,
        payload_type: 0,
        dtmf_pt: Some(101),
        srtp: None,
    };
    let body = write_answer(
        "127.0.0.1".parse().unwrap(),
        20000,
        None,
        &n,
        Direction::SendRecv,
        &mut Origin::new(7),
    );
    let back = parse_offer(&body).unwrap();
    assert_eq!(back.port, 20000);
    assert_eq!(negotiate(&back), Some(n));
}

#[test]
fn our_offer_reads_back_as_g711_with_events() {
    let offer = write_offer(
        "127.0.0.1".parse().unwrap(),
        4002,
        &mut Origin::new(7),
        SrtpPolicy::Off,
    );
    let parsed = parse_offer(&offer).unwrap();
    assert_eq!(parsed.port, 4002);
    assert_eq!(parsed.formats, [0, 8, OFFER_DTMF_PT]);
    let n = negotiate(&parsed).unwrap();
    assert_eq!(
        (n.law, n.payload_type, n.dtmf_pt),
        (Law::Ulaw, 0, Some(OFFER_DTMF_PT))
    );
}

fn m_lines(sdp: &[u8]) -> Vec<String> {
    std::str::from_utf8(sdp)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("m="))
        .map(str::to_string)
        .collect()
}

fn o_line(sdp: &[u8]) -> String {
    let text = std::str::from_utf8(sdp).unwrap();
    text.lines()
        .find(|l| l.starts_with("o="))
        .unwrap()
        .to_string()
}

#[test]
fn the_answer_mirrors_every_offered_line_and_refuses_all_but_the_audio() {
    let sdp = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
               m=video 5000 RTP/AVP 96 97\r\na=rtpmap:96 H264/90000\r\n\
               m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n\
               m=audio 4002 RTP/AVP 8\r\n\
               m=application 5002 UDP/BFCP *\r\n";
    let offer = parse_offer(sdp.as_bytes()).unwrap();
    assert_eq!(
        (offer.audio_line, offer.port, offer.lines.len()),
        (1, 4000, 4)
    );
    let n = negotiate(&offer).unwrap();
    let answer = write_answer(
        "127.0.0.1".parse().unwrap(),
        20000,
        Some(&offer),
        &n,
        Direction::SendRecv,
        &mut Origin::new(9),
    );
    assert_eq!(
        m_lines(&answer),
        [
            "video 0 RTP/AVP 96 97",
            "audio 20000 RTP/AVP 0 101",
            "audio 0 RTP/AVP 8",
            "application 0 UDP/BFCP *",
        ]
    );
    let back = parse_offer(&answer).unwrap();
    assert_eq!((back.audio_line, back.port), (1, 20000));
    assert_eq!(negotiate(&back), Some(n));
}

#[test]
fn srtp_is_refused_and_a_plain_alternative_taken() {
    let only = "c=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n";
    assert_eq!(parse_offer(only.as_bytes()), Err(SdpError::SrtpOnly));
    let feedback = "c=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/SAVPF 0\r\n";
    assert_eq!(parse_offer(feedback.as_bytes()), Err(SdpError::SrtpOnly));
    // Secure first, plain second (best-effort SRTP as two streams): the plain one is the call's.
    let both = "c=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/SAVP 0\r\nm=audio 4002 RTP/AVP 0\r\n";
    let offer = parse_offer(both.as_bytes()).unwrap();
    assert_eq!((offer.audio_line, offer.port), (1, 4002));
    let n = negotiate(&offer).unwrap();
    let answer = write_answer(
        "127.0.0.1".parse().unwrap(),
        20000,
        Some(&offer),
        &n,
        Direction::SendRecv,
        &mut Origin::new(9),
    );
    assert_eq!(
        m_lines(&answer),
        ["audio 0 RTP/SAVP 0", "audio 20000 RTP/AVP 0"]
    );
    // A disabled audio stream is not the call's either; AVPF is answered in kind.
    let sdp = "c=IN IP4 10.0.0.1\r\nm=audio 0 RTP/AVP 0\r\nm=audio 4004 RTP/AVPF 8\r\n";
    let offer = parse_offer(sdp.as_bytes()).unwrap();
    assert_eq!((offer.audio_line, offer.port), (1, 4004));
    let answer = write_answer(
        "127.0.0.1".parse().unwrap(),
        20000,
        Some(&offer),
        &negotiate(&offer).unwrap(),
        Direction::SendRecv,
        &mut Origin::new(9),
    );
    assert_eq!(
        m_lines(&answer),
        ["audio 0 RTP/AVP 0", "audio 20000 RTP/AVPF 8"]
    );
    assert_eq!(
        parse_offer(b"c=IN IP4 10.0.0.1\r\nm=audio 0 RTP/AVP 0\r\n"),
        Err(SdpError::NoAudio)
    );
}

#[test]
fn one_session_id_per_leg_and_the_version_moves_only_when_the_sdp_does() {
    let ip = "127.0.0.1".parse().unwrap();
    let offer = parse_offer(SIPP_OFFER.as_bytes()).unwrap();
    let n = negotiate(&offer).unwrap();
    let mut origin = Origin::new(4242);
    let mut answer = |dir| write_answer(ip, 20000, Some(&offer), &n, dir, &mut origin);
    let first = answer(Direction::SendRecv);
    assert_eq!(o_line(&first), "o=frontdesk 4242 4242 IN IP4 127.0.0.1");
    // A refresh re-INVITE with the same offer: the same description, the same version.
    assert_eq!(answer(Direction::SendRecv), first);
    // Hold changes the direction: the version moves on, once.
    let held = answer(Direction::RecvOnly);
    assert_eq!(o_line(&held), "o=frontdesk 4242 4243 IN IP4 127.0.0.1");
    assert_eq!(answer(Direction::RecvOnly), held);
    // Resume is a change again, even back to what it was: versions never go back.
    let resumed = answer(Direction::SendRecv);
    assert_eq!(o_line(&resumed), "o=frontdesk 4242 4244 IN IP4 127.0.0.1");
    assert_eq!((origin.id(), origin.version()), (4242, 4244));
    // An outgoing leg: its offer and its later re-INVITEs share one origin.
    let mut leg = Origin::new(77);
    let ours = write_offer(ip, 4002, &mut leg, SrtpPolicy::Off);
    assert_eq!(o_line(&ours), "o=frontdesk 77 77 IN IP4 127.0.0.1");
    let hold = write_answer(ip, 4002, None, &n, Direction::SendOnly, &mut leg);
    assert_eq!(o_line(&hold), "o=frontdesk 77 78 IN IP4 127.0.0.1");
}
