//! Retention in the store: finding what is past due, one small batch at a time, and removing a
//! batch in its own short transaction, so a run never holds the writer long enough to stall a
//! call. Files are the job's business (`crate::retention`): it deletes them between `due` and
//! `remove`, and only rows whose file is gone (or never existed) are passed to `remove`.

use super::uploads::REQUEST_DELETION;
use super::{Result, Store, from_ms_opt, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::{Arguments, Row};

/// What a retention rule removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionKind {
    /// Recording files of ended calls (the call row stays, marked `recording_removed_at`).
    Recordings,
    /// Complaint messages (files), by the complaint's creation.
    Messages,
    /// Ended calls with their events, notes and survey answers.
    Calls,
    /// Closed callbacks with their attempts.
    Callbacks,
    /// Resolved complaints (and their message files).
    Complaints,
    /// Access-audit entries.
    Audit,
}

impl RetentionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionKind::Recordings => "recordings",
            RetentionKind::Messages => "messages",
            RetentionKind::Calls => "calls",
            RetentionKind::Callbacks => "callbacks",
            RetentionKind::Complaints => "complaints",
            RetentionKind::Audit => "audit",
        }
    }

    /// (key column, instant column, file column, FROM … WHERE …) of the rows this kind removes.
    fn spec(self) -> (&'static str, &'static str, &'static str, &'static str) {
        const NO_FILE: &str = "CAST(NULL AS TEXT)";
        match self {
            RetentionKind::Recordings => (
                "id",
                "started_at",
                "recording_path",
                "FROM calls WHERE recording_path IS NOT NULL AND ended_at IS NOT NULL",
            ),
            RetentionKind::Messages => (
                "id",
                "created_at",
                "message_path",
                "FROM complaints WHERE message_path IS NOT NULL",
            ),
            RetentionKind::Calls => (
                "id",
                "started_at",
                "recording_path",
                "FROM calls WHERE ended_at IS NOT NULL",
            ),
            RetentionKind::Callbacks => (
                "id",
                "closed_at",
                NO_FILE,
                "FROM callbacks WHERE closed_at IS NOT NULL \
                 AND status IN ('done', 'closed', 'cancelled')",
            ),
            RetentionKind::Complaints => (
                "id",
                "resolved_at",
                "message_path",
                "FROM complaints WHERE status = 'resolved' AND resolved_at IS NOT NULL",
            ),
            RetentionKind::Audit => ("id", "at", NO_FILE, "FROM audit_log WHERE 1 = 1"),
        }
    }

    /// Call ids are text; every other kind's key is an integer.
    fn text_key(self) -> bool {
        matches!(self, RetentionKind::Recordings | RetentionKind::Calls)
    }
}

/// A row's key: the call's id, or a numeric id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    Text(String),
    Int(i64),
}

/// One past-due row: its key, its instant (ms) and the file it holds, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub key: RowKey,
    pub at: i64,
    pub file: Option<String>,
}

/// What is past due for one kind, without touching it (a dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueCount {
    pub rows: i64,
    pub oldest: Option<DateTime<Utc>>,
    pub newest: Option<DateTime<Utc>>,
    pub files: i64,
}

/// One line of the retention log: what a run removed of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RetentionEntry {
    pub run_id: String,
    pub at: DateTime<Utc>,
    pub node: String,
    pub kind: String,
    /// Rows older than this were due.
    pub cutoff: DateTime<Utc>,
    pub removed: i64,
    /// The instants of the oldest and newest rows removed.
    pub oldest: Option<DateTime<Utc>>,
    pub newest: Option<DateTime<Utc>>,
    pub files_deleted: i64,
    /// Files the rows named that were already gone.
    pub files_missing: i64,
    /// Files that could not be deleted: their rows were kept for the next run.
    pub files_failed: i64,
}

