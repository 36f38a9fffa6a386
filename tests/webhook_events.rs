//! Every event that matters outside reaches a real HTTP receiver, signed, from the outbox the
//! store writes in the same transaction as the change; a webhook hears only the events it lists;
//! a write that rolls back queues nothing.

mod common;
mod support;

use chrono::Duration as D;
use common::{TestDb, callback_request, t0};
use frontdesk::config::{Notify, Webhook};
use frontdesk::notify::event::Subscribers;
use frontdesk::store::{Attempt, AttemptEnd, CallEnd, ListSource, NewCall, Store};
use serde_json::Value;
use std::net::TcpListener;
use std::time::{Duration, Instant};
use support::webhook::{Got, receiver};
use tokio_util::sync::CancellationToken;

const SECRET: &str = "crm-secret";
const SMS_SECRET: &str = "sms-secret";
const PHONE: &str = "+37061230001";

fn listen() -> (String, Got) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", l.local_addr().unwrap());
    (url, receiver(l))
}

fn new_call(id: &str) -> NewCall {
    NewCall {
        id: id.into(),
        sip_call_id: None,
        direction: "inbound",
        phone: Some(PHONE.into()),
        caller_raw: Some(PHONE.into()),
        from_number: None,
        asserted_number: None,
        source: None,
        started_at: t0(),
        node: Some("n1".into()),
    }
}

fn end(sha256: &str) -> CallEnd {
    CallEnd {
        ended_at: t0() + D::minutes(2),
        hangup_by: "caller".into(),
        outcome: "complaint".into(),
        digits: String::new(),
        language: None,
        recording: Some(format!("/rec/{sha256}.wav")),
        recording_sha256: Some(sha256.into()),
    }
}

