//! The in-process event bus: what supervisors should see the moment it happens (a complaint opened
//! and escalated, a callback requested, a complaint assigned or resolved), fanned out to every
//! console watching this node's live stream.
//!
//! It is a `tokio::sync::broadcast` channel: publishing never blocks and never fails for lack of
//! listeners, and a listener that falls behind loses the oldest events (and is told how many)
//! instead of slowing the call path down. Events are notifications; the store stays the record.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Events kept for a slow listener before it starts losing the oldest.
const CAPACITY: usize = 256;

/// Something a supervisor should see without reloading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A caller left a complaint.
    ComplaintOpened {
        complaint_id: i64,
        call_id: Option<String>,
        phone: Option<String>,
        at: DateTime<Utc>,
    },
    /// A complaint was escalated (at once when opened: to the supervisors).
    Escalated {
        complaint_id: i64,
        to: String,
        at: DateTime<Utc>,
    },
    /// A complaint was given to someone to work.
    ComplaintAssigned {
        complaint_id: i64,
        to: String,
        by: String,
        at: DateTime<Utc>,
    },
    ComplaintResolved {
        complaint_id: i64,
        closure_code: String,
        by: String,
        at: DateTime<Utc>,
    },
    /// A callback request was registered and planned.
    CallbackRequested {
        callback_id: i64,
        phone: String,
        source: String,
        at_risk: bool,
        sla_deadline: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// An agent's phone is being rung with a call: their workspace shows who is calling (the
    /// rest of the card is read by the page, as the agent may see it).
    ScreenPop {
        agent: String,
        call_id: String,
        phone: Option<String>,
        client: Option<String>,
        language: String,
        vip: bool,
        dnc: bool,
        callback_id: Option<i64>,
        at: DateTime<Utc>,
    },
    /// An agent changed their presence or ended or extended their wrap-up.
    AgentChanged {
        agent: String,
        presence: String,
        reason: Option<String>,
        at: DateTime<Utc>,
    },
    /// A supervisor joined a live call or switched mode (`listen`, `whisper`, `barge`), or left
    /// it or never joined (`None`): open pages show who listens in, however it changed (the
    /// API, the keys on their phone, hanging up).
    Monitoring {
        call_id: String,
        supervisor: String,
        mode: Option<String>,
        at: DateTime<Utc>,
    },
}

impl Event {
    /// A callback request was stored: what the live consoles show of it.
    pub fn callback_requested(row: &crate::store::CallbackRow) -> Event {
        Event::CallbackRequested {
            callback_id: row.id,
            phone: row.phone.clone(),
            source: row.source.clone(),
            at_risk: row.at_risk,
            sla_deadline: row.sla_deadline,
            at: row.requested_at,
        }
    }

    /// The SSE event name: the same as the JSON `type`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::ComplaintOpened { .. } => "complaint_opened",
            Event::Escalated { .. } => "escalated",
            Event::ComplaintAssigned { .. } => "complaint_assigned",
            Event::ComplaintResolved { .. } => "complaint_resolved",
            Event::CallbackRequested { .. } => "callback_requested",
            Event::ScreenPop { .. } => "screen_pop",
            Event::AgentChanged { .. } => "agent_changed",
            Event::Monitoring { .. } => "monitoring",
        }
    }

    /// The agent an event is about, when it is about one agent (their workspace shows it).
    pub fn agent(&self) -> Option<&str> {
        match self {
            Event::ScreenPop { agent, .. } | Event::AgentChanged { agent, .. } => Some(agent),
            _ => None,
        }
    }
}

/// Cheap to clone; every clone publishes to the same listeners.
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Event>,
    closed: CancellationToken,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new()
    }
}

impl EventBus {
    pub fn new() -> EventBus {
        let (tx, _) = broadcast::channel(CAPACITY);
        EventBus {
            tx,
            closed: CancellationToken::new(),
        }
    }

    /// Sends `event` to every current listener; with none it is simply dropped.
    pub fn publish(&self, event: Event) {
        // An error only means nobody is listening right now.
        let _ = self.tx.send(event);
    }

    /// A listener that sees every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    /// Ends every live stream (at shutdown, so open consoles do not hold the HTTP drain up).
    pub fn close(&self) {
        self.closed.cancel();
    }

    /// Resolves once `close` has been called.
    pub async fn closed(&self) {
        self.closed.cancelled().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened(id: i64) -> Event {
        Event::ComplaintOpened {
            complaint_id: id,
            call_id: None,
            phone: Some("+37061234567".into()),
            at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn every_listener_gets_what_was_published_after_it_subscribed() {
        let bus = EventBus::new();
        bus.publish(opened(0)); // nobody listening: dropped, not an error
        let mut a = bus.subscribe();
        let mut b = bus.clone().subscribe();
        bus.publish(opened(1));
        assert_eq!(a.recv().await.ok(), Some(opened(1)));
        assert_eq!(b.recv().await.ok(), Some(opened(1)));
    }

    #[tokio::test]
    async fn a_slow_listener_loses_the_oldest_and_is_told() {
        let bus = EventBus::new();
        let mut rx = bus.subscribe();
        for i in 0..(CAPACITY as i64 + 10) {
            bus.publish(opened(i));
        }
        match rx.recv().await {
            Err(broadcast::error::RecvError::Lagged(n)) => assert_eq!(n, 10),
            other => panic!("expected a lag notice, got {other:?}"),
        }
        assert_eq!(rx.recv().await.ok(), Some(opened(10)));
    }

    #[test]
    fn json_carries_the_type() {
        let v = serde_json::to_value(opened(7)).unwrap();
        assert_eq!(v["type"], "complaint_opened");
        assert_eq!(v["complaint_id"], 7);
        assert_eq!(opened(7).name(), "complaint_opened");
    }
}
