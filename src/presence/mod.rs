//! Presence frontdesk sets by itself, on top of what the agent says: away after a number of rings
//! in a row the agent did not answer ([`missed`]), and "phone unreachable" while the agent's
//! phone does not answer SIP OPTIONS ([`probe`] decides, [`prober`] sends). The decisions are pure
//! and tested synchronously; the store keeps the counts and flags, so every node sees the same.

pub mod missed;
pub mod probe;
pub mod prober;

use crate::config::Config;
use crate::dispatch::DialResult;
use crate::store::Store;
use chrono::Utc;
use tracing::{info, warn};

/// Who the presence log names for the changes frontdesk makes itself.
pub const ACTOR: &str = "frontdesk";
/// The away reason of an agent whose phone does not answer OPTIONS.
pub const UNREACHABLE: &str = "phone-unreachable";

/// The agent's phone was rung and did not answer (`result`): counts the miss in the store and
/// sets the agent away once `[workspace] away_after_missed_rings` misses are in a row. Store
/// errors are logged, never fatal to the call.
pub async fn ring_not_answered(store: &Store, config: &Config, agent: &str, result: DialResult) {
    if !missed::is_miss(result) {
        return;
    }
    let limit = config.workspace.away_after_missed_rings;
    let missed = match store.count_missed_ring(agent).await {
        Ok(n) => n,
        Err(e) => {
            warn!(error = %e, agent, "cannot count the agent's missed ring");
            return;
        }
    };
    if !missed::goes_away(missed, limit) {
        return;
    }
    let reason = &config.workspace.missed_rings_reason;
    match store
        .away_after_missed_rings(agent, i64::from(limit), reason, ACTOR, Utc::now())
        .await
    {
        Ok(true) => info!(agent, missed, "agent set away after rings not answered"),
        Ok(false) => {}
        Err(e) => warn!(error = %e, agent, "cannot set the agent away"),
    }
}
