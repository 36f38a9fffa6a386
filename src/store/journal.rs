//! The call journal: every call's row (opened, answered, recording named, closed) and its timeline,
//! written in batches by one task.
//!
//! Why batches: with SQLite each statement is a round trip to the connection's own thread, two
//! thread wakeups that cost more than the statement itself. A call that wrote its row, its answer,
//! its timeline and its close one by one paid about ten of them; at a thousand calls a second that
//! was a third of the node's CPU. Here whatever is queued when the writer wakes is written in one
//! transaction of a few multi-row statements, so the cost per call falls as the load rises.
//!
//! Order is kept: one FIFO channel, and within a batch rows are opened before their timeline lines
//! and updates, and closed last. A call's timeline is therefore complete before its row says the
//! call is over, without waiting for it. Opening and closing answer once written (a call without a
//! row is refused; a close is evidence); the rest is not waited for, and what cannot be written is
//! logged and counted in `frontdesk_call_write_failures_total`. When a batch fails as a whole, each
//! of its entries is written again on its own, so one bad entry costs only itself.

use super::batch::{Param, insert_rows};
use super::{Backend, CallEnd, NewCall, Result, Store, to_ms};
use crate::metrics::NodeMetrics;
use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Entries written per transaction at most.
const BATCH: usize = 1_000;

/// How long the writer waits, once something is queued, for more to join it. Under load each
/// batch then carries many calls' entries (a transaction costs about seven round trips however
/// many rows it writes); a call's row is opened this much later, far inside the time a caller
/// waits for the answer.
const LINGER: Duration = Duration::from_millis(2);

/// One thing to write about a call.
#[derive(Debug)]
enum Entry {
    Open(NewCall, oneshot::Sender<Result<()>>),
    Answered(String, DateTime<Utc>),
    Line(String, DateTime<Utc>, String, String),
    Recording(String, String),
    Close(String, CallEnd, oneshot::Sender<Result<()>>),
}

/// Cheap to clone; every clone feeds the same writer task.
#[derive(Clone)]
pub struct CallJournal {
    tx: mpsc::UnboundedSender<Entry>,
}

/// The writer has stopped (the node is shutting down): nothing more can be written.
fn stopped() -> super::StoreError {
    super::StoreError::Conflict("the call journal has stopped".into())
}

impl CallJournal {
    /// Starts the writer; it ends when every clone is dropped, after writing what is queued.
    pub fn start(store: Store, metrics: Arc<NodeMetrics>) -> (CallJournal, JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (CallJournal { tx }, tokio::spawn(run(store, metrics, rx)))
    }

    /// Opens the call's row, queued now (ahead of anything logged after this call); the future
    /// resolves once it is written.
    pub fn open(&self, call: NewCall) -> impl Future<Output = Result<()>> + use<> {
        let (done, wait) = oneshot::channel();
        let sent = self.tx.send(Entry::Open(call, done)).is_ok();
        answer(sent, wait)
    }

    /// Notes when the call was answered.
    pub fn answered(&self, call: &str, at: DateTime<Utc>) {
        self.queue(Entry::Answered(call.to_string(), at));
    }

    /// Queues one line of the call's timeline.
    pub fn log(&self, call: &str, at: DateTime<Utc>, kind: &str, detail: &str) {
        self.queue(Entry::Line(
            call.to_string(),
            at,
            kind.to_string(),
            detail.to_string(),
        ));
    }

    /// Names the call's recording on its row while the call goes on.
    pub fn recording(&self, call: &str, path: &str) {
        self.queue(Entry::Recording(call.to_string(), path.to_string()));
    }

    /// The writer outlives every clone of its sender unless its task died (a panic, or the
    /// runtime going away): only then is an entry refused, and that is said.
    fn queue(&self, entry: Entry) {
        if let Err(refused) = self.tx.send(entry) {
            tracing::error!(entry = ?refused.0, "the call journal has stopped: not written");
        }
    }

    /// Closes the call's row (once: a row already closed is left as it is), queued now, after
    /// everything queued for it before; the future resolves once it is written.
    pub fn close(&self, call: &str, end: CallEnd) -> impl Future<Output = Result<()>> + use<> {
        let (done, wait) = oneshot::channel();
        let sent = self
            .tx
            .send(Entry::Close(call.to_string(), end, done))
            .is_ok();
        answer(sent, wait)
    }
}

async fn answer(sent: bool, wait: oneshot::Receiver<Result<()>>) -> Result<()> {
    if !sent {
        return Err(stopped());
    }
    wait.await.map_err(|_| stopped())?
}

async fn run(store: Store, metrics: Arc<NodeMetrics>, mut rx: mpsc::UnboundedReceiver<Entry>) {
    let mut entries = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut entries, BATCH).await > 0 {
        if entries.len() < BATCH {
            tokio::time::sleep(LINGER).await;
            while entries.len() < BATCH {
                match rx.try_recv() {
                    Ok(entry) => entries.push(entry),
                    Err(_) => break,
                }
            }
        }
        match store.write_journal(&entries).await {
            Ok(()) => {
                for entry in entries.drain(..) {
                    match entry {
                        Entry::Open(_, done) | Entry::Close(_, _, done) => {
                            let _ = done.send(Ok(()));
                        }
                        _ => {}
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, entries = entries.len(), "call journal batch failed: writing each entry alone");
                for entry in entries.drain(..) {
                    write_alone(&store, &metrics, entry).await;
                }
            }
        }
    }
}

