//! Call rows and their event timelines.

use super::{Result, Store, from_ms, from_ms_opt, to_ms};
use crate::notify::event::{Event, RecordingReady};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The row a call gets when it first arrives; the rest is filled in as it proceeds.
#[derive(Debug, Clone)]
pub struct NewCall {
    pub id: String,
    pub sip_call_id: Option<String>,
    pub direction: &'static str,
    pub phone: Option<String>,
    /// The number we believed, as presented (see `sip::request::IdentityPolicy`).
    pub caller_raw: Option<String>,
    /// What the caller's request claimed, kept as evidence whether believed or not: the From
    /// user part and the P-Asserted-Identity.
    pub from_number: Option<String>,
    pub asserted_number: Option<String>,
    /// The network address the request came from (`ip:port`), from the socket.
    pub source: Option<String>,
    pub started_at: DateTime<Utc>,
    pub node: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CallRow {
    pub id: String,
    pub phone: Option<String>,
    pub direction: String,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub hangup_by: Option<String>,
    pub outcome: Option<String>,
    pub agent: Option<String>,
    pub language: Option<String>,
    pub digits: String,
    pub recording: Option<String>,
    pub recording_sha256: Option<String>,
    /// The From number and the P-Asserted-Identity the caller's request carried.
    pub from_number: Option<String>,
    pub asserted_number: Option<String>,
}

/// How a call ended.
#[derive(Debug, Clone)]
pub struct CallEnd {
    pub ended_at: DateTime<Utc>,
    /// caller, frontdesk, timeout (RTP), crash, shutdown.
    pub hangup_by: String,
    pub outcome: String,
    pub digits: String,
    pub language: Option<String>,
    pub recording: Option<String>,
    pub recording_sha256: Option<String>,
}

/// Which calls to list; newest first. `before` is the keyset cursor: (started_at, id) of the last
/// call of the previous page.
#[derive(Debug, Clone, Default)]
pub struct CallsFilter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub phone: Option<String>,
    pub agent: Option<String>,
    pub outcome: Option<String>,
    pub before: Option<(DateTime<Utc>, String)>,
    pub limit: i64,
}

fn call_from_row(r: &AnyRow) -> Result<CallRow> {
    Ok(CallRow {
        id: r.try_get("id")?,
        phone: r.try_get("phone")?,
        direction: r.try_get("direction")?,
        started_at: from_ms(r.try_get("started_at")?),
        answered_at: from_ms_opt(r.try_get("answered_at")?),
        ended_at: from_ms_opt(r.try_get("ended_at")?),
        hangup_by: r.try_get("hangup_by")?,
        outcome: r.try_get("outcome")?,
        agent: r.try_get("agent_id")?,
        language: r.try_get("language")?,
        digits: r.try_get("digits")?,
        recording: r.try_get("recording_path")?,
        recording_sha256: r.try_get("recording_sha256")?,
        from_number: r.try_get("from_number")?,
        asserted_number: r.try_get("asserted_number")?,
    })
}

impl Store {
    pub async fn insert_call(&self, call: &NewCall) -> Result<()> {
        self.insert_row(call, false).await
    }

    /// The row of a call refused at the door (503): opened and closed in one write.
    pub async fn insert_refused_call(&self, call: &NewCall) -> Result<()> {
        self.insert_row(call, true).await
    }

