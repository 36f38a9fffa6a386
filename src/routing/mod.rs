//! Routing callers to agents: the waiting line's order and choices ([`queue`], pure), the wait
//! estimate ([`estimate`], pure), and the distributor task that offers free agents to waiting
//! calls.
//!
//! The line is shared by every node through the store (`queue_entries`): a caller joins as a row,
//! and each node's distributor reads the whole line and the free agents, computes who gets whom
//! (the same answer on every node), and claims agents for its own callers only. So a free agent
//! goes to the best caller on any node, rung by the node that holds that caller's media. An offer
//! is one transaction that marks the caller's row ringing and takes the agent: no caller is
//! offered two agents, no agent two callers. On SQLite (one node) the same code runs.

pub mod estimate;
mod guard;
pub mod queue;

pub use guard::AgentGuard;

use crate::config::Routing;
use crate::store::{Store, StoreError, to_ms};
use chrono::Utc;
use estimate::WaitEstimate;
use queue::{Entry, Joining};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// An agent claimed for a waiting call: ring them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub agent: String,
    pub uri: String,
    pub reason: String,
}

/// How often the line is matched against free agents when nothing wakes the distributor (agents
/// freed by another node, or by presence changes, are seen this late at most).
const POLL: Duration = Duration::from_millis(250);
/// How often agents held by dead calls are swept and the staffed count refreshed.
const SWEEP: Duration = Duration::from_secs(5);

pub struct Router {
    store: Store,
    node: String,
    pub config: Routing,
    inner: Mutex<Inner>,
    wake: Notify,
    /// (agent, call) pairs whose guard was dropped without a release: freed at the next turn.
    released: Mutex<Vec<(String, String)>>,
    /// Callers waiting with nobody ringing in the whole line, as last read (every few seconds at
    /// least): the callback dispatcher leaves that many free agents to them.
    line_waiting: AtomicUsize,
}

struct Inner {
    /// This node's callers in the line.
    mine: HashMap<String, Mine>,
    estimate: WaitEstimate,
    /// Agents logged in (not away), for the wait estimate.
    staffed: u32,
}

/// One of this node's waiting callers: where their offers go, and their row as this node last
/// wrote it (to write it again if it went missing, and to keep their tried agents).
struct Mine {
    offers: mpsc::UnboundedSender<Offer>,
    entry: Entry,
}

