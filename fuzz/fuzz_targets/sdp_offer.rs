//! Any bytes as an SDP offer: parse, negotiate, answer; never panic, an answer always parses back
//! to the same codec (and, with SRTP, carries a key), and it has exactly as many m= lines as the
//! offer (RFC 3264 §6). The first byte picks the `[media] srtp` policy.
#![no_main]
use frontdesk::media::{sdp, srtp::SrtpPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, data)) = data.split_first() else {
        return;
    };
    let policy = match first % 3 {
        0 => SrtpPolicy::Off,
        1 => SrtpPolicy::Offer,
        _ => SrtpPolicy::Require,
    };
    if let Ok(offer) = sdp::parse_offer(data, policy) {
        let _ = offer.is_hold();
        if let Some(n) = sdp::negotiate(&offer) {
            let mut origin = sdp::Origin::new(1);
            let answer = sdp::write_answer(
                offer.addr,
                offer.port,
                Some(&offer),
                &n,
                offer.direction.answer(),
                &mut origin,
            );
            let back = sdp::parse_offer(&answer, policy).expect("our own answer parses");
            let again = sdp::negotiate(&back).expect("our own answer has our codec");
            assert_eq!(
                (again.law, again.payload_type, again.dtmf_pt),
                (n.law, n.payload_type, n.dtmf_pt)
            );
            assert_eq!(again.srtp.is_some(), n.srtp.is_some());
            assert_eq!(back.lines.len(), offer.lines.len());
            assert_eq!(back.audio_line, offer.audio_line);
        }
    }
});
