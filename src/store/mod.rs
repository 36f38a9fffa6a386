//! The store: the client card and everything written about calls, on SQLite (embedded default) or
//! PostgreSQL (several nodes), chosen by the database URL.
//!
//! Both backends go through `sqlx::Any` with one set of queries, so behaviour cannot drift between
//! them. That fixes a few portable conventions: instants are `BIGINT` milliseconds since the Unix
//! epoch (UTC), flags are integers 0/1, placeholders are `$1, $2, …` (SQLite accepts them too).

mod agents;
mod audit;
mod batch;
mod call_id;
mod callbacks;
mod calls;
mod checkpoint;
mod clients;
mod complaints;
mod dispatch;
mod erasure;
mod export;
pub mod files;
mod jobs;
mod journal;
mod lists;
mod live;
mod lost;
mod presence;
mod queue;
mod reports;
mod retention;
mod routing;
mod sessions;
mod surveys;
mod timeline;
mod tokens;
mod uploads;
mod users;
mod wallboard;
mod webhooks;
mod workspace;

pub use agents::{Agent, Presence};
pub use audit::{AuditEntry, LISTED_DETAIL_CHARS, RecordingAccess};
pub use call_id::new_call_id;
pub use callbacks::{
    CallbackRow, CallbackSource, CallbackStatus, NewCallback, PromiseEmail, SlaState,
};
pub use calls::{CallEnd, CallRow, CallsFilter, NewCall};
pub use clients::{Client, ImportSummary, Lookup};
pub use complaints::{Complaint, Note};
pub use dispatch::{Attempt, AttemptEnd};
pub use erasure::{Erasure, ErasureCounts, MAX_REASON_CHARS};
pub use export::Export;
pub use jobs::JobHolder;
pub use journal::CallJournal;
pub use lists::{Added, DncEntry, DncImportRow, ListSource, VipEntry};
pub use live::{LIVE_CHANNEL, LiveRow};
pub use queue::{LINE_LIMIT, LostEntry};
pub use reports::{GroupBy, MAX_REPORT_CALLS, ReportCall, ReportRow, report, report_csv};
pub use retention::{Due, DueCount, RetentionEntry, RetentionKind, RowKey};
pub use routing::{AgentCounts, FreeAgent, NODE_SILENT_MS, effective_state};
pub use sessions::{NewSession, SessionOwner};
pub use surveys::ScoreCount;
pub use timeline::{
    Card, CardEvent, OTHER_AGENTS_CALL, OTHER_USERS_NOTE, TimelineItem, Visibility,
};
pub use tokens::{TokenOwner, TokenRow};
pub use uploads::{PendingDeletion, PendingUpload, StoredRecording, UploadCounts};
pub use users::{Account, ApiUser, FirstToken, Role};
pub use wallboard::{QueueFigures, QueuedCall, Window, queue_figures};
pub use webhooks::Delivery;
pub use workspace::{AgentDay, OpenItem, PRESENCE_LOG, PastCall, PopCall, PresenceChange};

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot create {path}: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("cannot delete {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A stored value the code cannot read back (hand-edited row, newer schema).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle to the database; cheap to clone (the pools are shared).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// For read-heavy queries (lists, cards, the console). On SQLite, read-only connections of
    /// their own, so a supervisor's search never queues behind the call path's single writer
    /// connection (WAL lets them read while it writes); on PostgreSQL the same pool as `pool`.
    read: AnyPool,
    backend: Backend,
    /// Which webhooks hear which events (`[notify]`); set once at start, empty until then.
    subscribers: webhooks::Shared,
    /// Held by every clone: background tasks of this store (the SQLite checkpointer) end when
    /// the last clone is dropped (or at `close`), at their next round; until then the
    /// checkpointer keeps the writer's connection open (up to 200 ms).
    _alive: Arc<()>,
}