    async fn insert_row(&self, call: &NewCall, refused: bool) -> Result<()> {
        let (ended_at, hangup_by, outcome) = if refused {
            (
                Some(to_ms(call.started_at)),
                Some("frontdesk"),
                Some("refused"),
            )
        } else {
            (None, None, None)
        };
        sqlx::query(
            "INSERT INTO calls (id, sip_call_id, direction, phone, caller_raw, from_number, \
             asserted_number, source, started_at, node, ended_at, hangup_by, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&call.id)
        .bind(&call.sip_call_id)
        .bind(call.direction)
        .bind(&call.phone)
        .bind(&call.caller_raw)
        .bind(&call.from_number)
        .bind(&call.asserted_number)
        .bind(&call.source)
        .bind(to_ms(call.started_at))
        .bind(&call.node)
        .bind(ended_at)
        .bind(hangup_by)
        .bind(outcome)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn call_answered(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE calls SET answered_at = $1 WHERE id = $2")
            .bind(to_ms(at))
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// One step of the call's timeline (flow decisions, digits, media events).
    pub async fn call_event(
        &self,
        id: &str,
        at: DateTime<Utc>,
        kind: &str,
        detail: &str,
    ) -> Result<()> {
        sqlx::query("INSERT INTO call_events (call_id, at, kind, detail) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(to_ms(at))
            .bind(kind)
            .bind(detail)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Closes the row once, at the end of the call (or at the next start after a crash).
    /// With local storage the recording is ready once its row is closed with its SHA-256, so
    /// `recording.ready` is queued in the same transaction (with object storage, once uploaded).
    pub async fn close_call(&self, id: &str, end: &CallEnd) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        self.close_call_tx(&mut tx, id, end).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The SHA-256 of `end`'s recording when closing it must queue `recording.ready`.
    pub(super) fn announces_recording<'e>(&self, end: &'e CallEnd) -> Option<&'e str> {
        let subs = self.subscribers();
        end.recording_sha256
            .as_deref()
            .filter(|_| !subs.recordings_uploaded && subs.wants("recording.ready"))
    }

    /// `close_call` inside the caller's transaction.
    pub(super) async fn close_call_tx(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
        end: &CallEnd,
    ) -> Result<()> {
        let ready = self.announces_recording(end);
        let done = sqlx::query(
            "UPDATE calls SET ended_at = $1, hangup_by = $2, outcome = $3, digits = $4, \
               language = COALESCE($5, language), recording_path = COALESCE($6, recording_path), \
               recording_sha256 = COALESCE($7, recording_sha256) \
             WHERE id = $8 AND ended_at IS NULL",
        )
        .bind(to_ms(end.ended_at))
        .bind(&end.hangup_by)
        .bind(&end.outcome)
        .bind(&end.digits)
        .bind(&end.language)
        .bind(&end.recording)
        .bind(&end.recording_sha256)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        if let Some(sha256) = ready.filter(|_| done.rows_affected() > 0) {
            let phone: Option<String> = sqlx::query_scalar("SELECT phone FROM calls WHERE id = $1")
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
            let event = Event::RecordingReady(RecordingReady::new(id, phone, sha256, "local"));
            self.enqueue_event_tx(tx, &event, end.ended_at).await?;
        }
        Ok(())
    }

    pub async fn set_call_recording(&self, id: &str, path: &str) -> Result<()> {
        sqlx::query("UPDATE calls SET recording_path = $1 WHERE id = $2")
            .bind(path)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Calls left open by a crash of `node` (or of any node when `node` is None).
    pub async fn open_calls(&self, node: Option<&str>) -> Result<Vec<CallRow>> {
        let rows = sqlx::query(
            "SELECT id, phone, direction, started_at, answered_at, ended_at, hangup_by, outcome, \
               agent_id, language, digits, recording_path, recording_sha256, from_number, \
               asserted_number FROM calls \
             WHERE ended_at IS NULL AND ($1 IS NULL OR node = $1) ORDER BY started_at",
        )
        .bind(node)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(call_from_row).collect()
    }

    pub async fn call(&self, id: &str) -> Result<Option<CallRow>> {
        let row = sqlx::query(
            "SELECT id, phone, direction, started_at, answered_at, ended_at, hangup_by, outcome, \
               agent_id, language, digits, recording_path, recording_sha256, from_number, \
               asserted_number FROM calls WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(call_from_row).transpose()
    }

    /// (kind, detail) of every event of a call, in order.
    pub async fn call_events(&self, id: &str) -> Result<Vec<(DateTime<Utc>, String, String)>> {
        let rows = sqlx::query(
            "SELECT at, kind, detail FROM call_events WHERE call_id = $1 ORDER BY at, id",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    from_ms(r.try_get("at")?),
                    r.try_get("kind")?,
                    r.try_get::<Option<String>, _>("detail")?
                        .unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// Opens a complaint and escalates it to the supervisors at once; the escalation (who, when) is
    /// written to the card in the same transaction.
    pub async fn insert_complaint(
        &self,
        phone: Option<&str>,
        call_id: &str,
        message_path: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO complaints (phone, call_id, created_at, message_path, status, escalated_at, escalated_to) \
             VALUES ($1, $2, $3, $4, 'open', $3, 'supervisors') RETURNING id",
        )
        .bind(phone)
        .bind(call_id)
        .bind(to_ms(at))
        .bind(message_path)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(phone) = phone {
            let detail = format!("complaint #{id} escalated to supervisors");
            Self::card_event_tx(
                &mut tx,
                phone,
                at,
                "complaint_escalated",
                Some(&detail),
                "frontdesk",
            )
            .await?;
        }
        let complaint = Self::complaint_tx(&mut tx, id).await?;
        self.enqueue_event_tx(&mut tx, &Event::ComplaintEscalated(complaint), at)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One page of calls, newest first. Only the filters given become conditions, so each query
    /// can be answered by one index in order (`migrations/*/0003_console.sql`): a rare phone or an
    /// agent-and-outcome pair that never occurs costs a short index probe, not a scan.
    pub async fn list_calls(&self, filter: &CallsFilter) -> Result<Vec<CallRow>> {
        let mut conds: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        // Adds a value to bind and returns its placeholder number.
        let mut param = |b: Bind| {
            binds.push(b);
            binds.len()
        };
        if let Some(t) = filter.since {
            conds.push(format!("started_at >= ${}", param(Bind::Int(to_ms(t)))));
        }
        if let Some(t) = filter.until {
            conds.push(format!("started_at < ${}", param(Bind::Int(to_ms(t)))));
        }
        for (column, value) in [
            ("phone", &filter.phone),
            ("agent_id", &filter.agent),
            ("outcome", &filter.outcome),
        ] {
            if let Some(v) = value {
                conds.push(format!("{column} = ${}", param(Bind::Text(v.clone()))));
            }
        }
        if let Some((t, id)) = &filter.before {
            // The first conjunct bounds the index range; the second breaks ties on the same ms.
            let a = param(Bind::Int(to_ms(*t)));
            let b = param(Bind::Text(id.clone()));
            conds.push(format!(
                "started_at <= ${a} AND (started_at < ${a} OR id < ${b})"
            ));
        }
        let limit = param(Bind::Int(if filter.limit > 0 { filter.limit } else { 100 }));
        let sql = format!(
            "SELECT id, phone, direction, started_at, answered_at, ended_at, hangup_by, outcome, \
               agent_id, language, digits, recording_path, recording_sha256, from_number, \
               asserted_number FROM calls{} \
             ORDER BY started_at DESC, id DESC LIMIT ${limit}",
            if conds.is_empty() {
                String::new()
            } else {
                format!(" WHERE {}", conds.join(" AND "))
            }
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = match b {
                Bind::Int(v) => query.bind(v),
                Bind::Text(v) => query.bind(v),
            };
        }
        let rows = query.fetch_all(self.reader()).await?;
        rows.iter().map(call_from_row).collect()
    }
}

/// A value for one `$n` of a query assembled at run time.
enum Bind {
    Int(i64),
    Text(String),
}

impl Store {
    /// Many timeline lines in one transaction (the call path's batched writer).
    pub async fn insert_call_events(
        &self,
        events: &[(String, DateTime<Utc>, String, String)],
    ) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let rows: Vec<Vec<super::batch::Param>> = events
            .iter()
            .map(|(id, at, kind, detail)| {
                vec![
                    id.as_str().into(),
                    to_ms(*at).into(),
                    kind.as_str().into(),
                    detail.as_str().into(),
                ]
            })
            .collect();
        let mut tx = self.pool().begin().await?;
        super::batch::insert_rows(
            self.backend(),
            &mut tx,
            "INSERT INTO call_events (call_id, at, kind, detail)",
            "",
            &rows,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    async fn store_with(calls: &[(&str, i64, &str, Option<&str>)]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("fd.db").display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        for (id, minute, outcome, agent) in calls {
            let started_at = t0 + chrono::Duration::minutes(*minute);
            store
                .insert_call(&NewCall {
                    id: id.to_string(),
                    sip_call_id: None,
                    direction: "inbound",
                    phone: Some("+37061234567".into()),
                    caller_raw: None,
                    from_number: None,
                    asserted_number: None,
                    source: None,
                    started_at,
                    node: None,
                })
                .await
                .unwrap();
            sqlx::query("UPDATE calls SET outcome = $1, agent_id = $2 WHERE id = $3")
                .bind(outcome)
                .bind(agent)
                .bind(id)
                .execute(store.pool())
                .await
                .unwrap();
        }
        (dir, store)
    }

    /// Walks every page of `filter` two rows at a time.
    async fn pages(store: &Store, mut filter: CallsFilter) -> Vec<String> {
        filter.limit = 2;
        let mut seen = Vec::new();
        loop {
            let page = store.list_calls(&filter).await.unwrap();
            let Some(last) = page.last() else { break };
            filter.before = Some((last.started_at, last.id.clone()));
            seen.extend(page.into_iter().map(|c| c.id));
        }
        seen
    }

    #[tokio::test]
    async fn keyset_pages_break_ties_on_the_same_instant_and_combine_filters() {
        let (_dir, store) = store_with(&[
            ("a", 0, "complaint", Some("anna")),
            ("b", 1, "complaint", Some("ben")),
            ("c", 1, "failed", Some("anna")),
            ("d", 1, "complaint", Some("anna")),
            ("e", 2, "complaint", None),
        ])
        .await;
        let all = pages(&store, CallsFilter::default()).await;
        assert_eq!(all, ["e", "d", "c", "b", "a"], "newest first, ties by id");
        let anna_complaints = CallsFilter {
            agent: Some("anna".into()),
            outcome: Some("complaint".into()),
            ..Default::default()
        };
        assert_eq!(pages(&store, anna_complaints).await, ["d", "a"]);
        let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        let minute_one = CallsFilter {
            since: Some(t0 + chrono::Duration::minutes(1)),
            until: Some(t0 + chrono::Duration::minutes(2)),
            ..Default::default()
        };
        assert_eq!(pages(&store, minute_one).await, ["d", "c", "b"]);
        let nobody = CallsFilter {
            phone: Some("+37060000000".into()),
            ..Default::default()
        };
        assert!(pages(&store, nobody).await.is_empty());
        store.close().await;
    }
}
