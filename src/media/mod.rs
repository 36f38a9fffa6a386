//! Media: RTP and G.711 for one call at a time, as sans-IO pieces (`rtp`, `g711`, `jitter`, `dtmf`,
//! `sdp`, `session`) driven by a thin tokio task (`task`) with its own UDP socket from `ports`.

pub mod dtmf;
pub mod engine;
pub mod g711;
pub mod jitter;
pub mod ports;
pub mod prompts;
pub mod rtp;
pub mod sdp;
pub mod session;
pub mod srtp;
pub mod task;