/// One entry in its own statement (after its batch failed), with its own answer.
async fn write_alone(store: &Store, metrics: &NodeMetrics, entry: Entry) {
    let failed = |what: &str, call: &str, e: &super::StoreError| {
        metrics.call_writes_failed.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(error = %e, call, "cannot write the call's {what}");
    };
    match entry {
        Entry::Open(call, done) => {
            let _ = done.send(store.insert_call(&call).await);
        }
        Entry::Close(call, end, done) => {
            let _ = done.send(store.close_call(&call, &end).await);
        }
        Entry::Answered(call, at) => {
            if let Err(e) = store.call_answered(&call, at).await {
                failed("answer time", &call, &e);
            }
        }
        Entry::Recording(call, path) => {
            if let Err(e) = store.set_call_recording(&call, &path).await {
                failed("recording path", &call, &e);
            }
        }
        Entry::Line(call, at, kind, detail) => {
            if let Err(e) = store
                .insert_call_events(&[(call.clone(), at, kind, detail)])
                .await
            {
                failed("timeline line", &call, &e);
            }
        }
    }
}

/// Keeps the last value per call (the same call answered twice in one batch: the later time wins,
/// as it would one statement after the other).
fn last_per_call<'a, T>(items: impl Iterator<Item = (&'a str, T)>) -> Vec<(&'a str, T)> {
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<(&str, T)> = Vec::new();
    for (call, value) in items {
        match at.get(call) {
            Some(&i) => out[i].1 = value,
            None => {
                at.insert(call, out.len());
                out.push((call, value));
            }
        }
    }
    out
}

/// Sets `column` of each call's row to the last value this batch holds for it.
async fn set_latest<T: Into<Param>>(
    backend: Backend,
    tx: &mut Transaction<'_, Any>,
    column: &'static str,
    values: Vec<(&str, T)>,
) -> Result<()> {
    let rows: Vec<Vec<Param>> = last_per_call(values.into_iter())
        .into_iter()
        .map(|(call, value)| vec![call.into(), value.into()])
        .collect();
    if !rows.is_empty() {
        insert_rows(
            backend,
            tx,
            &format!("UPDATE calls SET {column} = v.column2 FROM ("),
            ") AS v WHERE calls.id = v.column1",
            &rows,
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Writes one batch of the journal in one transaction: rows opened, timeline lines, answer
    /// times, recording paths, then closes.
    async fn write_journal(&self, entries: &[Entry]) -> Result<()> {
        let mut opens = Vec::new();
        let mut lines = Vec::new();
        let mut answered = Vec::new();
        let mut recordings = Vec::new();
        let mut closes: Vec<(&str, &CallEnd)> = Vec::new();
        for entry in entries {
            match entry {
                Entry::Open(call, _) => opens.push(open_row(call)),
                Entry::Line(call, at, kind, detail) => lines.push(vec![
                    call.as_str().into(),
                    to_ms(*at).into(),
                    kind.as_str().into(),
                    detail.as_str().into(),
                ]),
                Entry::Answered(call, at) => answered.push((call.as_str(), to_ms(*at))),
                Entry::Recording(call, path) => recordings.push((call.as_str(), path.as_str())),
                Entry::Close(call, end, _) => {
                    // A row is closed once: the first close of a call wins, as `close_call`'s does.
                    if !closes.iter().any(|(c, _)| *c == call.as_str()) {
                        closes.push((call.as_str(), end));
                    }
                }
            }
        }
        let backend = self.backend();
        let mut tx = self.pool().begin().await?;
        if !opens.is_empty() {
            insert_rows(
                backend,
                &mut tx,
                "INSERT INTO calls (id, sip_call_id, direction, phone, caller_raw, from_number, \
                 asserted_number, source, started_at, node)",
                "",
                &opens,
            )
            .await?;
        }
        if !lines.is_empty() {
            insert_rows(
                backend,
                &mut tx,
                "INSERT INTO call_events (call_id, at, kind, detail)",
                "",
                &lines,
            )
            .await?;
        }
        set_latest(backend, &mut tx, "answered_at", answered).await?;
        set_latest(backend, &mut tx, "recording_path", recordings).await?;
        // A close that queues `recording.ready` reads its row back in the transaction: alone.
        let (announced, plain): (Vec<_>, Vec<_>) = closes
            .into_iter()
            .partition(|(_, end)| self.announces_recording(end).is_some());
        for (call, end) in announced {
            self.close_call_tx(&mut tx, call, end).await?;
        }
        let plain: Vec<Vec<Param>> = plain.into_iter().map(|(c, e)| close_row(c, e)).collect();
        if !plain.is_empty() {
            insert_rows(
                backend,
                &mut tx,
                "UPDATE calls SET ended_at = v.column2, hangup_by = v.column3, \
                 outcome = v.column4, digits = v.column5, \
                 language = COALESCE(v.column6, calls.language), \
                 recording_path = COALESCE(v.column7, calls.recording_path), \
                 recording_sha256 = COALESCE(v.column8, calls.recording_sha256) FROM (",
                ") AS v WHERE calls.id = v.column1 AND calls.ended_at IS NULL",
                &plain,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn open_row(call: &NewCall) -> Vec<Param> {
    vec![
        call.id.as_str().into(),
        call.sip_call_id.clone().into(),
        call.direction.into(),
        call.phone.clone().into(),
        call.caller_raw.clone().into(),
        call.from_number.clone().into(),
        call.asserted_number.clone().into(),
        call.source.clone().into(),
        to_ms(call.started_at).into(),
        call.node.clone().into(),
    ]
}

fn close_row(call: &str, end: &CallEnd) -> Vec<Param> {
    vec![
        call.into(),
        to_ms(end.ended_at).into(),
        end.hangup_by.as_str().into(),
        end.outcome.as_str().into(),
        end.digits.as_str().into(),
        end.language.clone().into(),
        end.recording.clone().into(),
        end.recording_sha256.clone().into(),
    ]
}
