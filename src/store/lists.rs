//! The do-not-call and VIP lists. Entries are closed, never deleted, so the card keeps the history
//! (since when, why, how it was asked, by whom, and when it ended).

use super::batch::{Param, insert_rows};
use super::clients::ImportSummary;
use super::{Result, Store, StoreError, from_ms, to_ms};
use crate::notify::event::{DncAdded, Event};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// How an entry was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListSource {
    /// The administrator's command line.
    Cli,
    /// A CSV import.
    Import,
    /// The caller, by a key in the call flow.
    Ivr,
    /// The HTTP API (an agent or supervisor).
    Api,
}

impl ListSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ListSource::Cli => "cli",
            ListSource::Import => "import",
            ListSource::Ivr => "ivr",
            ListSource::Api => "api",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DncEntry {
    pub id: i64,
    pub phone: String,
    pub since: DateTime<Utc>,
    pub reason: Option<String>,
    /// How it was asked: cli, import, ivr, api.
    pub source: String,
    pub requested_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VipEntry {
    pub id: i64,
    pub phone: String,
    pub agent_id: String,
    pub since: DateTime<Utc>,
    pub added_by: Option<String>,
}

fn dnc_from_row(r: &AnyRow) -> Result<DncEntry> {
    Ok(DncEntry {
        id: r.try_get("id")?,
        phone: r.try_get("phone")?,
        since: from_ms(r.try_get("since")?),
        reason: r.try_get("reason")?,
        source: r.try_get("source")?,
        requested_by: r.try_get("requested_by")?,
    })
}

fn vip_from_row(r: &AnyRow) -> Result<VipEntry> {
    Ok(VipEntry {
        id: r.try_get("id")?,
        phone: r.try_get("phone")?,
        agent_id: r.try_get("agent_id")?,
        since: from_ms(r.try_get("since")?),
        added_by: r.try_get("added_by")?,
    })
}

/// The result of adding to a list: a new entry, or the one that was already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added<T> {
    New(T),
    Existing(T),
}

/// One row of a DNC import, already normalised.
#[derive(Debug, Clone)]
pub struct DncImportRow {
    pub phone: String,
    pub reason: Option<String>,
}

/// `dnc.added` for an entry just written.
fn dnc_added(e: &DncEntry) -> Event {
    Event::DncAdded(DncAdded {
        phone: e.phone.clone(),
        since: e.since,
        source: e.source.clone(),
        requested_by: e.requested_by.clone(),
        reason: e.reason.clone(),
    })
}

impl Store {
    /// The active DNC entry for `phone`, if any: the one check every dial path makes.
    pub async fn dnc_entry(&self, phone: &str) -> Result<Option<DncEntry>> {
        let row = sqlx::query(
            "SELECT id, phone, since, reason, source, requested_by FROM dnc_entries \
             WHERE phone = $1 AND removed_at IS NULL",
        )
        .bind(phone)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(dnc_from_row).transpose()
    }

