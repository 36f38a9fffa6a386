//! The calls' timelines, written in batches by one task: a flow step never waits for the store,
//! and a thousand steps a second cost a few transactions instead of a thousand.
//!
//! Order is kept (one FIFO channel); `flush` returns once everything queued before it is written,
//! so a call can close its row knowing its timeline is complete.

use super::Store;
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Lines written per transaction at most.
const BATCH: usize = 1_000;

enum Msg {
    Line(String, DateTime<Utc>, String, String),
    Flush(oneshot::Sender<()>),
}

/// Cheap to clone; every clone feeds the same writer task.
#[derive(Clone)]
pub struct TimelineWriter {
    tx: mpsc::UnboundedSender<Msg>,
}

impl TimelineWriter {
    /// Starts the writer; it ends when every clone is dropped, after writing what is queued.
    pub fn start(store: Store) -> (TimelineWriter, JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (TimelineWriter { tx }, tokio::spawn(run(store, rx)))
    }

    /// Queues one line of a call's timeline.
    pub fn log(&self, call: &str, at: DateTime<Utc>, kind: &str, detail: &str) {
        let _ = self.tx.send(Msg::Line(
            call.to_string(),
            at,
            kind.to_string(),
            detail.to_string(),
        ));
    }

    /// Waits until every line queued so far is written (or failed and was logged).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(store: Store, mut rx: mpsc::UnboundedReceiver<Msg>) {
    let mut lines = Vec::with_capacity(BATCH);
    let mut waiting = Vec::new();
    let mut msgs = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut msgs, BATCH).await > 0 {
        for msg in msgs.drain(..) {
            match msg {
                Msg::Line(call, at, kind, detail) => lines.push((call, at, kind, detail)),
                Msg::Flush(done) => waiting.push(done),
            }
        }
        if let Err(e) = store.insert_call_events(&lines).await {
            tracing::warn!(error = %e, lines = lines.len(), "cannot write call timelines");
        }
        lines.clear();
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}
