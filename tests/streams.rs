//! SIP over TCP and TLS against the real binary: a whole call over TCP from SIPp, the door's
//! connection limits (per source, given back when a connection ends), and TLS with a certificate
//! from the configuration, including a client that never finishes its handshake. Loopback only:
//! 127.0.0.0/8 gives the distinct sources.

mod support;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Service, read_stereo, rms, sipp_available};

const CALLER: &str = "+37061234567";

fn options(to: SocketAddr, local: SocketAddr, transport: &str, n: u32) -> String {
    format!(
        "OPTIONS sip:frontdesk@{to};transport={transport} SIP/2.0\r\n\
         Via: SIP/2.0/{} {local};branch=z9hG4bK-stream-{n}\r\n\
         From: <sip:probe@{local}>;tag=s{n}\r\nTo: <sip:frontdesk@{to}>\r\nCall-ID: stream-{n}@probe\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        transport.to_uppercase()
    )
}

/// A request with an extension method (RFC 4475 §3.1.1.5: valid, and not implemented here).
fn extension(to: SocketAddr, local: SocketAddr, transport: &str, n: u32) -> String {
    format!(
        "FOLLOWUP sip:frontdesk@{to};transport={transport} SIP/2.0\r\n\
         Via: SIP/2.0/{} {local};branch=z9hG4bK-ext-{n}\r\n\
         From: <sip:probe@{local}>;tag=e{n}\r\nTo: <sip:frontdesk@{to}>\r\nCall-ID: ext-{n}@probe\r\n\
         CSeq: 1 FOLLOWUP\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        transport.to_uppercase()
    )
}

/// The whole next response on `stream` (one read), or `None` if the server closed it.
fn response<S: Read>(stream: &mut S) -> Option<String> {
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).ok()?;
    (n > 0).then(|| String::from_utf8_lossy(&buf[..n]).to_string())
}

/// The status line of the next response on `stream`, or `None` if the server closed it.
fn status<S: Read>(stream: &mut S) -> Option<String> {
    response(stream).map(|r| r.lines().next().unwrap_or_default().to_string())
}

fn metric(svc: &Service, name: &str) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!("http://{}/metrics", svc.http);
    let text = rt.block_on(async { reqwest::get(&url).await.unwrap().text().await.unwrap() });
    // Every sample names its node; the names asked for here leave it out.
    let text = text
        .replace("node=\"test-node\",", "")
        .replace("{node=\"test-node\"}", "");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
        .map(|v| v as u64)
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

