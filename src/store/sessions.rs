//! Console sessions: a row per sign-in, found by the SHA-256 of the cookie's random id. Ended
//! rows stay (when and why a session ended is worth knowing); nothing reads them back.

use super::users::{ACCOUNT_COLUMNS, ACTIVE_USER, Account, account_from_row};
use super::{Result, Store, from_ms, to_ms};
use chrono::{DateTime, Utc};
use sqlx::Row;

/// Open sessions a user may have at once (browsers, devices); signing in once more ends the oldest.
pub const OPEN_PER_USER: i64 = 10;
/// How long an ended or expired session's row is kept.
pub const KEEP_ENDED_DAYS: i64 = 30;

/// A live session of an enabled user.
#[derive(Debug, Clone)]
pub struct SessionOwner {
    pub session_id: i64,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub account: Account,
}

/// A new session's row.
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: i64,
    pub now: DateTime<Utc>,
    pub idle_expires_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Ends every open session of `user_id` (inside the caller's transaction).
pub(super) async fn end_all(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
    now: DateTime<Utc>,
    why: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE console_sessions SET ended_at = $1, ended_why = $2 \
         WHERE user_id = $3 AND ended_at IS NULL",
    )
    .bind(to_ms(now))
    .bind(why)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Records a new session. In the same transaction, the user's history is kept bounded: open
    /// sessions beyond the newest `OPEN_PER_USER` are ended ("replaced"), and rows that ended or
    /// expired more than `KEEP_ENDED_DAYS` ago are deleted, so signing in again and again cannot
    /// grow the table without end.
    pub async fn create_session(&self, s: NewSession<'_>) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO console_sessions \
             (id_hash, user_id, created_at, last_seen_at, idle_expires_at, expires_at) \
             VALUES ($1, $2, $3, $3, $4, $5)",
        )
        .bind(s.id_hash)
        .bind(s.user_id)
        .bind(to_ms(s.now))
        .bind(to_ms(s.idle_expires_at))
        .bind(to_ms(s.expires_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE console_sessions SET ended_at = $1, ended_why = 'replaced' \
             WHERE user_id = $2 AND ended_at IS NULL AND expires_at > $1 AND id NOT IN \
               (SELECT id FROM console_sessions \
                WHERE user_id = $2 AND ended_at IS NULL AND expires_at > $1 \
                ORDER BY id DESC LIMIT $3)",
        )
        .bind(to_ms(s.now))
        .bind(s.user_id)
        .bind(OPEN_PER_USER)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM console_sessions \
             WHERE user_id = $1 AND COALESCE(ended_at, expires_at) < $2",
        )
        .bind(s.user_id)
        .bind(to_ms(s.now - chrono::Duration::days(KEEP_ENDED_DAYS)))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session whose id hashes to `id_hash`, if it has not ended, lapsed or outlived its
    /// absolute end, and its user is enabled. One query on the unique hash, on every request.
    pub async fn session_owner(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionOwner>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT s.id AS session_id, s.last_seen_at, s.expires_at, {ACCOUNT_COLUMNS} \
             FROM console_sessions s JOIN api_users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.ended_at IS NULL \
               AND s.idle_expires_at > $2 AND s.expires_at > $2 AND {ACTIVE_USER}"
        )))
        .bind(id_hash)
        .bind(to_ms(now))
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        Ok(Some(SessionOwner {
            session_id: r.try_get("session_id")?,
            last_seen_at: from_ms(r.try_get("last_seen_at")?),
            expires_at: from_ms(r.try_get("expires_at")?),
            account: account_from_row(&r)?,
        }))
    }

    /// Pushes a session's idle deadline on (not an ended one).
    pub async fn touch_session(
        &self,
        session_id: i64,
        now: DateTime<Utc>,
        idle_expires_at: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE console_sessions SET last_seen_at = $1, idle_expires_at = $2 \
             WHERE id = $3 AND ended_at IS NULL",
        )
        .bind(to_ms(now))
        .bind(to_ms(idle_expires_at))
        .bind(session_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Ends the session whose id hashes to `id_hash` (logout); `false` if there was none open.
    pub async fn end_session(&self, id_hash: &str, now: DateTime<Utc>, why: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE console_sessions SET ended_at = $1, ended_why = $2 \
             WHERE id_hash = $3 AND ended_at IS NULL",
        )
        .bind(to_ms(now))
        .bind(why)
        .bind(id_hash)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
