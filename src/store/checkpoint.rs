//! SQLite's WAL checkpoints, mostly off the call path.
//!
//! By default SQLite copies the write-ahead log back into the database (a checkpoint, with its
//! `fsync`s) inside the commit that grows the log past 1,000 pages: on our single writer
//! connection, so every call waiting for its row waits for the disk too. Under 1,000 calls a
//! second that was a stall of 250–450 ms once a minute (two runs of 60 s), long enough for the
//! node to count its store as slow and refuse new calls for a second.
//!
//! So a connection of its own checkpoints every [`EVERY`], in PASSIVE mode: it copies what no
//! reader still needs, syncs, and never holds the writer up. That alone never lets SQLite start the
//! log over under steady load (it does so only at a write that begins with everything copied, and
//! the writer appends while the checkpoint runs), so once the log is past [`RESTART_PAGES`] a
//! RESTART checkpoint follows. It has little left to copy, but it copies that and syncs the log and
//! the database while it holds the writer off. It runs on the writer's own connection, taken from
//! its pool like a batch of writes: the journal waits for it in the pool's queue and goes on the
//! moment it ends. Run from a connection of its own, it held SQLite's write lock and the writer
//! slept in SQLite's busy handler, in steps of 1, 2, 5, 10... ms, until it happened to look again
//! (at 1,000 calls a second: 95 sleeps, 319 ms in 8 s, up to 25 ms at a time). The writer keeps a
//! checkpoint of its own as a backstop ([`WRITER_PRAGMA`]), so the log stays bounded even if the
//! RESTARTs keep failing; when it fires, the background checkpoints have already copied and synced
//! nearly everything.
//!
//! The backstop must not be what bounds the log under load: its checkpoint syncs the log and the
//! database inside a commit, 35–45 ms on this kind of disk. At 1,000 calls a second the writer
//! appended about 10,000 pages a second (each batch rewrites the pages it touches; 7,500 since call
//! ids are time-ordered, `new_call_id`), so with a round every second the log reached the
//! backstop's 10,000 pages before every round and the writer checkpointed once a second:
//! INVITE->200 p99 36–48 ms, 3% of rows written later than 20 ms. A round every [`EVERY`] (200 ms)
//! lets the RESTART start the log over long before that (p99 16 ms, 99.6–100% of rows within 20 ms;
//! docs/benchmarks.md). A round with nothing new to copy costs one statement and no sync; after a
//! RESTART, none follows until the writer has written again. So an idle node pays next to nothing
//! for the rounds.
//! The task ends when the last handle to the store is dropped, or at `Store::close`.

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor, Row};
use std::sync::Weak;
use std::time::Duration;
use tracing::warn;

/// How often the log is copied back: often enough that the log is started over long before the
/// writer's backstop (above).
pub const EVERY: Duration = Duration::from_millis(200);

/// The writer's own checkpoint threshold: 10,000 pages of 4 KiB in the log (about 40 MiB), the
/// bound on the log when the background checkpoints cannot let SQLite start it over.
pub const WRITER_PRAGMA: &str = "PRAGMA wal_autocheckpoint = 10000;";

/// The writer connection's busy timeout: how long a write waits for SQLite's write lock (held
/// by a writer outside this process, such as the `frontdesk` command-line tools).
pub const WRITER_BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 10000;";

/// How long a RESTART waits for readers still on the old log, the writer held off meanwhile; if
/// they are not done by then, the next round (200 ms later) tries again.
const RESTART_BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 5;";

/// Starts the checkpointer for the SQLite database at `url` (already in WAL mode), whose writer
/// connection is `writer`'s; it runs while `alive` can be upgraded.
pub fn spawn(url: &str, writer: AnyPool, alive: Weak<()>) -> Result<(), sqlx::Error> {
    // Never creates the file: if it is gone, checkpointing into a new empty one would be wrong.
    let url = url.replace("mode=rwc", "mode=rw");
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_lazy(&url)?;
    tokio::spawn(run(pool, writer, alive));
    Ok(())
}

/// Pages in the log past which a RESTART follows the PASSIVE checkpoint, so the writer starts the
/// log over (about 4 MiB, SQLite's own default trigger).
const RESTART_PAGES: i64 = 1_000;

