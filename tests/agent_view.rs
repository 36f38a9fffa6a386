//! Least privilege on the client card, through the real server: two agents and a supervisor read
//! one number's card (API and console page). Each agent sees their own calls' keys, their notes
//! and callbacks in full; the other agent's entries only as "handled by another agent" (or
//! "written by another user" for a note), with no keys, note text, name or link. The supervisor
//! sees everything. SQLite and PostgreSQL.

mod common;
mod support;

use chrono::{Duration, TimeZone, Utc};
use frontdesk::store::{CallEnd, NewCall, Store};
use reqwest::StatusCode;
use serde_json::Value;
use support::Service;
use support::api::token;

const PHONE: &str = "+37061230001";

struct World {
    svc: Service,
    base: String,
    http: reqwest::Client,
    anna: String,
    ben: String,
    sue: String,
    /// anna's call, ben's call, a call no agent took.
    calls: [String; 3],
}

async fn seed_call(
    store: &Store,
    phone: &str,
    minute: i64,
    agent: Option<&str>,
    digits: &str,
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap() + Duration::minutes(minute);
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
            started_at: t0,
            node: None,
        })
        .await
        .unwrap();
    store
        .close_call(
            &id,
            &CallEnd {
                ended_at: t0 + Duration::seconds(30),
                hangup_by: "caller".into(),
                outcome: "answered-by-agent".into(),
                digits: digits.into(),
                language: Some("en".into()),
                recording: None,
                recording_sha256: None,
            },
        )
        .await
        .unwrap();
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

