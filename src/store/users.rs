//! Users: who may use the API and the console, in which role. A user is never deleted (audit rows
//! name them): `disabled_at` suspends them, `removed_at` retires them and their name for good.
//! Tokens are in `tokens.rs`, console sessions in `sessions.rs`.

use super::{Result, Store, StoreError, from_ms, from_ms_opt, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::str::FromStr;

/// admin > supervisor > agent: each role may do what the ones below it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "agent" => Ok(Role::Agent),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role {other:?} (admin|supervisor|agent)")),
        }
    }
}

/// A user as the administrator sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiUser {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// For agents: the roster id whose calls they may hear.
    pub agent_id: Option<String>,
    /// Whether the user can sign in to the console (has a password).
    pub has_password: bool,
    /// The phone (SIP URI) frontdesk rings when this supervisor listens in on a call.
    pub phone: Option<String>,
    /// `active`, `disabled` or `removed`.
    pub status: &'static str,
    /// Tokens not revoked.
    pub tokens: i64,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub removed_at: Option<DateTime<Utc>>,
}

/// An enabled user, as a request that proved to be theirs sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub agent_id: Option<String>,
}

/// The columns `account_from_row` reads, for queries joining `api_users u`.
pub(super) const ACCOUNT_COLUMNS: &str = "u.id AS user_id, u.name, u.role, u.agent_id";
/// The condition a user must meet for anything of theirs to work.
pub(super) const ACTIVE_USER: &str = "u.disabled_at IS NULL AND u.removed_at IS NULL";

pub(super) fn account_from_row(r: &AnyRow) -> Result<Account> {
    let role: String = r.try_get("role")?;
    Ok(Account {
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        role: role.parse().map_err(StoreError::Corrupt)?,
        agent_id: r.try_get("agent_id")?,
    })
}

const USER_COLUMNS: &str = "u.id, u.name, u.role, u.agent_id, u.password_hash, u.phone, u.created_at, \
     u.disabled_at, u.removed_at, \
     (SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL) AS tokens";

fn user_from_row(r: &AnyRow) -> Result<ApiUser> {
    let role: String = r.try_get("role")?;
    let password: Option<String> = r.try_get("password_hash")?;
    let disabled_at = from_ms_opt(r.try_get("disabled_at")?);
    let removed_at = from_ms_opt(r.try_get("removed_at")?);
    Ok(ApiUser {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: role.parse().map_err(StoreError::Corrupt)?,
        agent_id: r.try_get("agent_id")?,
        has_password: password.is_some(),
        phone: r.try_get("phone")?,
        status: match (removed_at, disabled_at) {
            (Some(_), _) => "removed",
            (None, Some(_)) => "disabled",
            (None, None) => "active",
        },
        tokens: r.try_get("tokens")?,
        created_at: from_ms(r.try_get("created_at")?),
        disabled_at,
        removed_at,
    })
}

/// A user's first token, created with them.
pub struct FirstToken<'a> {
    pub key_id: &'a str,
    pub hash: &'a str,
    pub label: Option<&'a str>,
}

impl Store {
    /// Creates a user with their first token and, optionally, a password hash. Names are never
    /// reused, not even a removed user's: the audit log names users, and must name one person.
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        agent_id: Option<&str>,
        password_hash: Option<&str>,
        token: FirstToken<'_>,
        now: DateTime<Utc>,
    ) -> Result<ApiUser> {
        if self.user(name).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "user {name:?} already exists (names of removed users are not reused)"
            )));
        }
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_users (name, role, agent_id, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(agent_id)
        .bind(password_hash)
        .bind(to_ms(now))
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO api_tokens (key_id, user_id, token_hash, label, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token.key_id)
        .bind(id)
        .bind(token.hash)
        .bind(token.label)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.user(name)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("user {name} vanished")))
    }

    /// The user called `name`, whatever their status.
    pub async fn user(&self, name: &str) -> Result<Option<ApiUser>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM api_users u WHERE u.name = $1"
        )))
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every user, removed ones too, by name.
    pub async fn list_users(&self) -> Result<Vec<ApiUser>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM api_users u ORDER BY u.name"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The user `name` unless removed (`NotFound` / `Conflict` otherwise).
    async fn existing_user(&self, name: &str) -> Result<ApiUser> {
        let user = self
            .user(name)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("no user {name:?}")))?;
        if user.removed_at.is_some() {
            return Err(StoreError::Conflict(format!("user {name:?} was removed")));
        }
        Ok(user)
    }

    /// Suspends `name`: their tokens and sessions stop working at once (every request checks the
    /// user row), and their sessions are ended, so enabling them again needs a new sign-in.
    pub async fn disable_user(&self, name: &str, now: DateTime<Utc>) -> Result<()> {
        let user = self.existing_user(name).await?;
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE api_users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
            .bind(to_ms(now))
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        super::sessions::end_all(&mut tx, user.id, now, "disabled").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lets a disabled user in again (their tokens work again; sessions were ended).
    pub async fn enable_user(&self, name: &str) -> Result<()> {
        let user = self.existing_user(name).await?;
        sqlx::query("UPDATE api_users SET disabled_at = NULL WHERE id = $1")
            .bind(user.id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Retires `name`: every token revoked, every session ended, the password forgotten. The row
    /// stays (history names it) and the name cannot be taken again.
    pub async fn remove_user(&self, name: &str, now: DateTime<Utc>) -> Result<()> {
        let user = self.existing_user(name).await?;
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE api_users SET removed_at = $1, password_hash = NULL WHERE id = $2")
            .bind(to_ms(now))
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(to_ms(now))
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
        super::sessions::end_all(&mut tx, user.id, now, "removed").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets (or replaces) `name`'s password; their open sessions end.
    pub async fn set_password(&self, name: &str, hash: &str, now: DateTime<Utc>) -> Result<()> {
        let user = self.existing_user(name).await?;
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE api_users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        super::sessions::end_all(&mut tx, user.id, now, "password").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets (`Some`) or clears `name`'s phone, the one rung when they listen in on a call.
    pub async fn set_user_phone(&self, name: &str, phone: Option<&str>) -> Result<()> {
        let user = self.existing_user(name).await?;
        sqlx::query("UPDATE api_users SET phone = $1 WHERE id = $2")
            .bind(phone)
            .bind(user.id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// For signing in: the enabled user `name` and their password hash, if they have one.
    pub async fn sign_in_account(&self, name: &str) -> Result<Option<(Account, String)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACCOUNT_COLUMNS}, u.password_hash FROM api_users u \
             WHERE u.name = $1 AND u.password_hash IS NOT NULL AND {ACTIVE_USER}"
        )))
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(r) => Ok(Some((account_from_row(&r)?, r.try_get("password_hash")?))),
            None => Ok(None),
        }
    }
}
