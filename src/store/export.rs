//! Everything held about one number, for a data-subject request: every row of every table that
//! names it (or belongs to a call or callback that does), column by column, so nothing the schema
//! holds is left out when a column is added.

use super::{Card, Result, Store, to_ms};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Column, Row};
use std::collections::BTreeMap;

/// The tables of an export and the query that gives a number's rows in each ($1: the phone).
const TABLES: &[(&str, &str)] = &[
    ("clients", "SELECT * FROM clients WHERE phone = $1"),
    (
        "dnc_entries",
        "SELECT * FROM dnc_entries WHERE phone = $1 ORDER BY since, id",
    ),
    (
        "vip_entries",
        "SELECT * FROM vip_entries WHERE phone = $1 ORDER BY since, id",
    ),
    (
        "calls",
        "SELECT * FROM calls WHERE phone = $1 ORDER BY started_at, id",
    ),
    (
        "call_events",
        "SELECT * FROM call_events WHERE call_id IN (SELECT id FROM calls WHERE phone = $1) \
         ORDER BY call_id, at, id",
    ),
    (
        "callbacks",
        "SELECT * FROM callbacks WHERE phone = $1 ORDER BY requested_at, id",
    ),
    (
        "callback_attempts",
        "SELECT * FROM callback_attempts WHERE callback_id IN \
         (SELECT id FROM callbacks WHERE phone = $1) ORDER BY callback_id, at, id",
    ),
    (
        "complaints",
        "SELECT * FROM complaints WHERE phone = $1 ORDER BY created_at, id",
    ),
    (
        "survey_scores",
        "SELECT * FROM survey_scores WHERE phone = $1 ORDER BY at, id",
    ),
    (
        "notes",
        "SELECT * FROM notes WHERE phone = $1 ORDER BY at, id",
    ),
    (
        "card_events",
        "SELECT * FROM card_events WHERE phone = $1 ORDER BY at, id",
    ),
];

/// One number's data: the card as the console shows it, then every row behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub phone: String,
    pub exported_at: DateTime<Utc>,
    pub card: Option<Card>,
    /// Table name → its rows (column → value; instants are milliseconds since the epoch).
    pub tables: BTreeMap<String, Vec<Value>>,
    /// The recording and complaint-message files the rows name.
    pub files: Vec<String>,
}

/// A row as a JSON object, whatever its columns' types.
fn row_json(r: &AnyRow) -> Value {
    let mut obj = Map::new();
    for (i, col) in r.columns().iter().enumerate() {
        let v = if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = r.try_get::<Option<String>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else {
            Value::Null
        };
        obj.insert(col.name().to_string(), v);
    }
    Value::Object(obj)
}

impl Store {
    /// Everything held about `phone`; None when nothing is.
    pub async fn export_client(&self, phone: &str, now: DateTime<Utc>) -> Result<Option<Export>> {
        let card = self.card(phone).await?;
        let mut tables = BTreeMap::new();
        let mut files = Vec::new();
        let mut any = card.is_some();
        for (name, sql) in TABLES {
            let rows = sqlx::query(*sql)
                .bind(phone)
                .fetch_all(self.reader())
                .await?;
            any |= !rows.is_empty();
            let rows: Vec<Value> = rows.iter().map(row_json).collect();
            for r in &rows {
                for key in ["recording_path", "message_path"] {
                    if let Some(p) = r.get(key).and_then(Value::as_str) {
                        files.push(p.to_string());
                    }
                }
            }
            tables.insert(name.to_string(), rows);
        }
        if !any {
            return Ok(None);
        }
        Ok(Some(Export {
            phone: phone.to_string(),
            exported_at: super::from_ms(to_ms(now)),
            card,
            tables,
            files,
        }))
    }

    /// Logs an export on the card (kind `exported`) and on the audit log, which names the card
    /// event rather than the number, so an erasure later leaves no number in the append-only log.
    pub async fn log_export(
        &self,
        phone: &str,
        actor: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO card_events (phone, at, kind, detail, actor) \
             VALUES ($1, $2, 'exported', $3, $4) RETURNING id",
        )
        .bind(phone)
        .bind(to_ms(at))
        .bind(detail)
        .bind(actor)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, object, detail) VALUES ($1, $2, 'export', $3, $4)",
        )
        .bind(to_ms(at))
        .bind(actor)
        .bind(format!("card-event:{id}"))
        .bind(detail)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
