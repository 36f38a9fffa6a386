//! TLS for webhooks: an `https://` receiver is checked against the system's root certificates
//! (read once, through rustls-native-certs), or against the webhook's own CA file.

use super::deliver::DeliverError;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

fn connector_for(roots: RootCertStore) -> TlsConnector {
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// The system's roots; certificates the platform store holds but rustls cannot read are
/// skipped, and an empty store only means no public receiver can be verified.
fn system() -> TlsConnector {
    static SYSTEM: OnceLock<TlsConnector> = OnceLock::new();
    SYSTEM
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                tracing::warn!(error = %e, "a system root certificate could not be read");
            }
            let mut roots = RootCertStore::empty();
            let (added, ignored) = roots.add_parsable_certificates(found.certs);
            if ignored > 0 || added == 0 {
                tracing::warn!(added, ignored, "system root certificates for webhooks");
            }
            connector_for(roots)
        })
        .clone()
}

/// What an `https://` webhook is checked against: `ca` when given, else the system's roots.
pub fn connector(ca: Option<&Path>) -> Result<TlsConnector, DeliverError> {
    let Some(ca) = ca else {
        return Ok(system());
    };
    let pem = std::fs::read(ca)
        .map_err(|e| DeliverError::Tls(format!("CA file {}: {e}", ca.display())))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| DeliverError::Tls(format!("CA file {}: {e}", ca.display())))?;
        roots
            .add(cert)
            .map_err(|e| DeliverError::Tls(format!("CA file {}: {e}", ca.display())))?;
    }
    if roots.is_empty() {
        return Err(DeliverError::Tls(format!(
            "CA file {}: no certificate",
            ca.display()
        )));
    }
    Ok(connector_for(roots))
}
