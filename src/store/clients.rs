//! Client cards: who the caller is, their language, zone and hours.

use super::batch::{Param, insert_rows};
use super::{Result, Store, StoreError, from_ms, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Client {
    pub phone: String,
    pub name: Option<String>,
    pub language: Option<String>,
    pub time_zone: Option<String>,
    pub hours: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    /// Special needs (hearing, age, language help...): the first thing the screen pop shows.
    pub needs: Option<String>,
    /// Queue priority 0-9 (see `routing::queue::caller_priority`): ahead of others, behind VIPs.
    pub priority: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the card and the lists say about a number, read together: screening a caller, or a
/// callback at dial time (the DNC list is read again then).
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub client: Option<Client>,
    pub dnc: bool,
    /// The consultant of a VIP.
    pub vip_agent: Option<String>,
}

/// What an import did; nothing is written unless every row was valid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub rows: usize,
    /// Rows that created or changed an entry.
    pub written: usize,
    /// Rows that were already on the list as given.
    pub unchanged: usize,
}

const COLUMNS: &str = "phone, name, language, time_zone, hours, email, notes, needs, priority, \
     created_at, updated_at";

fn client_from_row(r: &AnyRow) -> Result<Client> {
    Ok(Client {
        phone: r.try_get("phone")?,
        name: r.try_get("name")?,
        language: r.try_get("language")?,
        time_zone: r.try_get("time_zone")?,
        hours: r.try_get("hours")?,
        email: r.try_get("email")?,
        notes: r.try_get("notes")?,
        needs: r.try_get("needs")?,
        priority: r.try_get("priority")?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

impl Client {
    /// A new card with only the number; the other fields are filled by the caller.
    pub fn new(phone: impl Into<String>, now: DateTime<Utc>) -> Client {
        Client {
            phone: phone.into(),
            name: None,
            language: None,
            time_zone: None,
            hours: None,
            email: None,
            notes: None,
            needs: None,
            priority: 0,
            created_at: now,
            updated_at: now,
        }
    }

    fn params(&self) -> Vec<Param> {
        vec![
            self.phone.clone().into(),
            self.name.clone().into(),
            self.language.clone().into(),
            self.time_zone.clone().into(),
            self.hours.clone().into(),
            self.email.clone().into(),
            self.notes.clone().into(),
            self.needs.clone().into(),
            self.priority.into(),
            to_ms(self.created_at).into(),
            to_ms(self.updated_at).into(),
        ]
    }
}

const UPSERT_TAIL: &str = "ON CONFLICT (phone) DO UPDATE SET name = excluded.name, \
     language = excluded.language, time_zone = excluded.time_zone, hours = excluded.hours, \
     email = excluded.email, notes = excluded.notes, needs = excluded.needs, \
     priority = excluded.priority, updated_at = excluded.updated_at";

/// `Store::lookup`'s one statement: the card (every column, NULL when there is none), whether the
/// number is on the DNC list, and its VIP consultant. Built once from `COLUMNS`.
static LOOKUP_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("c.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {columns}, \
           (SELECT COUNT(*) FROM dnc_entries WHERE phone = $1 AND removed_at IS NULL) AS dnc, \
           (SELECT MIN(agent_id) FROM vip_entries WHERE phone = $1 AND removed_at IS NULL) \
             AS vip_agent \
         FROM (SELECT 1 AS one) o LEFT JOIN clients c ON c.phone = $1"
    )
});

impl Store {
    /// The card and both lists in one statement: every incoming call is screened, and each round
    /// trip to the store costs two thread wakeups with SQLite, more than the query itself.
    pub async fn lookup(&self, phone: &str) -> Result<Lookup> {
        let row = sqlx::query(sqlx::AssertSqlSafe(LOOKUP_SQL.as_str()))
            .bind(phone)
            .fetch_one(self.reader())
            .await?;
        let known: Option<String> = row.try_get("phone")?;
        Ok(Lookup {
            client: known.map(|_| client_from_row(&row)).transpose()?,
            dnc: row.try_get::<i64, _>("dnc")? > 0,
            vip_agent: row.try_get("vip_agent")?,
        })
    }

    pub async fn client(&self, phone: &str) -> Result<Option<Client>> {
        let sql = format!("SELECT {COLUMNS} FROM clients WHERE phone = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(phone)
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(client_from_row).transpose()
    }

    /// Creates the card or replaces its fields (the creation time is kept), and logs who did it.
    pub async fn upsert_client(&self, client: &Client, actor: &str) -> Result<()> {
        self.import_clients(std::slice::from_ref(client), actor)
            .await
            .map(|_| ())
    }

    /// Writes all cards in one transaction: either every row lands or none does.
    pub async fn import_clients(&self, clients: &[Client], actor: &str) -> Result<ImportSummary> {
        let mut seen = std::collections::HashSet::with_capacity(clients.len());
        if let Some(dup) = clients.iter().find(|c| !seen.insert(c.phone.as_str())) {
            return Err(StoreError::Conflict(format!(
                "{} appears twice in one import",
                dup.phone
            )));
        }
        let mut tx = self.pool().begin().await?;
        let rows: Vec<Vec<Param>> = clients.iter().map(Client::params).collect();
        let head = format!("INSERT INTO clients ({COLUMNS})");
        let written = insert_rows(self.backend(), &mut tx, &head, UPSERT_TAIL, &rows).await?;
        let events: Vec<Vec<Param>> = clients
            .iter()
            .map(|c| {
                vec![
                    c.phone.clone().into(),
                    to_ms(c.updated_at).into(),
                    "card_written".into(),
                    Param::Text(c.name.clone().map(|n| format!("name: {n}"))),
                    actor.into(),
                ]
            })
            .collect();
        insert_rows(
            self.backend(),
            &mut tx,
            "INSERT INTO card_events (phone, at, kind, detail, actor)",
            "",
            &events,
        )
        .await?;
        tx.commit().await?;
        Ok(ImportSummary {
            rows: clients.len(),
            written: usize::try_from(written)
                .unwrap_or(usize::MAX)
                .min(clients.len()),
            unchanged: 0,
        })
    }
}
