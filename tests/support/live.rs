//! What tests of live calls share: the API asked from a test thread, a call's timeline read
//! from the store, and waiting for something to become true within a bound.

use super::Service;
use serde_json::Value;
use std::time::{Duration, Instant};

/// `method` (`GET`, `POST`, `DELETE`) `path` on the service's API with `token`, and a JSON
/// `body` if given: the status and the JSON answer (`Null` when there is none).
pub fn request(
    svc: &Service,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("http://{}{path}", svc.http);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let mut r = match method {
            "GET" => client.get(url),
            "DELETE" => client.delete(url),
            _ => client.post(url),
        }
        .bearer_auth(token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    })
}

/// `POST path` with an optional JSON body.
pub fn post(svc: &Service, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    request(svc, "POST", path, token, body)
}

/// The call's timeline as the store has it, as text to search.
pub fn timeline(svc: &Service, call: &str) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = frontdesk::store::Store::connect(&svc.db_url())
            .await
            .unwrap();
        let ev = store.call_events(call).await.unwrap();
        store.close().await;
        format!("{ev:?}")
    })
}

/// Waits (at most 30 s) until `done`; otherwise fails with `what` and the service's log.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool, svc: &Service) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "{what}; service:\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(200));
    }
}
