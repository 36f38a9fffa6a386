//! Retention on both backends: a run removes only what is past due (rows and recording files),
//! in batches, and logs it; open calls stay; the audit log still refuses every other DELETE and
//! UPDATE; one node at a time holds the job. Then the same through `frontdesk retention run` and
//! the daily job of a running `serve`.

mod common;
mod support;

use chrono::{DateTime, Duration, Utc};
use common::{callback_request, each_backend};
use frontdesk::config::Retention;
use frontdesk::retention::{Run, claim_now};
use frontdesk::store::{Backend, CallEnd, NewCall, Store};
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// An inbound call from `phone` that started at `at`; ended unless `open`, recorded to `file`.
async fn call(
    store: &Store,
    phone: &str,
    at: DateTime<Utc>,
    open: bool,
    file: Option<&Path>,
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    store
        .insert_call(&NewCall {
            id: id.clone(),
            sip_call_id: None,
            direction: "inbound",
            phone: Some(phone.into()),
            caller_raw: None,
            from_number: None,
            asserted_number: None,
            source: None,
            started_at: at,
            node: None,
        })
        .await
        .unwrap();
    store
        .call_event(&id, at, "screening", "known")
        .await
        .unwrap();
    if let Some(f) = file {
        std::fs::write(f, b"RIFF....WAVE").unwrap();
        store
            .set_call_recording(&id, f.to_str().unwrap())
            .await
            .unwrap();
    }
    if !open {
        store
            .close_call(
                &id,
                &CallEnd {
                    ended_at: at + Duration::seconds(30),
                    hangup_by: "caller".into(),
                    outcome: "hangup-in-menu".into(),
                    digits: "1".into(),
                    language: None,
                    recording: file.map(|f| f.display().to_string()),
                    recording_sha256: None,
                },
            )
            .await
            .unwrap();
    }
    id
}

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(store.pool())
        .await
        .unwrap()
}