/// `$from, $from+1, …` for `n` values.
pub(super) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds `keys` in order (all of one kind).
fn bind_keys(args: &mut AnyArguments, keys: &[RowKey]) -> Result<()> {
    for k in keys {
        match k {
            RowKey::Text(s) => args.add(s.clone()),
            RowKey::Int(i) => args.add(*i),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(())
}

impl Store {
    /// Up to `limit` rows of `kind` older than `cutoff`, oldest first, after `after` (the last
    /// row of the previous batch: rows whose file could not be deleted stay behind it).
    pub async fn retention_due(
        &self,
        kind: RetentionKind,
        cutoff: DateTime<Utc>,
        after: Option<&Due>,
        limit: i64,
    ) -> Result<Vec<Due>> {
        let (key, at, file, from) = kind.spec();
        let sql = format!(
            "SELECT {key} AS key, {at} AS at, {file} AS file {from} AND {at} < $1 \
             AND ({at} > $2 OR ({at} = $2 AND {key} > $3)) ORDER BY {at}, {key} LIMIT $4"
        );
        let after_at = after.map_or(i64::MIN, |d| d.at);
        let q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(to_ms(cutoff))
            .bind(after_at);
        let q = match (kind.text_key(), after.map(|d| &d.key)) {
            (true, Some(RowKey::Text(k))) => q.bind(k.clone()),
            (true, _) => q.bind(String::new()),
            (false, Some(RowKey::Int(k))) => q.bind(*k),
            (false, _) => q.bind(i64::MIN),
        };
        let rows = q.bind(limit).fetch_all(self.reader()).await?;
        rows.iter()
            .map(|r| {
                Ok(Due {
                    key: if kind.text_key() {
                        RowKey::Text(r.try_get("key")?)
                    } else {
                        RowKey::Int(r.try_get("key")?)
                    },
                    at: r.try_get("at")?,
                    file: r.try_get("file")?,
                })
            })
            .collect()
    }

    /// How many rows of `kind` are older than `cutoff`, their span, and how many name a file.
    pub async fn retention_count(
        &self,
        kind: RetentionKind,
        cutoff: DateTime<Utc>,
    ) -> Result<DueCount> {
        let (_, at, file, from) = kind.spec();
        let sql = format!(
            "SELECT COUNT(*) AS n, MIN({at}) AS oldest, MAX({at}) AS newest, COUNT({file}) AS files \
             {from} AND {at} < $1"
        );
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(to_ms(cutoff))
            .fetch_one(self.reader())
            .await?;
        Ok(DueCount {
            rows: r.try_get("n")?,
            oldest: from_ms_opt(r.try_get("oldest")?),
            newest: from_ms_opt(r.try_get("newest")?),
            files: r.try_get("files")?,
        })
    }

    /// Removes one batch of `kind` (keys from `retention_due`) in one transaction; returns the
    /// rows removed (for recordings and messages: the rows that lost their file).
    pub async fn retention_remove(
        &self,
        kind: RetentionKind,
        keys: &[RowKey],
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        if keys.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool().begin().await?;
        let list = placeholders(2, keys.len());
        // Statements whose $1 is `now` (marks) or unused, then the keys.
        let stmts: Vec<String> = match kind {
            // A stored copy in object storage keeps its reference until it is deleted there.
            RetentionKind::Recordings => vec![
                format!("{REQUEST_DELETION} WHERE call_id IN ({list})"),
                format!(
                    "UPDATE calls SET recording_path = NULL, recording_sha256 = NULL, \
                     recording_removed_at = $1 WHERE id IN ({list})"
                ),
            ],
            RetentionKind::Messages => vec![format!(
                "UPDATE complaints SET message_path = NULL, message_removed_at = $1 \
                 WHERE id IN ({list})"
            )],
            RetentionKind::Calls => vec![
                format!("{REQUEST_DELETION} WHERE call_id IN ({list})"),
                format!("DELETE FROM call_events WHERE call_id IN ({list}) AND $1 = $1"),
                format!("DELETE FROM notes WHERE call_id IN ({list}) AND $1 = $1"),
                format!("DELETE FROM survey_scores WHERE call_id IN ({list}) AND $1 = $1"),
                format!("DELETE FROM calls WHERE id IN ({list}) AND $1 = $1"),
            ],
            RetentionKind::Callbacks => vec![
                format!("DELETE FROM callback_attempts WHERE callback_id IN ({list}) AND $1 = $1"),
                format!("DELETE FROM callbacks WHERE id IN ({list}) AND $1 = $1"),
            ],
            RetentionKind::Complaints => vec![format!(
                "DELETE FROM complaints WHERE id IN ({list}) AND $1 = $1"
            )],
            RetentionKind::Audit => {
                // The permit the audit_log trigger asks for, in this transaction only.
                let permit: i64 = sqlx::query_scalar(
                    "INSERT INTO audit_purge (cutoff, created_at) VALUES ($1, $2) RETURNING id",
                )
                .bind(to_ms(cutoff))
                .bind(to_ms(now))
                .fetch_one(&mut *tx)
                .await?;
                let mut args = AnyArguments::default();
                args.add(to_ms(now)).map_err(sqlx::Error::Encode)?;
                bind_keys(&mut args, keys)?;
                let done = sqlx::query_with(
                    sqlx::AssertSqlSafe(format!(
                        "DELETE FROM audit_log WHERE id IN ({list}) AND $1 = $1"
                    )),
                    args,
                )
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM audit_purge WHERE id = $1")
                    .bind(permit)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(done.rows_affected());
            }
        };
        let mut removed = 0;
        for sql in stmts {
            let mut args = AnyArguments::default();
            args.add(to_ms(now)).map_err(sqlx::Error::Encode)?;
            bind_keys(&mut args, keys)?;
            removed = sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Appends one line to the retention log.
    pub async fn log_retention(&self, e: &RetentionEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO retention_log (run_id, at, node, kind, cutoff, removed, oldest, newest, \
             files_deleted, files_missing, files_failed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&e.run_id)
        .bind(to_ms(e.at))
        .bind(&e.node)
        .bind(&e.kind)
        .bind(to_ms(e.cutoff))
        .bind(e.removed)
        .bind(e.oldest.map(to_ms))
        .bind(e.newest.map(to_ms))
        .bind(e.files_deleted)
        .bind(e.files_missing)
        .bind(e.files_failed)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The newest `limit` lines of the retention log, newest first.
    pub async fn retention_log(&self, limit: i64) -> Result<Vec<RetentionEntry>> {
        let rows = sqlx::query(
            "SELECT run_id, at, node, kind, cutoff, removed, oldest, newest, files_deleted, \
             files_missing, files_failed FROM retention_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RetentionEntry {
                    run_id: r.try_get("run_id")?,
                    at: super::from_ms(r.try_get("at")?),
                    node: r.try_get("node")?,
                    kind: r.try_get("kind")?,
                    cutoff: super::from_ms(r.try_get("cutoff")?),
                    removed: r.try_get("removed")?,
                    oldest: from_ms_opt(r.try_get("oldest")?),
                    newest: from_ms_opt(r.try_get("newest")?),
                    files_deleted: r.try_get("files_deleted")?,
                    files_missing: r.try_get("files_missing")?,
                    files_failed: r.try_get("files_failed")?,
                })
            })
            .collect()
    }
}
