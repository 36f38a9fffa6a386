//! An SMTP catcher for tests: a real aiosmtpd on loopback writing a maildir, and the text of
//! what it caught.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Catcher(Child);

impl Drop for Catcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn catcher(port: u16, maildir: &std::path::Path) -> Option<Catcher> {
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

/// The first message in `maildir` (waits up to 20 s; `why` says what the service did otherwise).
pub fn wait_for_mail(maildir: &Path, why: &dyn Fn() -> String) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let new = maildir.join("new");
        if let Some(file) = std::fs::read_dir(&new)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
        {
            return std::fs::read_to_string(file.path()).unwrap();
        }
        assert!(Instant::now() < deadline, "no e-mail; service:\n{}", why());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The text part of a simple message: quoted-printable or base64 or plain.
pub fn decode_body(message: &str) -> String {
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
