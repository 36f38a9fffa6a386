//! The agent roster. Presence is what the agent (or a supervisor) says; the live call state of an
//! agent belongs to the routing layer.

use super::{Result, Store, StoreError, from_ms, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Available,
    Away,
}

impl Presence {
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Away => "away",
        }
    }
}

impl FromStr for Presence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "available" => Ok(Presence::Available),
            "away" => Ok(Presence::Away),
            other => Err(format!("unknown presence {other:?} (available|away)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Agent {
    pub id: String,
    pub uri: String,
    pub name: Option<String>,
    /// Languages the agent speaks, e.g. ["ru", "en"].
    pub languages: Vec<String>,
    pub presence: Presence,
    pub presence_at: DateTime<Utc>,
    /// What routing sees now: away, available, ringing, in_call or wrap_up.
    pub state: String,
    /// The call ringing the agent or talking to them.
    pub call_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Why the agent is away (one of `[workspace] away_reasons`), while away.
    pub away_reason: Option<String>,
    /// Since when `state` holds: the wallboard's time in state.
    pub state_since: DateTime<Utc>,
    /// The end of the wrap-up, while in wrap-up.
    pub wrap_up_until: Option<DateTime<Utc>>,
    /// Whether this wrap-up was already extended ("more time" is taken once).
    pub wrap_extended: bool,
    /// The last call routing gave the agent (ringing, talking, or ended), for the disposition.
    pub last_call: Option<String>,
    /// Rings in a row the agent did not answer (`[workspace] away_after_missed_rings`).
    pub missed_rings: i64,
    /// The phone does not answer SIP OPTIONS: shown away ("phone-unreachable"), offered no calls;
    /// `presence` keeps what the agent said, and shows again once the phone answers.
    pub phone_unreachable: bool,
}

fn agent_from_row(r: &AnyRow) -> Result<Agent> {
    let presence: String = r.try_get("presence")?;
    let languages: String = r.try_get("languages")?;
    let line: String = r.try_get("line")?;
    let line_until: Option<i64> = r.try_get("line_until")?;
    let line_at: Option<i64> = r.try_get("line_at")?;
    let presence_at: i64 = r.try_get("presence_at")?;
    let wrap_extended: i64 = r.try_get("wrap_extended")?;
    let unreachable: Option<i64> = r.try_get("phone_unreachable_at")?;
    let now = super::to_ms(Utc::now());
    let shown = if unreachable.is_some() {
        "away"
    } else {
        presence.as_str()
    };
    let state = super::effective_state(shown, &line, line_until, now);
    let since = match state {
        "ringing" | "in_call" | "wrap_up" => line_at.unwrap_or(presence_at),
        "away" => unreachable.map_or(presence_at, |u| u.max(presence_at)),
        // Free since the later of coming back and the line's last change (a wrap-up's end).
        _ => presence_at
            .max(line_at.unwrap_or(0))
            .max(line_until.filter(|u| *u <= now).unwrap_or(0)),
    };
    Ok(Agent {
        id: r.try_get("id")?,
        uri: r.try_get("uri")?,
        name: r.try_get("name")?,
        languages: languages
            .split(',')
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        state: state.to_string(),
        call_id: matches!(state, "ringing" | "in_call")
            .then(|| r.try_get("line_call"))
            .transpose()?
            .flatten(),
        presence: presence.parse().map_err(StoreError::Corrupt)?,
        presence_at: from_ms(presence_at),
        created_at: from_ms(r.try_get("created_at")?),
        away_reason: if unreachable.is_some() {
            Some(crate::presence::UNREACHABLE.to_string())
        } else if presence == "away" {
            r.try_get("away_reason")?
        } else {
            None
        },
        state_since: from_ms(since),
        wrap_up_until: (state == "wrap_up")
            .then(|| line_until.map(from_ms))
            .flatten(),
        wrap_extended: state == "wrap_up" && line_at.is_some_and(|a| a == wrap_extended),
        last_call: r.try_get("line_call")?,
        missed_rings: r.try_get("missed_rings")?,
        phone_unreachable: unreachable.is_some(),
    })
}

const COLUMNS: &str = "id, uri, name, languages, presence, presence_at, created_at, line, \
     line_call, line_until, line_at, away_reason, wrap_extended, missed_rings, phone_unreachable_at";

impl Store {
    /// Adds an agent, or brings back one that was removed (their history is kept under the same id).
    pub async fn add_agent(
        &self,
        id: &str,
        uri: &str,
        name: Option<&str>,
        languages: &[String],
        now: DateTime<Utc>,
    ) -> Result<Agent> {
        let existing: Option<Option<i64>> =
            sqlx::query_scalar("SELECT removed_at FROM agents WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        let langs = languages.join(",");
        match existing {
            Some(None) => {
                return Err(StoreError::Conflict(format!("agent {id:?} already exists")));
            }
            Some(Some(_)) => {
                sqlx::query(
                    "UPDATE agents SET uri = $1, name = $2, languages = $3, presence = 'available', \
                     presence_at = $4, removed_at = NULL, missed_rings = 0, \
                     phone_unreachable_at = NULL WHERE id = $5",
                )
                .bind(uri)
                .bind(name)
                .bind(&langs)
                .bind(to_ms(now))
                .bind(id)
                .execute(self.pool())
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO agents (id, uri, name, languages, presence, presence_at, created_at) \
                     VALUES ($1, $2, $3, $4, 'available', $5, $5)",
                )
                .bind(id)
                .bind(uri)
                .bind(name)
                .bind(&langs)
                .bind(to_ms(now))
                .execute(self.pool())
                .await?;
            }
        }
        self.agent(id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("agent {id} vanished")))
    }

    pub async fn agent(&self, id: &str) -> Result<Option<Agent>> {
        let sql = format!("SELECT {COLUMNS} FROM agents WHERE id = $1 AND removed_at IS NULL");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(agent_from_row).transpose()
    }

    pub async fn list_agents(&self) -> Result<Vec<Agent>> {
        let sql = format!("SELECT {COLUMNS} FROM agents WHERE removed_at IS NULL ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(agent_from_row).collect()
    }

    /// Takes the agent off the roster. Refused while they are a VIP's consultant, so no VIP is left
    /// pointing at nobody.
    pub async fn remove_agent(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        let vips: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM vip_entries WHERE agent_id = $1 AND removed_at IS NULL",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        if vips > 0 {
            return Err(StoreError::Conflict(format!(
                "agent {id:?} is the consultant of {vips} VIP client(s); reassign them first"
            )));
        }
        let done =
            sqlx::query("UPDATE agents SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL")
                .bind(to_ms(now))
                .bind(id)
                .execute(self.pool())
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("no agent {id:?}")));
        }
        Ok(())
    }

    /// A presence change through the API or the command line (no reason given).
    pub async fn set_presence(
        &self,
        id: &str,
        presence: Presence,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.change_presence(id, presence, None, "roster", now)
            .await
    }

    /// Sets the agent's presence and writes the change, with its reason and who made it, to the
    /// agent's record (`agent_presence_log`) in the same transaction. The count of missed rings
    /// starts again: an agent set away for missing them comes back with a clean slate.
    pub async fn change_presence(
        &self,
        id: &str,
        presence: Presence,
        reason: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let reason = reason.filter(|_| presence == Presence::Away);
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE agents SET presence = $1, presence_at = $2, away_reason = $3, missed_rings = 0 \
             WHERE id = $4 AND removed_at IS NULL",
        )
        .bind(presence.as_str())
        .bind(to_ms(now))
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("no agent {id:?}")));
        }
        Self::log_presence(&mut tx, id, presence.as_str(), reason, actor, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
