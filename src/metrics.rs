//! Node counters shared by the call path (writers) and `/metrics` (reader), and the Prometheus text
//! rendering. Store-wide figures (calls by outcome, callbacks, agents) are read from the store at
//! scrape time, so every node reports the same totals.

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
    pub queue_wait: Histogram,
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

/// Upper bounds (seconds) of the queue-wait buckets.
pub const WAIT_BUCKETS: [f64; 10] = [
    5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 3600.0,
];

/// A Prometheus histogram with fixed buckets, lock-free.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Cumulative per bucket at render time; stored per bucket here (the last is +Inf).
    buckets: [AtomicU64; WAIT_BUCKETS.len() + 1],
    sum_ms: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, secs: f64) {
        let i = WAIT_BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(WAIT_BUCKETS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.sum_ms
            .fetch_add((secs.max(0.0) * 1000.0) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str) {
        let mut cumulative = 0;
        for (i, b) in self.buckets.iter().enumerate() {
            cumulative += b.load(Ordering::Relaxed);
            let le = WAIT_BUCKETS
                .get(i)
                .map_or("+Inf".to_string(), |v| v.to_string());
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let sum = self.sum_ms.load(Ordering::Relaxed) as f64 / 1000.0;
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

/// The media workers' clock: a late or skipped tick is audio the far ends got late or never.
fn render_engine(out: &mut String, s: crate::media::engine::EngineStats) {
    let figures = [
        (
            "frontdesk_media_workers",
            "gauge",
            "Media worker threads.",
            s.workers as u64,
        ),
        (
            "frontdesk_media_calls",
            "gauge",
            "Calls whose media the workers run now.",
            s.calls as u64,
        ),
        (
            "frontdesk_media_ticks_total",
            "counter",
            "20 ms ticks run by the media workers (each runs all of a worker's calls).",
            s.ticks,
        ),
        (
            "frontdesk_media_ticks_late_total",
            "counter",
            "Ticks that started more than 5 ms after their time.",
            s.late,
        ),
        (
            "frontdesk_media_ticks_skipped_total",
            "counter",
            "Ticks dropped after a worker stalled for more than 100 ms.",
            s.skipped,
        ),
    ];
    for (name, kind, help, value) in figures {
        family(out, name, kind, help);
        let _ = writeln!(out, "{name} {value}");
    }
    family(
        out,
        "frontdesk_media_busy_seconds_total",
        "counter",
        "Time the media workers spent running calls.",
    );
    let _ = writeln!(
        out,
        "frontdesk_media_busy_seconds_total {}",
        s.busy_us as f64 / 1e6
    );
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Label values are our own codes, but escape them anyway so a stored value cannot break the format.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub fn render(node: &NodeMetrics, store: &StoreFigures) -> String {
    let text = render_samples(node, store);
    match node.node.get() {
        Some(name) => with_node_label(&text, name),
        None => text,
    }
}

/// Adds `node="name"` as the first label of every sample line (comments are left alone).
fn with_node_label(text: &str, name: &str) -> String {
    let label = format!("node=\"{}\"", label(name));
    let mut out = String::with_capacity(text.len() + text.lines().count() * (label.len() + 3));
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            out.push_str(line);
        } else if let Some(brace) = line.find('{') {
            out.push_str(&line[..=brace]);
            out.push_str(&label);
            out.push(',');
            out.push_str(&line[brace + 1..]);
        } else if let Some(space) = line.find(' ') {
            out.push_str(&line[..space]);
            out.push('{');
            out.push_str(&label);
            out.push('}');
            out.push_str(&line[space..]);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

fn render_samples(node: &NodeMetrics, store: &StoreFigures) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "frontdesk_calls_active",
        "gauge",
        "Calls in progress on this node.",
    );
    let _ = writeln!(
        out,
        "frontdesk_calls_active {}",
        node.active_calls.load(Ordering::Relaxed)
    );
    family(
        &mut out,
        "frontdesk_calls_refused_total",
        "counter",
        "INVITEs refused with 503 by this node.",
    );
    let _ = writeln!(
        out,
        "frontdesk_calls_refused_total {}",
        node.refused_calls.load(Ordering::Relaxed)
    );
    family(
        &mut out,
        "frontdesk_sip_turned_away_total",
        "counter",
        "Requests the SIP door answered or dropped before any transaction, by reason.",
    );
    for (reason, n) in [
        ("rate", &node.edge.dropped),
        ("forbidden", &node.edge.forbidden),
        ("rejected", &node.edge.rejected),
        ("invalid", &node.edge.invalid),
        ("connections", &node.edge.connections_refused),
    ] {
        let _ = writeln!(
            out,
            "frontdesk_sip_turned_away_total{{reason=\"{reason}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
    family(
        &mut out,
        "frontdesk_calls_refused_unrecorded_total",
        "counter",
        "Refused calls whose row could not be written (counted here instead).",
    );
    let _ = writeln!(
        out,
        "frontdesk_calls_refused_unrecorded_total {}",
        node.edge.refused_unrecorded.load(Ordering::Relaxed)
    );
    family(
        &mut out,
        "frontdesk_audit_write_failures_total",
        "counter",
        "Audit-log entries of live calls (monitoring) that could not be written.",
    );
    let _ = writeln!(
        out,
        "frontdesk_audit_write_failures_total {}",
        node.audit_failed.load(Ordering::Relaxed)
    );
    family(
        &mut out,
        "frontdesk_call_write_failures_total",
        "counter",
        "Updates of open call rows (answer time, recording path) that could not be written.",
    );
    let _ = writeln!(
        out,
        "frontdesk_call_write_failures_total {}",
        node.call_writes_failed.load(Ordering::Relaxed)
    );
    family(
        &mut out,
        "frontdesk_sip_connections",
        "gauge",
        "SIP connections (TCP and TLS) open now.",
    );
    let _ = writeln!(
        out,
        "frontdesk_sip_connections {}",
        node.edge.connections.load(Ordering::Relaxed)
    );
    family(
        &mut out,
        "frontdesk_calls",
        "gauge",
        "Calls in the store by outcome (in_progress when open).",
    );
    for (outcome, n) in &store.calls_by_outcome {
        let _ = writeln!(out, "frontdesk_calls{{outcome=\"{}\"}} {n}", label(outcome));
    }
    family(
        &mut out,
        "frontdesk_callbacks",
        "gauge",
        "Open callback requests: due now, at risk, breached.",
    );
    for (state, n) in &store.callbacks_by_state {
        let _ = writeln!(out, "frontdesk_callbacks{{state=\"{}\"}} {n}", label(state));
    }
    family(
        &mut out,
        "frontdesk_agents",
        "gauge",
        "Agents on the roster by state (available, ringing, in_call, wrap_up, away).",
    );
    for (state, n) in &store.agents_by_state {
        let _ = writeln!(out, "frontdesk_agents{{state=\"{}\"}} {n}", label(state));
    }
    family(
        &mut out,
        "frontdesk_queue_callers",
        "gauge",
        "Callers waiting for an agent on this node.",
    );
    let _ = writeln!(
        out,
        "frontdesk_queue_callers {}",
        node.queued.load(Ordering::Relaxed)
    );
    family(
        &mut out,
        "frontdesk_queue_wait_seconds",
        "histogram",
        "Time callers spent in the queue on this node (until an agent answered or they left).",
    );
    node.queue_wait
        .render(&mut out, "frontdesk_queue_wait_seconds");
    family(
        &mut out,
        "frontdesk_rtp_packets_total",
        "counter",
        "RTP packets from callers on this node, by fate.",
    );
    let _ = writeln!(
        out,
        "frontdesk_rtp_packets_total{{fate=\"received\"}} {}",
        node.rtp_received.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "frontdesk_rtp_packets_total{{fate=\"lost\"}} {}",
        node.rtp_lost.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "frontdesk_rtp_packets_total{{fate=\"late\"}} {}",
        node.rtp_late.load(Ordering::Relaxed)
    );
    family(
        &mut out,
        "frontdesk_rtp_foreign_packets_total",
        "counter",
        "Datagrams to call media ports dropped by strict RTP: not from the call's locked source \
         (including a NAT'd caller's first packets while its source is on probation).",
    );
    let _ = writeln!(
        out,
        "frontdesk_rtp_foreign_packets_total {}",
        node.rtp_foreign.load(Ordering::Relaxed)
    );
    if let Some(engine) = crate::media::engine::Engine::running() {
        render_engine(&mut out, engine.stats());
    }
    family(
        &mut out,
        "frontdesk_recording_uploads_total",
        "counter",
        "Recording uploads to object storage by this node: stored (and checked), or failed (tried again later).",
    );
    for (result, n) in [
        ("stored", &node.uploads.stored),
        ("failed", &node.uploads.failed),
    ] {
        let _ = writeln!(
            out,
            "frontdesk_recording_uploads_total{{result=\"{result}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
    family(
        &mut out,
        "frontdesk_recordings_unstored",
        "gauge",
        "Finished recordings not yet in object storage (still on their node's disk): all, and those whose last upload failed.",
    );
    let (waiting, failing) = store.recordings_unstored;
    let _ = writeln!(
        out,
        "frontdesk_recordings_unstored{{state=\"waiting\"}} {waiting}"
    );
    let _ = writeln!(
        out,
        "frontdesk_recordings_unstored{{state=\"failing\"}} {failing}"
    );
    family(
        &mut out,
        "frontdesk_recording_deletions_total",
        "counter",
        "Stored recordings deleted from object storage by this node after retention or an erasure removed them, or deletions that failed (tried again later).",
    );
    for (result, n) in [
        ("deleted", &node.uploads.deleted),
        ("failed", &node.uploads.delete_failed),
    ] {
        let _ = writeln!(
            out,
            "frontdesk_recording_deletions_total{{result=\"{result}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
    family(
        &mut out,
        "frontdesk_recordings_undeleted",
        "gauge",
        "Recordings removed by retention or an erasure whose stored copy is not yet deleted from object storage: all, and those whose last deletion failed.",
    );
    let (waiting, failing) = store.recordings_undeleted;
    let _ = writeln!(
        out,
        "frontdesk_recordings_undeleted{{state=\"waiting\"}} {waiting}"
    );
    let _ = writeln!(
        out,
        "frontdesk_recordings_undeleted{{state=\"failing\"}} {failing}"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let node = NodeMetrics::default();
        node.active_calls.store(3, Ordering::Relaxed);
        node.add_media(100, 2, 1);
        node.rtp_foreign.fetch_add(7, Ordering::Relaxed);
        let store = StoreFigures {
            calls_by_outcome: vec![("dnc-opt-out".into(), 4), ("we\"ird".into(), 1)],
            callbacks_by_state: vec![("due".into(), 2)],
            agents_by_state: vec![("available".into(), 5)],
            recordings_unstored: (3, 1),
            recordings_undeleted: (2, 1),
        };
        node.uploads.failed.fetch_add(2, Ordering::Relaxed);
        node.uploads.delete_failed.fetch_add(1, Ordering::Relaxed);
        node.queue_wait.observe(3.0);
        node.queue_wait.observe(45.0);
        node.queue_wait.observe(99_999.0);
        let text = render(&node, &store);
        assert!(text.contains("frontdesk_calls_active 3\n"));
        assert!(text.contains("frontdesk_calls{outcome=\"dnc-opt-out\"} 4\n"));
        assert!(text.contains("frontdesk_calls{outcome=\"we\\\"ird\"} 1\n"));
        assert!(text.contains("frontdesk_rtp_packets_total{fate=\"lost\"} 2\n"));
        assert!(text.contains("# TYPE frontdesk_rtp_foreign_packets_total counter\n"));
        assert!(text.contains("frontdesk_rtp_foreign_packets_total 7\n"));
        assert!(text.contains("# TYPE frontdesk_callbacks gauge\n"));
        assert!(text.contains("frontdesk_agents{state=\"available\"} 5\n"));
        assert!(text.contains("frontdesk_queue_wait_seconds_bucket{le=\"5\"} 1\n"));
        assert!(text.contains("frontdesk_queue_wait_seconds_bucket{le=\"30\"} 1\n"));
        assert!(text.contains("frontdesk_queue_wait_seconds_bucket{le=\"60\"} 2\n"));
        assert!(text.contains("frontdesk_queue_wait_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("frontdesk_queue_wait_seconds_count 3\n"));
        assert!(text.contains("frontdesk_recording_uploads_total{result=\"failed\"} 2\n"));

        // Named, every sample says which node it is from.
        node.node.set("node-a".into()).unwrap();
        let named = render(&node, &store);
        assert!(named.contains("frontdesk_calls_active{node=\"node-a\"} 3\n"));
        assert!(named.contains("frontdesk_calls{node=\"node-a\",outcome=\"dnc-opt-out\"} 4\n"));
        assert!(
            named.contains("frontdesk_queue_wait_seconds_bucket{node=\"node-a\",le=\"5\"} 1\n")
        );
        assert!(named.contains("# TYPE frontdesk_calls_active gauge\n"));
        for line in named.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.contains("{node=\"node-a\""), "{line}");
        }
        assert!(text.contains("frontdesk_recordings_unstored{state=\"failing\"} 1\n"));
        assert!(text.contains("frontdesk_recording_deletions_total{result=\"failed\"} 1\n"));
        assert!(text.contains("frontdesk_recordings_undeleted{state=\"waiting\"} 2\n"));
    }
}
