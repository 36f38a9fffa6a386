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

/// Whose eyes a card is read with. Agents see in full only what is theirs (see `SOURCES`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Supervisors, admins and the command line: everything.
    All,
    /// An agent user: `agent_id` is the agent they answer as (None if not linked to one), `user`
    /// their user name (the author of their notes).
    Agent {
        agent_id: Option<String>,
        user: String,
    },
}

/// The summary another agent's entry shows instead of its own: no keys, notes or names.
pub const OTHER_AGENTS_CALL: &str = "handled by another agent";
/// The summary of a note someone else wrote about a call that is not the viewer's.
pub const OTHER_USERS_NOTE: &str = "written by another user";

/// Each source of the timeline: SQL yielding (at, kind, summary, reference, owner, author) for one
/// phone ($1). `owner` is the agent the entry belongs to (the call's agent; a callback's agent);
/// `author` the user who wrote a note. NULL owner means nobody's (a call no agent answered, an
/// unassigned callback, a change to the card itself).
const SOURCES: &[&str] = &[
    "SELECT started_at AS at, 'call' AS kind, \
       COALESCE(outcome, 'in progress') || CASE WHEN agent_id IS NULL THEN '' ELSE ' with ' || agent_id END \
       || CASE WHEN digits = '' THEN '' ELSE ', keys ' || digits END AS summary, id AS reference, \
       agent_id AS owner, CAST(NULL AS TEXT) AS author \
     FROM calls WHERE phone = $1",
    "SELECT requested_at AS at, 'callback' AS kind, \
       status || ' (' || source || '), attempts ' || CAST(attempts AS TEXT) \
       || COALESCE(', result ' || result, '') || COALESCE(', promised: ' || promise, '') AS summary, \
       CAST(id AS TEXT) AS reference, agent_id AS owner, CAST(NULL AS TEXT) AS author \
     FROM callbacks WHERE phone = $1",
    "SELECT m.created_at AS at, 'complaint' AS kind, \
       m.status || COALESCE(', escalated to ' || m.escalated_to, '') AS summary, \
       CAST(m.id AS TEXT) AS reference, c.agent_id AS owner, CAST(NULL AS TEXT) AS author \
     FROM complaints m LEFT JOIN calls c ON c.id = m.call_id WHERE m.phone = $1",
    "SELECT s.at, 'survey' AS kind, 'score ' || CAST(s.score AS TEXT) AS summary, \
       s.call_id AS reference, c.agent_id AS owner, CAST(NULL AS TEXT) AS author \
     FROM survey_scores s LEFT JOIN calls c ON c.id = s.call_id WHERE s.phone = $1",
    "SELECT n.at, 'note' AS kind, COALESCE(n.disposition || ': ', '') || COALESCE(n.body, '') \
       || ' (' || n.author || ')' AS summary, n.call_id AS reference, c.agent_id AS owner, \
       n.author AS author \
     FROM notes n LEFT JOIN calls c ON c.id = n.call_id WHERE n.phone = $1",
    "SELECT at, kind, COALESCE(detail, '') || COALESCE(' (' || actor || ')', '') AS summary, \
       CAST(NULL AS TEXT) AS reference, CAST(NULL AS TEXT) AS owner, CAST(NULL AS TEXT) AS author \
     FROM card_events WHERE phone = $1",
];

/// Whether the viewer ($2 = 1 for an agent, $3 their agent id, $4 their user name) sees a row in
/// full: everyone else's view is restricted to their own entries and nobody's. A note is the
/// viewer's when they wrote it or it is about their call; anything else with an owner or an
/// author belongs to someone else.
const VISIBLE: &str = "($2 = 0 \
    OR (author IS NULL AND (owner IS NULL OR owner = CAST($3 AS TEXT))) \
    OR author = CAST($4 AS TEXT) OR owner = CAST($3 AS TEXT))";

/// The timeline query for one viewer: hidden entries keep their time and kind, lose their
/// reference and get a fixed summary, all decided in SQL from each row's owner.
fn timeline_sql() -> String {
    format!(
        "SELECT at, kind, \
           CASE WHEN {VISIBLE} THEN summary \
                WHEN kind = 'note' THEN '{OTHER_USERS_NOTE}' ELSE '{OTHER_AGENTS_CALL}' END AS summary, \
           CASE WHEN {VISIBLE} THEN reference END AS reference \
         FROM ({}) t ORDER BY at",
        SOURCES.join(" UNION ALL ")
    )
}

impl Visibility {
    fn binds(&self) -> (i64, Option<&str>, Option<&str>) {
        match self {
            Visibility::All => (0, None, None),
            Visibility::Agent { agent_id, user } => (1, agent_id.as_deref(), Some(user.as_str())),
        }
    }
}

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

    /// The whole timeline of one number, oldest first, as `viewer` may see it.
    pub async fn timeline(&self, phone: &str, viewer: &Visibility) -> Result<Vec<TimelineItem>> {
        let (restricted, agent, user) = viewer.binds();
        let rows = sqlx::query(sqlx::AssertSqlSafe(timeline_sql()))
            .bind(phone)
            .bind(restricted)
            .bind(agent)
            .bind(user)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(item_from_row).collect()
    }

    /// The card of `phone` with everything on it, or None when nothing at all is known about it.
    pub async fn card(&self, phone: &str) -> Result<Option<Card>> {
        self.card_for(phone, &Visibility::All).await
    }

    /// The card of `phone` as `viewer` may see it: the fields and lists, and the timeline with
    /// other agents' entries summarised.
    pub async fn card_for(&self, phone: &str, viewer: &Visibility) -> Result<Option<Card>> {
        if !self.knows(phone).await? {
            return Ok(None);
        }
        Ok(Some(Card {
            phone: phone.to_string(),
            client: self.client(phone).await?,
            dnc: self.dnc_entry(phone).await?,
            vip: self.vip_entry(phone).await?,
            timeline: self.timeline(phone, viewer).await?,
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
