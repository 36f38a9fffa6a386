//! The retention job: removes what `[retention]` says is past due, in small batches (each its own
//! short transaction, with a pause between, so calls are never stalled), deleting recording files
//! before the rows that name them, and writes what it removed to the retention log.
//!
//! `daily` runs it under the server's shutdown token: every node checks now and then, and one
//! conditional UPDATE on `job_leases` lets only one node run it, once a day. `frontdesk retention
//! run` runs it now (or, with `--dry-run`, only counts).

use crate::config::Retention;
use crate::store::files::{self, Removed};
use crate::store::{Due, RetentionEntry, RetentionKind, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// The job's name in `job_leases`.
pub const JOB: &str = "retention";
/// How long a claim holds without renewal; every batch renews it.
const LEASE: Duration = Duration::minutes(5);
/// How often a node checks whether the day's run is due (the first check comes soon after start).
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
const FIRST_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("node {node} is running retention (lease until {until}); try again later")]
    Busy { node: String, until: DateTime<Utc> },
    #[error("the retention lease was lost to another node; the run stopped")]
    LeaseLost,
}

/// What one run removed (or, dry, would remove), per kind.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub run_id: String,
    pub dry_run: bool,
    pub entries: Vec<RetentionEntry>,
}

/// Each kind that is due under `cfg`, with its cutoff: rows older than it go.
pub fn plan(cfg: &Retention, now: DateTime<Utc>) -> Vec<(RetentionKind, DateTime<Utc>)> {
    let cutoff = |days: u32| now - Duration::days(i64::from(days));
    let mut kinds = Vec::new();
    if let Some(d) = cfg.recordings_days {
        kinds.push((RetentionKind::Recordings, cutoff(d)));
        kinds.push((RetentionKind::Messages, cutoff(d)));
    }
    if let Some(d) = cfg.calls_days {
        kinds.push((RetentionKind::Calls, cutoff(d)));
        kinds.push((RetentionKind::Callbacks, cutoff(d)));
        kinds.push((RetentionKind::Complaints, cutoff(d)));
    }
    if let Some(d) = cfg.audit_days {
        kinds.push((RetentionKind::Audit, cutoff(d)));
    }
    kinds
}

/// A run holding the lease as `node`; `stop` ends it between two batches.
pub struct Run<'a> {
    pub store: &'a Store,
    pub cfg: &'a Retention,
    pub node: &'a str,
    pub stop: &'a CancellationToken,
}

