//! SIP INFO bodies and RFC 4733 payloads: never panic; a digit is always a DTMF key.
#![no_main]
use frontdesk::media::dtmf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for ct in ["application/dtmf-relay", "application/dtmf"] {
        if let Some(d) = dtmf::info_digit(ct, data) {
            assert!("0123456789*#ABCD".contains(d));
        }
    }
    let mut r = dtmf::Rfc4733Receiver::default();
    for (i, chunk) in data.chunks(4).enumerate() {
        let _ = r.on_packet(i as u32 / 3, chunk);
    }
});
