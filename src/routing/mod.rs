//! Routing callers to agents: the node's waiting line ([`queue`], pure), the wait estimate
//! ([`estimate`], pure), and the distributor task that claims free agents in the store and offers
//! them to waiting calls.
//!
//! Agent state lives in the store, so every node sees the same agents and a claim is atomic
//! across nodes; the waiting line is per node (a caller waits on the node their call is on).

pub mod estimate;
mod guard;
pub mod queue;

pub use guard::AgentGuard;

use crate::config::Routing;
use crate::store::Store;
use chrono::Utc;
use estimate::WaitEstimate;
use queue::{Joining, Queue};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

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
    epoch: Instant,
    /// (agent, call) pairs whose guard was dropped without a release: freed at the next turn.
    released: Mutex<Vec<(String, String)>>,
}

struct Inner {
    queue: Queue,
    offers: HashMap<String, mpsc::UnboundedSender<Offer>>,
    estimate: WaitEstimate,
    /// Agents logged in (not away), for the wait estimate.
    staffed: u32,
}

impl Router {
    pub fn new(store: Store, node: String, config: Routing) -> Arc<Router> {
        Arc::new(Router {
            store,
            node,
            config,
            inner: Mutex::new(Inner {
                queue: Queue::default(),
                offers: HashMap::new(),
                estimate: WaitEstimate::default(),
                staffed: 0,
            }),
            wake: Notify::new(),
            epoch: Instant::now(),
            released: Mutex::new(Vec::new()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Queues a call; offers arrive on the receiver until it leaves.
    pub fn join(&self, j: Joining) -> (u32, mpsc::UnboundedReceiver<Offer>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let vip_ring = self.config.vip_ring_seconds * 1000;
        let now = self.now_ms();
        let position = {
            let mut inner = self.lock();
            inner.offers.insert(j.call.clone(), tx);
            inner.queue.join(j, now, vip_ring)
        };
        self.wake.notify_one();
        (position, rx)
    }

    /// The call's ticket in the line (see [`Queue::ticket`]).
    pub fn ticket(&self, call: &str) -> Option<u64> {
        self.lock().queue.ticket(call)
    }

    /// Puts a call back in the line with its ticket (a transfer to the queue); offers arrive on
    /// the receiver as after [`Router::join`].
    pub fn rejoin(&self, j: Joining, ticket: u64) -> (u32, mpsc::UnboundedReceiver<Offer>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let position = {
            let mut inner = self.lock();
            inner.offers.insert(j.call.clone(), tx);
            inner.queue.rejoin(j, ticket)
        };
        self.wake.notify_one();
        (position, rx)
    }

    /// Takes the call out of the line; returns the place it had.
    pub fn leave(&self, call: &str) -> Option<u32> {
        let mut inner = self.lock();
        inner.offers.remove(call);
        inner.queue.leave(call)
    }

    /// The ring for `call` failed; it keeps its place and tries again shortly.
    pub fn ring_failed(&self, call: &str, agent: &str) {
        let now = self.now_ms();
        self.lock().queue.ring_failed(call, agent, now);
        self.wake.notify_one();
    }

    /// Position (1-based) and estimated wait of a queued call.
    pub fn status(&self, call: &str) -> (u32, Option<u32>) {
        let inner = self.lock();
        let position = inner.queue.position(call).unwrap_or(0);
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

    pub fn queued(&self) -> usize {
        self.lock().queue.len()
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
            if self.lock().queue.waiting() > 0 {
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
        let now = self.now_ms();
        let picks = self.lock().queue.assign(&free, now);
        for pick in picks {
            let won = self
                .store
                .claim_agent(&pick.agent, &pick.call, &self.node, Utc::now())
                .await;
            match won {
                Ok(true) => {
                    let sender = self.lock().offers.get(&pick.call).cloned();
                    let offer = Offer {
                        agent: pick.agent.clone(),
                        uri: pick.uri,
                        reason: pick.reason,
                    };
                    let delivered = sender.is_some_and(|s| s.send(offer).is_ok());
                    if !delivered {
                        // The caller left meanwhile: the agent goes straight back.
                        let _ = self
                            .store
                            .release_agent(&pick.agent, &pick.call, Utc::now(), None)
                            .await;
                    }
                }
                Ok(false) => self.ring_failed(&pick.call, &pick.agent),
                Err(e) => {
                    warn!(error = %e, agent = %pick.agent, "claim failed");
                    self.ring_failed(&pick.call, &pick.agent);
                }
            }
        }
    }
}
