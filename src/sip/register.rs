//! Register mode: this node registers to the PBX as an extension (digest auth), refreshes at 75%
//! of the granted expiry, retries with backoff after a failure, and unregisters at shutdown.

use crate::config::Pbx;
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::registration::{RefreshOutcome, Registration};
use rsipstack::sip::Uri;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How long an unregister may take at shutdown before we give up on it.
const UNREGISTER_DEADLINE: Duration = Duration::from_secs(3);

/// The registrar's URI from `host:port` (or a full `sip:` URI).
pub fn registrar_uri(registrar: &str) -> Result<Uri, String> {
    let text = if registrar.starts_with("sip:") || registrar.starts_with("sips:") {
        registrar.to_string()
    } else {
        format!("sip:{registrar}")
    };
    Uri::try_from(text.as_str()).map_err(|e| format!("pbx.registrar {registrar:?}: {e}"))
}

/// Stays registered until `token` is cancelled, then removes the binding (expires=0).
pub async fn keep_registered(
    endpoint: EndpointInnerRef,
    pbx: Pbx,
    token: CancellationToken,
) -> Result<(), String> {
    let (Some(registrar), Some(username), Some(password)) =
        (pbx.registrar, pbx.username, pbx.password)
    else {
        return Err("register mode needs pbx.registrar, pbx.username and pbx.password".into());
    };
    let server = registrar_uri(&registrar)?;
    let credential = Credential {
        username: username.clone(),
        password,
        realm: None,
        auth_username: None,
    };
    let mut registration = Registration::new(endpoint, Some(credential));
    info!(%server, user = %username, expires = pbx.register_expires, "registering to the PBX");
    registration
        .keep_alive(
            server.clone(),
            pbx.register_expires,
            token,
            |outcome| match outcome {
                RefreshOutcome::Registered(resp) => info!(status = %resp.status_code, "registered"),
                RefreshOutcome::Rejected(resp) => {
                    warn!(status = %resp.status_code, "registration refused; retrying")
                }
                RefreshOutcome::Failed(e) => warn!(error = %e, "registrar unreachable; retrying"),
            },
        )
        .await;
    match tokio::time::timeout(UNREGISTER_DEADLINE, registration.register(server, Some(0))).await {
        Ok(Ok(resp)) => info!(status = %resp.status_code, "unregistered"),
        Ok(Err(e)) => warn!(error = %e, "unregister failed"),
        Err(_) => warn!("unregister timed out"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrar_forms() {
        assert_eq!(
            registrar_uri("127.0.0.1:5070").unwrap().to_string(),
            "sip:127.0.0.1:5070"
        );
        assert_eq!(
            registrar_uri("sip:pbx.example.com").unwrap().to_string(),
            "sip:pbx.example.com"
        );
    }
}
