//! One live view over several nodes: carries the node's event bus (`events`) to every other node
//! through PostgreSQL, so a supervisor sees complaints, escalations, callbacks and agent states
//! whichever node serves the console. No broker: the database already there.
//!
//! What this node's bus publishes is appended to `live_events` (and a NOTIFY wakes the others);
//! what other nodes appended is read in id order and published on this node's bus. Delivery is
//! at least once: NOTIFY only wakes, the table is the record, and a poll every second catches up
//! whatever a lost connection missed. Nothing is shown twice: rows are remembered by id (a short
//! tail below the newest id is read again, for rows whose transaction committed late), and the
//! events this relay put on the bus itself are recognised when they come back to it, so they are
//! never appended again. A single SQLite node does not run it: its bus is the whole view.

use crate::events::{Event, EventBus};
use crate::store::{LIVE_CHANNEL, Store};
use chrono::Utc;
use sqlx::postgres::PgListener;
use std::collections::{HashSet, VecDeque};
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// How often the table is read even without a wake-up.
const POLL: Duration = Duration::from_secs(1);

/// Rows read again below the newest seen: a transaction that took an id and committed after a
/// later one is still picked up.
const TAIL: i64 = 64;

/// Rows read per turn.
const BATCH: i64 = 500;

/// Events older than this are removed from the table (consoles only want what is happening now).
const KEEP: chrono::Duration = chrono::Duration::minutes(10);

/// Ids and events remembered for de-duplication.
const REMEMBER: usize = 4096;

/// Events published here that could not be appended yet, kept for the next turn.
const PENDING: usize = 1024;

/// A bounded set that forgets its oldest member first.
#[derive(Debug)]
pub struct Recent<T: Hash + Eq + Clone> {
    order: VecDeque<T>,
    set: HashSet<T>,
    cap: usize,
}

impl<T: Hash + Eq + Clone> Recent<T> {
    pub fn new(cap: usize) -> Recent<T> {
        Recent {
            order: VecDeque::new(),
            set: HashSet::new(),
            cap: cap.max(1),
        }
    }

    /// Adds `v`; false when it was already there.
    pub fn insert(&mut self, v: T) -> bool {
        if self.set.contains(&v) {
            return false;
        }
        if self.order.len() == self.cap
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        self.order.push_back(v.clone());
        self.set.insert(v);
        true
    }

    /// Removes `v`; whether it was there.
    pub fn take(&mut self, v: &T) -> bool {
        if self.set.remove(v) {
            self.order.retain(|x| x != v);
            true
        } else {
            false
        }
    }

    pub fn contains(&self, v: &T) -> bool {
        self.set.contains(v)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// The relay between this node's bus and the others'.
pub struct Relay {
    store: Store,
    bus: EventBus,
    node: String,
    database_url: String,
}

impl Relay {
    pub fn new(store: Store, bus: EventBus, node: String, database_url: String) -> Relay {
        Relay {
            store,
            bus,
            node,
            database_url,
        }
    }

    /// Runs until `token` is cancelled.
    pub async fn run(self, token: CancellationToken) {
        let wake = Arc::new(Notify::new());
        let listener = tokio::spawn(listen(
            self.database_url.clone(),
            wake.clone(),
            token.clone(),
        ));
        let mut rx = self.bus.subscribe();
        let mut state = State {
            cursor: None,
            seen: Recent::new(REMEMBER),
            injected: Recent::new(REMEMBER),
            pending: VecDeque::new(),
            last_prune: tokio::time::Instant::now(),
        };
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = token.cancelled() => break,
                got = rx.recv() => match got {
                    Ok(event) => self.outgoing(&mut state, event).await,
                    Err(RecvError::Lagged(n)) => {
                        warn!(missed = n, "live events published faster than they could be passed to other nodes");
                    }
                    Err(RecvError::Closed) => break,
                },
                () = wake.notified() => self.incoming(&mut state).await,
                _ = poll.tick() => {
                    self.retry_pending(&mut state).await;
                    self.incoming(&mut state).await;
                    self.prune(&mut state).await;
                }
            }
        }
        listener.abort();
    }

