//! Recording access against the real server on an ephemeral port, with a real store (SQLite, and
//! PostgreSQL when it answers; mandatory in CI): the audit log holds who, when, which recording
//! and the range as served, a few dozen bytes a row whatever the Range header was; absurd Range
//! headers are refused before anything is written; each user has a request allowance; the log is
//! read a page at a time.

mod common;
mod support;

use frontdesk::store::Store;
use reqwest::StatusCode;
use serde_json::Value;
use support::api::{Api, setup};

/// A slow refill (one a minute) so the allowance is exact for the length of the test.
const TABLES: &str = "[http]\nrecording_burst = 40\nrecording_requests_per_minute = 1\n";

async fn fetch(api: &Api, token: &str, ranges: &[&str]) -> reqwest::Response {
    let mut req = api
        .client
        .get(format!(
            "{}/api/v1/calls/{}/recording",
            api.base, api.calls[0]
        ))
        .bearer_auth(token);
    for r in ranges {
        req = req.header("range", *r);
    }
    req.send().await.unwrap()
}

/// Rows in the audit log, and the largest row's size in bytes: the stored text of every column
/// plus 16 for the two integers, and on PostgreSQL also the row as the server stores it.
async fn audit_rows(store: &Store) -> (i64, i64) {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let widest: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(16 + length(actor) + length(action) + length(object) \
         + COALESCE(length(detail), 0)), 0) FROM audit_log",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    if store.backend() == frontdesk::store::Backend::Postgres {
        let stored: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(pg_column_size(a.*)), 0)::BIGINT FROM audit_log a",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        return (count, widest.max(stored));
    }
    (count, widest)
}

async fn scenario(api: Api, db_url: String) {
    let store = Store::connect(&db_url).await.unwrap();
    let len = api.wav.len();

    // Happy: what a player asks for, served and audited as served.
    let r = fetch(&api, &api.agent, &["bytes=0-1023"]).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap().to_vec(), api.wav[..1024].to_vec());
    let r = fetch(&api, &api.agent, &["bytes=-100"]).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes {}-{}/{len}", len - 100, len - 1).as_str()
    );
    let r = fetch(&api, &api.agent, &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().len(), len);
    let mut served = 3;
    assert_eq!(audit_rows(&store).await.0, served);

    // Hostile: refused before anything is written. 400 for what is not one byte range, 416 for
    // several ranges or none inside the file.
    let huge = format!("bytes=0-{}", "1".repeat(100_000));
    let many = format!(
        "bytes={}",
        (0..10_000)
            .map(|i| format!("{i}-{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let cases: &[(&[&str], StatusCode, &str)] = &[
        (&[&huge], StatusCode::BAD_REQUEST, "bad_range"),
        (&[&many], StatusCode::BAD_REQUEST, "bad_range"),
        (&["bytes=abc"], StatusCode::BAD_REQUEST, "bad_range"),
        (&["items=0-9"], StatusCode::BAD_REQUEST, "bad_range"),
        (
            &["bytes=0-9", "bytes=10-19"],
            StatusCode::BAD_REQUEST,
            "bad_range",
        ),
        (
            &["bytes=0-0,2-2,4-4,6-6"],
            StatusCode::RANGE_NOT_SATISFIABLE,
            "range_not_satisfiable",
        ),
        (
            &["bytes=99999999-"],
            StatusCode::RANGE_NOT_SATISFIABLE,
            "range_not_satisfiable",
        ),
    ];
    for (ranges, status, code) in cases {
        let r = fetch(&api, &api.agent, ranges).await;
        assert_eq!(r.status(), *status, "{:.40?}", ranges);
        if *status == StatusCode::RANGE_NOT_SATISFIABLE {
            assert_eq!(
                r.headers()["content-range"],
                format!("bytes */{len}").as_str()
            );
        }
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], *code);
    }
    assert_eq!(
        audit_rows(&store).await.0,
        served,
        "nothing written for those"
    );

    // Each user has an allowance: anna spent 10 of her 40; the rest are served, then 429.
    loop {
        let r = fetch(&api, &api.agent, &["bytes=0-99"]).await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
            break;
        }
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        served += 1;
        assert!(served <= 40, "the allowance never ran out");
    }
    assert!(served >= 3 + 30, "{served}");
    // Others are not held back by anna.
    assert_eq!(fetch(&api, &api.admin, &[]).await.status(), StatusCode::OK);
    served += 1;

    // A flood of huge headers from four clients at once: refused (400, then 429), nothing written.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (client, url, token, huge) = (
            api.client.clone(),
            format!("{}/api/v1/calls/{}/recording", api.base, api.calls[0]),
            api.admin.clone(),
            huge.clone(),
        );
        tasks.spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..25 {
                let r = client
                    .get(&url)
                    .bearer_auth(&token)
                    .header("range", &huge)
                    .send()
                    .await
                    .unwrap();
                statuses.push(r.status());
            }
            statuses
        });
    }
    while let Some(statuses) = tasks.join_next().await {
        for s in statuses.unwrap() {
            assert!(
                s == StatusCode::BAD_REQUEST || s == StatusCode::TOO_MANY_REQUESTS,
                "{s}"
            );
        }
    }
    let (rows, widest) = audit_rows(&store).await;
    assert_eq!(
        rows, served,
        "one row per request served, none for refusals"
    );
    assert!(widest < 200, "an audit row takes {widest} bytes");
    eprintln!("audit: {rows} rows after the flood, the widest {widest} bytes");

    // The log, a page at a time, newest first, until `next` runs out.
    let mut ids = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let path = match before {
            Some(b) => format!("/api/v1/audit?limit=7&before={b}"),
            None => "/api/v1/audit?limit=7".to_string(),
        };
        let r = api.get(&path, Some(&api.admin)).await;
        assert_eq!(r.status(), StatusCode::OK);
        let body = r.bytes().await.unwrap();
        assert!(body.len() < 7 * 300, "a page of 7 is {} bytes", body.len());
        let page: Value = serde_json::from_slice(&body).unwrap();
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= 7);
        for e in entries {
            assert!(
                e["detail"] == "download"
                    || e["detail"].as_str().unwrap().starts_with("play (bytes=")
            );
            ids.push(e["id"].as_i64().unwrap());
        }
        match page["next"].as_i64() {
            Some(n) => before = Some(n),
            None => break,
        }
    }
    assert_eq!(ids.len() as i64, served);
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
    let first: Value = api
        .get("/api/v1/audit?limit=1", Some(&api.admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        first["entries"][0]["detail"], "download",
        "boss's, the newest"
    );
    assert_eq!(first["entries"][0]["actor"], "boss");
    // Limits are clamped to 1–500; bad parameters are 400; only admins read the log.
    let big: Value = api
        .get("/api/v1/audit?limit=100000", Some(&api.admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(big["entries"].as_array().unwrap().len() as i64, served);
    for bad in ["/api/v1/audit?before=x", "/api/v1/audit?offset=3"] {
        assert_eq!(
            api.get(bad, Some(&api.admin)).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert_eq!(
        api.get("/api/v1/audit", Some(&api.supervisor))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn recordings_and_audit_on_sqlite() {
    let api = setup(None, TABLES).await;
    let url = api.svc.db_url();
    scenario(api, url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn recordings_and_audit_on_postgres() {
    let Some(db) = common::TestDb::postgres().await else {
        return;
    };
    let url = db.url.clone();
    scenario(setup(Some(&url), TABLES).await, url).await;
    db.cleanup().await;
}
