//! Start-up repair after a crash: calls this node left open are closed, and their recordings (cut
//! short with a stale WAV header) are repaired and hashed, so nothing a crash touched stays broken.

use crate::recording::{self, RepairOutcome};
use crate::store::{CallEnd, Store, StoreError};
use chrono::{DateTime, Utc};
use std::path::Path;
use tracing::{info, warn};

/// Closes every call of `node` that has no end; returns how many were closed.
pub async fn close_open_calls(store: &Store, node: &str) -> Result<usize, StoreError> {
    let open = store.open_calls(Some(node)).await?;
    for call in &open {
        let mut end = CallEnd {
            ended_at: call.started_at,
            hangup_by: "crash".into(),
            outcome: "failed".into(),
            digits: call.digits.clone(),
            language: call.language.clone(),
            recording: None,
            recording_sha256: None,
        };
        if let Some(path) = call.recording.as_deref().map(Path::new) {
            match recording::repair(path) {
                Ok(outcome) => {
                    if let RepairOutcome::Repaired { frames_after, .. } = outcome {
                        info!(call = %call.id, path = %path.display(), frames_after, "recording repaired");
                    }
                    end.recording_sha256 = recording::sha256_file(path).ok();
                    end.ended_at = modified(path).unwrap_or(call.started_at);
                }
                Err(e) => warn!(call = %call.id, error = %e, "recording cannot be repaired"),
            }
        }
        store.close_call(&call.id, &end).await?;
        warn!(call = %call.id, "call left open by a crash: closed");
    }
    Ok(open.len())
}

/// Recordings of this node's calls that other nodes closed as lost while it was gone: repaired
/// and hashed now, like those of calls this node finds open.
pub async fn repair_lost_recordings(store: &Store, node: &str) -> Result<usize, StoreError> {
    let lost = store.lost_unhashed_recordings(node).await?;
    for (id, path) in &lost {
        let path = Path::new(path);
        match recording::repair(path) {
            Ok(_) => match recording::sha256_file(path) {
                Ok(sha) => {
                    store.set_recording_sha256(id, &sha).await?;
                    info!(call = %id, path = %path.display(), "recording of a lost call repaired");
                }
                Err(e) => warn!(call = %id, error = %e, "recording of a lost call not hashed"),
            },
            Err(e) => warn!(call = %id, error = %e, "recording of a lost call cannot be repaired"),
        }
    }
    Ok(lost.len())
}

fn modified(path: &Path) -> Option<DateTime<Utc>> {
    let t = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(DateTime::<Utc>::from(t))
}