async fn run(pool: AnyPool, writer: AnyPool, alive: Weak<()>) {
    let mut failing = false;
    // The log's size at the last RESTART that finished.
    let mut restarted = None;
    loop {
        tokio::time::sleep(EVERY).await;
        let Some(_store) = alive.upgrade() else {
            break;
        };
        // `Store::close`: the writer is gone, and with it the reason to checkpoint.
        if writer.is_closed() {
            break;
        }
        let outcome = match checkpoint(&pool, "PRAGMA wal_checkpoint(PASSIVE)").await {
            // Nearly everything is copied and synced (all but what the writer added meanwhile):
            // the RESTART has little left to copy, but it copies that and syncs the log and the
            // database while it holds the writer off, then waits for readers still on the old
            // log (at most its busy timeout).
            Ok(round) if needs_restart(&round, restarted) => {
                let round = restart(&writer).await;
                if let Ok(done) = &round {
                    restarted = (!done.busy).then_some(done.log);
                }
                round
            }
            other => other,
        };
        match outcome {
            Ok(Round { busy, log, copied }) => {
                failing = false;
                tracing::trace!(busy, log, copied, "SQLite checkpoint");
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

/// Whether a RESTART should follow this PASSIVE round. `restarted` is the log's size at the
/// last RESTART that finished: SQLite starts the log over only at the next write, so until then
/// every round reports that same log, all of it copied, and another RESTART would take the
/// writer's connection for nothing (on an idle node, five times a second).
fn needs_restart(passive: &Round, restarted: Option<i64>) -> bool {
    let unchanged = restarted == Some(passive.log) && passive.copied == passive.log;
    passive.log >= RESTART_PAGES && !unchanged
}

/// What one checkpoint did, as SQLite reports it.
#[derive(Debug, Clone, Copy)]
struct Round {
    /// It could not finish: a RESTART that found readers on the old log (or a writer in another
    /// process) in its way for longer than its busy timeout, or a PASSIVE that found another
    /// checkpoint running (then `log` and `copied` are -1).
    busy: bool,
    /// Pages in the log.
    log: i64,
    /// How many of them are copied back (fewer when readers still need the rest).
    copied: i64,
}

/// A RESTART on the writer's connection, with a busy timeout of its own for its wait on readers.
async fn restart(writer: &AnyPool) -> Result<Round, sqlx::Error> {
    let mut conn = writer.acquire().await?;
    conn.execute(RESTART_BUSY_TIMEOUT).await?;
    let round = checkpoint(&mut *conn, "PRAGMA wal_checkpoint(RESTART)").await;
    if let Err(e) = conn.execute(WRITER_BUSY_TIMEOUT).await {
        // Never hand the writer back with a 5 ms timeout: the pool opens a new connection,
        // which gets the writer's settings.
        conn.close_on_drop();
        return Err(e);
    }
    round
}

/// One checkpoint (`pragma`, in its mode).
async fn checkpoint<'c, E>(on: E, pragma: &'static str) -> Result<Round, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let row = sqlx::query(pragma).fetch_one(on).await?;
    Ok(Round {
        busy: row.try_get::<i64, _>(0)? != 0,
        log: row.try_get(1)?,
        copied: row.try_get(2)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(log: i64, copied: i64) -> Round {
        Round {
            busy: false,
            log,
            copied,
        }
    }

    #[test]
    fn a_restart_follows_a_long_log_once_until_the_writer_writes_again() {
        assert!(!needs_restart(&round(999, 999), None), "short log");
        assert!(needs_restart(&round(1_000, 1_000), None), "long log");
        assert!(
            needs_restart(&round(2_400, 2_300), None),
            "long log, not all copied"
        );
        // Restarted at 2,400; nothing written since: the same log, all copied.
        assert!(!needs_restart(&round(2_400, 2_400), Some(2_400)));
        // Written since: the writer started the log over and it grew past the mark again.
        assert!(needs_restart(&round(1_500, 1_400), Some(2_400)));
        assert!(needs_restart(&round(2_400, 2_000), Some(2_400)));
        // Another checkpoint was running: nothing known, nothing done.
        assert!(!needs_restart(&round(-1, -1), None));
    }
}