async fn scenario(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let old = now - Duration::days(10);
    let mid = now - Duration::days(3);
    let (f_old, f_mid, f_new) = (
        dir.path().join("old.wav"),
        dir.path().join("mid.wav"),
        dir.path().join("new.wav"),
    );
    let c_old = call(&store, "+37061230001", old, false, Some(&f_old)).await;
    let c_mid = call(&store, "+37061230001", mid, false, Some(&f_mid)).await;
    let c_new = call(
        &store,
        "+37061230001",
        now - Duration::hours(1),
        false,
        Some(&f_new),
    )
    .await;
    let c_open = call(&store, "+37061230002", old, true, None).await;
    store
        .add_note(
            Some("+37061230001"),
            Some(&c_old),
            "anna",
            Some("sale"),
            Some("x"),
            old,
        )
        .await
        .unwrap();
    // A closed callback from long ago and one still waiting.
    let done = store
        .insert_callback(&callback_request("+37061230001", old, None), old)
        .await
        .unwrap();
    sqlx::query("UPDATE callbacks SET status = 'done', closed_at = $1 WHERE id = $2")
        .bind(old.timestamp_millis())
        .bind(done.id)
        .execute(store.pool())
        .await
        .unwrap();
    store
        .insert_callback(&callback_request("+37061230001", old, None), old)
        .await
        .unwrap();
    for i in 0..5 {
        store
            .audit(
                "sue",
                "recording",
                &c_old,
                Some("download"),
                old + Duration::minutes(i),
            )
            .await
            .unwrap();
    }
    store
        .audit("sue", "recording", &c_new, Some("download"), now)
        .await
        .unwrap();

    // The audit log refuses plain deletes and updates, and a permit that is not old enough.
    for sql in [
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE at < 0 OR 1 = 1",
        "UPDATE audit_log SET actor = 'mallory'",
    ] {
        assert!(
            sqlx::query(sql).execute(store.pool()).await.is_err(),
            "{sql} must be refused"
        );
    }
    let recent = sqlx::query("INSERT INTO audit_purge (cutoff, created_at) VALUES ($1, $1)")
        .bind(now.timestamp_millis())
        .execute(store.pool())
        .await;
    assert!(recent.is_err(), "a permit for today's rows is refused");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_log").await, 6);

    let cfg = Retention {
        recordings_days: Some(2),
        calls_days: Some(5),
        audit_days: Some(5),
        batch_rows: 2,
        batch_pause_ms: 0,
    };
    let stop = CancellationToken::new();
    let run = Run {
        store: &store,
        cfg: &cfg,
        node: "node-a",
        stop: &stop,
    };
    // A dry run counts and touches nothing.
    let dry = run.dry(now).await.unwrap();
    let due = |kind: &str| dry.entries.iter().find(|e| e.kind == kind).unwrap().removed;
    assert_eq!(
        (
            due("recordings"),
            due("calls"),
            due("audit"),
            due("callbacks")
        ),
        (2, 1, 5, 1)
    );
    assert!(f_old.exists() && f_mid.exists());
    assert_eq!(count(&store, "SELECT COUNT(*) FROM retention_log").await, 0);

    // One node at a time.
    claim_now(&store, "node-a").await.unwrap();
    let busy = claim_now(&store, "node-b").await.unwrap_err().to_string();
    assert!(busy.contains("node-a"), "{busy}");

    let report = run.remove(now).await.unwrap();
    store
        .release_job("retention", "node-a", now, true)
        .await
        .unwrap();
    let got = |kind: &str| {
        report
            .entries
            .iter()
            .find(|e| e.kind == kind)
            .unwrap()
            .clone()
    };
    assert_eq!(got("recordings").removed, 2);
    assert_eq!(got("recordings").files_deleted, 2);
    assert_eq!(got("calls").removed, 1);
    assert_eq!(got("callbacks").removed, 1);
    assert_eq!(got("audit").removed, 5, "in batches of 2");
    let audit = got("audit");
    assert_eq!(
        audit.oldest.unwrap().timestamp_millis(),
        old.timestamp_millis()
    );
    assert_eq!(
        audit.newest.unwrap().timestamp_millis(),
        (old + Duration::minutes(4)).timestamp_millis()
    );

    // Only what was due went.
    assert!(!f_old.exists() && !f_mid.exists() && f_new.exists());
    let gone = store.call(&c_old).await.unwrap();
    assert!(gone.is_none());
    assert_eq!(
        count(
            &store,
            &format!("SELECT COUNT(*) FROM call_events WHERE call_id = '{c_old}'")
        )
        .await,
        0
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM notes").await, 0);
    let kept = store.call(&c_mid).await.unwrap().unwrap();
    assert!(
        kept.recording.is_none(),
        "the recording went, the call stays"
    );
    assert_eq!(
        count(
            &store,
            &format!("SELECT COUNT(*) FROM calls WHERE id = '{c_mid}' AND recording_removed_at IS NOT NULL")
        )
        .await,
        1
    );
    assert!(
        store
            .call(&c_new)
            .await
            .unwrap()
            .unwrap()
            .recording
            .is_some()
    );
    assert!(
        store.call(&c_open).await.unwrap().is_some(),
        "open calls are never removed"
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM callbacks").await, 1);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_log").await, 1);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM audit_purge").await,
        0,
        "no permit outlives its batch"
    );
    // Still append-only afterwards.
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(store.pool())
            .await
            .is_err()
    );
    if store.backend() == Backend::Postgres {
        // A permit only opens the log to the transaction that wrote it.
        sqlx::query("INSERT INTO audit_purge (cutoff, created_at) VALUES ($1, $1)")
            .bind((now - Duration::days(2)).timestamp_millis())
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("INSERT INTO audit_log (at, actor, action, object) VALUES ($1, 'x', 'y', 'z')")
            .bind(old.timestamp_millis())
            .execute(store.pool())
            .await
            .unwrap();
        assert!(
            sqlx::query("DELETE FROM audit_log")
                .execute(store.pool())
                .await
                .is_err(),
            "a permit of another transaction opens nothing"
        );
        sqlx::query("DELETE FROM audit_purge")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("INSERT INTO audit_purge (cutoff, created_at) VALUES ($1, $1)")
            .bind((now - Duration::days(2)).timestamp_millis())
            .execute(store.pool())
            .await
            .unwrap();
        assert!(
            sqlx::query("UPDATE audit_purge SET cutoff = 0")
                .execute(store.pool())
                .await
                .is_err(),
            "permits cannot be changed"
        );
        sqlx::query("DELETE FROM audit_purge")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("DELETE FROM audit_log WHERE 1 = 0")
            .execute(store.pool())
            .await
            .unwrap();
    }

    // The log says what went, per kind.
    let log = store.retention_log(50).await.unwrap();
    assert_eq!(log.len(), 6, "{log:?}");
    assert_eq!(
        log.iter().map(|e| e.removed).sum::<i64>(),
        2 + 1 + 1 + 5,
        "{log:?}"
    );
    assert!(
        log.iter()
            .all(|e| e.run_id == report.run_id && e.node == "node-a")
    );
    // Done for the day: the daily claim is refused until a day has passed.
    assert!(
        !store
            .claim_job(
                "retention",
                "node-b",
                now,
                Duration::minutes(5),
                Some(Duration::days(1))
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_job(
                "retention",
                "node-b",
                now + Duration::days(1),
                Duration::minutes(5),
                Some(Duration::days(1))
            )
            .await
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_removes_only_what_is_due() {
    each_backend(scenario).await;
}

/// `frontdesk retention run` and the daily job of `serve`, on SQLite (the store tests above cover
/// PostgreSQL's removal; the job's claim is the same UPDATE on both).
#[tokio::test(flavor = "multi_thread")]
async fn cli_and_daily_job() {
    let svc = support::Service::start("");
    let out = svc.cli(&["retention", "run", "--dry-run"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "nothing configured: a usage error"
    );
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let now = Utc::now();
    let rec = svc.dir.path().join("a.wav");
    let id = call(
        &store,
        "+37061230003",
        now - Duration::days(10),
        false,
        Some(&rec),
    )
    .await;
    let rec2 = svc.dir.path().join("b.wav");
    let id2 = call(
        &store,
        "+37061230004",
        now - Duration::days(10),
        false,
        Some(&rec2),
    )
    .await;
    let mut text = std::fs::read_to_string(&svc.config).unwrap();
    text.push_str("\n[retention]\nrecordings_days = 7\n");
    std::fs::write(&svc.config, &text).unwrap();

    let dry = svc.cli_json(&["retention", "run", "--dry-run", "--json"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["entries"][0]["removed"], 2, "{dry}");
    assert!(rec.exists());
    // The CLI removes now; the row says its recording went.
    std::fs::remove_file(&rec2).unwrap();
    let done = svc.cli_json(&["retention", "run", "--json"]);
    assert_eq!(done["entries"][0]["kind"], "recordings");
    assert_eq!(done["entries"][0]["removed"], 2);
    assert_eq!(done["entries"][0]["files_deleted"], 1);
    assert_eq!(done["entries"][0]["files_missing"], 1);
    assert!(!rec.exists());
    assert!(store.call(&id).await.unwrap().unwrap().recording.is_none());
    assert!(store.call(&id2).await.unwrap().unwrap().recording.is_none());
    let log = svc.cli_json(&["retention", "log", "--json"]);
    assert_eq!(log.as_array().unwrap().len(), 2, "{log}");

    // The daily job of a node started with [retention]: its first check comes soon after start;
    // the CLI's run counts as today's, so free the day first.
    sqlx::query("UPDATE job_leases SET last_run_at = NULL")
        .execute(store.pool())
        .await
        .unwrap();
    let rec3 = svc.dir.path().join("c.wav");
    call(
        &store,
        "+37061230005",
        now - Duration::days(10),
        false,
        Some(&rec3),
    )
    .await;
    store.close().await;
    let svc = svc.restart();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while rec3.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the daily job did not run: {}",
            svc.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let log = svc.cli_json(&["retention", "log", "--json"]);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"] == "test-node" && e["removed"] == 1),
        "{log}"
    );
}
