//! Sends SIP OPTIONS to every agent's phone every `[workspace] phone_check_seconds`, a bounded
//! number at a time, and writes what [`Phone`] decides to the store: a phone that stops answering
//! makes its agent unreachable (no calls, shown away), one answer brings them back. The state is
//! per agent on the roster and pruned with it each round.
//!
//! Every node checks the phones it could ring; a flag one node raises another clears when its
//! OPTIONS are answered, which is what an operator wants (the phone answers someone).

use super::probe::{Change, Outcome, Phone};
use super::{ACTOR, UNREACHABLE};
use crate::config::Config;
use crate::store::Store;
use chrono::Utc;
use futures_util::{FutureExt, StreamExt};
use rsipstack::sip::{Method, SipMessage, Uri};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::make_tag;
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::SipAddr;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// OPTIONS in flight at once: a roster of hundreds is checked in a few waves, never a burst.
const CONCURRENCY: usize = 16;
/// The longest an OPTIONS is waited for (shorter with a shorter interval).
const MAX_WAIT: Duration = Duration::from_secs(5);

/// Where the OPTIONS come from and go.
pub struct Prober {
    pub store: Store,
    pub config: Arc<Config>,
    pub endpoint: EndpointInnerRef,
    /// Our contact URI: the From of every OPTIONS.
    pub contact: Uri,
    /// Send them here instead of to the agent's URI (`agents_via_proxy`), as agent calls go.
    pub destination: Option<SocketAddr>,
}

impl Prober {
    /// Checks the phones until `token` is cancelled; returns at once when checks are off.
    pub async fn run(self, token: CancellationToken) {
        let every = self.config.workspace.phone_check_seconds;
        if every == 0 {
            return;
        }
        let every = Duration::from_secs(every);
        let wait = every.min(MAX_WAIT);
        let mut phones: HashMap<String, Phone> = HashMap::new();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = token.cancelled() => return,
                _ = tick.tick() => {}
            }
            tokio::select! {
                _ = token.cancelled() => return,
                _ = self.round(&mut phones, wait) => {}
            }
        }
    }

    /// One OPTIONS to every phone on the roster, and the changes written.
    async fn round(&self, phones: &mut HashMap<String, Phone>, wait: Duration) {
        let agents = match self.store.list_agents().await {
            Ok(a) => a,
            Err(e) => {
                warn!(error = %e, "cannot read the roster to check phones");
                return;
            }
        };
        phones.retain(|id, _| agents.iter().any(|a| &a.id == id));
        let checks: Vec<_> = agents
            .iter()
            .map(|a| {
                let (id, uri) = (a.id.clone(), a.uri.clone());
                async move { (id, self.options(&uri, wait).await) }.boxed()
            })
            .collect();
        let outcomes: Vec<(String, Outcome)> = futures_util::stream::iter(checks)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (id, outcome) in outcomes {
            let stored = agents
                .iter()
                .find(|a| a.id == id)
                .is_some_and(|a| a.phone_unreachable);
            let phone = phones
                .entry(id.clone())
                .or_insert_with(|| Phone::new(stored));
            let failures = self.config.workspace.phone_check_failures;
            let Some(change) = phone.record(outcome, failures) else {
                continue;
            };
            let now = Utc::now();
            let written = match change {
                Change::Unreachable => {
                    self.store
                        .phone_unreachable(&id, UNREACHABLE, ACTOR, now)
                        .await
                }
                Change::Reachable => self.store.phone_reachable(&id, ACTOR, now).await,
            };
            match written {
                Ok(true) => info!(agent = %id, ?change, ?outcome, "agent's phone"),
                Ok(false) => debug!(agent = %id, ?change, "already so in the store"),
                Err(e) => {
                    warn!(error = %e, agent = %id, "cannot write the phone's state; next round");
                    // Forget it, so the next round decides again from what the store says.
                    phones.remove(&id);
                }
            }
        }
    }

    /// One OPTIONS to `uri`, and how it ended within `wait`.
    async fn options(&self, uri: &str, wait: Duration) -> Outcome {
        match tokio::time::timeout(wait, self.send_options(uri)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::NoResponse,
        }
    }

    async fn send_options(&self, uri: &str) -> Outcome {
        let Ok(target) = Uri::try_from(uri) else {
            return Outcome::TransportError;
        };
        let to_addr = match self.destination {
            Some(d) => SipAddr::from(d),
            None => match SipAddr::try_from(&target) {
                Ok(a) => a,
                Err(_) => return Outcome::TransportError,
            },
        };
        // The Via names the transport the request really leaves on, as the registration does.
        let via = match self.endpoint.transport_layer.lookup(&to_addr, None).await {
            Ok((connection, _)) => self
                .endpoint
                .get_via(Some(connection.get_addr().clone()), None),
            Err(_) => return Outcome::TransportError,
        };
        let Ok(via) = via else {
            return Outcome::TransportError;
        };
        let from = rsipstack::sip::typed::From {
            display_name: None,
            uri: self.contact.clone(),
            params: vec![],
        }
        .with_tag(make_tag());
        let to = rsipstack::sip::typed::To {
            display_name: None,
            uri: target.clone(),
            params: vec![],
        };
        let request = self
            .endpoint
            .make_request(Method::Options, target, via, from, to, 1, None);
        let Ok(key) = TransactionKey::from_request(&request, TransactionRole::Client) else {
            return Outcome::TransportError;
        };
        let mut tx = Transaction::new_client(key, request, self.endpoint.clone(), None);
        tx.destination = Some(to_addr);
        if tx.send().await.is_err() {
            return Outcome::TransportError;
        }
        while let Some(message) = tx.receive().await {
            if let SipMessage::Response(resp) = message {
                let code = u16::from(resp.status_code);
                if code >= 200 {
                    return Outcome::Status(code);
                }
            }
        }
        Outcome::NoResponse
    }
}
