//! `[media] srtp` in offers and answers (RFC 4568 SDES with RFC 3264).

use super::*;

const KEY_A: &str = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";
const KEY_B: &str = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";

fn offer(proto: &str, crypto: &str) -> String {
    format!(
        "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 {proto} 0 101\r\na=rtpmap:101 telephone-event/8000\r\n{crypto}"
    )
}

fn crypto(tag: u32, key: &str) -> String {
    format!("a=crypto:{tag} AES_CM_128_HMAC_SHA1_80 inline:{key}\r\n")
}

fn answer_to(o: &AudioOffer, origin: &mut Origin) -> Vec<u8> {
    let n = negotiate(o).unwrap();
    write_answer(
        "127.0.0.1".parse().unwrap(),
        20000,
        Some(o),
        &n,
        Direction::SendRecv,
        origin,
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn a_secure_offer_is_answered_in_kind_with_our_key_under_its_tag() {
    let sdp = offer("RTP/SAVP", &crypto(7, KEY_A));
    for policy in [SrtpPolicy::Offer, SrtpPolicy::Require] {
        let o = parse_offer(sdp.as_bytes(), policy).unwrap();
        let theirs = o.crypto.expect("their key");
        assert_eq!(theirs.tag, 7);
        let mut origin = Origin::new(1);
        let answer = answer_to(&o, &mut origin);
        let t = text(&answer);
        assert!(t.contains("m=audio 20000 RTP/SAVP 0 101\r\n"), "{t}");
        let ours = Crypto {
            tag: 7,
            key: *origin.key(),
        };
        assert!(
            t.contains(&format!("a=crypto:{}\r\n", ours.format())),
            "{t}"
        );
        assert_ne!(ours.key, theirs.key, "each side sends with its own key");
        // The offerer reads our answer and finds our key.
        let back = parse_offer(&answer, policy).unwrap();
        assert_eq!(back.crypto, Some(ours));
    }
    assert_eq!(
        parse_offer(sdp.as_bytes(), SrtpPolicy::Off),
        Err(SdpError::SrtpOnly)
    );
}

#[test]
fn best_effort_srtp_on_the_plain_profile_follows_the_policy() {
    let sdp = offer("RTP/AVP", &crypto(1, KEY_A));
    let o = parse_offer(sdp.as_bytes(), SrtpPolicy::Offer).unwrap();
    assert!(o.crypto.is_some());
    let t = text(&answer_to(&o, &mut Origin::new(1)));
    assert!(t.contains("m=audio 20000 RTP/AVP 0 101\r\n") && t.contains("a=crypto:1 "));
    // Off: the key is ignored and the answer is plain, which tells the offerer so.
    let o = parse_offer(sdp.as_bytes(), SrtpPolicy::Off).unwrap();
    assert_eq!(o.crypto, None);
    assert!(!text(&answer_to(&o, &mut Origin::new(1))).contains("a=crypto"));
    // A plain offer without a key: plain under offer, refused under require.
    let plain = offer("RTP/AVP", "");
    assert_eq!(
        parse_offer(plain.as_bytes(), SrtpPolicy::Offer)
            .unwrap()
            .crypto,
        None
    );
    assert_eq!(
        parse_offer(plain.as_bytes(), SrtpPolicy::Require),
        Err(SdpError::SrtpRequired)
    );
}

#[test]
fn keys_we_cannot_use_are_skipped_and_secure_streams_without_one_refused() {
    // Another suite, an MKI, a short key, then a good one: the good one is taken.
    let lines = format!(
        "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:{KEY_A}\r\n\
         a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:{KEY_A}|2^20|1:4\r\n\
         a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=\r\n{}",
        crypto(4, KEY_B)
    );
    let o = parse_offer(offer("RTP/SAVP", &lines).as_bytes(), SrtpPolicy::Offer).unwrap();
    assert_eq!(o.crypto.map(|c| c.tag), Some(4));
    // Nothing usable on a secure stream.
    let unusable = format!("a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:{KEY_A}\r\n");
    assert_eq!(
        parse_offer(offer("RTP/SAVP", &unusable).as_bytes(), SrtpPolicy::Offer),
        Err(SdpError::SrtpNoKey)
    );
    // Secure without a key first, plain with a key second: require takes the second stream.
    let two = format!(
        "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/SAVP 0\r\nm=audio 4002 RTP/AVP 0\r\n{}",
        crypto(9, KEY_A)
    );
    let o = parse_offer(two.as_bytes(), SrtpPolicy::Require).unwrap();
    assert_eq!(
        (o.audio_line, o.port, o.crypto.map(|c| c.tag)),
        (1, 4002, Some(9))
    );
    let t = text(&answer_to(&o, &mut Origin::new(1)));
    assert!(
        t.contains("m=audio 0 RTP/SAVP 0\r\nm=audio 20000 RTP/AVP 0\r\n"),
        "{t}"
    );
}

#[test]
fn more_crypto_lines_than_any_offer_has_are_not_read() {
    let mut lines = String::new();
    for tag in 0..100 {
        lines.push_str(&format!(
            "a=crypto:{tag} AES_256_CM_HMAC_SHA1_80 inline:{KEY_A}\r\n"
        ));
    }
    lines.push_str(&crypto(100, KEY_B));
    assert_eq!(
        parse_offer(offer("RTP/SAVP", &lines).as_bytes(), SrtpPolicy::Offer),
        Err(SdpError::SrtpNoKey)
    );
}

#[test]
fn our_offers_carry_our_key_as_the_policy_says() {
    let ip = "127.0.0.1".parse().unwrap();
    let mut origin = Origin::new(5);
    let off = text(&write_offer(ip, 4002, &mut origin, SrtpPolicy::Off));
    assert!(off.contains("m=audio 4002 RTP/AVP ") && !off.contains("a=crypto"));
    for (policy, proto) in [
        (SrtpPolicy::Offer, "RTP/AVP"),
        (SrtpPolicy::Require, "RTP/SAVP"),
    ] {
        let mut origin = Origin::new(5);
        let body = write_offer(ip, 4002, &mut origin, policy);
        assert!(text(&body).contains(&format!("m=audio 4002 {proto} 0 8 101\r\n")));
        let o = parse_offer(&body, policy).unwrap();
        assert_eq!(
            o.crypto,
            Some(Crypto {
                tag: OFFER_CRYPTO_TAG,
                key: *origin.key()
            })
        );
        // The same offer again (a refresh) is the same description: the version stays.
        let v = origin.version();
        write_offer(ip, 4002, &mut origin, policy);
        assert_eq!(origin.version(), v);
    }
}

#[test]
fn a_re_offer_keeps_the_calls_security_and_key() {
    let first = parse_offer(
        offer("RTP/SAVP", &crypto(1, KEY_A)).as_bytes(),
        SrtpPolicy::Offer,
    )
    .unwrap();
    let n = negotiate(&first).unwrap();
    // Same key under another tag (a phone's hold re-INVITE): answered under the new tag.
    let hold = parse_offer(
        offer("RTP/SAVP", &crypto(2, KEY_A)).as_bytes(),
        SrtpPolicy::Offer,
    )
    .unwrap();
    assert_eq!(n.reoffer(&hold).unwrap().srtp.map(|c| c.tag), Some(2));
    // A new key, or no key at all: 488, the call goes on with what it has.
    let rekey = parse_offer(
        offer("RTP/SAVP", &crypto(1, KEY_B)).as_bytes(),
        SrtpPolicy::Offer,
    )
    .unwrap();
    assert_eq!(n.reoffer(&rekey), Err(SdpError::SrtpChanged));
    let plain = parse_offer(offer("RTP/AVP", "").as_bytes(), SrtpPolicy::Offer).unwrap();
    assert_eq!(n.reoffer(&plain), Err(SdpError::SrtpChanged));
    // A plain call stays plain.
    let n = negotiate(&plain).unwrap();
    assert_eq!(n.reoffer(&plain), Ok(n));
    let secure = parse_offer(
        offer("RTP/SAVP", &crypto(1, KEY_A)).as_bytes(),
        SrtpPolicy::Offer,
    )
    .unwrap();
    assert_eq!(n.reoffer(&secure), Err(SdpError::SrtpChanged));
}

#[test]
fn the_leg_keys_come_from_the_origin_and_the_offer() {
    let o = parse_offer(
        offer("RTP/SAVP", &crypto(1, KEY_A)).as_bytes(),
        SrtpPolicy::Offer,
    )
    .unwrap();
    let origin = Origin::new(1);
    let n = negotiate(&o).unwrap();
    let mut ours = n.srtp_leg(&origin).unwrap().expect("an SRTP leg");
    // The far end: sends with its key (KEY_A), receives with ours.
    let theirs = o.crypto.unwrap().key;
    let mut far = srtp::SrtpLeg::new(&theirs, origin.key()).unwrap();
    let rtp = [0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9, 0xFF, 0xFF];
    assert_eq!(ours.unprotect(&far.protect(&rtp).unwrap()).unwrap(), rtp);
    assert_eq!(far.unprotect(&ours.protect(&rtp).unwrap()).unwrap(), rtp);
    let plain =
        negotiate(&parse_offer(offer("RTP/AVP", "").as_bytes(), SrtpPolicy::Offer).unwrap())
            .unwrap();
    assert!(plain.srtp_leg(&origin).unwrap().is_none());
}