impl Run<'_> {
    /// Counts what is due without removing anything.
    pub async fn dry(&self, now: DateTime<Utc>) -> Result<Report, RetentionError> {
        let mut entries = Vec::new();
        for (kind, cutoff) in plan(self.cfg, now) {
            let c = self.store.retention_count(kind, cutoff).await?;
            entries.push(RetentionEntry {
                run_id: "dry-run".into(),
                at: now,
                node: self.node.to_string(),
                kind: kind.as_str().into(),
                cutoff,
                removed: c.rows,
                oldest: c.oldest,
                newest: c.newest,
                files_deleted: c.files,
                files_missing: 0,
                files_failed: 0,
            });
        }
        Ok(Report {
            run_id: "dry-run".into(),
            dry_run: true,
            entries,
        })
    }

    /// Removes everything due, kind by kind, logging each kind's totals.
    pub async fn remove(&self, now: DateTime<Utc>) -> Result<Report, RetentionError> {
        let run_id = uuid::Uuid::new_v4().to_string();
        let mut entries = Vec::new();
        for (kind, cutoff) in plan(self.cfg, now) {
            if self.stop.is_cancelled() {
                break;
            }
            let entry = self.one_kind(&run_id, kind, cutoff, now).await?;
            self.store.log_retention(&entry).await?;
            if entry.removed > 0 || entry.files_failed > 0 {
                tracing::info!(
                    kind = entry.kind,
                    removed = entry.removed,
                    files_deleted = entry.files_deleted,
                    files_missing = entry.files_missing,
                    files_failed = entry.files_failed,
                    "retention removed past-due data"
                );
            }
            entries.push(entry);
        }
        Ok(Report {
            run_id,
            dry_run: false,
            entries,
        })
    }

    async fn one_kind(
        &self,
        run_id: &str,
        kind: RetentionKind,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<RetentionEntry, RetentionError> {
        let mut e = RetentionEntry {
            run_id: run_id.to_string(),
            at: now,
            node: self.node.to_string(),
            kind: kind.as_str().into(),
            cutoff,
            removed: 0,
            oldest: None,
            newest: None,
            files_deleted: 0,
            files_missing: 0,
            files_failed: 0,
        };
        let batch = i64::from(self.cfg.batch_rows);
        let mut after: Option<Due> = None;
        loop {
            let due = self
                .store
                .retention_due(kind, cutoff, after.as_ref(), batch)
                .await?;
            let Some(last) = due.last().cloned() else {
                break;
            };
            let full = due.len() as i64 == batch;
            let mut keys = Vec::with_capacity(due.len());
            for d in due {
                if let Some(path) = &d.file {
                    match files::remove(path).await {
                        Removed::Deleted => e.files_deleted += 1,
                        Removed::Missing => e.files_missing += 1,
                        Removed::Failed(err) => {
                            // The row stays (and names the file) until a later run can delete it.
                            tracing::warn!(path, error = %err, "retention cannot delete a file");
                            e.files_failed += 1;
                            continue;
                        }
                    }
                }
                let at = crate::store::from_ms(d.at);
                e.oldest = Some(e.oldest.map_or(at, |o| o.min(at)));
                e.newest = Some(e.newest.map_or(at, |n| n.max(at)));
                keys.push(d.key);
            }
            let removed = self
                .store
                .retention_remove(kind, &keys, cutoff, now)
                .await?;
            e.removed += removed as i64;
            after = Some(last);
            if !self
                .store
                .renew_job(JOB, self.node, Utc::now(), LEASE)
                .await?
            {
                return Err(RetentionError::LeaseLost);
            }
            if !full || self.stop.is_cancelled() {
                break;
            }
            tokio::select! {
                _ = self.stop.cancelled() => break,
                _ = tokio::time::sleep(std::time::Duration::from_millis(self.cfg.batch_pause_ms)) => {}
            }
        }
        Ok(e)
    }
}

/// Claims the job for `node` now (whatever the last run's time), or says who holds it.
pub async fn claim_now(store: &Store, node: &str) -> Result<(), RetentionError> {
    if store.claim_job(JOB, node, Utc::now(), LEASE, None).await? {
        return Ok(());
    }
    let holder = store.job_holder(JOB).await?;
    Err(RetentionError::Busy {
        node: holder
            .as_ref()
            .and_then(|h| h.node.clone())
            .unwrap_or_default(),
        until: holder.and_then(|h| h.lease_until).unwrap_or_else(Utc::now),
    })
}

/// The daily job of `serve`: checks every few minutes whether a day has passed since the last
/// completed run on any node, and if this node wins the claim, runs it. Ends with `shutdown`
/// only (`serve` takes a component that returns for a failure).
pub async fn daily(store: Store, cfg: Retention, node: String, shutdown: CancellationToken) {
    if !cfg.any() {
        shutdown.cancelled().await;
        return;
    }
    let mut wait = FIRST_CHECK;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        wait = CHECK_EVERY;
        let now = Utc::now();
        match store
            .claim_job(JOB, &node, now, LEASE, Some(Duration::days(1)))
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "retention: cannot claim the daily run");
                continue;
            }
        }
        let run = Run {
            store: &store,
            cfg: &cfg,
            node: &node,
            stop: &shutdown,
        };
        let result = run.remove(now).await;
        let completed = result.is_ok() && !shutdown.is_cancelled();
        if let Err(e) = &result {
            tracing::warn!(error = %e, "retention run failed; it is retried at the next check");
        }
        if let Err(e) = store.release_job(JOB, &node, Utc::now(), completed).await {
            tracing::warn!(error = %e, "retention: cannot release the lease (it expires by itself)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_follows_the_configured_periods() {
        let now = Utc::now();
        assert!(plan(&Retention::default(), now).is_empty());
        let cfg = Retention {
            recordings_days: Some(30),
            calls_days: Some(365),
            audit_days: None,
            ..Retention::default()
        };
        let p = plan(&cfg, now);
        let kinds: Vec<_> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            ["recordings", "messages", "calls", "callbacks", "complaints"]
        );
        assert_eq!(p[0].1, now - Duration::days(30));
        assert_eq!(p[2].1, now - Duration::days(365));
    }
}