    /// An event this node's bus carried: appended for the others, unless it came from them.
    async fn outgoing(&self, state: &mut State, event: Event) {
        let Ok(json) = serde_json::to_string(&event) else {
            return;
        };
        if state.injected.take(&json) {
            return;
        }
        if let Err(e) = self
            .store
            .append_live_event(&self.node, Utc::now(), &json)
            .await
        {
            warn!(error = %e, "live event not passed to other nodes yet; retried");
            if state.pending.len() == PENDING {
                state.pending.pop_front();
                warn!("live events waiting for the store: the oldest dropped");
            }
            state.pending.push_back(json);
        }
    }

    async fn retry_pending(&self, state: &mut State) {
        while let Some(json) = state.pending.front() {
            match self
                .store
                .append_live_event(&self.node, Utc::now(), json)
                .await
            {
                Ok(_) => {
                    state.pending.pop_front();
                }
                Err(_) => return,
            }
        }
    }

    /// Reads what the other nodes appended since the last turn and publishes it here.
    async fn incoming(&self, state: &mut State) {
        let cursor = match state.cursor {
            Some(c) => c,
            None => match self.store.live_events_last().await {
                // A node that starts shows what happens from now on, not the table's history.
                Ok(last) => {
                    state.cursor = Some(last);
                    return;
                }
                Err(e) => {
                    warn!(error = %e, "cannot read live events");
                    return;
                }
            },
        };
        let rows = match self
            .store
            .live_events_after((cursor - TAIL).max(0), BATCH)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                warn!(error = %e, "cannot read live events");
                return;
            }
        };
        for row in rows {
            state.cursor = Some(state.cursor.unwrap_or(0).max(row.id));
            if !state.seen.insert(row.id) || row.node == self.node {
                continue;
            }
            let event: Event = match serde_json::from_str(&row.payload) {
                Ok(event) => event,
                Err(e) => {
                    // A newer node's event this one does not know: not for this node's consoles.
                    debug!(id = row.id, error = %e, "live event not understood");
                    continue;
                }
            };
            if let Ok(json) = serde_json::to_string(&event) {
                state.injected.insert(json);
            }
            self.bus.publish(event);
        }
    }

    async fn prune(&self, state: &mut State) {
        if state.last_prune.elapsed() < Duration::from_secs(60) {
            return;
        }
        state.last_prune = tokio::time::Instant::now();
        match self.store.prune_live_events(Utc::now() - KEEP).await {
            Ok(0) => {}
            Ok(n) => debug!(removed = n, "old live events removed"),
            Err(e) => warn!(error = %e, "cannot remove old live events"),
        }
    }
}

struct State {
    /// The newest row id read; `None` until the first read.
    cursor: Option<i64>,
    seen: Recent<i64>,
    /// Events this relay published on the bus, recognised when they come back to it.
    injected: Recent<String>,
    /// Events not yet appended (the store did not answer).
    pending: VecDeque<String>,
    last_prune: tokio::time::Instant,
}

/// LISTENs for new rows and wakes the relay, reconnecting after a lost connection (and waking
/// the relay then too, since notifications sent meanwhile are gone).
async fn listen(url: String, wake: Arc<Notify>, token: CancellationToken) {
    let mut announced = false;
    loop {
        let connected = async {
            let mut listener = PgListener::connect(&url).await?;
            listener.listen(LIVE_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = token.cancelled() => return,
            c = connected => match c {
                Ok(l) => l,
                Err(e) => {
                    warn!(error = %e, "cannot listen for other nodes' live events; polling meanwhile");
                    tokio::select! {
                        _ = token.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(2)) => continue,
                    }
                }
            },
        };
        if !announced {
            info!("listening for other nodes' live events");
            announced = true;
        }
        wake.notify_one();
        loop {
            let got = tokio::select! {
                _ = token.cancelled() => return,
                got = listener.try_recv() => got,
            };
            match got {
                Ok(Some(_)) => wake.notify_one(),
                Ok(None) => {
                    // Reconnected on the next call; catch up on what was missed.
                    wake.notify_one();
                }
                Err(e) => {
                    warn!(error = %e, "live events listener lost; reconnecting");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_forgets_the_oldest_and_takes_once() {
        let mut r = Recent::new(2);
        assert!(r.insert(1));
        assert!(!r.insert(1));
        assert!(r.insert(2));
        assert!(r.insert(3));
        assert!(!r.contains(&1) && r.contains(&2) && r.contains(&3));
        assert_eq!(r.len(), 2);
        assert!(r.take(&2));
        assert!(!r.take(&2));
        assert_eq!(r.len(), 1);
        assert!(!r.is_empty());
    }
}
