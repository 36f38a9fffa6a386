//! `GET /console/events`: the event bus as Server-Sent Events, for supervisors' open pages. Each
//! event is named after its type and carries its JSON plus a one-line `summary`; a comment every
//! 15 s keeps proxies from closing an idle stream. A console that falls behind gets a `lagged`
//! event saying how many it missed (the page offers a reload) and the stream goes on.

use super::page::{PageError, Viewer};
use crate::events::{Event, EventBus};
use crate::http::HttpState;
use crate::store::Role;
use axum::extract::State;
use axum::response::sse::{self, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub async fn events(State(state): State<HttpState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let rx = state.events.subscribe();
    let stream = sse_stream(state.events.clone(), rx, for_supervisors);
    Ok(sse_response(stream))
}

/// What the supervisors' stream carries: everything but agents' own events (screen pops,
/// presence), which are for that agent's workspace and wake the wallboard. Listening in
/// (`monitoring`) is here, and so never on an agent's page.
fn for_supervisors(ev: &Event) -> bool {
    ev.agent().is_none()
}

/// An SSE response that proxies pass through at once.
pub fn sse_response(
    stream: impl Stream<Item = Result<sse::Event, Infallible>> + Send + 'static,
) -> Response {
    let mut resp = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"))
        .into_response();
    // Reverse proxies (nginx) would otherwise hold events back in their buffers.
    resp.headers_mut().insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    resp
}

/// Bus events that `keep` accepts as SSE events until the bus is closed (shutdown) or the client
/// goes away.
pub fn sse_stream(
    bus: EventBus,
    rx: Receiver<Event>,
    keep: impl Fn(&Event) -> bool + Send + 'static,
) -> impl Stream<Item = Result<sse::Event, Infallible>> {
    // The first item tells the page it is connected, before any real event arrives.
    let hello = sse::Event::default().event("ready").data("{}");
    let rest = stream::unfold((bus, rx, keep), |(bus, mut rx, keep)| async move {
        let next = loop {
            let r = tokio::select! {
                _ = bus.closed() => return None,
                r = rx.recv() => r,
            };
            match r {
                Ok(ev) if !keep(&ev) => continue,
                other => break other,
            }
        };
        let ev = match next {
            Ok(ev) => to_sse(&ev),
            Err(RecvError::Lagged(missed)) => sse::Event::default()
                .event("lagged")
                .data(format!("{{\"missed\":{missed}}}")),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(ev), (bus, rx, keep)))
    });
    stream::once(async move { Ok(hello) }).chain(rest)
}

pub fn to_sse(ev: &Event) -> sse::Event {
    sse::Event::default()
        .event(ev.name())
        .data(to_sse_json(ev).to_string())
}

/// The event's JSON with its `summary` line: an SSE event's data.
fn to_sse_json(ev: &Event) -> serde_json::Value {
    let mut json = serde_json::to_value(ev).unwrap_or_default();
    if let Some(obj) = json.as_object_mut() {
        obj.insert("summary".into(), summary(ev).into());
    }
    json
}

/// One line a supervisor reads in the live list.
pub fn summary(ev: &Event) -> String {
    let phone = |p: &Option<String>| p.clone().unwrap_or_else(|| "an unknown number".into());
    match ev {
        Event::ComplaintOpened {
            complaint_id,
            phone: p,
            ..
        } => format!("New complaint #{complaint_id} from {}", phone(p)),
        Event::Escalated {
            complaint_id, to, ..
        } => format!("Complaint #{complaint_id} escalated to {to}"),
        Event::ComplaintAssigned {
            complaint_id,
            to,
            by,
            ..
        } => format!("Complaint #{complaint_id} assigned to {to} by {by}"),
        Event::ComplaintResolved {
            complaint_id,
            closure_code,
            by,
            ..
        } => format!("Complaint #{complaint_id} resolved ({closure_code}) by {by}"),
        Event::CallbackRequested {
            callback_id,
            phone,
            source,
            at_risk,
            ..
        } => format!(
            "Callback #{callback_id} requested for {phone} ({source}){}",
            if *at_risk { ", at risk" } else { "" }
        ),
        Event::ScreenPop { agent, client, .. } => format!(
            "Agent {agent} is being rung by {}",
            client.as_deref().unwrap_or("an unknown caller")
        ),
        Event::AgentChanged {
            agent,
            presence,
            reason,
            ..
        } => match reason {
            Some(r) => format!("Agent {agent} is {presence} ({r})"),
            None => format!("Agent {agent} is {presence}"),
        },
        Event::Monitoring {
            supervisor, mode, ..
        } => match mode.as_deref() {
            Some("listen") => format!("{supervisor} is listening in on a call"),
            Some("whisper") => format!("{supervisor} is whispering to an agent"),
            Some(m) => format!("{supervisor} is on a call ({m})"),
            None => format!("{supervisor} left a call they listened in on"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn stream_says_ready_then_relays_and_survives_lag_then_ends_on_close() {
        let bus = EventBus::new();
        let rx = bus.subscribe();
        let mut s = Box::pin(sse_stream(bus.clone(), rx, |_| true));
        assert!(s.next().await.is_some(), "ready");
        let ev = |id| Event::Escalated {
            complaint_id: id,
            to: "supervisors".into(),
            at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        };
        for i in 0..300 {
            bus.publish(ev(i));
        }
        // 300 published into a 256-event buffer: a lag notice, then the newest 256.
        let mut got = 0;
        while let Some(Ok(_)) = tokio::time::timeout(Duration::from_millis(200), s.next())
            .await
            .ok()
            .flatten()
        {
            got += 1;
            if got == 257 {
                break;
            }
        }
        assert_eq!(got, 257);
        bus.close();
        assert!(s.next().await.is_none(), "the stream ends at shutdown");
    }

    #[test]
    fn listening_in_goes_to_supervisors_and_to_no_agent() {
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let monitoring = Event::Monitoring {
            call_id: "c".into(),
            supervisor: "sue".into(),
            mode: Some("whisper".into()),
            at,
        };
        assert!(for_supervisors(&monitoring));
        // An agent's workspace stream keeps only events about that agent.
        assert_eq!(monitoring.agent(), None);
        let pop = Event::AgentChanged {
            agent: "anna".into(),
            presence: "away".into(),
            reason: None,
            at,
        };
        assert!(!for_supervisors(&pop));
        let json = to_sse_json(&monitoring);
        assert_eq!(json["type"], "monitoring");
        assert_eq!(json["mode"], "whisper");
        assert_eq!(json["supervisor"], "sue");
    }

    #[test]
    fn summaries_read_as_sentences() {
        let ev = Event::ComplaintOpened {
            complaint_id: 4,
            call_id: None,
            phone: Some("+37061234567".into()),
            at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        };
        assert_eq!(summary(&ev), "New complaint #4 from +37061234567");
    }
}