/// Waits for the gauge of open connections to read `n`.
fn wait_connections(svc: &Service, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let open = metric(svc, "frontdesk_sip_connections");
        if open == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{open} connections open, not {n}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_call_over_tcp_is_answered_recorded_and_hung_up_over_its_connection() {
    if !sipp_available() {
        eprintln!("sipp not installed: skipped");
        return;
    }
    let svc = Service::start("[pbx]\ntrunk_sources = [\"127.0.0.1/32\"]\n");
    assert_eq!(svc.sip_tcp, Some(svc.sip), "TCP listens beside UDP");
    // A known client with a language, so the greeting takes the typed-ahead 9 (DNC).
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let out = svc.sipp("dtmf_rfc2833.xml", CALLER, &["-t", "t1"]);
    assert!(
        out.status.success(),
        "sipp over tcp: {}\n{}\nlog:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        svc.log()
    );
    // SIPp is done once it has answered our BYE; the row is closed just after.
    let deadline = Instant::now() + Duration::from_secs(10);
    let call = loop {
        let calls = svc.cli_json(&["calls", "list", "--json"]);
        if calls[0]["ended_at"].is_string() {
            break calls[0].clone();
        }
        assert!(Instant::now() < deadline, "{calls}\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(call["outcome"], "dnc-opt-out", "{call}\n{}", svc.log());
    assert_eq!(
        call["digits"], "9",
        "the caller's key came over RTP as usual"
    );
    let path = call["recording"].as_str().expect("a recording");
    let (_, left, right) = read_stereo(std::path::Path::new(path));
    assert!(left.len() > 8000 && rms(&right) > 300.0);
    // SIPp closed its connection: its place is given back.
    wait_connections(&svc, 0);
}

#[test]
fn connections_are_capped_per_source_and_given_back_when_they_close() {
    let svc = Service::start(
        "[pbx]\ntrunk_sources = [\"127.0.0.2/32\"]\n[sip]\nmax_connections_per_source = 3\n",
    );
    let tcp = svc.sip_tcp.expect("tcp listens");
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| support::connect_from("127.0.0.7", tcp))
        .collect();
    for (n, stream) in held.iter_mut().enumerate() {
        let local = stream.local_addr().unwrap();
        stream
            .write_all(options(tcp, local, "tcp", n as u32).as_bytes())
            .unwrap();
        assert_eq!(status(stream).as_deref(), Some("SIP/2.0 200 OK"));
    }
    wait_connections(&svc, 3);
    // A fourth from the same source is closed unread; another source is not affected.
    let mut fourth = support::connect_from("127.0.0.7", tcp);
    let local = fourth.local_addr().unwrap();
    let _ = fourth.write_all(options(tcp, local, "tcp", 9).as_bytes());
    assert_eq!(status(&mut fourth), None, "the fourth connection is closed");
    assert_eq!(
        metric(
            &svc,
            "frontdesk_sip_turned_away_total{reason=\"connections\"}"
        ),
        1
    );
    let mut other = support::connect_from("127.0.0.8", tcp);
    let local = other.local_addr().unwrap();
    other
        .write_all(options(tcp, local, "tcp", 10).as_bytes())
        .unwrap();
    assert_eq!(status(&mut other).as_deref(), Some("SIP/2.0 200 OK"));
    // The trunk is held only to the total.
    let trunk: Vec<TcpStream> = (0..5)
        .map(|_| support::connect_from("127.0.0.2", tcp))
        .collect();
    wait_connections(&svc, 9);
    // Closing gives the places back, and the source may connect again.
    drop(held.pop());
    drop(trunk);
    drop(other);
    wait_connections(&svc, 2);
    let mut again = support::connect_from("127.0.0.7", tcp);
    let local = again.local_addr().unwrap();
    again
        .write_all(options(tcp, local, "tcp", 11).as_bytes())
        .unwrap();
    assert_eq!(status(&mut again).as_deref(), Some("SIP/2.0 200 OK"));
}

/// A message the stack's parser cannot read used to close the whole connection, with every dialog
/// on it. Now an extension method gets its 501 over the connection, a framed message nobody can
/// read is dropped, and the connection carries on.
#[test]
fn an_extension_method_over_tcp_gets_501_and_the_connection_carries_on() {
    let svc = Service::start("[pbx]\ntrunk_sources = [\"127.0.0.2/32\"]\n");
    let tcp = svc.sip_tcp.expect("tcp listens");
    let mut stream = support::connect_from("127.0.0.9", tcp);
    let local = stream.local_addr().unwrap();
    stream
        .write_all(extension(tcp, local, "tcp", 1).as_bytes())
        .unwrap();
    let answer = response(&mut stream).expect("answered, not closed");
    assert!(answer.starts_with("SIP/2.0 501 "), "{answer}");
    assert!(answer.contains("Allow: INVITE"), "{answer}");
    assert!(answer.contains("CSeq: 1 FOLLOWUP\r\n"), "{answer}");
    // Framed by its Content-Length but no request at all: dropped, and nothing else lost.
    stream
        .write_all(b"NOT A REQUEST\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    stream
        .write_all(options(tcp, local, "tcp", 2).as_bytes())
        .unwrap();
    assert_eq!(status(&mut stream).as_deref(), Some("SIP/2.0 200 OK"));
    assert_eq!(metric(&svc, "frontdesk_sip_connections"), 1);
}

/// Messages the stack cannot parse are rated like any other: a stranger over its rate gets no more
/// answers, and the drops are counted.
#[test]
fn unreadable_messages_over_tcp_are_held_to_the_sources_rate() {
    let svc = Service::start(
        "[pbx]\ntrunk_sources = [\"127.0.0.2/32\"]\n[sip]\nrequests_per_second_per_source = 5\n",
    );
    let tcp = svc.sip_tcp.expect("tcp listens");
    let mut stream = support::connect_from("127.0.0.11", tcp);
    let local = stream.local_addr().unwrap();
    // The connection itself took one request of the rate; a burst is one second's worth.
    let burst: String = (0..20).map(|n| extension(tcp, local, "tcp", n)).collect();
    stream.write_all(burst.as_bytes()).unwrap();
    let mut answered = String::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    while let Some(more) = response(&mut stream) {
        answered.push_str(&more);
    }
    let answers = answered.matches("SIP/2.0 501 ").count();
    assert!((1..=5).contains(&answers), "{answers} answers:\n{answered}");
    assert!(metric(&svc, "frontdesk_sip_turned_away_total{reason=\"rate\"}") >= 15);
}

/// A peer that sends requests over TCP and never reads its answers fills its socket's buffers.
/// The answers are written off the stack's event loop, so SIP goes on for everyone else.
#[test]
fn a_peer_that_never_reads_its_answers_does_not_stop_sip() {
    let svc = Service::start("[pbx]\ntrunk_sources = [\"127.0.0.2/32\"]\n");
    let tcp = svc.sip_tcp.expect("tcp listens");
    // From the trunk (the highest rate), with a receive buffer as small as the kernel allows.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let local: SocketAddr = "127.0.0.2:0".parse().unwrap();
    socket.bind(&local.into()).unwrap();
    socket.connect(&tcp.into()).unwrap();
    let mut stuffed: TcpStream = socket.into();
    stuffed
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let local = stuffed.local_addr().unwrap();
    let stuffer = std::thread::spawn(move || {
        // About 12 MB of OPTIONS for 4 s: far more answers than both sockets' buffers hold (the
        // sender's grows to 4 MiB), within the trunk's rate.
        let start = Instant::now();
        for n in 0..40_000 {
            if start.elapsed() > Duration::from_secs(4) {
                break;
            }
            if stuffed
                .write_all(options(tcp, local, "tcp", n).as_bytes())
                .is_err()
            {
                break;
            }
        }
        stuffed
    });
    std::thread::sleep(Duration::from_secs(5));
    // Meanwhile another source's OPTIONS over UDP is answered.
    let probe = std::net::UdpSocket::bind("127.0.0.3:0").unwrap();
    probe
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let at = probe.local_addr().unwrap();
    probe
        .send_to(options(svc.sip, at, "udp", 9000).as_bytes(), svc.sip)
        .unwrap();
    let mut buf = [0u8; 4096];
    let answered = probe.recv_from(&mut buf).map(|(n, _)| buf[..n].to_vec());
    let answer = String::from_utf8_lossy(&answered.unwrap_or_default()).to_string();
    assert!(
        answer.starts_with("SIP/2.0 200 OK"),
        "SIP stalled behind a peer that does not read: {answer:?}\n{}",
        svc.log()
    );
    drop(stuffer.join().unwrap());
}

/// A self-signed certificate for 127.0.0.1, written as PEM files in `dir`.
fn certificate(dir: &std::path::Path) -> (String, std::path::PathBuf, std::path::PathBuf) {
    let key =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert_pem = key.cert.pem();
    let (cert, private) = (dir.join("sip.crt"), dir.join("sip.key"));
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&private, key.key_pair.serialize_pem()).unwrap();
    (cert_pem, cert, private)
}

#[test]
fn tls_answers_with_the_configured_certificate_and_cuts_off_a_handshake_never_finished() {
    let certs = tempfile::tempdir().unwrap();
    let (pem, cert, key) = certificate(certs.path());
    let svc = Service::start(&format!(
        "[pbx]\ntrunk_sources = [\"127.0.0.2/32\"]\n[sip]\ntls_listen = \"127.0.0.1:0\"\n\
         tls_certificate = \"{}\"\ntls_private_key = \"{}\"\ntls_handshake_seconds = 1\n",
        cert.display(),
        key.display()
    ));
    let tls = svc.sip_tls.expect("tls listens");

    // A client that trusts only that certificate gets its OPTIONS answered over TLS.
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = tokio_rustls::rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let conn = tokio_rustls::rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let sock = support::connect_from("127.0.0.5", tls);
    let local = sock.local_addr().unwrap();
    let mut client = tokio_rustls::rustls::StreamOwned::new(conn, sock);
    client
        .write_all(options(tls, local, "tls", 1).as_bytes())
        .unwrap();
    assert_eq!(status(&mut client).as_deref(), Some("SIP/2.0 200 OK"));
    // An extension method over TLS is answered too, on the same connection.
    client
        .write_all(extension(tls, local, "tls", 1).as_bytes())
        .unwrap();
    let answer = response(&mut client).expect("answered, not closed");
    assert!(answer.starts_with("SIP/2.0 501 "), "{answer}");

    // A connection that never starts its handshake is cut off after a second and its place
    // given back; the verified one stays.
    let mut silent = support::connect_from("127.0.0.6", tls);
    wait_connections(&svc, 2);
    let started = Instant::now();
    assert_eq!(status(&mut silent), None, "closed by the server");
    assert!(started.elapsed() < Duration::from_secs(4));
    wait_connections(&svc, 1);
    client
        .write_all(options(tls, local, "tls", 2).as_bytes())
        .unwrap();
    assert_eq!(status(&mut client).as_deref(), Some("SIP/2.0 200 OK"));
}

#[test]
fn tls_without_a_certificate_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("frontdesk.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[sip]\ntls_listen = \"127.0.0.1:0\"\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .args(["--config", config.to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sip.tls_listen"), "{err}");
}

#[test]
fn a_connection_that_goes_quiet_is_closed_and_its_place_given_back() {
    let svc = Service::start("[sip]\nconnection_idle_seconds = 1\n");
    let tcp = svc.sip_tcp.expect("tcp listens");
    let mut stream = support::connect_from("127.0.0.9", tcp);
    let local = stream.local_addr().unwrap();
    stream
        .write_all(options(tcp, local, "tcp", 1).as_bytes())
        .unwrap();
    assert_eq!(status(&mut stream).as_deref(), Some("SIP/2.0 200 OK"));
    let quiet = Instant::now();
    assert_eq!(status(&mut stream), None, "closed after a quiet second");
    assert!(quiet.elapsed() < Duration::from_secs(4));
    wait_connections(&svc, 0);
}
