//! Node counters shared by the call path (writers) and `/metrics` (reader); `render` turns them
//! into Prometheus text. Store-wide figures (calls by outcome, callbacks, agents) are read from the
//! store at scrape time, so every node reports the same totals.

mod render;

pub use render::render;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct NodeMetrics {
    /// The node's name (`node_id`), set once at start: every sample carries it as `node`, so one
    /// Prometheus tells the nodes apart (store-wide figures are the same on every node: take one
    /// node's, or `max`, never `sum`).
    pub node: std::sync::OnceLock<String>,
    pub active_calls: AtomicUsize,
    pub rtp_received: AtomicU64,
    pub rtp_lost: AtomicU64,
    pub rtp_late: AtomicU64,
    /// Datagrams strict RTP dropped: not from a call's locked media source. Counted live by the
    /// media tasks, so an attack on the RTP range shows while it lasts.
    pub rtp_foreign: AtomicU64,
    pub refused_calls: AtomicU64,
    /// Audit-log entries a call could not write (a supervisor's monitoring): counted where an
    /// operator sees them, since the call goes on.
    pub audit_failed: AtomicU64,
    /// Updates of an open call's row that could not be written (its answer time, its recording
    /// path): the call goes on, so they are counted where an operator sees them. The recording
    /// path is written again when the row closes.
    pub call_writes_failed: AtomicU64,
    /// Callers waiting for an agent on this node.
    pub queued: AtomicUsize,
    /// How long callers waited in the queue, by how the wait ended.
    pub queue_wait: Histogram<QueueWait>,
    /// How long each new call waited for its row to be written before it could be answered
    /// (the store's share of the answer time), or refused when the write failed.
    pub call_open: Histogram<StoreWait>,
    /// What the SIP door (`sip::gate`) turned away.
    pub edge: EdgeMetrics,
    /// Recordings moved to object storage by this node, and attempts that failed.
    pub uploads: UploadMetrics,
    /// Unix ms until which the store counts as backlogged (new calls are refused meanwhile).
    store_slow_until: AtomicI64,
}

/// Requests the SIP door answered or dropped without the stack keeping any state.
#[derive(Debug, Default)]
pub struct EdgeMetrics {
    /// Over their source's rate: dropped without an answer.
    pub dropped: AtomicU64,
    /// INVITEs from outside the trunk allow-list: 403.
    pub forbidden: AtomicU64,
    /// Requests for dialogs that do not exist (481) or methods we do not serve (405).
    pub rejected: AtomicU64,
    /// Requests `sip::validate` refused: malformed (400), not SIP/2.0 (505), or asking for what
    /// we do not serve (416, 420, 415, 406); broken ACKs are only dropped.
    pub invalid: AtomicU64,
    /// Refused calls (503) whose row could not be written (queue full or store error).
    pub refused_unrecorded: AtomicU64,
    /// TCP and TLS connections closed as soon as accepted (too many, or over the source's rate).
    pub connections_refused: AtomicU64,
    /// TCP and TLS connections open now (a gauge).
    pub connections: AtomicU64,
}

/// Uploads of finished recordings to object storage (`storage::upload`).
#[derive(Debug, Default)]
pub struct UploadMetrics {
    /// Stored and checked (SHA-256 of the stored copy read back).
    pub stored: AtomicU64,
    /// Attempts that failed; each is tried again later.
    pub failed: AtomicU64,
    /// Stored copies deleted after retention or an erasure removed their recording.
    pub deleted: AtomicU64,
    /// Deletions that failed; each is tried again later.
    pub delete_failed: AtomicU64,
}

/// Upper bounds (seconds) of a histogram's buckets, one set per kind of wait.
pub trait Bounds {
    const BOUNDS: &'static [f64];
}

/// Callers waiting in the queue: seconds to an hour.
#[derive(Debug, Default)]
pub struct QueueWait;
impl Bounds for QueueWait {
    const BOUNDS: &'static [f64] = &[
        5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 3600.0,
    ];
}

/// A write the caller waits on before being answered: a millisecond to a second.
#[derive(Debug, Default)]
pub struct StoreWait;
impl Bounds for StoreWait {
    const BOUNDS: &'static [f64] = &[0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0];
}

/// Buckets a histogram can have, +Inf included.
const MAX_BUCKETS: usize = 16;

/// A Prometheus histogram with fixed buckets (`B::BOUNDS`), lock-free.
#[derive(Debug, Default)]
pub struct Histogram<B> {
    /// Counted per bucket here (the one after the last bound is +Inf); cumulative when rendered.
    buckets: [AtomicU64; MAX_BUCKETS],
    sum_us: AtomicU64,
    count: AtomicU64,
    bounds: std::marker::PhantomData<B>,
}

impl<B: Bounds> Histogram<B> {
    pub fn observe(&self, secs: f64) {
        const { assert!(B::BOUNDS.len() < MAX_BUCKETS) };
        let i = B::BOUNDS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(B::BOUNDS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.sum_us
            .fetch_add((secs.max(0.0) * 1e6).round() as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str) {
        let mut cumulative = 0;
        for (i, b) in self.buckets.iter().take(B::BOUNDS.len() + 1).enumerate() {
            cumulative += b.load(Ordering::Relaxed);
            let le = B::BOUNDS
                .get(i)
                .map_or("+Inf".to_string(), |v| v.to_string());
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {}", self.count.load(Ordering::Relaxed));
    }
}

impl NodeMetrics {
    /// True while a recent call-row write was slow; see `note_store_latency`.
    pub fn store_backlogged(&self) -> bool {
        chrono::Utc::now().timestamp_millis() < self.store_slow_until.load(Ordering::Relaxed)
    }

    /// After a slow write the store counts as backlogged for the next second.
    pub fn store_slow_for(&self, ms: i64) {
        let until = chrono::Utc::now().timestamp_millis() + ms;
        self.store_slow_until.store(until, Ordering::Relaxed);
    }

    pub fn add_media(&self, received: u64, lost: u64, late: u64) {
        self.rtp_received.fetch_add(received, Ordering::Relaxed);
        self.rtp_lost.fetch_add(lost, Ordering::Relaxed);
        self.rtp_late.fetch_add(late, Ordering::Relaxed);
    }
}

/// Figures read from the store for one scrape.
#[derive(Debug, Default)]
pub struct StoreFigures {
    pub calls_by_outcome: Vec<(String, i64)>,
    pub callbacks_by_state: Vec<(String, i64)>,
    pub agents_by_state: Vec<(String, i64)>,
    /// Recordings not yet in object storage, store-wide: (waiting, of which failed at least once).
    pub recordings_unstored: (i64, i64),
    /// Stored recordings removed by retention or erasure and not yet deleted from object
    /// storage, store-wide: (waiting, of which failed at least once).
    pub recordings_undeleted: (i64, i64),
}