impl Router {
    pub fn new(store: Store, node: String, config: Routing) -> Arc<Router> {
        Arc::new(Router {
            store,
            node,
            config,
            inner: Mutex::new(Inner {
                mine: HashMap::new(),
                estimate: WaitEstimate::default(),
                staffed: 0,
            }),
            wake: Notify::new(),
            released: Mutex::new(Vec::new()),
            line_waiting: AtomicUsize::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a call; offers arrive on the receiver until it leaves. Returns its place in the
    /// whole line.
    pub async fn join(
        &self,
        j: Joining,
    ) -> Result<(u32, mpsc::UnboundedReceiver<Offer>), StoreError> {
        let now = to_ms(Utc::now());
        let vip_until = match j.vip_agent {
            Some(_) => now.saturating_add((self.config.vip_ring_seconds * 1000) as i64),
            None => 0,
        };
        self.put(Entry::new(j, &self.node, now, vip_until), false)
            .await
            .map_err(|(e, _)| e)
    }

    /// The call's ticket in the line (its arrival), to put it back in the same place.
    pub fn ticket(&self, call: &str) -> Option<i64> {
        self.lock().mine.get(call).map(|m| m.entry.ticket)
    }

    /// Puts a call back in the line with its ticket (a transfer to the queue); offers arrive on
    /// the receiver as after [`Router::join`]. Their VIP consultant had their window already: any
    /// agent may take them now. The caller is already ours: when the row cannot be written now,
    /// they stay in this node's part of the line and the sweep writes it (place 0 returned).
    pub async fn rejoin(&self, j: Joining, ticket: i64) -> (u32, mpsc::UnboundedReceiver<Offer>) {
        match self.put(Entry::new(j, &self.node, ticket, 0), true).await {
            Ok(joined) => joined,
            Err((e, rx)) => {
                warn!(error = %e, "cannot put the caller back in the line now; retried");
                (0, rx)
            }
        }
    }

    /// Writes the caller's row. On a store error the caller is forgotten, or with `keep` left to
    /// the sweep to write.
    async fn put(
        &self,
        entry: Entry,
        keep: bool,
    ) -> Result<(u32, mpsc::UnboundedReceiver<Offer>), (StoreError, mpsc::UnboundedReceiver<Offer>)>
    {
        let (tx, rx) = mpsc::unbounded_channel();
        let call = entry.call.clone();
        // Known here before the row exists: the sweep never takes the row for a stale one.
        self.lock().mine.insert(
            call.clone(),
            Mine {
                offers: tx,
                entry: entry.clone(),
            },
        );
        match self.store.queue_put(&entry, Utc::now()).await {
            Ok(position) => {
                self.wake.notify_one();
                Ok((position, rx))
            }
            Err(e) => {
                if !keep {
                    self.lock().mine.remove(&call);
                }
                Err((e, rx))
            }
        }
    }

    /// Takes the call out of the line; returns the place it had in the whole line.
    pub async fn leave(&self, call: &str) -> Option<u32> {
        self.lock().mine.remove(call)?;
        match self.store.queue_leave(call).await {
            Ok(position) => position,
            Err(e) => {
                // The sweep deletes the row: it is no caller of this node's any more.
                warn!(error = %e, call, "cannot take the call out of the line now");
                None
            }
        }
    }

    /// The ring for `call` failed; it keeps its place and tries again shortly, other agents
    /// before this one. A no-op once the call left the line.
    pub async fn ring_failed(&self, call: &str, agent: &str) {
        let retry_at = to_ms(Utc::now()) + queue::RETRY_PAUSE_MS;
        let tried = {
            let mut inner = self.lock();
            let Some(m) = inner.mine.get_mut(call) else {
                return;
            };
            m.entry.agent = None;
            m.entry.tried = queue::tried_after(std::mem::take(&mut m.entry.tried), agent);
            m.entry.retry_at = retry_at;
            m.entry.tried.clone()
        };
        if let Err(e) = self
            .store
            .queue_ring_failed(call, agent, &tried, retry_at)
            .await
        {
            // The sweep writes the row again from what this node knows.
            warn!(error = %e, call, "cannot put the caller back to waiting now");
        }
        self.wake.notify_one();
    }

    /// Position (1-based, in the whole line) and estimated wait of a queued call.
    pub async fn status(&self, call: &str) -> (u32, Option<u32>) {
        let position = match self.store.queue_position(call).await {
            Ok(p) => p.unwrap_or(0),
            Err(e) => {
                warn!(error = %e, "cannot read the caller's place");
                0
            }
        };
        let inner = self.lock();
        (position, inner.estimate.wait_secs(position, inner.staffed))
    }

    /// An agent call ended after `secs` of talk; an agent will soon be free.
    pub fn call_handled(&self, secs: f64) {
        self.lock().estimate.record(secs);
        self.wake.notify_one();
    }

    /// Queues the release of `agent` from `call` for the distributor's next turn (a guard dropped
    /// without its release; a release the store refused).
    pub(crate) fn release_later(&self, agent: &str, call: &str) {
        self.released
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((agent.to_string(), call.to_string()));
        self.kick();
    }

    async fn release_pending(&self) {
        let pending = std::mem::take(&mut *self.released.lock().unwrap_or_else(|e| e.into_inner()));
        for (agent, call) in pending {
            if let Err(e) = self
                .store
                .release_agent(&agent, &call, Utc::now(), None)
                .await
            {
                // The sweep frees them once the call's row is closed.
                warn!(error = %e, agent, "cannot free the agent");
            }
        }
    }

    /// Something changed (an agent was released): match now rather than at the next poll.
    pub fn kick(&self) {
        self.wake.notify_one();
    }

    /// This node's callers in the line.
    pub fn queued(&self) -> usize {
        self.lock().mine.len()
    }

    /// Callers of every node waiting with nobody ringing, as last read; never fewer than this
    /// node's own.
    pub fn line_waiting(&self) -> usize {
        let mine = self
            .lock()
            .mine
            .values()
            .filter(|m| m.entry.agent.is_none())
            .count();
        self.line_waiting.load(Ordering::Relaxed).max(mine)
    }

    fn note_line(&self, line: &[Entry]) {
        let waiting = line.iter().filter(|e| e.agent.is_none()).count();
        self.line_waiting.store(waiting, Ordering::Relaxed);
    }

    /// Whether one of this node's callers waits with nobody ringing.
    fn waiting(&self) -> bool {
        self.lock().mine.values().any(|m| m.entry.agent.is_none())
    }

    /// The distributor: until cancelled, matches waiting calls with free agents.
    pub async fn run(self: Arc<Self>, token: CancellationToken) {
        if let Ok(times) = self
            .store
            .recent_handle_times(estimate::SAMPLES as i64)
            .await
        {
            self.lock().estimate = WaitEstimate::with(times.into_iter().rev());
        }
        let mut last_sweep: Option<Instant> = None;
        loop {
            self.release_pending().await;
            if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP) {
                last_sweep = Some(Instant::now());
                self.sweep().await;
            }
            if self.waiting() {
                self.distribute().await;
            }
            tokio::select! {
                _ = token.cancelled() => {
                    self.release_pending().await;
                    break;
                }
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    async fn sweep(&self) {
        let now = Utc::now();
        // Say this node is alive first: the sweep of every node frees the agents of silent ones.
        if let Err(e) = self.store.node_seen(&self.node, now).await {
            warn!(error = %e, "cannot note this node alive");
        }
        match self.store.sweep_agent_lines(now).await {
            Ok(0) => {}
            Ok(n) => info!(
                agents = n,
                "freed agents held by ended calls or silent nodes"
            ),
            Err(e) => warn!(error = %e, "agent sweep failed"),
        }
        if let Ok(c) = self.store.agent_counts(now).await {
            self.lock().staffed = (c.available + c.ringing + c.in_call + c.wrap_up) as u32;
        }
        self.reconcile().await;
    }

    /// Makes this node's rows say what the node knows: rows of calls that left are deleted, rows
    /// that went missing (a write that failed; the node taken for lost while it was only slow)
    /// are written again with their place, and a ringing mark whose ring ended is cleared.
    async fn reconcile(&self) {
        let rows = match self.store.queue_line().await {
            Ok(rows) => rows,
            Err(e) => {
                warn!(error = %e, "cannot read the line");
                return;
            }
        };
        self.note_line(&rows);
        let rows: Vec<Entry> = rows.into_iter().filter(|e| e.node == self.node).collect();
        let (stale, missing, unring) = {
            let inner = self.lock();
            let stored: HashSet<&str> = rows.iter().map(|e| e.call.as_str()).collect();
            let stale: Vec<String> = rows
                .iter()
                .filter(|e| !inner.mine.contains_key(&e.call))
                .map(|e| e.call.clone())
                .collect();
            let missing: Vec<Entry> = inner
                .mine
                .values()
                .filter(|m| !stored.contains(m.entry.call.as_str()))
                .map(|m| m.entry.clone())
                .collect();
            let unring: Vec<(Entry, String)> = rows
                .iter()
                .filter_map(|e| {
                    let m = inner.mine.get(&e.call)?;
                    let agent = e.agent.as_ref()?;
                    m.entry
                        .agent
                        .is_none()
                        .then(|| (m.entry.clone(), agent.clone()))
                })
                .collect();
            (stale, missing, unring)
        };
        for call in stale {
            if let Err(e) = self.store.queue_leave(&call).await {
                warn!(error = %e, call, "cannot delete a stale row of the line");
            }
        }
        for entry in missing {
            warn!(call = %entry.call, "a caller of this node was missing from the line: written again");
            if let Err(e) = self.store.queue_put(&entry, Utc::now()).await {
                warn!(error = %e, call = %entry.call, "cannot write the caller in the line");
            }
        }
        for (entry, agent) in unring {
            let written = self
                .store
                .queue_ring_failed(&entry.call, &agent, &entry.tried, entry.retry_at)
                .await;
            if let Err(e) = written {
                warn!(error = %e, call = %entry.call, "cannot put the caller back to waiting");
            }
        }
    }

    async fn distribute(&self) {
        let free = match self.store.free_agents(Utc::now()).await {
            Ok(f) => f,
            Err(e) => {
                warn!(error = %e, "cannot read free agents");
                return;
            }
        };
        if free.is_empty() {
            return;
        }
        let line = match self.store.queue_line().await {
            Ok(line) => line,
            Err(e) => {
                warn!(error = %e, "cannot read the line");
                return;
            }
        };
        self.note_line(&line);
        let picks = queue::assign(&line, &free, to_ms(Utc::now()));
        for pick in picks {
            if pick.node != self.node {
                // A better caller on another node: that node rings this agent.
                continue;
            }
            let won = self
                .store
                .queue_claim(&pick.call, &self.node, &pick.agent, Utc::now())
                .await;
            match won {
                Ok(true) => self.offer(pick).await,
                Ok(false) => {
                    // Taken by another call meanwhile: the next look sees the new state.
                    debug!(agent = %pick.agent, call = %pick.call, "claim lost");
                }
                Err(e) => {
                    warn!(error = %e, agent = %pick.agent, "claim failed");
                    self.ring_failed(&pick.call, &pick.agent).await;
                }
            }
        }
    }

    /// Hands a claimed agent to the call; one that left meanwhile gives the agent straight back.
    async fn offer(&self, pick: queue::Assignment) {
        let sender = {
            let mut inner = self.lock();
            inner.mine.get_mut(&pick.call).map(|m| {
                m.entry.agent = Some(pick.agent.clone());
                m.offers.clone()
            })
        };
        let offer = Offer {
            agent: pick.agent.clone(),
            uri: pick.uri,
            reason: pick.reason,
        };
        if sender.is_some_and(|s| s.send(offer).is_ok()) {
            return;
        }
        if let Err(e) = self
            .store
            .release_agent(&pick.agent, &pick.call, Utc::now(), None)
            .await
        {
            warn!(error = %e, agent = %pick.agent, "cannot free the agent; the sweep will");
        }
    }
}
