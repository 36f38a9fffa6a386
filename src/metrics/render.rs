//! The Prometheus text format of a node's counters and the store's figures, every sample labelled
//! with the node it comes from.

use super::{NodeMetrics, StoreFigures};
use std::fmt::Write;
use std::sync::atomic::Ordering;
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

/// A family with one sample.
fn single(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    family(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// A family whose samples differ by one label, `key`: one `name{key="value"} n` per pair.
fn labelled<'a, V: std::fmt::Display>(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    key: &str,
    samples: impl IntoIterator<Item = (&'a str, V)>,
) {
    family(out, name, kind, help);
    for (value, n) in samples {
        let _ = writeln!(out, "{name}{{{key}=\"{}\"}} {n}", label(value));
    }
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
    single(
        &mut out,
        "frontdesk_calls_active",
        "gauge",
        "Calls in progress on this node.",
        node.active_calls.load(Ordering::Relaxed),
    );
    single(
        &mut out,
        "frontdesk_calls_refused_total",
        "counter",
        "INVITEs refused with 503 by this node.",
        node.refused_calls.load(Ordering::Relaxed),
    );
    labelled(
        &mut out,
        "frontdesk_sip_turned_away_total",
        "counter",
        "Requests the SIP door answered or dropped before any transaction, by reason.",
        "reason",
        [
            ("rate", node.edge.dropped.load(Ordering::Relaxed)),
            ("forbidden", node.edge.forbidden.load(Ordering::Relaxed)),
            ("rejected", node.edge.rejected.load(Ordering::Relaxed)),
            ("invalid", node.edge.invalid.load(Ordering::Relaxed)),
            (
                "connections",
                node.edge.connections_refused.load(Ordering::Relaxed),
            ),
        ],
    );
    single(
        &mut out,
        "frontdesk_calls_refused_unrecorded_total",
        "counter",
        "Refused calls whose row could not be written (counted here instead).",
        node.edge.refused_unrecorded.load(Ordering::Relaxed),
    );
    single(
        &mut out,
        "frontdesk_audit_write_failures_total",
        "counter",
        "Audit-log entries of live calls (monitoring) that could not be written.",
        node.audit_failed.load(Ordering::Relaxed),
    );
    single(
        &mut out,
        "frontdesk_call_write_failures_total",
        "counter",
        "Updates of open call rows (answer time, recording path) that could not be written.",
        node.call_writes_failed.load(Ordering::Relaxed),
    );
    single(
        &mut out,
        "frontdesk_sip_connections",
        "gauge",
        "SIP connections (TCP and TLS) open now.",
        node.edge.connections.load(Ordering::Relaxed),
    );
    labelled(
        &mut out,
        "frontdesk_calls",
        "gauge",
        "Calls in the store by outcome (in_progress when open).",
        "outcome",
        store.calls_by_outcome.iter().map(|(k, n)| (k.as_str(), *n)),
    );
    labelled(
        &mut out,
        "frontdesk_callbacks",
        "gauge",
        "Open callback requests: due now, at risk, breached.",
        "state",
        store
            .callbacks_by_state
            .iter()
            .map(|(k, n)| (k.as_str(), *n)),
    );
    labelled(
        &mut out,
        "frontdesk_agents",
        "gauge",
        "Agents on the roster by state (available, ringing, in_call, wrap_up, away).",
        "state",
        store.agents_by_state.iter().map(|(k, n)| (k.as_str(), *n)),
    );
    single(
        &mut out,
        "frontdesk_queue_callers",
        "gauge",
        "Callers waiting for an agent on this node.",
        node.queued.load(Ordering::Relaxed),
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
        "frontdesk_call_open_seconds",
        "histogram",
        "Time each new call waited for its row to be written before it could be answered (or refused, if the write failed).",
    );
    node.call_open
        .render(&mut out, "frontdesk_call_open_seconds");
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
    labelled(
        &mut out,
        "frontdesk_recording_uploads_total",
        "counter",
        "Recording uploads to object storage by this node: stored (and checked), or failed (tried again later).",
        "result",
        [
            ("stored", node.uploads.stored.load(Ordering::Relaxed)),
            ("failed", node.uploads.failed.load(Ordering::Relaxed)),
        ],
    );
    let (waiting, failing) = store.recordings_unstored;
    labelled(
        &mut out,
        "frontdesk_recordings_unstored",
        "gauge",
        "Finished recordings not yet in object storage (still on their node's disk): all, and those whose last upload failed.",
        "state",
        [("waiting", waiting), ("failing", failing)],
    );
    labelled(
        &mut out,
        "frontdesk_recording_deletions_total",
        "counter",
        "Stored recordings deleted from object storage by this node after retention or an erasure removed them, or deletions that failed (tried again later).",
        "result",
        [
            ("deleted", node.uploads.deleted.load(Ordering::Relaxed)),
            ("failed", node.uploads.delete_failed.load(Ordering::Relaxed)),
        ],
    );
    let (waiting, failing) = store.recordings_undeleted;
    labelled(
        &mut out,
        "frontdesk_recordings_undeleted",
        "gauge",
        "Recordings removed by retention or an erasure whose stored copy is not yet deleted from object storage: all, and those whose last deletion failed.",
        "state",
        [("waiting", waiting), ("failing", failing)],
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
        node.call_open.observe(0.0015);
        node.call_open.observe(0.03);
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
        assert!(text.contains("frontdesk_call_open_seconds_bucket{le=\"0.001\"} 0\n"));
        assert!(text.contains("frontdesk_call_open_seconds_bucket{le=\"0.002\"} 1\n"));
        assert!(text.contains("frontdesk_call_open_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("frontdesk_call_open_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("frontdesk_call_open_seconds_sum 0.0315\n"));
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
