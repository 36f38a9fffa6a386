//! A webhook receiver for tests: a plain HTTP/1.1 listener answering 200 to every request and
//! keeping what it got, with the signature check a real receiver makes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One request as received: headers (names lower-cased) and body.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Whether `X-Frontdesk-Signature` is the HMAC-SHA256 of the body under `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        self.header("x-frontdesk-signature")
            == frontdesk::notify::sign(secret, self.body.as_bytes())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

pub type Got = Arc<Mutex<Vec<Received>>>;

/// Serves `listener` on a thread of its own for the rest of the test.
pub fn receiver(listener: TcpListener) -> Got {
    let got: Got = Arc::default();
    let seen = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            serve_one(stream, &seen);
        }
    });
    got
}

/// The same over TLS with `cert` and `key` (PEM): an `https://` receiver.
pub fn tls_receiver(listener: TcpListener, cert: &str, key: &str) -> Got {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls::{ServerConfig, ServerConnection, StreamOwned};
    let chain = vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
    let config = Arc::new(
        ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
    );
    let got: Got = Arc::default();
    let seen = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let Ok(conn) = ServerConnection::new(config.clone()) else {
                continue;
            };
            serve_one(StreamOwned::new(conn, stream), &seen);
        }
    });
    got
}

/// Reads one request from `stream`, keeps it, answers 200.
fn serve_one<S: Read + Write>(stream: S, seen: &Got) {
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        // A handshake that failed, or a connection closed at once.
        return;
    }
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            headers.push((k.trim().to_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap_or(());
    seen.lock().unwrap().push(Received {
        headers,
        body: String::from_utf8_lossy(&body).into(),
    });
    let mut stream = reader.into_inner();
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let _ = stream.flush();
}
