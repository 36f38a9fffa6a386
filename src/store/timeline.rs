//! The card's timeline: every call, callback, complaint, survey score, note and explicit change to
//! the card, in time order.

use super::{Result, Store, from_ms, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// An explicit, attributed change to a card (DNC/VIP, consent, edits, erasure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CardEvent {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: Option<String>,
    pub actor: Option<String>,
}

/// One line of a card's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    pub at: DateTime<Utc>,
    /// call, callback, complaint, survey, note, or a card event kind such as dnc_added.
    pub kind: String,
    pub summary: String,
    /// The id of the call, callback, complaint… it refers to.
    pub reference: Option<String>,
}

/// Everything about one number: the card fields, the lists, the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Card {
    pub phone: String,
    pub client: Option<super::Client>,
    pub dnc: Option<super::DncEntry>,
    pub vip: Option<super::VipEntry>,
    pub timeline: Vec<TimelineItem>,
}

/// Each source of the timeline: SQL yielding (at, kind, summary, reference) for one phone.
const SOURCES: &[&str] = &[
    "SELECT started_at AS at, 'call' AS kind, \
       COALESCE(outcome, 'in progress') || CASE WHEN agent_id IS NULL THEN '' ELSE ' with ' || agent_id END \
       || CASE WHEN digits = '' THEN '' ELSE ', keys ' || digits END AS summary, id AS reference \
     FROM calls WHERE phone = $1",
    "SELECT requested_at AS at, 'callback' AS kind, \
       status || ' (' || source || '), attempts ' || CAST(attempts AS TEXT) \
       || COALESCE(', result ' || result, '') AS summary, CAST(id AS TEXT) AS reference \
     FROM callbacks WHERE phone = $1",
    "SELECT created_at AS at, 'complaint' AS kind, \
       status || COALESCE(', escalated to ' || escalated_to, '') AS summary, CAST(id AS TEXT) AS reference \
     FROM complaints WHERE phone = $1",
    "SELECT at, 'survey' AS kind, 'score ' || CAST(score AS TEXT) AS summary, call_id AS reference \
     FROM survey_scores WHERE phone = $1",
    "SELECT at, 'note' AS kind, COALESCE(disposition || ': ', '') || COALESCE(body, '') \
       || ' (' || author || ')' AS summary, call_id AS reference \
     FROM notes WHERE phone = $1",
    "SELECT at, kind, COALESCE(detail, '') || COALESCE(' (' || actor || ')', '') AS summary, \
       NULL AS reference \
     FROM card_events WHERE phone = $1",
];

fn item_from_row(r: &AnyRow) -> Result<TimelineItem> {
    Ok(TimelineItem {
        at: from_ms(r.try_get("at")?),
        kind: r.try_get("kind")?,
        summary: r
            .try_get::<Option<String>, _>("summary")?
            .unwrap_or_default(),
        reference: r.try_get("reference")?,
    })
}

impl Store {
    pub(crate) async fn card_event_tx(
        tx: &mut Transaction<'_, Any>,
        phone: &str,
        at: DateTime<Utc>,
        kind: &str,
        detail: Option<&str>,
        actor: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO card_events (phone, at, kind, detail, actor) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(phone)
        .bind(to_ms(at))
        .bind(kind)
        .bind(detail)
        .bind(actor)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Records an explicit change to a card.
    pub async fn card_event(
        &self,
        phone: &str,
        at: DateTime<Utc>,
        kind: &str,
        detail: Option<&str>,
        actor: &str,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        Self::card_event_tx(&mut tx, phone, at, kind, detail, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The whole timeline of one number, oldest first.
    pub async fn timeline(&self, phone: &str) -> Result<Vec<TimelineItem>> {
        let sql = format!(
            "SELECT at, kind, summary, reference FROM ({}) t ORDER BY at",
            SOURCES.join(" UNION ALL ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(phone)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// The card of `phone`, or None when nothing at all is known about the number.
    pub async fn card(&self, phone: &str) -> Result<Option<Card>> {
        if !self.knows(phone).await? {
            return Ok(None);
        }
        Ok(Some(Card {
            phone: phone.to_string(),
            client: self.client(phone).await?,
            dnc: self.dnc_entry(phone).await?,
            vip: self.vip_entry(phone).await?,
            timeline: self.timeline(phone).await?,
        }))
    }

    /// Whether anything at all is known about `phone`: a card row or any history.
    pub async fn knows(&self, phone: &str) -> Result<bool> {
        if self.client(phone).await?.is_some() {
            return Ok(true);
        }
        let sql = format!("SELECT COUNT(*) FROM ({}) t", SOURCES.join(" UNION ALL "));
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(phone)
            .fetch_one(self.reader())
            .await?;
        Ok(n > 0)
    }
}
