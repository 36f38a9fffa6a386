//! Recordings reachable from any node: two `frontdesk serve` nodes on one PostgreSQL with
//! `[storage] kind = "s3"`, against a real S3-compatible server (moto_server, installed by
//! `.ci/run`) started here as its own process on loopback. A call recorded on node A is uploaded,
//! checked and removed from A's disk, and played with a Range request through node B; an upload
//! while the server is down fails, is counted and tried again, and succeeds once it is back.

mod common;
mod support;

use frontdesk::store::Store;
use sha2::{Digest, Sha256};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Service, sipp_available};

const BUCKET: &str = "frontdesk-recordings";

/// moto_server on a loopback port, ended (by its own pid) when dropped.
struct S3Server {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

fn moto_available() -> bool {
    let ok = Command::new("moto_server")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true and moto_server is not installed");
        }
        eprintln!("NOTICE: moto_server not installed; skipping");
    }
    ok
}

impl S3Server {
    fn start(port: u16, dir: &std::path::Path) -> S3Server {
        let log = dir.join(format!("moto-{}.log", rand::random::<u32>()));
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let server = S3Server { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(30);
        // Up once it answers; then the bucket (moto keeps everything in memory).
        loop {
            let made = Command::new("curl")
                .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT"])
                .arg(format!("http://127.0.0.1:{port}/{BUCKET}"))
                .output()
                .unwrap();
            if String::from_utf8_lossy(&made.stdout) == "200" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not start: {}",
                std::fs::read_to_string(&server.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }

    fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn storage_table(port: u16) -> String {
    format!(
        "[storage]\nkind = \"s3\"\nbucket = \"{BUCKET}\"\nendpoint = \"http://127.0.0.1:{port}\"\n\
         allow_http = true\naccess_key_id = \"test\"\nsecret_access_key = \"test\"\n\
         retry_min_seconds = 1\nretry_max_seconds = 2\n"
    )
}

/// One recorded call from `caller` (a known English-speaking client): key 9 at the greeting.
fn recorded_call(svc: &Service, caller: &str) -> String {
    let out = svc.sipp("dtmf_rfc2833.xml", caller, &[]);
    assert!(
        out.status.success(),
        "sipp: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        svc.log()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let calls = svc.cli_json(&["calls", "list", "--phone", caller, "--json"]);
        if let Some(c) = calls.as_array().and_then(|a| a.first())
            && c["ended_at"].is_string()
            && c["recording"].is_string()
        {
            return c["id"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "no closed call: {calls}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// (stored_at, attempts, last_error) of the call's upload row.
async fn upload_row(store: &Store, call: &str) -> Option<(Option<i64>, i64, Option<String>)> {
    sqlx::query_as::<_, (Option<i64>, i64, Option<String>)>(
        "SELECT stored_at, attempts, last_error FROM recording_uploads WHERE call_id = $1",
    )
    .bind(call)
    .fetch_optional(store.pool())
    .await
    .unwrap()
}

async fn wait_stored(store: &Store, call: &str, why: &dyn Fn() -> String) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some((Some(_), attempts, _)) = upload_row(store, call).await {
            return attempts;
        }
        assert!(Instant::now() < deadline, "not stored: {}", why());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

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
