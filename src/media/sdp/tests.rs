use super::*;

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
    };
    let body = write_answer(
        "127.0.0.1".parse().unwrap(),
        20000,
        &n,
        Direction::SendRecv,
        7,
    );
    let back = parse_offer(&body).unwrap();
    assert_eq!(back.port, 20000);
    assert_eq!(negotiate(&back), Some(n));
}

#[test]
fn our_offer_reads_back_as_g711_with_events() {
    let offer = write_offer("127.0.0.1".parse().unwrap(), 4002, 7);
    let parsed = parse_offer(&offer).unwrap();
    assert_eq!(parsed.port, 4002);
    assert_eq!(parsed.formats, [0, 8, OFFER_DTMF_PT]);
    let n = negotiate(&parsed).unwrap();
    assert_eq!(
        (n.law, n.payload_type, n.dtmf_pt),
        (Law::Ulaw, 0, Some(OFFER_DTMF_PT))
    );
}
