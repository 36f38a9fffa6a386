//! The HTTP API against the real server on an ephemeral port, with a real store (SQLite, and
//! PostgreSQL when it answers; mandatory in CI): auth failures, roles, filters, pagination,
//! recordings with Range, the audit log.

mod common;
mod support;

use reqwest::StatusCode;
use serde_json::Value;
use support::api::{Api, setup};

async fn scenario(api: Api) {
    // No token, a bad token: 401 with the stable error shape.
    let r = api.get("/api/v1/calls", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let r = api
        .get(
            "/api/v1/calls",
            Some("fd_AAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Filters and keyset pagination.
    let page: Value = api
        .get("/api/v1/calls?limit=2", Some(&api.admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["calls"].as_array().unwrap().len(), 2);
    assert_eq!(
        page["calls"][0]["id"],
        api.calls[4].as_str(),
        "newest first"
    );
    let next = page["next"].as_str().unwrap().to_string();
    let page2: Value = api
        .get(
            &format!("/api/v1/calls?limit=2&cursor={next}"),
            Some(&api.admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page2["calls"][0]["id"], api.calls[2].as_str());
    let dnc: Value = api
        .get("/api/v1/calls?outcome=dnc-opt-out", Some(&api.supervisor))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dnc["calls"].as_array().unwrap().len(), 3);
    let one: Value = api
        .get("/api/v1/calls?phone=%2B37061234561", Some(&api.admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["calls"][0]["id"], api.calls[1].as_str());
    let r = api.get("/api/v1/calls?bogus=1", Some(&api.admin)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // An agent sees only their own calls.
    let mine: Value = api
        .get("/api/v1/calls", Some(&api.agent))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["calls"].as_array().unwrap().len(), 2);

    // One call with its timeline.
    let d: Value = api
        .get(
            &format!("/api/v1/calls/{}", api.calls[0]),
            Some(&api.supervisor),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["events"][0]["kind"], "screening");
    assert_eq!(
        api.get(&format!("/api/v1/calls/{}", api.calls[3]), Some(&api.agent))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // The recording: whole, then a range, then an impossible range.
    let url = format!("/api/v1/calls/{}/recording", api.calls[0]);
    let r = api.get(&url, Some(&api.admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "audio/wav");
    assert_eq!(r.bytes().await.unwrap().to_vec(), api.wav);
    let r = api
        .client
        .get(format!("{}{url}", api.base))
        .bearer_auth(&api.agent)
        .header("Range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 0-99/{}", api.wav.len()).as_str()
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), api.wav[..100].to_vec());
    let r = api
        .client
        .get(format!("{}{url}", api.base))
        .bearer_auth(&api.admin)
        .header("Range", "bytes=99999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    // Calls without a recording, and no path tricks through the id.
    assert_eq!(
        api.get(
            &format!("/api/v1/calls/{}/recording", api.calls[1]),
            Some(&api.admin)
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get(
            "/api/v1/calls/..%2F..%2Fetc%2Fpasswd/recording",
            Some(&api.admin)
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );

    // Every access is in the audit log; only admins read it.
    assert_eq!(
        api.get("/api/v1/audit", Some(&api.supervisor))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let audit: Value = api
        .get("/api/v1/audit", Some(&api.admin))
        .await
        .json()
        .await
        .unwrap();
    let entries = audit["entries"].as_array().unwrap();
    // The impossible range was refused before anything was written.
    assert_eq!(entries.len(), 2, "{audit}");
    assert!(audit["next"].is_null(), "one page: {audit}");
    assert!(
        entries
            .iter()
            .any(|e| e["actor"] == "anna" && e["detail"] == "play (bytes=0-99)")
    );
    assert!(
        entries
            .iter()
            .any(|e| e["actor"] == "boss" && e["detail"] == "download")
    );
    assert!(entries.iter().all(|e| e["object"] == api.calls[0].as_str()));

    // The OpenAPI document comes from the routed handlers themselves.
    let doc: Value = api
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/v1/agents",
            "/api/v1/agents/{id}/presence",
            "/api/v1/audit",
            "/api/v1/callbacks",
            "/api/v1/callbacks/{id}/cancel",
            "/api/v1/calls",
            "/api/v1/calls/{id}",
            "/api/v1/calls/{id}/live",
            "/api/v1/calls/{id}/monitor",
            "/api/v1/calls/{id}/notes",
            "/api/v1/calls/{id}/recording",
            "/api/v1/calls/{id}/recording/pause",
            "/api/v1/calls/{id}/recording/resume",
            "/api/v1/calls/{id}/transfer",
            "/api/v1/calls/{id}/transfer/cancel",
            "/api/v1/calls/{id}/transfer/complete",
            "/api/v1/clients/{phone}",
            "/api/v1/clients/{phone}/erase",
            "/api/v1/complaints",
            "/api/v1/complaints/{id}/assign",
            "/api/v1/complaints/{id}/resolve",
            "/api/v1/dnc",
            "/api/v1/dnc/{phone}",
            "/api/v1/vip",
            "/api/v1/vip/{phone}",
            "/api/v1/webhooks",
        ]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["CallRow"].is_object());
    assert_eq!(
        api.get("/api/v1/nothing-here", Some(&api.admin))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Metrics: store-wide figures and node counters in Prometheus text, no token needed.
    let m = api.get("/metrics", None).await;
    assert_eq!(m.status(), StatusCode::OK);
    let text = m.text().await.unwrap();
    assert!(
        text.contains("frontdesk_calls{node=\"test-node\",outcome=\"dnc-opt-out\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("frontdesk_calls_active{node=\"test-node\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("frontdesk_agents{node=\"test-node\",state=\"available\"} 1"),
        "{text}"
    );

    // Cards, lists, agents and callbacks: what the CLI offers, attributed to the API user.
    let c = api.client.clone();
    let url = |p: &str| format!("{}{p}", api.base);
    let r = c.put(url("/api/v1/clients/861234567")).bearer_auth(&api.supervisor)
        .json(&serde_json::json!({"name": "Jonas", "language": "lt", "time_zone": "Europe/Vilnius", "hours": "Mon-Fri 10:00-17:00"}))
        .send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let card: Value = r.json().await.unwrap();
    assert_eq!(card["phone"], "+37061234567");
    assert_eq!(card["client"]["hours"], "Mon-Fri 10:00-17:00");
    let r = c
        .put(url("/api/v1/clients/861234567"))
        .bearer_auth(&api.supervisor)
        .json(&serde_json::json!({"language": "xx"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .put(url("/api/v1/clients/861234567"))
        .bearer_auth(&api.agent)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "agents do not edit cards"
    );
    assert_eq!(
        api.get("/api/v1/clients/%2B37060000000", Some(&api.agent))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let r = c
        .post(url("/api/v1/dnc"))
        .bearer_auth(&api.agent)
        .json(&serde_json::json!({"phone": "+37061234567", "reason": "asked the agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = c
        .post(url("/api/v1/dnc"))
        .bearer_auth(&api.agent)
        .json(&serde_json::json!({"phone": "+37061234567"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the first entry stays");
    let list: Value = api
        .get("/api/v1/dnc", Some(&api.supervisor))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["requested_by"], "api:anna");
    assert_eq!(
        api.get("/api/v1/dnc", Some(&api.agent)).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = c
        .post(url("/api/v1/callbacks"))
        .bearer_auth(&api.agent)
        .json(&serde_json::json!({"phone": "+37061234567"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "no callback to a DNC number"
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "do_not_call");
    let r = c
        .delete(url("/api/v1/dnc/%2B37061234567"))
        .bearer_auth(&api.supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = c
        .post(url("/api/v1/callbacks"))
        .bearer_auth(&api.agent)
        .json(&serde_json::json!({"phone": "+37061234567", "reason": "web form"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let cb: Value = r.json().await.unwrap();
    assert_eq!(cb["source"], "api");
    assert_eq!(cb["client_tz"], "Europe/Vilnius");
    let cbs: Value = api
        .get("/api/v1/callbacks", Some(&api.supervisor))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cbs.as_array().unwrap().len(), 1);
    // Cancelling: supervisors only, once; the card says who and why.
    let cancel = |token: &str, id: &Value| {
        c.post(url(&format!("/api/v1/callbacks/{id}/cancel")))
            .bearer_auth(token.to_string())
            .json(&serde_json::json!({"reason": "client wrote back"}))
            .send()
    };
    assert_eq!(
        cancel(&api.agent, &cb["id"]).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let r = cancel(&api.supervisor, &cb["id"]).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cancelled: Value = r.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        cancel(&api.supervisor, &cb["id"]).await.unwrap().status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        cancel(&api.supervisor, &Value::from(999_999))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let cbs: Value = api
        .get("/api/v1/callbacks", Some(&api.supervisor))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        cbs.as_array().unwrap().len(),
        0,
        "a cancelled request leaves the board"
    );
    let card: Value = api
        .get("/api/v1/clients/%2B37061234567", Some(&api.supervisor))
        .await
        .json()
        .await
        .unwrap();
    assert!(card.to_string().contains("client wrote back"), "{card}");

    let r = c
        .post(url("/api/v1/vip"))
        .bearer_auth(&api.supervisor)
        .json(&serde_json::json!({"phone": "+37061234568", "agent": "anna"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = c
        .post(url("/api/v1/vip"))
        .bearer_auth(&api.supervisor)
        .json(&serde_json::json!({"phone": "+37061234569", "agent": "ghost"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .put(url("/api/v1/agents/anna/presence"))
        .bearer_auth(&api.agent)
        .json(&serde_json::json!({"presence": "away"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let agents: Value = api
        .get("/api/v1/agents", Some(&api.agent))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(agents[0]["presence"], "away");
    // A fresh connection: the server closes one after refusing an oversized body.
    let r = reqwest::Client::new()
        .post(url("/api/v1/dnc"))
        .bearer_auth(&api.admin)
        .body("x".repeat(100_000))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The complaints queue: escalated at once, assigned, resolved once.
    let list: Value = api
        .get("/api/v1/complaints?status=open", Some(&api.supervisor))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["escalated_to"], "supervisors");
    let cid = list[0]["id"].as_i64().unwrap();
    assert_eq!(
        api.get("/api/v1/complaints", Some(&api.agent))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = c
        .put(url(&format!("/api/v1/complaints/{cid}/assign")))
        .bearer_auth(&api.supervisor)
        .json(&serde_json::json!({"to": "sue"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .put(url(&format!("/api/v1/complaints/{cid}/resolve")))
        .bearer_auth(&api.supervisor)
        .json(&serde_json::json!({"closure_code": "refunded"}))
        .send()
        .await
        .unwrap();
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["status"], "resolved");
    assert_eq!(done["closure_code"], "refunded");
    let r = c
        .put(url(&format!("/api/v1/complaints/{cid}/resolve")))
        .bearer_auth(&api.supervisor)
        .json(&serde_json::json!({"closure_code": "again"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = c
        .put(url("/api/v1/complaints/999999/assign"))
        .bearer_auth(&api.supervisor)
        .json(&serde_json::json!({"to": "sue"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Notes and dispositions: agents on their own calls only; they land on the card.
    let r = c
        .post(url(&format!("/api/v1/calls/{}/notes", api.calls[0])))
        .bearer_auth(&api.agent)
        .json(&serde_json::json!({"disposition": "resolved", "body": "explained the bill"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = c
        .post(url(&format!("/api/v1/calls/{}/notes", api.calls[3])))
        .bearer_auth(&api.agent)
        .json(&serde_json::json!({"body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let card: Value = api
        .get("/api/v1/clients/%2B37061234560", Some(&api.agent))
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = card["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    for k in ["call", "complaint", "complaint_escalated", "note"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }

    // Repeated bad tokens from one address end in 429.
    let mut last = StatusCode::OK;
    for _ in 0..25 {
        last = api
            .get(
                "/api/v1/calls",
                Some("fd_AAAAAAAAAAAA_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"),
            )
            .await
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    drop(api.svc);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_on_sqlite() {
    scenario(setup(None, "").await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn api_on_postgres() {
    let Some(db) = common::TestDb::postgres().await else {
        return;
    };
    let url = db.url.clone();
    scenario(setup(Some(&url), "").await).await;
    db.cleanup().await;
}
