//! The other nodes: noticing one that was lost. Each node says it is alive every few seconds
//! (`Store::node_seen`, from the distributor's sweep); every node watches for others silent
//! longer than `store::NODE_SILENT_MS` and closes what they left open: their call rows
//! (`hangup_by = node-lost`, a line on each call's timeline) and, through the agent sweep, the
//! agents those calls held. Calls that were up on a lost node are lost with it, as with any media
//! server; the callers it had waiting in its queue were on those calls (see
//! docs/pbx-integration.md for what they get today).

use crate::store::Store;
use chrono::Utc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How often the watch looks.
const EVERY: Duration = Duration::from_secs(5);

/// Looks for lost nodes until `token` is cancelled.
pub async fn watch(store: Store, me: String, token: CancellationToken) {
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
        sweep(&store, &me).await;
    }
}

/// One look: closes what silent nodes left open; returns the calls closed.
pub async fn sweep(store: &Store, me: &str) -> usize {
    let now = Utc::now();
    let silent = match store.silent_nodes(me, now).await {
        Ok(silent) => silent,
        Err(e) => {
            warn!(error = %e, "cannot read which nodes are alive");
            return 0;
        }
    };
    let mut total = 0;
    for node in silent {
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
