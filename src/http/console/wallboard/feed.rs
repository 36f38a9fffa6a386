//! The wallboard's figures, read once for every supervisor watching. Every open board used to
//! read them itself (three store queries) after each event and every 2 s: with 20 boards on a busy
//! floor that was 54 reads a second and a third of a core. One task per node now reads them, a
//! quarter of a second after the first of any run of events and every 2 s otherwise, and hands
//! the same value to every board; while no board is open it reads nothing.

use super::read_figures;
use crate::http::HttpState;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

/// How often the figures are read when nothing happens.
const EVERY: Duration = Duration::from_secs(2);
/// After an event, the figures are read this soon (events come in bursts).
const AFTER_EVENT: Duration = Duration::from_millis(250);

/// The latest figures, shared by the boards of one node.
pub type Figures = Option<Arc<Value>>;

#[derive(Clone, Default)]
pub struct Feed {
    tx: Arc<OnceLock<watch::Sender<Figures>>>,
}

impl Feed {
    /// A board's view of the figures; the first board starts the reading task.
    pub fn subscribe(&self, state: &HttpState) -> watch::Receiver<Figures> {
        self.tx
            .get_or_init(|| {
                let (tx, _) = watch::channel(None);
                tokio::spawn(run(state.clone(), tx.clone()));
                tx
            })
            .subscribe()
    }
}

/// Reads the figures for as long as the service runs, and only while a board is open.
async fn run(state: HttpState, tx: watch::Sender<Figures>) {
    let bus = state.events.clone();
    let mut rx = bus.subscribe();
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut due: Option<tokio::time::Instant> = None;
    loop {
        let after_event = async move {
            match due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = bus.closed() => return,
            r = rx.recv() => match r {
                // Later events of a run do not move the read: a busy floor still gets its
                // figures four times a second.
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    due.get_or_insert_with(|| tokio::time::Instant::now() + AFTER_EVENT);
                    continue;
                }
                Err(RecvError::Closed) => return,
            },
            _ = after_event => {}
            _ = tick.tick() => {}
        }
        due = None;
        if tx.receiver_count() == 0 {
            continue;
        }
        match read_figures(&state).await {
            Ok(now) => {
                tx.send_if_modified(|last| {
                    let changed = last.as_deref() != Some(&now);
                    if changed {
                        *last = Some(Arc::new(now));
                    }
                    changed
                });
            }
            Err(e) => tracing::warn!(error = %e, "wallboard cannot read its figures"),
        }
    }
}
