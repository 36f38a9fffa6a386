//! Cluster-wide jobs: one row per job says which node holds it and until when, and when it last
//! completed, so with several nodes on one database a daily job runs once, on one node. The claim
//! is one conditional UPDATE, like a callback's claim: two nodes racing cannot both win.

use super::{Result, Store, from_ms_opt, to_ms};
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

/// Who holds a job now, when another node was first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobHolder {
    pub node: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Takes job `name` for `node` until `now + lease`, if no other node holds an unexpired lease
    /// and (when `every` is given) its last completed run is at least `every` old.
    pub async fn claim_job(
        &self,
        name: &str,
        node: &str,
        now: DateTime<Utc>,
        lease: Duration,
        every: Option<Duration>,
    ) -> Result<bool> {
        let ran_before = every.map_or(i64::MAX, |e| to_ms(now - e));
        let done = sqlx::query(
            "UPDATE job_leases SET node = $1, lease_until = $2 \
             WHERE name = $3 AND (lease_until IS NULL OR lease_until < $4 OR node = $1) \
             AND (last_run_at IS NULL OR last_run_at <= $5)",
        )
        .bind(node)
        .bind(to_ms(now + lease))
        .bind(name)
        .bind(to_ms(now))
        .bind(ran_before)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Extends `node`'s lease on `name`; false when it was lost (expired and taken by another).
    pub async fn renew_job(
        &self,
        name: &str,
        node: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE job_leases SET lease_until = $1 WHERE name = $2 AND node = $3")
                .bind(to_ms(now + lease))
                .bind(name)
                .bind(node)
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Releases `node`'s lease; `completed` records the run as the job's last.
    pub async fn release_job(
        &self,
        name: &str,
        node: &str,
        now: DateTime<Utc>,
        completed: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE job_leases SET lease_until = NULL, \
             last_run_at = CASE WHEN $1 = 1 THEN $2 ELSE last_run_at END \
             WHERE name = $3 AND node = $4",
        )
        .bind(i64::from(completed))
        .bind(to_ms(now))
        .bind(name)
        .bind(node)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The job's row: who holds it and when it last completed.
    pub async fn job_holder(&self, name: &str) -> Result<Option<JobHolder>> {
        let row =
            sqlx::query("SELECT node, lease_until, last_run_at FROM job_leases WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await?;
        row.map(|r| {
            Ok(JobHolder {
                node: r.try_get("node")?,
                lease_until: from_ms_opt(r.try_get("lease_until")?),
                last_run_at: from_ms_opt(r.try_get("last_run_at")?),
            })
        })
        .transpose()
    }
}
