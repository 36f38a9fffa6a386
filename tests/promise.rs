//! The callback promise: planned through the API for a Russian-speaking client in Moscow, the
//! sentence is stored on the callback word for word, in their language and zone, and the card
//! (API and CLI) shows "promised: …".

mod support;

use chrono::{DateTime, Utc};
use frontdesk::announce::{PromiseFacts, promise};
use frontdesk::flow::Lang;
use serde_json::Value;
use support::Service;

const PHONE: &str = "+37061234567";

#[tokio::test]
async fn a_planned_callback_keeps_and_shows_its_promise() {
    let svc = Service::start("");
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(
        &csv,
        format!("phone,name,language,time_zone,hours\n{PHONE},Ivan,ru,Europe/Moscow,\n"),
    )
    .unwrap();
    let out = svc.cli(&["clients", "import", csv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = support::api::token(&svc, &["users", "add", "boss", "--role", "admin"]);
    let base = format!("http://{}", svc.http);
    let c = reqwest::Client::new();

    let cb: Value = c
        .post(format!("{base}/api/v1/callbacks"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"phone": PHONE, "reason": "web form"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let said = cb["promise"].as_str().unwrap_or_else(|| panic!("{cb}"));
    let time = |k: &str| cb[k].as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    // The same pure function, from the stored plan: the first sentence (day and window) must be
    // exactly it; a reason may follow when the day is not today.
    let expected = promise(&PromiseFacts {
        lang: Lang::Ru,
        now: time("requested_at"),
        slot_start: time("slot_start"),
        slot_end: time("slot_end"),
        client_tz: chrono_tz::Europe::Moscow,
        company_tz: chrono_tz::Europe::Vilnius,
        constrained_by: &[],
        dnc_consent: false,
    });
    assert!(said.starts_with("Мы перезвоним вам "), "{said}");
    assert!(said.contains(" по вашему времени."), "{said}");
    assert_eq!(
        said.split('.').next(),
        expected.split('.').next(),
        "{said} / {expected}"
    );

    // The card through the API: the callback line says what was promised.
    let card: Value = c
        .get(format!("{base}/api/v1/clients/%2B{}", &PHONE[1..]))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let line = card["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "callback")
        .unwrap_or_else(|| panic!("{card}"));
    assert_eq!(
        line["summary"].as_str().unwrap(),
        format!("planned (api), attempts 0, promised: {said}")
    );
    // And the administrator's CLI reads the same card.
    let out = svc.cli(&["clients", "show", PHONE]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("promised: {said}")), "{text}");
}
