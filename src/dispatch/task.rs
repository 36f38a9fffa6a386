//! The dispatcher of one node: each round it claims as many due callbacks as there are spare free
//! agents, decides at dial time who takes each one ([`pick`]), claims that agent, and hands the
//! job to the dialler. While a job runs, its lease is renewed; a node that dies stops renewing and
//! another node picks the request up once the lease has run out.
//!
//! Callers waiting in the queue (on any node: the line is shared) come first: the dispatcher only
//! uses agents the queue does not need at this moment.

use super::clock::Clock;
use super::pick::{Pick, pick};
use crate::callbacks::Planner;
use crate::store::{CallbackRow, FreeAgent, Store};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How often the dispatcher looks for due requests when nothing wakes it earlier.
pub const POLL: std::time::Duration = std::time::Duration::from_secs(1);
/// An agent taken by someone else between our read and our claim: look again this soon.
const RACED: i64 = 2;
/// The store failed reading the card or the lists: look again this soon.
const STORE_FAILED: i64 = 10;
/// A card the planner cannot read (a bad time zone): look again in an hour.
const BAD_CARD: i64 = 3600;

/// One callback ready to dial: the request, the agent claimed for it, and the client as the card
/// and the lists say now.
#[derive(Debug, Clone)]
pub struct Job {
    pub callback: CallbackRow,
    /// The id of the outbound call row (the agent's line names it).
    pub call_id: String,
    pub agent: FreeAgent,
    /// The request's own agent (rather than one from the pool).
    pub owned: bool,
    pub client_name: Option<String>,
    pub language: Option<String>,
    pub vip: bool,
    pub dnc: bool,
}

/// Settings the dispatcher needs, from `[callbacks]`.
#[derive(Debug, Clone, Copy)]
pub struct DispatchSettings {
    pub owner_wait: Duration,
    pub lease: Duration,
}

pub struct Dispatcher {
    store: Store,
    planner: Planner,
    node: String,
    settings: DispatchSettings,
    clock: Arc<dyn Clock>,
    inflight: Mutex<HashSet<i64>>,
    wake: Notify,
}

/// Held by a running job; dropping it ends the job's lease renewal and wakes the dispatcher (an
/// agent may be free again).
pub struct InFlight {
    dispatcher: Arc<Dispatcher>,
    id: i64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut set) = self.dispatcher.inflight.lock() {
            set.remove(&self.id);
        }
        self.dispatcher.wake.notify_one();
    }
}

impl InFlight {
    pub fn node(&self) -> &str {
        &self.dispatcher.node
    }
}

impl Dispatcher {
    pub fn new(
        store: Store,
        planner: Planner,
        node: String,
        settings: DispatchSettings,
        clock: Arc<dyn Clock>,
    ) -> Arc<Dispatcher> {
        Arc::new(Dispatcher {
            store,
            planner,
            node,
            settings,
            clock,
            inflight: Mutex::new(HashSet::new()),
            wake: Notify::new(),
        })
    }

    /// Looks again now (a request became due, an agent was freed).
    pub fn kick(&self) {
        self.wake.notify_one();
    }

