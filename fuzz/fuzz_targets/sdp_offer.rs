//! Any bytes as an SDP offer: parse, negotiate, answer; never panic, and an answer always parses back.
#![no_main]
use frontdesk::media::sdp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(offer) = sdp::parse_offer(data) {
        let _ = offer.is_hold();
        if let Some(n) = sdp::negotiate(&offer) {
            let answer = sdp::write_answer(offer.addr, offer.port, &n, offer.direction.answer(), 1);
            let back = sdp::parse_offer(&answer).expect("our own answer parses");
            assert_eq!(sdp::negotiate(&back), Some(n));
        }
    }
});
