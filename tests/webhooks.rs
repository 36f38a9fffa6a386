//! The second channel: a planned callback is POSTed to the configured webhook, signed with
//! HMAC-SHA256, from the durable outbox. The receiver is down at first: the service retries,
//! restarts meanwhile, and delivers once the receiver is back, exactly once; every attempt is
//! visible in the API.

mod support;

use serde_json::Value;
use std::net::TcpListener;
use std::time::{Duration, Instant};
use support::Service;
use support::webhook::receiver;

const SECRET: &str = "s3cret-for-the-crm";

async fn deliveries(svc: &Service, token: &str) -> Vec<Value> {
    let r: Value = reqwest::Client::new()
        .get(format!("http://{}/api/v1/webhooks", svc.http))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r.as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_planned_callback_reaches_the_webhook_once_across_a_restart() {
    // The receiver's port, closed for now.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut svc = Service::start(&format!(
        "[notify]\nwebhooks = [{{ url = \"http://127.0.0.1:{port}/hooks/frontdesk\", secret = \"{SECRET}\" }}]\n"
    ));
    let token = support::api::token(&svc, &["users", "add", "boss", "--role", "admin"]);
    let r = reqwest::Client::new()
        .post(format!("http://{}/api/v1/callbacks", svc.http))
        .bearer_auth(&token)
        .json(&serde_json::json!({"phone": "+37061234567", "reason": "web form"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let cb: Value = r.json().await.unwrap();

    // Down: the attempt fails and is kept for a retry.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let d = deliveries(&svc, &token).await;
        if d.first().is_some_and(|d| d["attempts"].as_i64() >= Some(1)) {
            assert_eq!(d.len(), 1);
            assert_eq!(d[0]["status"], "pending", "{d:?}");
            assert_eq!(d[0]["event"], "callback.planned");
            assert!(
                d[0]["last_error"].as_str().unwrap().contains("connect"),
                "{d:?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no attempt: {d:?}\n{}",
            svc.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The service restarts; the receiver comes back.
    svc.stop("-TERM");
    let svc = svc.restart();
    let token = support::api::token(&svc, &["users", "add", "boss2", "--role", "admin"]);
    let got = receiver(TcpListener::bind(("127.0.0.1", port)).unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    let delivered = loop {
        let d = deliveries(&svc, &token).await;
        if d.first().is_some_and(|d| d["status"] == "delivered") {
            break d[0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "not delivered: {d:?}\n{}",
            svc.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(delivered["attempts"].as_i64().unwrap() >= 2, "{delivered}");
    assert_eq!(delivered["last_status"], 200);
    // Once: nothing more arrives.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let hit = &got[0];
    let body = &hit.body;
    assert!(hit.signed_with(SECRET));
    assert!(!hit.signed_with("other"));
    assert_eq!(hit.header("x-frontdesk-event"), "callback.planned");
    assert_eq!(
        hit.header("x-frontdesk-delivery"),
        delivered["id"].to_string()
    );
    let event: Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["event"], "callback.planned");
    assert_eq!(event["data"]["id"], cb["id"]);
    assert_eq!(event["data"]["promise"], cb["promise"]);
    assert!(delivered["body"].as_str() == Some(body.as_str()));
}

/// An `https://` receiver with a certificate from a private CA named in the webhook's `ca`: the
/// event arrives over TLS, signed. The same receiver behind a webhook that trusts only the
/// system's roots is refused (the certificate does not verify) and the attempt says why.
#[tokio::test]
async fn an_https_webhook_is_delivered_over_verified_tls() {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let (cert_pem, key_pem) = (cert.cert.pem(), cert.key_pair.serialize_pem());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = support::webhook::tls_receiver(listener, &cert_pem, &key_pem);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("crm-ca.pem");
    std::fs::write(&ca, &cert_pem).unwrap();
    let svc = Service::start(&format!(
        "[notify]\nmax_attempts = 1\nwebhooks = [\
         {{ url = \"https://127.0.0.1:{port}/trusted\", secret = \"{SECRET}\", ca = \"{}\" }}, \
         {{ url = \"https://127.0.0.1:{port}/system-roots\", secret = \"{SECRET}\" }}]\n",
        ca.display()
    ));
    let token = support::api::token(&svc, &["users", "add", "boss", "--role", "admin"]);
    let r = reqwest::Client::new()
        .post(format!("http://{}/api/v1/callbacks", svc.http))
        .bearer_auth(&token)
        .json(&serde_json::json!({"phone": "+37061234567"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let deadline = Instant::now() + Duration::from_secs(20);
    let (trusted, system) = loop {
        let d = deliveries(&svc, &token).await;
        let by = |path: &str| {
            d.iter()
                .find(|d| d["url"].as_str().is_some_and(|u| u.ends_with(path)))
                .cloned()
                .unwrap_or_default()
        };
        let (t, s) = (by("/trusted"), by("/system-roots"));
        if t["status"] != "pending" && s["status"] != "pending" && !t.is_null() && !s.is_null() {
            break (t, s);
        }
        assert!(Instant::now() < deadline, "{d:?}\n{}", svc.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(trusted["status"], "delivered", "{trusted}");
    assert_eq!(system["status"], "failed", "{system}");
    assert!(
        system["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("TLS") && e.contains("certificate")),
        "{system}"
    );
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "only the verified one: {got:?}");
    assert!(got[0].signed_with(SECRET));
    assert_eq!(got[0].json()["event"], "callback.planned");
}