async fn setup(db: Option<&str>) -> World {
    let top = db
        .map(|u| format!("database_url = \"{u}\"\n"))
        .unwrap_or_default();
    let svc = Service::start_with_top(&top, "");
    for a in ["anna", "ben"] {
        let out = svc.cli(&["agents", "add", a, "--uri", &format!("sip:{a}@127.0.0.1")]);
        assert!(out.status.success());
    }
    let anna = token(
        &svc,
        &["users", "add", "anna", "--role", "agent", "--agent", "anna"],
    );
    let ben = token(
        &svc,
        &["users", "add", "ben", "--role", "agent", "--agent", "ben"],
    );
    let sue = token(&svc, &["users", "add", "sue", "--role", "supervisor"]);
    let store = Store::connect(&svc.db_url_or(db)).await.unwrap();
    let calls = [
        seed_call(&store, PHONE, 0, Some("anna"), "12").await,
        seed_call(&store, PHONE, 10, Some("ben"), "34").await,
        seed_call(&store, PHONE, 20, None, "9").await,
    ];
    store
        .insert_complaint(Some(PHONE), &calls[1], None, Utc::now())
        .await
        .unwrap();
    store.close().await;
    // ben's callback, through the command line as any other channel's request would come.
    let out = svc.cli(&[
        "callbacks",
        "request",
        PHONE,
        "--reason",
        "ben promised",
        "--agent",
        "ben",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    World {
        base: format!("http://{}", svc.http),
        svc,
        http: reqwest::Client::new(),
        anna,
        ben,
        sue,
        calls,
    }
}

impl World {
    async fn note(&self, token: &str, call: &str, body: &str) {
        let r = self
            .http
            .post(format!("{}/api/v1/calls/{call}/notes", self.base))
            .bearer_auth(token)
            .json(&serde_json::json!({"disposition": "sale", "body": body}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }

    async fn card(&self, token: &str) -> Value {
        let r = self
            .http
            .get(format!("{}/api/v1/clients/%2B{}", self.base, &PHONE[1..]))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    async fn page(&self, token: &str) -> String {
        let r = self
            .http
            .get(format!("{}/clients/%2B{}", self.base, &PHONE[1..]))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.text().await.unwrap()
    }
}

/// The timeline item of `kind` whose reference is `reference`, or whose summary is the hidden one.
fn items<'a>(card: &'a Value, kind: &str) -> Vec<&'a Value> {
    card["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == kind)
        .collect()
}

async fn scenario(w: World) {
    w.note(&w.anna, &w.calls[0], "note from anna").await;
    w.note(&w.ben, &w.calls[1], "secret of ben").await;
    // An agent may not write on another agent's call.
    let r = w
        .http
        .post(format!("{}/api/v1/calls/{}/notes", w.base, w.calls[1]))
        .bearer_auth(&w.anna)
        .json(&serde_json::json!({"body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // anna: her call's keys and her note in full; ben's call, note, callback and complaint
    // summarised without keys, text, name or reference.
    let card = w.card(&w.anna).await;
    let text = card["timeline"].to_string();
    assert!(!text.contains("keys 34"), "ben's keys leaked: {text}");
    assert!(!text.contains("secret of ben"), "{text}");
    assert!(!text.contains("ben"), "ben's name leaked: {text}");
    assert!(
        !text.contains(&w.calls[1]),
        "a reference to ben's call: {text}"
    );
    let calls = items(&card, "call");
    assert_eq!(calls.len(), 3, "{text}");
    assert_eq!(calls[0]["reference"], w.calls[0].as_str());
    assert!(
        calls[0]["summary"].as_str().unwrap().contains("keys 12"),
        "{text}"
    );
    assert_eq!(calls[1]["summary"], "handled by another agent");
    assert!(calls[1]["reference"].is_null());
    // A call no agent took is nobody's: shown as it is.
    assert!(
        calls[2]["summary"].as_str().unwrap().contains("keys 9"),
        "{text}"
    );
    let notes = items(&card, "note");
    assert_eq!(notes.len(), 2);
    assert!(
        notes[0]["summary"]
            .as_str()
            .unwrap()
            .contains("note from anna")
    );
    assert_eq!(notes[1]["summary"], "written by another user");
    let callbacks = items(&card, "callback");
    assert_eq!(callbacks.len(), 1);
    assert_eq!(callbacks[0]["summary"], "handled by another agent");
    let complaints = items(&card, "complaint");
    assert_eq!(complaints[0]["summary"], "handled by another agent");

    // ben: the mirror image.
    let card = w.card(&w.ben).await;
    let text = card["timeline"].to_string();
    assert!(
        text.contains("keys 34") && text.contains("secret of ben"),
        "{text}"
    );
    assert!(
        !text.contains("keys 12") && !text.contains("note from anna"),
        "{text}"
    );
    assert!(!text.contains("anna"), "{text}");

    // The supervisor sees everything.
    let card = w.card(&w.sue).await;
    let text = card["timeline"].to_string();
    for s in [
        "keys 12",
        "keys 34",
        "note from anna",
        "secret of ben",
        "with ben",
        "with anna",
    ] {
        assert!(text.contains(s), "{s} missing for the supervisor: {text}");
    }
    assert!(!text.contains("handled by another agent"), "{text}");

    // The console's card page says the same.
    let html = w.page(&w.anna).await;
    assert!(
        html.contains("keys 12") && html.contains("note from anna"),
        "{html}"
    );
    assert!(html.contains("handled by another agent"));
    assert!(
        !html.contains("keys 34") && !html.contains("secret of ben"),
        "{html}"
    );
    assert!(html.contains(&w.calls[0]), "a link to anna's own call");
    assert!(!html.contains(&w.calls[1]), "a link to ben's call");
    let html = w.page(&w.sue).await;
    assert!(html.contains("keys 34") && html.contains("secret of ben"));
    assert!(
        html.contains(&w.calls[1]),
        "the supervisor's link to ben's call"
    );
    assert!(!html.contains("handled by another agent"));
    drop(w.svc);
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_see_their_own_entries_on_sqlite() {
    scenario(setup(None).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn agents_see_their_own_entries_on_postgres() {
    let Some(db) = common::TestDb::postgres().await else {
        return;
    };
    let url = db.url.clone();
    scenario(setup(Some(&url)).await).await;
    db.cleanup().await;
}