/// Read-only SQLite connections: enough for a few consoles and API clients at once.
const SQLITE_READERS: u32 = 4;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens the database named by `url`. A SQLite file (and its directory) is created on first use
    /// and switched to WAL so readers (the console) never block the call path's writes.
    pub async fn connect(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let connect_err = |source| StoreError::Connect {
            url: redact(url),
            source,
        };
        let pool = match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url)?;
                // One connection: SQLite has one writer anyway, and several pooled writers wait on
                // each other through the busy handler's sleeps (measured: p99 INVITE->200 1,088 ms
                // at 500 calls/s with 8 connections, 4 ms with 1).
                AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    // The connection lives in this process: a ping before every use (sqlx's
                    // default) would be one more round trip to its thread per statement.
                    .test_before_acquire(false)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute("PRAGMA synchronous = NORMAL;").await?;
                            conn.execute(checkpoint::WRITER_BUSY_TIMEOUT).await?;
                            conn.execute(checkpoint::WRITER_PRAGMA).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await
                    .map_err(connect_err)?
            }
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await
                .map_err(connect_err)?,
        };
        let read = match backend {
            Backend::Sqlite => {
                pool.execute("PRAGMA journal_mode = WAL;").await?;
                let url = sqlite_url(url)?;
                if url.contains(":memory:") {
                    // A private in-memory database is visible to its own connection only.
                    pool.clone()
                } else {
                    // Opened lazily: the writer above has created the file and switched it to
                    // WAL first. `query_only` makes any write through these connections an error.
                    AnyPoolOptions::new()
                        .max_connections(SQLITE_READERS)
                        .acquire_timeout(Duration::from_secs(30))
                        .test_before_acquire(false)
                        .after_connect(|conn, _meta| {
                            Box::pin(async move {
                                conn.execute(
                                    "PRAGMA query_only = ON; PRAGMA busy_timeout = 10000;",
                                )
                                .await?;
                                Ok(())
                            })
                        })
                        .connect_lazy(&url)
                        .map_err(connect_err)?
                }
            }
            Backend::Postgres => pool.clone(),
        };
        // The writer checkpoints only as a backstop (see `checkpoint`): on a file, a task of its
        // own does.
        let alive = Arc::new(());
        if backend == Backend::Sqlite {
            let url = sqlite_url(url)?;
            if !url.contains(":memory:") {
                checkpoint::spawn(&url, pool.clone(), Arc::downgrade(&alive))
                    .map_err(connect_err)?;
            }
        }
        Ok(Store {
            pool,
            read,
            backend,
            _alive: alive,
            subscribers: webhooks::Shared::default(),
        })
    }

    /// Applies every pending migration for this backend.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATOR.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATOR.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool for reads that may lag a write by nothing more than its commit (lists, cards).
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.pool.close().await;
    }
}

/// Makes sure the SQLite file can be created: its directory exists and `mode=rwc` is set.
fn sqlite_url(url: &str) -> Result<String> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !path.is_empty()
        && path != ":memory:"
        && let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// Hides a password in a URL before it reaches an error message or a log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Milliseconds since the epoch: the stored form of every instant.
pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn from_ms_opt(ms: Option<i64>) -> Option<DateTime<Utc>> {
    ms.map(from_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://fd:secret@db:5432/fd"),
            "postgres://fd:***@db:5432/fd"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn sqlite_url_creates_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/x.db");
        let url = sqlite_url(&format!("sqlite://{}", p.display())).unwrap();
        assert!(url.ends_with("?mode=rwc"));
        assert!(p.parent().unwrap().is_dir());
    }

    /// The writer leaves the log to the checkpointer: what it commits (far below the writer's
    /// backstop) reaches the database file through the checkpointer's own connection, within a
    /// second or two.
    #[tokio::test]
    async fn sqlite_log_is_copied_back_by_the_checkpointer_not_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fd.db");
        let store = Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(auto, 10_000, "the writer checkpoints only as a backstop");
        tokio::time::sleep(checkpoint::EVERY * 2).await;
        let before = std::fs::metadata(&path).unwrap().len();
        // About 5 MB of new pages: past the RESTART threshold (1,000 pages), far below the backstop.
        let mut tx = store.pool().begin().await.unwrap();
        for i in 0..5_000 {
            sqlx::query("INSERT INTO notes (author, at) VALUES ($1, $2)")
                .bind("x".repeat(1_000))
                .bind(i)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        // Generous for a loaded machine; without the checkpointer the file would not grow at all.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let now = std::fs::metadata(&path).unwrap().len();
            if now > before + 1_500_000 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the log was not copied back: {before} -> {now} bytes"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Over 1,000 pages in the log: the round that copied them also ran a RESTART on the writer's
        // connection, with a short busy timeout of its own; the writer must have its own back.
        tokio::time::sleep(checkpoint::EVERY * 2).await;
        let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(
            timeout, 10_000,
            "the writer waits for the write lock as before"
        );
        store.close().await;
    }

    #[tokio::test]
    async fn sqlite_reads_go_to_read_only_connections_that_see_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("fd.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let refused = sqlx::query("INSERT INTO notes (author, at) VALUES ('x', 0)")
            .execute(store.reader())
            .await;
        assert!(refused.is_err(), "the read pool must not write");
        sqlx::query("INSERT INTO notes (author, at) VALUES ('x', 0)")
            .execute(store.pool())
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notes")
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert_eq!(n, 1, "a committed write is visible to the readers at once");
        // Readers answer while the writer holds a transaction open (WAL).
        let mut tx = store.pool().begin().await.unwrap();
        sqlx::query("INSERT INTO notes (author, at) VALUES ('y', 0)")
            .execute(&mut *tx)
            .await
            .unwrap();
        let n: i64 = tokio::time::timeout(
            Duration::from_secs(2),
            sqlx::query_scalar("SELECT COUNT(*) FROM notes").fetch_one(store.reader()),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(n, 1, "uncommitted rows are not seen");
        tx.commit().await.unwrap();
        store.close().await;
    }
}
