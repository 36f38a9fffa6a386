//! A real softphone (baresip) calls the service, over UDP and over TLS: it plays a 600 Hz tone as its microphone and
//! records what it hears. Both sides of our recording must hold real audio: the tone on the left,
//! the prompts on the right; and baresip must have heard the prompts.

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::softphone::{Softphone, baresip_available, heard_in};
use support::{Service, read_stereo, rms, tone_share};

const CALLER: &str = "+37061234570";

/// baresip calls `dial` (its microphone a 600 Hz tone), presses 9 during the greeting and stays
/// until the service confirms the opt-out and hangs up; returns the call row. `extra` goes into
/// baresip's config, `account` after its account line (`;mediaenc=srtp-mand`...).
fn softphone_opt_out(svc: &Service, dial: &str, extra: &str, account: &str) -> serde_json::Value {
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let phone = Softphone::start(&svc.dir.path().join("baresip"), CALLER, 600, extra, account);
    // Dial; during the greeting press 9 (type-ahead); the service then confirms the opt-out and
    // hangs up.
    phone.command(&format!("/dial {dial}"));
    std::thread::sleep(Duration::from_secs(3));
    phone.command("/sndcode 9");

    let deadline = Instant::now() + Duration::from_secs(50);
    loop {
        let calls = svc.cli_json(&["calls", "list", "--json"]);
        if let Some(c) = calls
            .as_array()
            .and_then(|a| a.first())
            .filter(|c| c["ended_at"].is_string())
        {
            break c.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the call did not end; baresip:\n{}\nservice:\n{}",
            phone.log(),
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Both sides of our recording hold real audio (the tone on the left, the prompts on the right),
/// and baresip heard the prompts.
fn assert_audio_both_ways(svc: &Service, call: &serde_json::Value) {
    assert_eq!(call["outcome"], "dnc-opt-out", "{call}");
    let (_, left, right) = read_stereo(std::path::Path::new(call["recording"].as_str().unwrap()));
    assert!(left.len() > 8000);
    assert!(
        rms(&left) > 1000.0,
        "the caller's tone is recorded (rms {})",
        rms(&left)
    );
    let share = tone_share(&left[4000..left.len().min(20000)], 600.0);
    assert!(
        share > 0.3,
        "the left channel is the 600 Hz tone (share {share:.2})"
    );
    assert!(
        rms(&right) > 300.0,
        "what the caller heard is recorded (rms {})",
        rms(&right)
    );
    assert!(
        tone_share(&right, 600.0) < 0.1,
        "the caller's tone does not leak into the right channel"
    );

    // baresip's own dump of what it heard: our prompts.
    let samples = heard_in(&svc.dir.path().join("baresip"));
    assert!(
        rms(&samples) > 300.0,
        "baresip heard the prompts (rms {})",
        rms(&samples)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_softphone_call_is_recorded_with_audio_both_ways() {
    if !baresip_available() {
        return;
    }
    let svc = Service::start("");
    let call = softphone_opt_out(&svc, &format!("sip:frontdesk@{}", svc.sip), "", "");
    assert_audio_both_ways(&svc, &call);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_softphone_call_over_tls_is_recorded_with_audio_both_ways() {
    if !baresip_available() {
        return;
    }
    let (svc, _certs, cert, _) = tls_service("", "");
    let tls = svc.sip_tls.expect("tls listens");
    // baresip trusts only our certificate: the call is refused unless the handshake verifies.
    let call = softphone_opt_out(
        &svc,
        &format!("sip:frontdesk@{tls};transport=tls"),
        &format!("sip_cafile {}\n", cert.display()),
        "",
    );
    assert_audio_both_ways(&svc, &call);
    let log = std::fs::read_to_string(svc.dir.path().join("baresip/out.log")).unwrap_or_default();
    assert!(
        log.contains("Call established: sip:frontdesk@") && log.contains(";transport=tls"),
        "baresip established the call over TLS:\n{log}"
    );
}

/// TLS with a certificate baresip trusts (the same one for everything: the service's listener,
/// what it trusts when it calls out, a softphone's own listener). `sip` goes into `[sip]`,
/// `rest` after it. Returns the certificate and a PEM with certificate and key (baresip's
/// `sip_certificate`).
fn tls_service(sip: &str, rest: &str) -> (Service, tempfile::TempDir, PathBuf, PathBuf) {
    let certs = tempfile::tempdir().unwrap();
    let key =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert, private) = (certs.path().join("sip.crt"), certs.path().join("sip.key"));
    std::fs::write(&cert, key.cert.pem()).unwrap();
    std::fs::write(&private, key.key_pair.serialize_pem()).unwrap();
    let both = certs.path().join("both.pem");
    std::fs::write(
        &both,
        format!("{}{}", key.cert.pem(), key.key_pair.serialize_pem()),
    )
    .unwrap();
    let svc = Service::start(&format!(
        "[sip]\ntls_listen = \"127.0.0.1:0\"\ntls_certificate = \"{}\"\ntls_private_key = \"{}\"\n\
         tls_ca = \"{}\"\n{sip}{rest}",
        cert.display(),
        private.display(),
        cert.display()
    ));
    (svc, certs, cert, both)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_softphone_with_mandatory_srtp_over_tls_is_recorded_with_audio_both_ways() {
    if !baresip_available() {
        return;
    }
    let (svc, _certs, cert, _) = tls_service("", "[media]\nsrtp = \"require\"\n");
    let tls = svc.sip_tls.expect("tls listens");
    // baresip offers RTP/SAVP with an SDES key and refuses anything unencrypted.
    let call = softphone_opt_out(
        &svc,
        &format!("sip:frontdesk@{tls};transport=tls"),
        &format!("sip_cafile {}\nmodule srtp.so\n", cert.display()),
        ";mediaenc=srtp-mand",
    );
    assert_audio_both_ways(&svc, &call);
    let log = std::fs::read_to_string(svc.dir.path().join("baresip/out.log")).unwrap_or_default();
    assert!(
        log.contains("Call established: sip:frontdesk@"),
        "baresip established the call:\n{log}"
    );
    assert!(
        log.contains("SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)"),
        "baresip's media was SRTP:\n{log}"
    );
    assert!(
        svc.log().contains("RTP source locked"),
        "our side authenticated baresip's SRTP:\n{}",
        svc.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_with_mandatory_srtp_over_tls_talks_with_a_caller_with_srtp() {
    if !baresip_available() {
        return;
    }
    let (svc, _certs, cert, both) = tls_service(
        "",
        "[media]\nsrtp = \"require\"\n[routing]\nwrap_up_seconds = 0\n",
    );
    let tls = svc.sip_tls.expect("tls listens");
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    // The agent's phone: TLS with its own certificate, SRTP or nothing, a 1000 Hz tone.
    let secure = format!(
        "sip_cafile {}\nsip_certificate {}\nmodule srtp.so\n",
        cert.display(),
        both.display()
    );
    let agent = Softphone::start(
        &svc.dir.path().join("agent"),
        "anna",
        1000,
        &secure,
        ";mediaenc=srtp-mand",
    );
    let uri = format!("sip:anna@127.0.0.1:{};transport=tls", agent.sip_port + 1);
    let out = svc.cli(&["agents", "add", "anna", "--uri", &uri, "--languages", "en"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let caller = Softphone::start(
        &svc.dir.path().join("caller"),
        CALLER,
        600,
        &secure,
        ";mediaenc=srtp-mand",
    );
    caller.command(&format!("/dial sip:frontdesk@{tls};transport=tls"));
    std::thread::sleep(Duration::from_secs(2));
    caller.command("/sndcode 1");
    // Talk for a while once the agent has answered, then the caller hangs up.
    let answered = Instant::now() + Duration::from_secs(20);
    while !agent.log().contains("Call established") {
        assert!(
            Instant::now() < answered,
            "the agent never answered; agent:\n{}\ncaller:\n{}\nservice:\n{}",
            agent.log(),
            caller.log(),
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(4));
    caller.command("/hangup");
    let deadline = Instant::now() + Duration::from_secs(20);
    let call = loop {
        let calls = svc.cli_json(&["calls", "list", "--json"]);
        if let Some(c) = calls
            .as_array()
            .and_then(|a| a.first())
            .filter(|c| c["ended_at"].is_string())
        {
            break c.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the call did not end:\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(call["outcome"], "answered-by-agent", "{call}");
    for (who, phone) in [("agent", &agent), ("caller", &caller)] {
        assert!(
            phone
                .log()
                .contains("SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)"),
            "the {who}'s media was SRTP:\n{}",
            phone.log()
        );
    }
    // Each phone heard the other's tone through the bridge, and the recording holds both.
    drop(caller);
    drop(agent);
    let agent_heard = heard_in(&svc.dir.path().join("agent"));
    let caller_heard = heard_in(&svc.dir.path().join("caller"));
    let loudest = |s: &[i16], hz: f64| {
        s.chunks(4000)
            .filter(|c| c.len() == 4000)
            .map(|c| tone_share(c, hz))
            .fold(0.0, f64::max)
    };
    assert!(
        loudest(&agent_heard, 600.0) > 0.5,
        "the agent heard the caller"
    );
    assert!(
        loudest(&caller_heard, 1000.0) > 0.5,
        "the caller heard the agent"
    );
    let (_, left, right) = read_stereo(std::path::Path::new(call["recording"].as_str().unwrap()));
    assert!(loudest(&left, 600.0) > 0.5, "the caller is on the left");
    assert!(loudest(&right, 1000.0) > 0.5, "the agent is on the right");
}
