//! The second channel by e-mail: a client whose card has an address gets the promise, in their
//! language, through the configured SMTP relay (a real aiosmtpd started here, writing a
//! maildir); the delivery shows in the API like a webhook's.

mod support;

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::Service;

const PHONE: &str = "+37061234567";

struct Catcher(Child);

impl Drop for Catcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn catcher(port: u16, maildir: &std::path::Path) -> Option<Catcher> {
    // The system Python has the Debian package even when another python3 comes first on PATH.
    let python = ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    let Some(python) = python else {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true and python3-aiosmtpd is not installed"
        );
        eprintln!("NOTICE: aiosmtpd not installed; skipping");
        return None;
    };
    let child = Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Listening once a connection succeeds.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "aiosmtpd did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(Catcher(child))
}

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

    let deadline = Instant::now() + Duration::from_secs(20);
    let message = loop {
        let new = maildir.join("new");
        if let Some(file) = std::fs::read_dir(&new)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
        {
            break std::fs::read_to_string(file.path()).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "no e-mail; service:\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
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

/// The text part of a simple message: quoted-printable or base64 or plain.
fn decode_body(message: &str) -> String {
    let (head, body) = message.split_once("\n\n").unwrap_or((message, ""));
    let body = body.replace("\r\n", "\n");
    if head
        .to_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        use base64::Engine;
        let joined: String = body.split_whitespace().collect();
        return String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap_or_default(),
        )
        .into();
    }
    if head.to_lowercase().contains("quoted-printable") {
        let joined = body.replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        return String::from_utf8_lossy(&out).into();
    }
    body
}
