//! `frontdesk serve` as a process: starts on an ephemeral port, answers /healthz, stops cleanly on
//! SIGTERM and SIGINT.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn prompts() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts")
}

struct Server {
    child: Child,
    http: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .current_dir(dir.path())
            .env_remove("FRONTDESK_DATABASE_URL")
            .args([
                "serve",
                "--http-listen",
                "127.0.0.1:0",
                "--sip-listen",
                "127.0.0.1:0",
            ])
            .arg("--prompts-dir")
            .arg(prompts())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("serve.log")).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let http = line
            .trim()
            .strip_prefix("frontdesk: ready http=")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| {
                let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
                panic!("unexpected first line {line:?}; log:\n{log}")
            })
            .to_string();
        Server {
            child,
            http,
            _dir: dir,
        }
    }

    /// A GET naming this server in `Host`, as a client that reached it by its address would.
    fn get(&self, path: &str) -> String {
        self.get_as(path, &self.http)
    }

    fn get_as(&self, path: &str, host: &str) -> String {
        let mut s = TcpStream::connect(&self.http).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    /// Sends `signal` and waits (bounded) for the exit status.
    fn stop_with(mut self, signal: &str) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args([signal, &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("serve did not stop within 20 s of {signal}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn serve_answers_health_and_stops_on_sigterm() {
    let server = Server::start();
    let resp = server.get("/healthz");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("\"status\":\"ok\""), "{resp}");
    assert!(server.get("/nope").starts_with("HTTP/1.1 404"));
    // Another name is refused before any handler; health checks by any name still answer.
    assert!(server.get_as("/nope", "x").starts_with("HTTP/1.1 421"));
    assert!(server.get_as("/healthz", "x").starts_with("HTTP/1.1 200"));
    let data = server._dir.path().join("data");
    assert!(
        data.join("frontdesk.db").is_file(),
        "the embedded SQLite store is created"
    );
    assert!(data.join("recordings").is_dir());
    let status = server.stop_with("-TERM");
    assert!(status.success(), "{status:?}");
}

#[test]
fn serve_stops_on_sigint() {
    let server = Server::start();
    assert!(server.get("/healthz").starts_with("HTTP/1.1 200"));
    let status = server.stop_with("-INT");
    assert!(status.success(), "{status:?}");
}

#[test]
fn serve_refuses_a_taken_port_with_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .current_dir(dir.path())
        .args([
            "serve",
            "--http-listen",
            &addr,
            "--sip-listen",
            "127.0.0.1:0",
        ])
        .arg("--prompts-dir")
        .arg(prompts())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot listen for HTTP") && err.contains(&addr),
        "{err}"
    );
}

#[test]
fn serve_without_prompts_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .current_dir(dir.path())
        .args([
            "serve",
            "--http-listen",
            "127.0.0.1:0",
            "--sip-listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("prompts directory"), "{err}");
}
