//! SQLite's WAL checkpoints, off the call path.
//!
//! By default SQLite copies the write-ahead log back into the database (a checkpoint, with its
//! `fsync`s) inside the commit that grows the log past 1,000 pages: on our single writer
//! connection, so every call waiting for its row waits for the disk too. Under 1,000 calls a
//! second that was a stall of 250–450 ms once or twice a minute, long enough for the node to
//! count its store as slow and refuse new calls for a second. So the writer never checkpoints
//! (`wal_autocheckpoint = 0`) and a connection of its own does it every [`EVERY`], in PASSIVE
//! mode: it copies what no reader still needs and never holds the writer up. The task ends when
//! the last handle to the store is dropped.

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::sync::Weak;
use std::time::Duration;
use tracing::warn;

/// How often the log is copied back. At 1,000 calls a second the log grows by a few MB a
/// second; checkpointing every second keeps it about that size.
pub const EVERY: Duration = Duration::from_secs(1);

/// Starts the checkpointer for the SQLite database at `url` (already in WAL mode); it runs while
/// `alive` can be upgraded.
pub fn spawn(url: &str, alive: Weak<()>) -> Result<(), sqlx::Error> {
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA busy_timeout = 10000;").await?;
                Ok(())
            })
        })
        .connect_lazy(url)?;
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
        match pool.execute("PRAGMA wal_checkpoint(PASSIVE);").await {
            Ok(_) => failing = false,
            // Said once per failing spell: the log keeps growing until a checkpoint succeeds.
            Err(e) if !failing => {
                failing = true;
                warn!(error = %e, "cannot checkpoint the SQLite log");
            }
            Err(_) => {}
        }
    }
    pool.close().await;
}