    pub fn in_flight(&self) -> usize {
        self.inflight.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// Runs rounds until shutdown. `waiting` counts callers waiting in the line; `start` runs a
    /// job (it must keep the [`InFlight`] until the attempt is written).
    pub async fn run(
        self: Arc<Self>,
        waiting: impl Fn() -> usize,
        start: impl Fn(Job, InFlight),
        token: CancellationToken,
    ) {
        let renew_every = (self.settings.lease / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(10));
        let mut renew = tokio::time::interval(renew_every);
        let mut poll = tokio::time::interval(POLL);
        loop {
            tokio::select! {
                _ = token.cancelled() => break,
                _ = renew.tick() => self.renew().await,
                _ = poll.tick() => { self.round(waiting(), &start).await; }
                _ = self.wake.notified() => { self.round(waiting(), &start).await; }
            }
        }
    }

    /// One round: claim what spare agents can take and start it. Returns how many jobs started.
    pub async fn round(self: &Arc<Self>, waiting: usize, start: &impl Fn(Job, InFlight)) -> usize {
        let now = self.clock.now();
        let mut free = match self.store.free_agents(now).await {
            Ok(f) => f,
            Err(e) => {
                warn!(error = %e, "dispatch: cannot read the free agents");
                return 0;
            }
        };
        let spare = free.len().saturating_sub(waiting);
        if spare == 0 {
            return 0;
        }
        let until = now + self.settings.lease;
        let claimed = match self
            .store
            .claim_due_callbacks(&self.node, now, until, spare as i64)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                warn!(error = %e, "dispatch: cannot claim due callbacks");
                return 0;
            }
        };
        let mut started = 0;
        for cb in claimed {
            if let Some((job, guard)) = self.assign(cb, &mut free, now).await {
                start(job, guard);
                started += 1;
            }
        }
        started
    }

    /// Decides one claimed request: close it, put it back, or claim its agent for a job.
    async fn assign(
        self: &Arc<Self>,
        cb: CallbackRow,
        free: &mut Vec<FreeAgent>,
        now: DateTime<Utc>,
    ) -> Option<(Job, InFlight)> {
        let found = match self.store.lookup(&cb.phone).await {
            Ok(f) => f,
            Err(e) => {
                warn!(error = %e, id = cb.id, "dispatch: cannot read the card; later");
                self.postpone(&cb, now + Duration::seconds(STORE_FAILED))
                    .await;
                return None;
            }
        };
        let window = match self.planner.client_window(&self.store, &cb.phone).await {
            Ok(client) => self.planner.next_open(&client, now),
            Err(e) => {
                warn!(error = %e, id = cb.id, "dispatch: cannot place the client in time; later");
                self.postpone(&cb, now + Duration::seconds(BAD_CARD)).await;
                return None;
            }
        };
        let language = found.client.as_ref().and_then(|c| c.language.clone());
        let decision = pick(
            &cb,
            found.dnc,
            window,
            free,
            language.as_deref(),
            now,
            self.settings.owner_wait,
        );
        let (agent_id, owned) = match decision {
            Pick::Close(reason) => {
                info!(id = cb.id, phone = %cb.phone, reason, "callback closed without dialling");
                let closed = self
                    .store
                    .close_claimed_callback(cb.id, &self.node, reason, now)
                    .await;
                if let Err(e) = closed {
                    warn!(error = %e, id = cb.id, "cannot close the callback; its lease runs out");
                }
                return None;
            }
            Pick::Wait { until } => {
                info!(id = cb.id, %until, "callback waits (owner busy, nobody free, or outside calling hours)");
                self.postpone(&cb, until).await;
                return None;
            }
            Pick::Agent { id, owned } => (id, owned),
        };
        let Some(at) = free.iter().position(|a| a.id == agent_id) else {
            self.postpone(&cb, now + Duration::seconds(RACED)).await;
            return None;
        };
        let agent = free.remove(at);
        let call_id = crate::store::new_call_id();
        match self
            .store
            .claim_agent(&agent.id, &call_id, &self.node, now)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                // A caller's call (or another node) took the agent since we read the list.
                self.postpone(&cb, now + Duration::seconds(RACED)).await;
                return None;
            }
            Err(e) => {
                warn!(error = %e, agent = %agent.id, "dispatch: cannot claim the agent");
                self.postpone(&cb, now + Duration::seconds(RACED)).await;
                return None;
            }
        }
        info!(id = cb.id, phone = %cb.phone, agent = %agent.id, owned, "callback dispatched");
        if let Ok(mut set) = self.inflight.lock() {
            set.insert(cb.id);
        }
        let guard = InFlight {
            dispatcher: self.clone(),
            id: cb.id,
        };
        let job = Job {
            callback: cb,
            call_id,
            agent,
            owned,
            client_name: found.client.and_then(|c| c.name),
            language,
            vip: found.vip_agent.is_some(),
            dnc: found.dnc,
        };
        Some((job, guard))
    }

    async fn postpone(&self, cb: &CallbackRow, until: DateTime<Utc>) {
        if let Err(e) = self.store.postpone_callback(cb.id, &self.node, until).await {
            warn!(error = %e, id = cb.id, "cannot put the callback back; its lease runs out");
        }
    }

    /// Renews the lease of every job in flight.
    async fn renew(&self) {
        let ids: Vec<i64> = match self.inflight.lock() {
            Ok(set) => set.iter().copied().collect(),
            Err(_) => return,
        };
        let until = self.clock.now() + self.settings.lease;
        for id in ids {
            match self.store.renew_callback_lease(id, &self.node, until).await {
                Ok(true) => {}
                Ok(false) => warn!(
                    id,
                    "lease lost (this node was too slow); the attempt's result will be refused"
                ),
                Err(e) => warn!(error = %e, id, "cannot renew a callback lease"),
            }
        }
    }
}
