//! Node counters shared by the call path (writers) and `/metrics` (reader), and the Prometheus text
//! rendering. Store-wide figures (calls by outcome, callbacks, agents) are read from the store at
//! scrape time, so every node reports the same totals.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct NodeMetrics {
    pub active_calls: AtomicUsize,
    pub rtp_received: AtomicU64,
    pub rtp_lost: AtomicU64,
    pub rtp_late: AtomicU64,
    pub refused_calls: AtomicU64,
}

impl NodeMetrics {
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
    pub agents_by_presence: Vec<(String, i64)>,
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
        "Agents on the roster by presence.",
    );
    for (presence, n) in &store.agents_by_presence {
        let _ = writeln!(
            out,
            "frontdesk_agents{{presence=\"{}\"}} {n}",
            label(presence)
        );
    }
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
        let store = StoreFigures {
            calls_by_outcome: vec![("dnc-opt-out".into(), 4), ("we\"ird".into(), 1)],
            callbacks_by_state: vec![("due".into(), 2)],
            agents_by_presence: vec![("available".into(), 5)],
        };
        let text = render(&node, &store);
        assert!(text.contains("frontdesk_calls_active 3\n"));
        assert!(text.contains("frontdesk_calls{outcome=\"dnc-opt-out\"} 4\n"));
        assert!(text.contains("frontdesk_calls{outcome=\"we\\\"ird\"} 1\n"));
        assert!(text.contains("frontdesk_rtp_packets_total{fate=\"lost\"} 2\n"));
        assert!(text.contains("# TYPE frontdesk_callbacks gauge\n"));
    }
}
