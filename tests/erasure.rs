//! Erasure and export through the real server and CLI, on SQLite and PostgreSQL: only an admin
//! may erase over the API; the card, recordings, complaint messages and note bodies go; calls,
//! surveys and callbacks stay under a pseudonym; the DNC entry stays unless asked; a live call
//! refuses the erasure; the erasure is recorded and audited. An export writes the JSON and copies
//! of the recordings, and is logged.

mod common;
mod support;

use chrono::{Duration, Utc};
use frontdesk::store::{CallEnd, NewCall, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use support::Service;
use support::api::token;

const ERASED: &str = "+37061239001";
const ERASED_WITH_DNC: &str = "+37061239002";
const LIVE: &str = "+37061239003";

async fn call(
    store: &Store,
    phone: &str,
    ended: bool,
    agent: Option<&str>,
    file: Option<&Path>,
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let at = Utc::now() - Duration::hours(2);
    store
        .insert_call(&NewCall {
            id: id.clone(),
            sip_call_id: None,
            direction: "inbound",
            phone: Some(phone.into()),
            caller_raw: Some(phone.into()),
            from_number: Some(phone.into()),
            asserted_number: None,
            source: None,
            started_at: at,
            node: None,
        })
        .await
        .unwrap();
    store
        .call_event(&id, at, "screening", &format!("caller {phone}, known"))
        .await
        .unwrap();
    if ended {
        if let Some(f) = file {
            std::fs::write(f, b"RIFF....WAVEfmt ").unwrap();
        }
        store
            .close_call(
                &id,
                &CallEnd {
                    ended_at: at + Duration::seconds(40),
                    hangup_by: "caller".into(),
                    outcome: "answered-by-agent".into(),
                    digits: "1".into(),
                    language: Some("lt".into()),
                    recording: file.map(|f| f.display().to_string()),
                    recording_sha256: None,
                },
            )
            .await
            .unwrap();
    }
    if let Some(a) = agent {
        sqlx::query("UPDATE calls SET agent_id = $1 WHERE id = $2")
            .bind(a)
            .bind(&id)
            .execute(store.pool())
            .await
            .unwrap();
    }
    id
}

fn ok(svc: &Service, args: &[&str]) -> String {
    let out = svc.cli(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn scalar(store: &Store, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(bind)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

async fn scenario(db: Option<String>) {
    let top = db
        .as_deref()
        .map(|u| format!("database_url = \"{u}\"\n"))
        .unwrap_or_default();
    let svc = Service::start_with_top(&top, "");
    ok(
        &svc,
        &["agents", "add", "anna", "--uri", "sip:anna@127.0.0.1"],
    );
    let admin = token(&svc, &["users", "add", "boss", "--role", "admin"]);
    let sup = token(&svc, &["users", "add", "sue", "--role", "supervisor"]);
    let agent = token(
        &svc,
        &["users", "add", "anna", "--role", "agent", "--agent", "anna"],
    );
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(
        &csv,
        format!(
            "phone,name,language,time_zone,hours,email,notes\n\
             {ERASED},Ona Petraitė,lt,Europe/Vilnius,Mon-Fri 09:00-17:00,ona@example.lt,allergic to hold music\n\
             {ERASED_WITH_DNC},Jonas,lt,,,,\n"
        ),
    )
    .unwrap();
    ok(&svc, &["clients", "import", csv.to_str().unwrap()]);
    ok(
        &svc,
        &["callbacks", "request", ERASED, "--reason", "about my bill"],
    );
    ok(
        &svc,
        &["dnc", "add", ERASED, "--reason", "asked on the phone"],
    );
    ok(
        &svc,
        &["dnc", "add", ERASED_WITH_DNC, "--reason", "web form"],
    );
    ok(&svc, &["vip", "add", ERASED, "--agent", "anna"]);

    let store = Store::connect(&svc.db_url_or(db.as_deref())).await.unwrap();
    let rec = svc.dir.path().join("ona.wav");
    let msg = svc.dir.path().join("ona-complaint.wav");
    let c1 = call(&store, ERASED, true, Some("anna"), Some(&rec)).await;
    std::fs::write(&msg, b"RIFF....WAVE").unwrap();
    store
        .insert_complaint(Some(ERASED), &c1, Some(msg.to_str().unwrap()), Utc::now())
        .await
        .unwrap();
    sqlx::query("INSERT INTO survey_scores (call_id, phone, score, at) VALUES ($1, $2, 9, $3)")
        .bind(&c1)
        .bind(ERASED)
        .bind(Utc::now().timestamp_millis())
        .execute(store.pool())
        .await
        .unwrap();
    let c2 = call(&store, ERASED_WITH_DNC, true, None, None).await;
    let live = call(&store, LIVE, false, None, None).await;

    let base = format!("http://{}", svc.http);
    let http = reqwest::Client::new();
    let note = http
        .post(format!("{base}/api/v1/calls/{c1}/notes"))
        .bearer_auth(&agent)
        .json(&json!({"disposition": "sale", "body": "Ona's account 12345"}))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), StatusCode::CREATED);

    // The export first: one JSON with everything, a copy of each recording, and a log of it.
    let out = svc.dir.path().join("export");
    let said = ok(
        &svc,
        &["clients", "export", ERASED, "--out", out.to_str().unwrap()],
    );
    assert!(said.contains("2 of 2 files copied"), "{said}");
    let export: Value =
        serde_json::from_slice(&std::fs::read(out.join("export.json")).unwrap()).unwrap();
    assert_eq!(export["phone"], ERASED);
    assert_eq!(export["card"]["client"]["name"], "Ona Petraitė");
    let tables = &export["tables"];
    for (table, n) in [
        ("clients", 1),
        ("calls", 1),
        ("call_events", 1),
        ("callbacks", 1),
        ("complaints", 1),
        ("survey_scores", 1),
        ("notes", 1),
        ("dnc_entries", 1),
        ("vip_entries", 1),
    ] {
        assert_eq!(
            tables[table].as_array().unwrap().len(),
            n,
            "{table}: {export}"
        );
    }
    assert_eq!(tables["notes"][0]["body"], "Ona's account 12345");
    let copies = export["file_copies"].as_array().unwrap();
    assert_eq!(copies.len(), 2);
    let copy = out.join(copies[0]["copy"].as_str().unwrap());
    assert_eq!(std::fs::read(copy).unwrap(), std::fs::read(&rec).unwrap());
    assert_eq!(
        scalar(
            &store,
            "SELECT COUNT(*) FROM card_events WHERE phone = $1 AND kind = 'exported'",
            ERASED
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND actor LIKE $1",
            "cli:%"
        )
        .await,
        1
    );

    // Only an admin erases over the API, with a reason.
    let erase = |token: &str, phone: &str, body: Value| {
        http.post(format!(
            "{base}/api/v1/clients/{}/erase",
            phone.replace('+', "%2B")
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
    };
    for t in [&sup, &agent] {
        let r = erase(t, ERASED, json!({"reason": "DSR-1"})).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = erase(&admin, ERASED, json!({"reason": "  "}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = erase(&admin, ERASED, json!({"reason": "x".repeat(501)}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = erase(&admin, ERASED, json!({"reason": "DSR-1", "extra": 1}))
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert!(rec.exists(), "refused requests erase nothing");
    // A call in progress: refused until it ends.
    let r = erase(&admin, LIVE, json!({"reason": "DSR-3"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("in progress"),
        "{body}"
    );
    assert!(store.call(&live).await.unwrap().unwrap().phone.as_deref() == Some(LIVE));

    let r = erase(&admin, ERASED, json!({"reason": "DSR-1"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let erasure: Value = r.json().await.unwrap();
    let pseudo = erasure["pseudonym"].as_str().unwrap().to_string();
    assert!(pseudo.starts_with("erased:"), "{erasure}");
    assert_eq!(erasure["actor"], "api:boss");
    assert_eq!(erasure["removed"]["card"], 1);
    assert_eq!(erasure["removed"]["recordings"], 1);
    assert_eq!(erasure["removed"]["complaint_messages"], 1);
    assert_eq!(erasure["removed"]["files_deleted"], 2);
    assert_eq!(erasure["removed"]["dnc_entries"], 0);
    assert!(
        !erasure.to_string().contains(ERASED),
        "the number is not in the record"
    );

    // Files gone; figures stay under the pseudonym; nothing personal is left.
    assert!(!rec.exists() && !msg.exists());
    let row = store.call(&c1).await.unwrap().unwrap();
    assert_eq!(row.phone.as_deref(), Some(pseudo.as_str()));
    assert!(row.recording.is_none() && row.from_number.is_none());
    assert_eq!(row.outcome.as_deref(), Some("answered-by-agent"));
    for (sql, n) in [
        ("SELECT COUNT(*) FROM survey_scores WHERE phone = $1", 1),
        (
            "SELECT COUNT(*) FROM callbacks WHERE phone = $1 AND status = 'cancelled'",
            1,
        ),
        (
            "SELECT COUNT(*) FROM complaints WHERE phone = $1 AND message_path IS NULL",
            1,
        ),
        (
            "SELECT COUNT(*) FROM notes WHERE phone = $1 AND body IS NULL AND disposition = 'sale'",
            1,
        ),
        (
            "SELECT COUNT(*) FROM erasures WHERE pseudonym = $1 AND reason = 'DSR-1'",
            1,
        ),
    ] {
        assert_eq!(scalar(&store, sql, &pseudo).await, n, "{sql}");
    }
    for sql in [
        "SELECT COUNT(*) FROM clients WHERE phone = $1",
        "SELECT COUNT(*) FROM calls WHERE phone = $1",
        "SELECT COUNT(*) FROM notes WHERE phone = $1",
        "SELECT COUNT(*) FROM card_events WHERE phone = $1",
        "SELECT COUNT(*) FROM vip_entries WHERE phone = $1",
        "SELECT COUNT(*) FROM call_events WHERE detail LIKE '%' || $1 || '%'",
    ] {
        assert_eq!(scalar(&store, sql, ERASED).await, 0, "{sql}");
    }
    assert_eq!(
        scalar(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'erase' AND actor = $1",
            "api:boss"
        )
        .await,
        1
    );
    // The card is gone; the do-not-call entry stays, so the person is never called again.
    let r = http
        .get(format!("{base}/api/v1/clients/%2B{}", &ERASED[1..]))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let dnc = svc.cli_json(&["dnc", "list", "--json"]).to_string();
    assert!(dnc.contains(ERASED), "{dnc}");

    // The CLI, asked to include the DNC entry.
    let out = svc.cli(&[
        "clients",
        "erase",
        ERASED_WITH_DNC,
        "--reason",
        "DSR-2",
        "--include-dnc",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["removed"]["dnc_entries"], 1);
    assert_eq!(e["include_dnc"], true);
    let dnc = svc.cli_json(&["dnc", "list", "--json"]).to_string();
    assert!(!dnc.contains(ERASED_WITH_DNC), "{dnc}");
    let row = store.call(&c2).await.unwrap().unwrap();
    assert_eq!(row.phone.as_deref(), e["pseudonym"].as_str());
    // Nothing left to erase: exit 4, like a missing card; a live call: exit 1 with the reason.
    let again = svc.cli(&["clients", "erase", ERASED_WITH_DNC, "--reason", "DSR-2"]);
    assert_eq!(again.status.code(), Some(4));
    let live_out = svc.cli(&["clients", "erase", LIVE, "--reason", "DSR-3"]);
    assert_eq!(live_out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&live_out.stderr).contains("in progress"));
    let no_reason = svc.cli(&["clients", "erase", LIVE, "--reason", " "]);
    assert_eq!(no_reason.status.code(), Some(2));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn erase_and_export_on_sqlite() {
    scenario(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn erase_and_export_on_postgres() {
    let Some(db) = common::TestDb::postgres().await else {
        return;
    };
    scenario(Some(db.url.clone())).await;
    db.cleanup().await;
}