    pub async fn list_dnc(&self) -> Result<Vec<DncEntry>> {
        let rows = sqlx::query(
            "SELECT id, phone, since, reason, source, requested_by FROM dnc_entries \
             WHERE removed_at IS NULL ORDER BY since, id",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(dnc_from_row).collect()
    }

    pub async fn add_dnc(
        &self,
        phone: &str,
        reason: Option<&str>,
        source: ListSource,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Added<DncEntry>> {
        if let Some(existing) = self.dnc_entry(phone).await? {
            return Ok(Added::Existing(existing));
        }
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO dnc_entries (phone, since, reason, source, requested_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(phone)
        .bind(to_ms(now))
        .bind(reason)
        .bind(source.as_str())
        .bind(by)
        .fetch_one(&mut *tx)
        .await?;
        let detail = format!(
            "via {}{}",
            source.as_str(),
            reason.map(|r| format!(": {r}")).unwrap_or_default()
        );
        Self::card_event_tx(&mut tx, phone, now, "dnc_added", Some(&detail), by).await?;
        let entry = DncEntry {
            id,
            phone: phone.to_string(),
            since: from_ms(to_ms(now)),
            reason: reason.map(str::to_string),
            source: source.as_str().to_string(),
            requested_by: Some(by.to_string()),
        };
        self.enqueue_event_tx(&mut tx, &dnc_added(&entry), now)
            .await?;
        tx.commit().await?;
        Ok(Added::New(entry))
    }

    /// Closes the active entry; returns false when the number was not on the list.
    pub async fn remove_dnc(&self, phone: &str, by: &str, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE dnc_entries SET removed_at = $1, removed_by = $2 \
             WHERE phone = $3 AND removed_at IS NULL",
        )
        .bind(to_ms(now))
        .bind(by)
        .bind(phone)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        Self::card_event_tx(&mut tx, phone, now, "dnc_removed", None, by).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Adds every number not already listed, in one transaction.
    pub async fn import_dnc(
        &self,
        rows: &[DncImportRow],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<ImportSummary> {
        let mut tx = self.pool().begin().await?;
        let params: Vec<Vec<Param>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.phone.clone().into(),
                    to_ms(now).into(),
                    r.reason.clone().into(),
                    ListSource::Import.as_str().into(),
                    by.into(),
                ]
            })
            .collect();
        let written = insert_rows(
            self.backend(),
            &mut tx,
            "INSERT INTO dnc_entries (phone, since, reason, source, requested_by)",
            "ON CONFLICT DO NOTHING",
            &params,
        )
        .await?;
        let events: Vec<Vec<Param>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.phone.clone().into(),
                    to_ms(now).into(),
                    "dnc_imported".into(),
                    r.reason.clone().into(),
                    by.into(),
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
        if written > 0 && self.subscribers().wants("dnc.added") {
            // The entries this import wrote: existing ones were left alone by ON CONFLICT.
            let rows = sqlx::query(
                "SELECT id, phone, since, reason, source, requested_by FROM dnc_entries \
                 WHERE since = $1 AND source = $2 AND requested_by = $3 AND removed_at IS NULL \
                 ORDER BY id",
            )
            .bind(to_ms(now))
            .bind(ListSource::Import.as_str())
            .bind(by)
            .fetch_all(&mut *tx)
            .await?;
            for row in &rows {
                let entry = dnc_from_row(row)?;
                self.enqueue_event_tx(&mut tx, &dnc_added(&entry), now)
                    .await?;
            }
        }
        tx.commit().await?;
        let written = usize::try_from(written)
            .unwrap_or(usize::MAX)
            .min(rows.len());
        Ok(ImportSummary {
            rows: rows.len(),
            written,
            unchanged: rows.len() - written,
        })
    }

    pub async fn vip_entry(&self, phone: &str) -> Result<Option<VipEntry>> {
        let row = sqlx::query(
            "SELECT id, phone, agent_id, since, added_by FROM vip_entries \
             WHERE phone = $1 AND removed_at IS NULL",
        )
        .bind(phone)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(vip_from_row).transpose()
    }

    pub async fn list_vip(&self) -> Result<Vec<VipEntry>> {
        let rows = sqlx::query(
            "SELECT id, phone, agent_id, since, added_by FROM vip_entries \
             WHERE removed_at IS NULL ORDER BY since, id",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(vip_from_row).collect()
    }

    /// Marks `phone` VIP with `agent_id` as their consultant; a different agent replaces the old one.
    pub async fn add_vip(
        &self,
        phone: &str,
        agent_id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Added<VipEntry>> {
        let summary = self
            .import_vip(&[(phone.to_string(), agent_id.to_string())], by, now)
            .await?;
        let entry = self
            .vip_entry(phone)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("VIP entry for {phone} vanished")))?;
        Ok(if summary.written == 1 {
            Added::New(entry)
        } else {
            Added::Existing(entry)
        })
    }

    /// Sets every (phone, agent) pair in one transaction; an unknown agent fails the whole batch.
    pub async fn import_vip(
        &self,
        rows: &[(String, String)],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<ImportSummary> {
        let mut tx = self.pool().begin().await?;
        let mut summary = ImportSummary {
            rows: rows.len(),
            ..Default::default()
        };
        for (phone, agent) in rows {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM agents WHERE id = $1 AND removed_at IS NULL")
                    .bind(agent)
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_none() {
                return Err(StoreError::NotFound(format!(
                    "no agent {agent:?} (VIP {phone})"
                )));
            }
            let current: Option<String> = sqlx::query_scalar(
                "SELECT agent_id FROM vip_entries WHERE phone = $1 AND removed_at IS NULL",
            )
            .bind(phone)
            .fetch_optional(&mut *tx)
            .await?;
            match current {
                Some(a) if &a == agent => {
                    summary.unchanged += 1;
                    continue;
                }
                Some(old) => {
                    sqlx::query(
                        "UPDATE vip_entries SET removed_at = $1, removed_by = $2 \
                         WHERE phone = $3 AND removed_at IS NULL",
                    )
                    .bind(to_ms(now))
                    .bind(by)
                    .bind(phone)
                    .execute(&mut *tx)
                    .await?;
                    let detail = format!("consultant {old} replaced");
                    Self::card_event_tx(&mut tx, phone, now, "vip_removed", Some(&detail), by)
                        .await?;
                }
                None => {}
            }
            sqlx::query(
                "INSERT INTO vip_entries (phone, agent_id, since, added_by) VALUES ($1, $2, $3, $4)",
            )
            .bind(phone)
            .bind(agent)
            .bind(to_ms(now))
            .bind(by)
            .execute(&mut *tx)
            .await?;
            let detail = format!("consultant {agent}");
            Self::card_event_tx(&mut tx, phone, now, "vip_added", Some(&detail), by).await?;
            summary.written += 1;
        }
        tx.commit().await?;
        Ok(summary)
    }

    pub async fn remove_vip(&self, phone: &str, by: &str, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE vip_entries SET removed_at = $1, removed_by = $2 \
             WHERE phone = $3 AND removed_at IS NULL",
        )
        .bind(to_ms(now))
        .bind(by)
        .bind(phone)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        Self::card_event_tx(&mut tx, phone, now, "vip_removed", None, by).await?;
        tx.commit().await?;
        Ok(true)
    }
}
