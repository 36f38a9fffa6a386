//! The second channel by e-mail: a client whose card has an address gets the promise, in their
//! language, through the configured SMTP relay (a real aiosmtpd started here, writing a
//! maildir); the delivery shows in the API like a webhook's.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::Service;
use support::smtp::{catcher, decode_body, wait_for_mail};

const PHONE: &str = "+37061234567";

#[tokio::test]
async fn the_client_gets_the_promise_by_e_mail() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mail = tempfile::tempdir().unwrap();
    let maildir = mail.path().join("Maildir");
    let Some(_catcher) = catcher(port, &maildir) else {
        return;
    };
    let svc = Service::start(&format!(
        "[notify.email]\nhost = \"127.0.0.1\"\nport = {port}\nfrom = \"Example Ltd <callbacks@example.com>\"\n"
    ));
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(
        &csv,
        format!("phone,name,language,time_zone,hours,email\n{PHONE},Ona,lt,Europe/Vilnius,,ona@example.lt\n"),
    )
    .unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let token = support::api::token(&svc, &["users", "add", "boss", "--role", "admin"]);
    let c = reqwest::Client::new();
    let cb: Value = c
        .post(format!("http://{}/api/v1/callbacks", svc.http))
        .bearer_auth(&token)
        .json(&serde_json::json!({"phone": PHONE}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let promise = cb["promise"].as_str().unwrap().to_string();
    assert!(promise.starts_with("Perskambinsime jums "), "{promise}");

    let message = wait_for_mail(&maildir, &|| svc.log());
    assert!(message.contains("To: ona@example.lt"), "{message}");
    assert!(message.contains("callbacks@example.com"), "{message}");
    // The body, however the transfer encoding wrapped it, decodes to the promise.
    let decoded = decode_body(&message);
    assert!(decoded.contains(&promise), "{decoded}\n---\n{message}");

    let deliveries: Value = c
        .get(format!("http://{}/api/v1/webhooks", svc.http))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let d = deliveries
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["event"] == "callback.promise.email")
        .unwrap_or_else(|| panic!("{deliveries}"))
        .clone();
    assert_eq!(d["url"], "mailto:ona@example.lt");
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut status = d["status"].clone();
    while status != "delivered" && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        let all: Value = c
            .get(format!("http://{}/api/v1/webhooks", svc.http))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status = all[0]["status"].clone();
    }
    assert_eq!(status, "delivered");
}
