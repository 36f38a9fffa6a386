//! Recordings reachable from any node: two `frontdesk serve` nodes on one PostgreSQL with
//! `[storage] kind = "s3"`, against a real S3-compatible server (moto_server, installed by
//! `.ci/run`) started here as its own process on loopback. A call recorded on node A is uploaded,
//! checked and removed from A's disk, and played with a Range request through node B; an upload
//! while the server is down fails, is counted and tried again, and succeeds once it is back.

mod common;
mod support;

use frontdesk::store::Store;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use support::s3::{
    S3Server, free_tcp_port, moto_available, recorded_call, storage_table, upload_row, wait_stored,
};
use support::{Service, sipp_available};

async fn call_row(store: &Store, call: &str) -> (String, String) {
    let row = store.call(call).await.unwrap().unwrap();
    (row.recording.unwrap(), row.recording_sha256.unwrap())
}

async fn get(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    range: Option<&str>,
) -> reqwest::Response {
    let mut req = http.get(url).bearer_auth(token);
    if let Some(r) = range {
        req = req.header("range", r);
    }
    req.send().await.unwrap()
}

#[test]
fn a_recording_made_on_one_node_is_stored_checked_and_played_from_the_other() {
    if !sipp_available() || !moto_available() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(common::TestDb::postgres()) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let s3 = S3Server::start(free_tcp_port(), scratch.path());
    let table = storage_table(s3.port);
    let top = |node: &str| format!("database_url = \"{}\"\nnode_id = \"{node}\"\n", db.url);
    let a = Service::start_with_top(&top("node-a"), &table);
    let b = Service::start_with_top(&top("node-b"), &table);
    let (first, second) = ("+37061234567", "+37061234568");
    let csv = a.dir.path().join("clients.csv");
    std::fs::write(
        &csv,
        format!("phone,name,language\n{first},Jonas,en\n{second},Ona,en\n"),
    )
    .unwrap();
    assert!(
        a.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let token = support::api::token(&b, &["users", "add", "boss", "--role", "admin"]);
    let report = || format!("node a:\n{}\nnode b:\n{}", a.log(), b.log());
    let http = reqwest::Client::new();

    rt.block_on(async {
        // Recorded on A, stored, checked, gone from A's disk.
        let call = recorded_call(&a, first);
        wait_stored(&db.store, &call, &report).await;
        let (path, sha) = call_row(&db.store, &call).await;
        assert!(
            path.starts_with(&a.dir.path().display().to_string()),
            "{path}"
        );
        assert!(!std::path::Path::new(&path).exists(), "local copy removed");

        // Played through B: a range, then the whole file, whose SHA-256 is the call's.
        let url = format!("http://{}/api/v1/calls/{call}/recording", b.http);
        let r = get(&http, &url, &token, Some("bytes=0-99")).await;
        assert_eq!(
            r.status(),
            reqwest::StatusCode::PARTIAL_CONTENT,
            "{}",
            report()
        );
        let len_header = r.headers()["content-range"].to_str().unwrap().to_string();
        let head = r.bytes().await.unwrap();
        assert_eq!(head.len(), 100);
        assert_eq!(&head[..4], b"RIFF");
        let r = get(&http, &url, &token, None).await;
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        let whole = r.bytes().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(&whole)), sha);
        assert_eq!(len_header, format!("bytes 0-99/{}", whole.len()));
        assert_eq!(&whole[..100], &head[..]);
        let tail = get(&http, &url, &token, Some("bytes=-10")).await;
        assert_eq!(tail.status(), reqwest::StatusCode::PARTIAL_CONTENT);
        assert_eq!(tail.bytes().await.unwrap(), whole[whole.len() - 10..]);
        // The strict Range rules hold for stored recordings too.
        let several = get(&http, &url, &token, Some("bytes=0-1,5-6")).await;
        assert_eq!(several.status(), reqwest::StatusCode::RANGE_NOT_SATISFIABLE);
        let bad = get(&http, &url, &token, Some("bytes=abc")).await;
        assert_eq!(bad.status(), reqwest::StatusCode::BAD_REQUEST);
        let outside = get(
            &http,
            &url,
            &token,
            Some(&format!("bytes={}-", whole.len())),
        )
        .await;
        assert_eq!(outside.status(), reqwest::StatusCode::RANGE_NOT_SATISFIABLE);

        // The storage goes away: the next recording stays on A, its failures counted and retried.
        let port = s3.stop();
        let call = recorded_call(&a, second);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some((None, attempts, Some(error))) = upload_row(&db.store, &call).await
                && attempts >= 2
            {
                assert!(!error.is_empty());
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no failed attempts: {}",
                report()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (path, sha) = call_row(&db.store, &call).await;
        assert!(
            std::path::Path::new(&path).exists(),
            "kept while not stored"
        );
        let metrics = http
            .get(format!("http://{}/metrics", a.http))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let failed: u64 = metrics
            .lines()
            .find_map(|l| {
                l.strip_prefix(
                    "frontdesk_recording_uploads_total{node=\"node-a\",result=\"failed\"} ",
                )
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(failed >= 2, "{metrics}");
        assert!(
            metrics
                .contains("frontdesk_recordings_unstored{node=\"node-a\",state=\"failing\"} 1\n"),
            "{metrics}"
        );
        let url = format!("http://{}/api/v1/calls/{call}/recording", b.http);

        // Back: stored on a later attempt, checked, removed locally, served by B.
        let _s3 = S3Server::start(port, scratch.path());
        let attempts = wait_stored(&db.store, &call, &report).await;
        assert!(attempts >= 3, "failed twice, then stored: {attempts}");
        assert!(!std::path::Path::new(&path).exists());
        let r = get(&http, &url, &token, Some("bytes=44-")).await;
        assert_eq!(
            r.status(),
            reqwest::StatusCode::PARTIAL_CONTENT,
            "{}",
            report()
        );
        let body = r.bytes().await.unwrap();
        let whole = get(&http, &url, &token, None).await.bytes().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(&whole)), sha);
        assert_eq!(&whole[44..], &body[..]);
    });
    drop((a, b));
    rt.block_on(db.cleanup());
}
