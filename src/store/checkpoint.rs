//! SQLite's WAL checkpoints, mostly off the call path.
//!
//! By default SQLite copies the write-ahead log back into the database (a checkpoint, with its
//! `fsync`s) inside the commit that grows the log past 1,000 pages: on our single writer
//! connection, so every call waiting for its row waits for the disk too. Under 1,000 calls a
//! second that was a stall of 250–450 ms once a minute (two runs of 60 s), long enough for the node to
//! count its store as slow and refuse new calls for a second.
//!
//! So a connection of its own checkpoints every [`EVERY`], in PASSIVE mode: it copies what no
//! reader still needs, syncs, and never holds the writer up. The writer keeps a checkpoint of its
//! own only as a backstop ([`WRITER_PRAGMA`]): SQLite starts the log over only when a
//! write begins after a checkpoint that left nothing to copy, and under steady load the writer
//! appends while the background checkpoint runs, so without the backstop the log could grow as
//! long as the load lasts. When the backstop fires, the background checkpoints have already
//! copied and synced nearly everything, so it has at most a second's pages left to copy.
//! The task ends when the last handle to the store is dropped.

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};
use std::sync::Weak;
use std::time::Duration;
use tracing::warn;

/// How often the log is copied back.
pub const EVERY: Duration = Duration::from_secs(1);

/// The writer's own checkpoint threshold: 10,000 pages of 4 KiB in the log (about 40 MiB), the
/// bound on the log when the background checkpoints cannot let SQLite start it over.
pub const WRITER_PRAGMA: &str = "PRAGMA wal_autocheckpoint = 10000;";

/// Starts the checkpointer for the SQLite database at `url` (already in WAL mode); it runs while
/// `alive` can be upgraded.
pub fn spawn(url: &str, alive: Weak<()>) -> Result<(), sqlx::Error> {
    // Never creates the file: if it is gone, checkpointing into a new empty one would be wrong.
    let url = url.replace("mode=rwc", "mode=rw");
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_lazy(&url)?;
    tokio::spawn(run(pool, alive));
    Ok(())
}

async fn run(pool: AnyPool, alive: Weak<()>) {
    let mut failing = false;
    loop {
        tokio::time::sleep(EVERY).await;
        let Some(_store) = alive.upgrade() else {
            break;
        };
        // One row: whether another checkpoint was running (busy), the pages in the log, and
        // how many of them are now copied back.
        let outcome = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await
            .and_then(|row| Ok((row.try_get::<i64, _>(1)?, row.try_get::<i64, _>(2)?)));
        match outcome {
            Ok((log, copied)) => {
                failing = false;
                tracing::trace!(log, copied, "SQLite checkpoint");
            }
            // Said once per failing spell: the writer's backstop bounds the log meanwhile.
            Err(e) if !failing => {
                failing = true;
                warn!(error = %e, "cannot checkpoint the SQLite log");
            }
            Err(_) => {}
        }
    }
    pool.close().await;
}