/// Makes one change of every kind; returns the callback's id.
async fn every_change(s: &Store, notify: &Notify) -> i64 {
    let cb = s
        .insert_callback(&callback_request(PHONE, t0() + D::hours(1), None), t0())
        .await
        .unwrap();
    let claimed = s
        .claim_due_callbacks("n1", t0() + D::hours(1), t0() + D::hours(2), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let attempt = Attempt {
        at: t0() + D::hours(1),
        agent_id: Some("1001".into()),
        call_id: None,
        result: "answered".into(),
    };
    assert!(
        s.finish_callback_attempt(cb.id, "n1", &attempt, &AttemptEnd::Done)
            .await
            .unwrap()
    );
    s.insert_call(&new_call("call-local")).await.unwrap();
    s.close_call("call-local", &end("aa11")).await.unwrap();
    let complaint = s
        .insert_complaint(Some(PHONE), "call-local", None, t0())
        .await
        .unwrap();
    s.resolve_complaint(complaint, "refund", "sup", t0() + D::hours(3))
        .await
        .unwrap();
    s.add_dnc(PHONE, Some("asked"), ListSource::Ivr, "caller", t0())
        .await
        .unwrap();
    // With object storage, a recording is ready once its stored copy is checked.
    s.set_subscribers(Subscribers::from_config(notify, true));
    s.insert_call(&new_call("call-stored")).await.unwrap();
    s.close_call("call-stored", &end("bb22")).await.unwrap();
    s.queue_upload("call-stored", "n1", "/rec/x.wav", "bb22", "rec/x.wav", t0())
        .await
        .unwrap();
    s.upload_stored("call-stored", t0()).await.unwrap();
    // A second report of the same upload tells nobody again.
    s.upload_stored("call-stored", t0()).await.unwrap();
    cb.id
}

async fn wait_for(got: &Got, n: usize) -> Vec<support::webhook::Received> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = got.lock().unwrap().clone();
        if seen.len() >= n {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n}: {seen:?}",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn every_event_reaches_its_webhooks_signed() {
    for db in TestDb::all().await {
        eprintln!("backend: {}", db.name);
        let (crm, crm_got) = listen();
        let (sms, sms_got) = listen();
        let notify = Notify {
            webhooks: vec![
                Webhook {
                    url: crm.clone(),
                    secret: SECRET.into(),
                    events: None,
                    ca: None,
                },
                Webhook {
                    url: sms.clone(),
                    secret: SMS_SECRET.into(),
                    events: Some(vec!["dnc.added".into(), "callback.planned".into()]),
                    ca: None,
                },
            ],
            ..Notify::default()
        };
        let s = db.store.clone();
        s.set_subscribers(Subscribers::from_config(&notify, false));
        let cb_id = every_change(&s, &notify).await;

        let token = CancellationToken::new();
        let task = tokio::spawn(frontdesk::notify::deliver::run(
            s.clone(),
            notify.clone(),
            token.clone(),
        ));
        let got = wait_for(&crm_got, 7).await;
        let sms = wait_for(&sms_got, 2).await;
        // Nothing beyond: the second upload report and the unsubscribed events told nobody.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        token.cancel();
        task.await.unwrap();
        let got_now = crm_got.lock().unwrap().len();
        assert_eq!(got_now, 7, "{:?}", crm_got.lock().unwrap());
        assert_eq!(sms_got.lock().unwrap().len(), 2);

        let mut by_event = std::collections::BTreeMap::<String, Vec<Value>>::new();
        for hit in &got {
            assert!(hit.signed_with(SECRET), "{hit:?}");
            assert!(!hit.signed_with(SMS_SECRET));
            let v = hit.json();
            assert_eq!(
                hit.header("x-frontdesk-event"),
                v["event"].as_str().unwrap()
            );
            by_event
                .entry(v["event"].as_str().unwrap().to_string())
                .or_default()
                .push(v["data"].clone());
        }
        let one = |name: &str| {
            let list = &by_event[name];
            assert_eq!(list.len(), 1, "{name}: {list:?}");
            list[0].clone()
        };
        assert_eq!(one("callback.planned")["id"], cb_id);
        let result = one("callback.result");
        assert_eq!(result["callback_id"], cb_id);
        assert_eq!(result["result"], "answered");
        assert_eq!(result["outcome"], "done");
        assert_eq!(result["agent_id"], "1001");
        let escalated = one("complaint.escalated");
        assert_eq!(escalated["escalated_to"], "supervisors");
        assert_eq!(escalated["phone"], PHONE);
        let resolved = one("complaint.resolved");
        assert_eq!(resolved["id"], escalated["id"]);
        assert_eq!(resolved["closure_code"], "refund");
        assert_eq!(resolved["resolved_by"], "sup");
        let dnc = one("dnc.added");
        assert_eq!(dnc["phone"], PHONE);
        assert_eq!(dnc["source"], "ivr");
        assert_eq!(dnc["requested_by"], "caller");
        let mut ready = by_event["recording.ready"].clone();
        ready.sort_by_key(|r| r["call_id"].as_str().unwrap_or_default().to_string());
        assert_eq!(ready.len(), 2, "{ready:?}");
        assert_eq!(ready[0]["call_id"], "call-local");
        assert_eq!(ready[0]["sha256"], "aa11");
        assert_eq!(ready[0]["storage"], "local");
        assert_eq!(ready[0]["url"], "/api/v1/calls/call-local/recording");
        assert_eq!(ready[1]["call_id"], "call-stored");
        assert_eq!(ready[1]["sha256"], "bb22");
        assert_eq!(ready[1]["storage"], "object");
        assert_eq!(ready[1]["phone"], PHONE);

        let mut heard: Vec<String> = sms
            .iter()
            .map(|h| {
                assert!(h.signed_with(SMS_SECRET));
                h.json()["event"].as_str().unwrap().to_string()
            })
            .collect();
        heard.sort();
        assert_eq!(heard, ["callback.planned", "dnc.added"]);
        // Every delivery is visible, delivered.
        let listed = s.list_webhooks(100).await.unwrap();
        assert_eq!(listed.len(), 9);
        assert!(listed.iter().all(|d| d.status == "delivered"), "{listed:?}");
        db.cleanup().await;
    }
}

