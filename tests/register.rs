//! Register mode against a real registrar (SIPp checking digest auth): register, refresh within the
//! granted expiry, unregister at shutdown.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Service, free_udp_port, repo, sipp_available};

#[test]
fn registers_refreshes_and_unregisters_with_digest_auth() {
    if !sipp_available() {
        return;
    }
    let port = free_udp_port();
    let dir = tempfile::tempdir().unwrap();
    let registrar = Command::new("timeout")
        .args(["60", "sipp", "-sf"])
        .arg(repo().join("tests/sipp/registrar.xml"))
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            "1",
            "-nostdin",
        ])
        .args([
            "-timeout",
            "40s",
            "-timeout_error",
            "-trace_err",
            "-trace_msg",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut svc = Service::start(&format!(
        "[pbx]\nmode = \"register\"\nregistrar = \"127.0.0.1:{port}\"\nusername = \"frontdesk\"\npassword = \"secret\"\nregister_expires = 60\n"
    ));
    // Registered, then refreshed (the registrar grants 2 s, so a refresh comes after 1.5 s).
    let deadline = Instant::now() + Duration::from_secs(15);
    while svc.log().matches("registered").count() < 2 {
        assert!(
            Instant::now() < deadline,
            "no refresh seen; log:\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = svc.stop("-TERM");
    assert!(status.success(), "{status:?}\n{}", svc.log());
    let out = registrar.wait_with_output().unwrap();
    let messages = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with("messages.log"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(
        out.status.success(),
        "the registrar saw a wrong or missing exchange ({:?}); service log:\n{}\nSIP:\n{}",
        out.status.code(),
        svc.log(),
        messages
    );
    assert!(svc.log().contains("unregistered"), "{}", svc.log());
}
