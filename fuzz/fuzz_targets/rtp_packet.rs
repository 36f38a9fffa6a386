//! Any datagram into the RTP parser and a media session; never panic, payload within the datagram.
#![no_main]
use frontdesk::media::g711::Law;
use frontdesk::media::rtp;
use frontdesk::media::session::{MediaParams, MediaSession};
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = rtp::parse(data) {
        assert!(p.payload.len() <= data.len());
    }
    let now = Instant::now();
    let params = MediaParams {
        law: Law::Ulaw,
        payload_type: 0,
        dtmf_pt: Some(101),
        ssrc: 1,
        rtp_timeout: Duration::from_secs(5),
    };
    let mut s = MediaSession::new(params, None, now);
    for chunk in data.chunks(180) {
        let _ = s.on_datagram(now, "127.0.0.1:4000".parse().unwrap(), chunk);
        let _ = s.on_tick(now);
    }
});
