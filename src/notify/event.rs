//! The events told to webhooks: one variant per event, one JSON schema per variant. Each is
//! written into the outbox by the store in the same transaction as the change it reports, so an
//! event is never lost nor sent for a change that rolled back.

use crate::store::{CallbackRow, Complaint};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Every event name, in the order the docs list them.
pub const EVENT_NAMES: [&str; 6] = [
    "callback.planned",
    "callback.result",
    "complaint.escalated",
    "complaint.resolved",
    "recording.ready",
    "dnc.added",
];

/// Whether `name` is an event a webhook can subscribe to.
pub fn is_event(name: &str) -> bool {
    EVENT_NAMES.contains(&name)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Event {
    /// A callback was planned (its promise, slot and SLA deadline).
    CallbackPlanned(CallbackRow),
    /// A callback attempt ended: its outcome and what follows.
    CallbackResult(CallbackResult),
    /// A complaint was opened and escalated to the supervisors.
    ComplaintEscalated(Complaint),
    /// A complaint was resolved with a closure code.
    ComplaintResolved(Complaint),
    /// A call recording is finished and stored where it is served from.
    RecordingReady(RecordingReady),
    /// A number went on the do-not-call list.
    DncAdded(DncAdded),
}

/// `callback.result`'s data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CallbackResult {
    pub callback_id: i64,
    pub phone: String,
    pub at: DateTime<Utc>,
    /// The attempt's result as the dialler wrote it (answered, no-answer, busy, failed, …).
    pub result: String,
    /// done (reached), retry (another attempt is planned) or closed (given up, with `reason`).
    pub outcome: String,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub agent_id: Option<String>,
    pub call_id: Option<String>,
}

/// `recording.ready`'s data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecordingReady {
    pub call_id: String,
    pub phone: Option<String>,
    /// The SHA-256 of the WAV file, hex.
    pub sha256: String,
    /// The API path that serves it (bearer token with the recordings right), on any node.
    pub url: String,
    /// local (the node's directory) or object (S3-compatible storage).
    pub storage: String,
}

impl RecordingReady {
    pub fn new(call_id: &str, phone: Option<String>, sha256: &str, storage: &str) -> Self {
        RecordingReady {
            call_id: call_id.to_string(),
            phone,
            sha256: sha256.to_string(),
            url: format!("/api/v1/calls/{call_id}/recording"),
            storage: storage.to_string(),
        }
    }
}

/// `dnc.added`'s data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DncAdded {
    pub phone: String,
    pub since: DateTime<Utc>,
    /// How it was asked: cli, import, ivr, api.
    pub source: String,
    pub requested_by: Option<String>,
    pub reason: Option<String>,
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::CallbackPlanned(_) => EVENT_NAMES[0],
            Event::CallbackResult(_) => EVENT_NAMES[1],
            Event::ComplaintEscalated(_) => EVENT_NAMES[2],
            Event::ComplaintResolved(_) => EVENT_NAMES[3],
            Event::RecordingReady(_) => EVENT_NAMES[4],
            Event::DncAdded(_) => EVENT_NAMES[5],
        }
    }

    /// The body as POSTed and signed: `{"event": …, "at": …, "data": …}`.
    pub fn body(&self, at: DateTime<Utc>) -> Result<String, serde_json::Error> {
        let data = match self {
            Event::CallbackPlanned(d) => serde_json::to_value(d),
            Event::CallbackResult(d) => serde_json::to_value(d),
            Event::ComplaintEscalated(d) | Event::ComplaintResolved(d) => serde_json::to_value(d),
            Event::RecordingReady(d) => serde_json::to_value(d),
            Event::DncAdded(d) => serde_json::to_value(d),
        }?;
        Ok(super::body(self.name(), at, &data))
    }
}

/// The webhooks that hear about events, and which events each wants; held by the store so every
/// write that reports an event queues it for exactly these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscribers {
    hooks: Vec<(String, Option<Vec<String>>)>,
    /// Whether recordings are uploaded to object storage: `recording.ready` is then told once the
    /// stored copy is checked, not when the call ends.
    pub recordings_uploaded: bool,
}

impl Subscribers {
    pub fn from_config(notify: &crate::config::Notify, recordings_uploaded: bool) -> Self {
        Subscribers {
            hooks: notify
                .webhooks
                .iter()
                .map(|w| (w.url.clone(), w.events.clone()))
                .collect(),
            recordings_uploaded,
        }
    }

    /// The URLs that subscribed to `event` (all events when a webhook lists none).
    pub fn urls(&self, event: &str) -> Vec<String> {
        self.hooks
            .iter()
            .filter(|(_, events)| {
                events
                    .as_ref()
                    .is_none_or(|list| list.iter().any(|e| e == event))
            })
            .map(|(url, _)| url.clone())
            .collect()
    }

    pub fn wants(&self, event: &str) -> bool {
        !self.urls(event).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Notify, Webhook};

    fn hook(url: &str, events: Option<&[&str]>) -> Webhook {
        Webhook {
            url: url.into(),
            secret: "s".into(),
            events: events.map(|e| e.iter().map(|s| s.to_string()).collect()),
            ca: None,
        }
    }

    #[test]
    fn a_webhook_hears_only_the_events_it_lists() {
        let notify = Notify {
            webhooks: vec![
                hook("http://crm/", None),
                hook("http://sms/", Some(&["callback.planned", "dnc.added"])),
            ],
            ..Notify::default()
        };
        let subs = Subscribers::from_config(&notify, false);
        assert_eq!(subs.urls("callback.planned").len(), 2);
        assert_eq!(subs.urls("complaint.resolved"), vec!["http://crm/"]);
        assert!(Subscribers::default().urls("dnc.added").is_empty());
        assert!(!Subscribers::default().wants("dnc.added"));
    }

    #[test]
    fn the_body_names_the_event_and_carries_its_data() {
        let at = Utc::now();
        let e = Event::DncAdded(DncAdded {
            phone: "+37060000001".into(),
            since: at,
            source: "ivr".into(),
            requested_by: Some("caller".into()),
            reason: None,
        });
        let v: serde_json::Value = serde_json::from_str(&e.body(at).unwrap()).unwrap();
        assert_eq!(v["event"], "dnc.added");
        assert_eq!(v["data"]["phone"], "+37060000001");
        assert_eq!(v["data"]["source"], "ivr");
        let r = RecordingReady::new("c-1", None, "ab", "object");
        assert_eq!(r.url, "/api/v1/calls/c-1/recording");
        assert!(EVENT_NAMES.iter().all(|n| is_event(n)));
        assert!(!is_event("callback.promise.email"));
    }
}
