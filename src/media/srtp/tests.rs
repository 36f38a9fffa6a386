use super::*;

/// A minimal RTP packet: version 2, PCMU, the given sequence number, SSRC 0x1234, 160 bytes.
fn rtp(seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0x00];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&0x1234u32.to_be_bytes());
    p.extend((0..160).map(|i| (i as u8) ^ (seq as u8)));
    p
}

#[test]
fn two_legs_with_each_others_keys_understand_each_other() {
    let (a, b) = (MasterKey::random(), MasterKey::random());
    assert_ne!(a, b);
    let mut ours = SrtpLeg::new(&a, &b).unwrap();
    let mut theirs = SrtpLeg::new(&b, &a).unwrap();
    for seq in 1..50u16 {
        let plain = rtp(seq);
        let secret = ours.protect(&plain).unwrap();
        assert_eq!(secret.len(), plain.len() + 10, "an 80-bit tag");
        assert_eq!(&secret[..12], &plain[..12], "the header stays readable");
        assert_ne!(&secret[12..172], &plain[12..], "the payload does not");
        assert_eq!(theirs.unprotect(&secret).unwrap(), plain);
        let back = theirs.protect(&plain).unwrap();
        assert_eq!(ours.unprotect(&back).unwrap(), plain);
    }
}

#[test]
fn a_forged_tampered_or_replayed_packet_is_refused() {
    let (a, b) = (MasterKey::random(), MasterKey::random());
    let mut sender = SrtpLeg::new(&a, &b).unwrap();
    let mut receiver = SrtpLeg::new(&b, &a).unwrap();
    let good = sender.protect(&rtp(7)).unwrap();
    let mut tampered = good.clone();
    tampered[40] ^= 1;
    assert!(receiver.unprotect(&tampered).is_err());
    assert!(receiver.unprotect(&good).is_ok());
    assert!(receiver.unprotect(&good).is_err(), "a replay");
    // Someone without the key: plain RTP, or SRTP under another key.
    assert!(receiver.unprotect(&rtp(8)).is_err());
    let mut stranger = SrtpLeg::new(&MasterKey::random(), &b).unwrap();
    assert!(
        receiver
            .unprotect(&stranger.protect(&rtp(9)).unwrap())
            .is_err()
    );
    assert!(receiver.unprotect(&[0x80, 0, 0]).is_err(), "a runt");
}

#[test]
fn crypto_lines_are_read_and_written_as_rfc_4568_has_them() {
    // RFC 4568 §4's example key.
    let line = "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20";
    let c = Crypto::parse(line).unwrap().expect("usable");
    assert_eq!(c.tag, 1);
    let written = c.format();
    assert_eq!(
        written,
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
    );
    assert_eq!(Crypto::parse(&written).unwrap(), Some(c));
    // Fresh keys survive the round trip.
    let fresh = Crypto {
        tag: 3,
        key: MasterKey::random(),
    };
    assert_eq!(Crypto::parse(&fresh.format()).unwrap(), Some(fresh));
}

#[test]
fn what_we_cannot_use_is_passed_over_and_what_is_broken_is_said() {
    let key = "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";
    for unusable in [
        format!("1 AES_CM_128_HMAC_SHA1_32 {key}"),
        format!("1 AEAD_AES_256_GCM {key}"),
        format!("1 AES_CM_128_HMAC_SHA1_80 {key}|2^20|1:4"),
        format!("1 AES_CM_128_HMAC_SHA1_80 {key};{key}"),
        format!("1 AES_CM_128_HMAC_SHA1_80 {key} UNENCRYPTED_SRTP"),
    ] {
        assert_eq!(Crypto::parse(&unusable), Ok(None), "{unusable}");
    }
    for (broken, why) in [
        ("", "tag"),
        ("x AES_CM_128_HMAC_SHA1_80 inline:AAAA", "tag"),
        ("1234567890 AES_CM_128_HMAC_SHA1_80 inline:AAAA", "tag"),
        ("1", "suite"),
        ("1 AES_CM_128_HMAC_SHA1_80", "key parameters"),
        ("1 AES_CM_128_HMAC_SHA1_80 uri:x", "key method"),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:***", "key is not base64"),
        (
            "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA",
            "key is not 30 bytes",
        ),
    ] {
        assert_eq!(
            Crypto::parse(broken),
            Err(SrtpError::Malformed(why)),
            "{broken:?}"
        );
    }
    // The first usable line wins; broken and foreign ones are skipped.
    let chosen = choose([
        "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA",
        "2 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
        "3 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
    ]);
    assert_eq!(chosen.map(|c| c.tag), Some(3));
    assert_eq!(choose(["1 F8_128_HMAC_SHA1_80 inline:AAAA"]), None);
}

#[test]
fn keys_never_reach_the_logs() {
    let key = MasterKey::random();
    let shown = format!("{:?}", Crypto { tag: 1, key });
    assert!(!shown.contains(&key.inline()), "{shown}");
}
