//! API tokens: several per user, each revocable on its own. Only the argon2 hash is kept.

use super::users::{ACCOUNT_COLUMNS, ACTIVE_USER, Account, account_from_row};
use super::{Result, Store, StoreError, from_ms, from_ms_opt, to_ms};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A token as the administrator sees it (never its secret or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    /// The public key part (`fd_<id>_…`): what `users revoke` takes.
    pub id: String,
    pub user: String,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    /// To the minute: written at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn token_from_row(r: &AnyRow) -> Result<TokenRow> {
    Ok(TokenRow {
        id: r.try_get("key_id")?,
        user: r.try_get("name")?,
        label: r.try_get("label")?,
        created_at: from_ms(r.try_get("created_at")?),
        last_used_at: from_ms_opt(r.try_get("last_used_at")?),
        revoked_at: from_ms_opt(r.try_get("revoked_at")?),
    })
}

/// A live token of an enabled user: what a bearer request needs to go on.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub token_id: i64,
    pub hash: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub account: Account,
}

/// `last_used_at` is written at most this often per token.
const USED_EVERY: Duration = Duration::minutes(1);

impl Store {
    /// Issues another token to `name` (not to a removed user).
    pub async fn add_token(
        &self,
        name: &str,
        key_id: &str,
        hash: &str,
        label: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let user = self
            .user(name)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no user {name:?}")))?;
        if user.removed_at.is_some() {
            return Err(StoreError::Conflict(format!("user {name:?} was removed")));
        }
        sqlx::query(
            "INSERT INTO api_tokens (key_id, user_id, token_hash, label, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(key_id)
        .bind(user.id)
        .bind(hash)
        .bind(label)
        .bind(to_ms(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// `name`'s tokens, revoked ones too, oldest first.
    pub async fn tokens_of(&self, name: &str) -> Result<Vec<TokenRow>> {
        if self.user(name).await?.is_none() {
            return Err(StoreError::NotFound(format!("no user {name:?}")));
        }
        let rows = sqlx::query(
            "SELECT t.key_id, u.name, t.label, t.created_at, t.last_used_at, t.revoked_at \
             FROM api_tokens t JOIN api_users u ON u.id = t.user_id \
             WHERE u.name = $1 ORDER BY t.created_at, t.id",
        )
        .bind(name)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes the token with public id `key_id`; `false` when it already was.
    pub async fn revoke_token(&self, key_id: &str, now: DateTime<Utc>) -> Result<bool> {
        let revoked: Option<Option<i64>> =
            sqlx::query_scalar("SELECT revoked_at FROM api_tokens WHERE key_id = $1")
                .bind(key_id)
                .fetch_optional(self.pool())
                .await?;
        match revoked {
            None => Err(StoreError::NotFound(format!("no token {key_id:?}"))),
            Some(Some(_)) => Ok(false),
            Some(None) => {
                sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL",
                )
                .bind(to_ms(now))
                .bind(key_id)
                .execute(self.pool())
                .await?;
                Ok(true)
            }
        }
    }

    /// The live token `key_id` of an enabled user, with its hash. One indexed query, asked on
    /// every bearer request, so revoking or disabling takes effect on the next one, on every node.
    pub async fn token_owner(&self, key_id: &str) -> Result<Option<TokenOwner>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT t.id AS token_id, t.token_hash, t.last_used_at, {ACCOUNT_COLUMNS} \
             FROM api_tokens t JOIN api_users u ON u.id = t.user_id \
             WHERE t.key_id = $1 AND t.revoked_at IS NULL AND {ACTIVE_USER}"
        )))
        .bind(key_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        Ok(Some(TokenOwner {
            token_id: r.try_get("token_id")?,
            hash: r.try_get("token_hash")?,
            last_used_at: from_ms_opt(r.try_get("last_used_at")?),
            account: account_from_row(&r)?,
        }))
    }

    /// Notes that a token was used, unless that was noted within the last minute.
    pub async fn token_used(&self, owner: &TokenOwner, now: DateTime<Utc>) -> Result<()> {
        if owner.last_used_at.is_some_and(|at| now - at < USED_EVERY) {
            return Ok(());
        }
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 \
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(to_ms(now))
        .bind(owner.token_id)
        .bind(to_ms(now - USED_EVERY))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
