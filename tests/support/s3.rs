//! A real S3-compatible server for tests (moto_server, installed by `.ci/run`) on loopback, and
//! the `[storage]` table and recorded calls the storage tests share.

use super::Service;
use frontdesk::store::Store;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BUCKET: &str = "frontdesk-recordings";

/// moto_server on a loopback port, ended (by its own pid) when dropped.
pub struct S3Server {
    child: Child,
    pub port: u16,
    log: std::path::PathBuf,
}

pub fn moto_available() -> bool {
    super::peer_installed("moto_server", "--help", true)
}

impl S3Server {
    pub fn start(port: u16, dir: &std::path::Path) -> S3Server {
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

    pub fn stop(mut self) -> u16 {
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

pub fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn storage_table(port: u16) -> String {
    format!(
        "[storage]\nkind = \"s3\"\nbucket = \"{BUCKET}\"\nendpoint = \"http://127.0.0.1:{port}\"\n\
         allow_http = true\naccess_key_id = \"test\"\nsecret_access_key = \"test\"\n\
         retry_min_seconds = 1\nretry_max_seconds = 2\n"
    )
}

/// One recorded call from `caller` (a known English-speaking client): key 9 at the greeting.
pub fn recorded_call(svc: &Service, caller: &str) -> String {
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

/// Whether `key` is in the bucket, asked through the service's own S3 client (signed requests).
pub async fn object_exists(port: u16, key: &str) -> bool {
    use frontdesk::storage::{RecordingStorage, StorageError};
    let cfg = frontdesk::config::Storage {
        kind: frontdesk::config::StorageKind::S3,
        bucket: Some(BUCKET.into()),
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        allow_http: true,
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
        ..frontdesk::config::Storage::default()
    };
    let storage = frontdesk::storage::from_config(&cfg).unwrap().unwrap();
    match storage.len(key).await {
        Ok(_) => true,
        Err(StorageError::NotFound(_)) => false,
        Err(e) => panic!("{key}: {e}"),
    }
}

/// (stored_at, attempts, last_error) of the call's upload row.
pub async fn upload_row(store: &Store, call: &str) -> Option<(Option<i64>, i64, Option<String>)> {
    sqlx::query_as::<_, (Option<i64>, i64, Option<String>)>(
        "SELECT stored_at, attempts, last_error FROM recording_uploads WHERE call_id = $1",
    )
    .bind(call)
    .fetch_optional(store.pool())
    .await
    .unwrap()
}

pub async fn wait_stored(store: &Store, call: &str, why: &dyn Fn() -> String) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some((Some(_), attempts, _)) = upload_row(store, call).await {
            return attempts;
        }
        assert!(Instant::now() < deadline, "not stored: {}", why());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
