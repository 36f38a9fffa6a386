//! The other nodes: noticing one that was lost. Each node says it is alive every few seconds
//! (`Store::node_seen`, from the distributor's sweep); every node watches for others silent
//! longer than `store::NODE_SILENT_MS` and closes what they left open: their call rows
//! (`hangup_by = node-lost`, a line on each call's timeline) and, through the agent sweep, the
//! agents those calls held. Calls that were up on a lost node are lost with it, as with any media
//! server. Each caller it had waiting in the shared line becomes a callback that keeps their place
//! (source `node-lost`, the earliest slot the planner allows), with a line on their card: taking
//! the row and storing the callback are one transaction, so two survivors noticing at once make
//! one callback.

use crate::callbacks::{CallbackError, CallbackRequest, Planner};
use crate::events::{Event, EventBus};
use crate::store::{CallbackSource, NODE_SILENT_MS, Store};
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How often the watch looks.
const EVERY: Duration = Duration::from_secs(5);

/// Looks for lost nodes until `token` is cancelled.
pub async fn watch(
    store: Store,
    planner: Planner,
    me: String,
    events: EventBus,
    token: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
        sweep(&store, &planner, &me, &events).await;
    }
}

/// One look: closes what silent nodes left open and turns their waiting callers into callbacks
/// (shown on the live consoles through `events`); returns the calls closed.
pub async fn sweep(store: &Store, planner: &Planner, me: &str, events: &EventBus) -> usize {
    let now = Utc::now();
    let silent = match store.silent_nodes(me, now).await {
        Ok(silent) => silent,
        Err(e) => {
            warn!(error = %e, "cannot read which nodes are alive");
            return 0;
        }
    };
    let mut total = 0;
    let silent_before = now - chrono::Duration::milliseconds(NODE_SILENT_MS);
    for node in silent {
        let callers = callers_to_callbacks(
            store,
            planner,
            Some(events),
            &node,
            Some(silent_before),
            now,
        )
        .await;
        if callers > 0 {
            warn!(node = %node, callers, "node lost: its waiting callers will be called back");
        }
        match store.close_lost_calls(&node, now).await {
            Ok(closed) if closed.is_empty() => {}
            Ok(closed) => {
                warn!(node = %node, calls = closed.len(), "node lost: its open calls closed");
                total += closed.len();
            }
            Err(e) => warn!(node = %node, error = %e, "cannot close a lost node's calls"),
        }
    }
    if total > 0 {
        match store.sweep_agent_lines(now).await {
            Ok(0) => {}
            Ok(n) => info!(agents = n, "agents held by a lost node's calls freed"),
            Err(e) => warn!(error = %e, "agent sweep failed"),
        }
    }
    total
}

/// Turns each caller `node` had waiting in the line into a callback keeping their place (their
/// place in the whole line, so priority and arrival are kept), planned for the earliest slot the
/// planner allows; returns the rows taken. With `silent_before`, only while the node has not been
/// heard of since (a survivor's look); without, unconditionally (the node itself at start-up,
/// for the callers its previous run left). A caller without a known number, on the do-not-call
/// list, or whose card cannot be planned for, leaves the line with the reason on their call.
pub async fn callers_to_callbacks(
    store: &Store,
    planner: &Planner,
    events: Option<&EventBus>,
    node: &str,
    silent_before: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> usize {
    let lost = match store.queue_entries_of(node).await {
        Ok(lost) => lost,
        Err(e) => {
            warn!(node, error = %e, "cannot read a lost node's waiting callers");
            return 0;
        }
    };
    let mut taken = 0;
    for lost in lost {
        let e = &lost.entry;
        let mut note = format!(
            "waiting in the queue at place {} (priority {}) on node {node} when it was lost",
            lost.position, e.priority
        );
        let planned = match &e.phone {
            None => {
                note.push_str("; the number is unknown: no callback");
                None
            }
            Some(phone) => {
                let req = CallbackRequest {
                    phone: phone.clone(),
                    source: CallbackSource::NodeLost,
                    reason: Some(
                        "was waiting in the queue when the node holding the call was lost".into(),
                    ),
                    requested_at: now,
                    requested_by: Some("frontdesk".into()),
                    agent_id: None,
                    call_id: Some(e.call.clone()),
                    dnc_consent: false,
                    lang: e.language.as_deref().and_then(|l| l.parse().ok()),
                };
                match planner.prepare(store, req, Some(lost.position), now).await {
                    Ok(planned) => Some(planned),
                    Err(CallbackError::Store(err)) => {
                        // Left in the line: the next look tries again.
                        warn!(call = %e.call, error = %err, "cannot plan a lost caller's callback");
                        continue;
                    }
                    Err(err) => {
                        note.push_str(&format!("; no callback: {err}"));
                        None
                    }
                }
            }
        };
        let done = store
            .queue_lost_to_callback(
                e,
                silent_before,
                planned.as_ref().map(|(cb, _)| cb),
                &note,
                now,
            )
            .await;
        match done {
            Ok(None) => {}
            Ok(Some(row)) => {
                taken += 1;
                if let Some(row) = row {
                    info!(call = %e.call, callback = row.id, place = lost.position, "lost caller: callback planned");
                    if let Some(bus) = events {
                        bus.publish(Event::callback_requested(&row));
                    }
                }
            }
            Err(err) => {
                warn!(call = %e.call, error = %err, "cannot turn a lost caller into a callback")
            }
        }
    }
    taken
}
