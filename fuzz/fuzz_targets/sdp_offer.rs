//! Any bytes as an SDP offer: parse, negotiate, answer; never panic, an answer always parses back
//! to the same codec, and it has exactly as many m= lines as the offer (RFC 3264 §6).
#![no_main]
use frontdesk::media::sdp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(offer) = sdp::parse_offer(data) {
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
            let back = sdp::parse_offer(&answer).expect("our own answer parses");
            assert_eq!(sdp::negotiate(&back), Some(n));
            assert_eq!(back.lines.len(), offer.lines.len());
            assert_eq!(back.audio_line, offer.audio_line);
        }
    }
});
