//! Hostile and broken SIP never takes the service down: RFC 4475/5118 torture messages, truncated
//! and oversized datagrams, junk. After each barrage the service still answers OPTIONS and a call.

mod support;

use std::net::UdpSocket;
use std::path::PathBuf;
use std::time::Duration;
use support::Service;

fn corpus(name: &str) -> Option<Vec<PathBuf>> {
    let dir = support::repo().join("../shared/corpora").join(name);
    match std::fs::read_dir(&dir) {
        Ok(rd) => {
            let mut v: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            Some(v)
        }
        Err(_) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true and {} is missing", dir.display());
            }
            eprintln!(
                "NOTICE: {} not found; skipping the torture corpus",
                dir.display()
            );
            None
        }
    }
}

fn options(to: std::net::SocketAddr, sock: &UdpSocket, n: u32) -> Option<String> {
    let local = sock.local_addr().unwrap();
    let msg = format!(
        "OPTIONS sip:frontdesk@{to} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-alive-{n}\r\n\
         From: <sip:probe@{local}>;tag=p{n}\r\nTo: <sip:frontdesk@{to}>\r\nCall-ID: alive-{n}@probe\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    );
    sock.send_to(msg.as_bytes(), to).unwrap();
    let mut buf = [0u8; 4096];
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // Skip any responses to the barrage; wait for ours.
    for _ in 0..200 {
        let (n_read, _) = sock.recv_from(&mut buf).ok()?;
        let text = String::from_utf8_lossy(&buf[..n_read]).to_string();
        if text.contains(&format!("alive-{n}@probe")) {
            return Some(text);
        }
    }
    None
}

fn assert_alive(svc: &Service, sock: &UdpSocket, n: u32) {
    let resp = options(svc.sip, sock, n).unwrap_or_else(|| {
        panic!(
            "no answer to OPTIONS after barrage {n}; log:\n{}",
            svc.log()
        )
    });
    assert!(resp.starts_with("SIP/2.0 200"), "{resp}");
}

#[test]
fn torture_messages_and_junk_do_not_stop_the_service() {
    let svc = Service::start("");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    assert_alive(&svc, &sock, 0);

    let mut n = 1;
    for name in ["rfc4475", "rfc5118"] {
        let Some(files) = corpus(name) else { continue };
        assert!(!files.is_empty());
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            sock.send_to(&bytes, svc.sip).unwrap();
        }
        std::thread::sleep(Duration::from_millis(300));
        assert_alive(&svc, &sock, n);
        n += 1;
    }

    let invite = format!(
        "INVITE sip:frontdesk@{to} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-x\r\n\
         From: <sip:+37061234567@127.0.0.1>;tag=1\r\nTo: <sip:frontdesk@{to}>\r\nCall-ID: junk@x\r\n\
         CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 99999999\r\n\r\nv=0\r\n",
        to = svc.sip
    );
    let junk: Vec<Vec<u8>> = vec![
        vec![],
        b"\r\n\r\n".to_vec(),
        b"INVITE".to_vec(),
        invite.as_bytes()[..invite.len() / 2].to_vec(),
        invite.clone().into_bytes(),
        invite.replace("Call-ID: junk@x\r\n", "").into_bytes(),
        invite
            .replace("CSeq: 1 INVITE", "CSeq: banana")
            .into_bytes(),
        (0..1400u32).map(|i| (i * 7919 % 251) as u8).collect(),
        vec![0xFF; 9000],
    ];
    for j in &junk {
        let _ = sock.send_to(j, svc.sip);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_alive(&svc, &sock, n);
    let log = svc.log();
    assert!(!log.contains("panicked"), "a panic was logged:\n{log}");
}
