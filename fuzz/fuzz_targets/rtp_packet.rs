//! Any datagram into the RTP parser and a media session, from one of three sources (the SDP
//! address, another port of its host, another host) so strict RTP's latch is driven too; never
//! panic, payload within the datagram.
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
    let sources: [std::net::SocketAddr; 3] = [
        "127.0.0.1:4000".parse().unwrap(),
        "127.0.0.1:4002".parse().unwrap(),
        "127.0.0.7:4000".parse().unwrap(),
    ];
    let mut s = MediaSession::new(params, Some(sources[0]), now);
    for (i, chunk) in data.chunks(180).enumerate() {
        let from = sources[usize::from(chunk[0]) % sources.len()];
        let at = now + Duration::from_millis(20 * i as u64);
        let _ = s.on_datagram(at, from, chunk);
        let _ = s.on_tick(at);
    }
});