/// The event is part of the write's transaction: when queuing it fails, the write is undone too,
/// and no webhook hears of it.
#[tokio::test]
async fn a_write_that_rolls_back_queues_nothing() {
    let db = TestDb::sqlite().await;
    let s = db.store.clone();
    let notify = Notify {
        webhooks: vec![
            Webhook {
                url: "http://127.0.0.1:9/a".into(),
                secret: "a".into(),
                events: None,
                ca: None,
            },
            Webhook {
                url: "http://127.0.0.1:9/b".into(),
                secret: "b".into(),
                events: None,
                ca: None,
            },
        ],
        ..Notify::default()
    };
    s.set_subscribers(Subscribers::from_config(&notify, false));
    // The second webhook's row cannot be written: the first is already in the transaction.
    sqlx::query(
        "CREATE TRIGGER refuse_b BEFORE INSERT ON webhook_deliveries \
         WHEN NEW.url = 'http://127.0.0.1:9/b' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    .execute(s.pool())
    .await
    .unwrap();
    let failed = s
        .add_dnc(PHONE, None, ListSource::Api, "api:ops", t0())
        .await;
    assert!(failed.is_err());
    assert!(
        s.dnc_entry(PHONE).await.unwrap().is_none(),
        "the entry rolled back"
    );
    assert!(
        s.list_webhooks(10).await.unwrap().is_empty(),
        "nothing queued"
    );
    let failed = s
        .insert_callback(&callback_request(PHONE, t0() + D::hours(1), None), t0())
        .await;
    assert!(failed.is_err());
    assert!(s.all_callbacks().await.unwrap().is_empty());
    assert!(s.list_webhooks(10).await.unwrap().is_empty());
    // A write that commits queues its event for both.
    sqlx::query("DROP TRIGGER refuse_b")
        .execute(s.pool())
        .await
        .unwrap();
    s.add_dnc(PHONE, None, ListSource::Api, "api:ops", t0())
        .await
        .unwrap();
    assert_eq!(s.list_webhooks(10).await.unwrap().len(), 2);
    db.cleanup().await;
}

/// The promise e-mail is queued with its request: an e-mail that cannot be queued undoes the
/// request (so the caller is never promised something the client will not also read), and a
/// request that commits has exactly one e-mail naming it.
#[tokio::test]
async fn the_promise_e_mail_is_queued_in_the_requests_transaction() {
    let db = TestDb::sqlite().await;
    let s = db.store.clone();
    let mut cb = callback_request(PHONE, t0() + D::hours(1), None);
    cb.promise = Some("We will call you back on Monday.".into());
    cb.email = Some(frontdesk::store::PromiseEmail {
        to: "ada@example.com".into(),
        subject: "Your callback".into(),
    });
    sqlx::query(
        "CREATE TRIGGER refuse_mail BEFORE INSERT ON webhook_deliveries \
         WHEN NEW.url LIKE 'mailto:%' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    .execute(s.pool())
    .await
    .unwrap();
    assert!(s.insert_callback(&cb, t0()).await.is_err());
    assert!(s.all_callbacks().await.unwrap().is_empty(), "rolled back");
    sqlx::query("DROP TRIGGER refuse_mail")
        .execute(s.pool())
        .await
        .unwrap();
    let row = s.insert_callback(&cb, t0()).await.unwrap();
    let queued = s.list_webhooks(10).await.unwrap();
    let mails: Vec<_> = queued
        .iter()
        .filter(|d| d.url == "mailto:ada@example.com")
        .collect();
    assert_eq!(mails.len(), 1, "{queued:?}");
    assert_eq!(mails[0].event, "callback.promise.email");
    let body: serde_json::Value = serde_json::from_str(&mails[0].body).unwrap();
    assert_eq!(body["callback"], row.id);
    assert_eq!(body["text"], "We will call you back on Monday.");
    // Without an address nothing is e-mailed.
    cb.email = None;
    s.insert_callback(&cb, t0()).await.unwrap();
    assert_eq!(
        s.list_webhooks(10)
            .await
            .unwrap()
            .iter()
            .filter(|d| d.url.starts_with("mailto:"))
            .count(),
        1
    );
    db.cleanup().await;
}
