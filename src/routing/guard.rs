//! An agent held by a call, for exactly as long as the call holds them.
//!
//! Whoever claims an agent (an offer to a queued call, a dispatched callback) gets an
//! [`AgentGuard`]. The leg that ends with the agent releases them through it, with wrap-up after a
//! talk; a guard dropped on any other way out (an early return, a panic, a task cancelled at
//! shutdown) queues the release with the distributor, which writes it at its next turn. So no path
//! leaves an agent held, and nothing async runs in `Drop`; the sweep stays as the last resort for a
//! node that dies.

use super::Router;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tracing::warn;

pub struct AgentGuard {
    router: Arc<Router>,
    agent: String,
    call: String,
    armed: bool,
}

impl AgentGuard {
    /// `agent` is held by `call` in the store (claimed or offered).
    pub fn new(router: Arc<Router>, agent: String, call: String) -> AgentGuard {
        AgentGuard {
            router,
            agent,
            call,
            armed: true,
        }
    }

    pub fn agent(&self) -> &str {
        &self.agent
    }

    /// Frees the agent now: idle, or in wrap-up until `until`. A store error leaves them to the
    /// distributor's next turn.
    pub async fn release(mut self, until: Option<DateTime<Utc>>) {
        self.armed = false;
        let released = self
            .router
            .store
            .release_agent(&self.agent, &self.call, Utc::now(), until)
            .await;
        match released {
            Ok(_) => self.router.kick(),
            Err(e) => {
                warn!(error = %e, agent = %self.agent, "cannot free the agent now; retried shortly");
                self.router.release_later(&self.agent, &self.call);
            }
        }
    }
}

impl Drop for AgentGuard {
    fn drop(&mut self) {
        if self.armed {
            self.router.release_later(&self.agent, &self.call);
        }
    }
}
