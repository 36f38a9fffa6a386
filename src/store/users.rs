//! API users. Only a hash of each token is kept; the token itself is shown once, at creation.

use super::{Result, Store, StoreError, from_ms, to_ms};
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiUser {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The public part of the token, used to find the row before the hash is checked.
    pub key_id: String,
    #[serde(skip)]
    pub token_hash: String,
    /// For agents: the roster id whose calls they may hear.
    pub agent_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn user_from_row(r: &AnyRow) -> Result<ApiUser> {
    let role: String = r.try_get("role")?;
    Ok(ApiUser {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: role.parse().map_err(StoreError::Corrupt)?,
        key_id: r.try_get("key_id")?,
        token_hash: r.try_get("token_hash")?,
        agent_id: r.try_get("agent_id")?,
        created_at: from_ms(r.try_get("created_at")?),
    })
}

impl Store {
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        key_id: &str,
        token_hash: &str,
        agent_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ApiUser> {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM api_users WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "user {name:?} already exists"
            )));
        }
        sqlx::query(
            "INSERT INTO api_users (name, role, key_id, token_hash, agent_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(key_id)
        .bind(token_hash)
        .bind(agent_id)
        .bind(to_ms(now))
        .execute(self.pool())
        .await?;
        self.user_by_key(key_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("user {name} vanished")))
    }

    /// The enabled user owning the token key `key_id`.
    pub async fn user_by_key(&self, key_id: &str) -> Result<Option<ApiUser>> {
        let row = sqlx::query(
            "SELECT id, name, role, key_id, token_hash, agent_id, created_at FROM api_users \
             WHERE key_id = $1 AND disabled_at IS NULL",
        )
        .bind(key_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }
}
