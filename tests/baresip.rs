//! A real softphone (baresip) calls the service, over UDP and over TLS: it plays a 600 Hz tone as its microphone and
//! records what it hears. Both sides of our recording must hold real audio: the tone on the left,
//! the prompts on the right; and baresip must have heard the prompts.

mod support;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Service, free_udp_port, read_stereo, rms, tone_share};

const CALLER: &str = "+37061234570";

fn baresip_available() -> bool {
    let ok = Command::new("baresip")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true and baresip is not installed");
        }
        eprintln!("NOTICE: baresip not installed; skipping");
    }
    ok
}

/// baresip calls `dial` (its microphone a 600 Hz tone), presses 9 during the greeting and stays
/// until the service confirms the opt-out and hangs up; returns the call row. `extra` goes into
/// baresip's config.
fn softphone_opt_out(svc: &Service, dial: &str, extra: &str) -> serde_json::Value {
    let dir = svc.dir.path().join("baresip");
    std::fs::create_dir_all(&dir).unwrap();
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );

    let mic = dir.join("mic.wav");
    let sox = Command::new("sox")
        .args(["-n", "-r", "8000", "-c", "1", "-b", "16"])
        .arg(&mic)
        .args(["synth", "40", "sine", "600", "vol", "0.5"])
        .status()
        .unwrap();
    assert!(sox.success());
    // baresip also listens on the SIP port + 1 (TLS): keep the console away from both.
    let sip_port = free_udp_port();
    let mut cons = free_udp_port();
    while cons.abs_diff(sip_port) <= 1 {
        cons = free_udp_port();
    }
    std::fs::write(
        dir.join("config"),
        format!(
            "poll_method epoll\nsip_listen 127.0.0.1:{sip_port}\nnet_interface 127.0.0.1\n\
             module_path /usr/lib/baresip/modules\naudio_player alsa,null\naudio_alert alsa,null\naudio_source aufile,{mic}\n\
             module g711.so\nmodule aufile.so\nmodule sndfile.so\nmodule cons.so\nmodule_app account.so\nmodule_app menu.so\n\
             cons_listen 127.0.0.1:{cons}\nsnd_path {snd}\n{extra}",
            mic = mic.display(),
            snd = dir.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("accounts"),
        format!("<sip:{CALLER}@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU\n"),
    )
    .unwrap();
    let mut phone = Command::new("timeout")
        .args(["60", "baresip", "-f"])
        .arg(&dir)
        .args(["-t", "45"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("out.log")).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Dial through baresip's UDP console once it is up; during the greeting press 9 (type-ahead);
    // the service then confirms the opt-out and hangs up.
    let console = UdpSocket::bind("127.0.0.1:0").unwrap();
    let up = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(dir.join("out.log"))
        .unwrap_or_default()
        .contains("baresip is ready")
    {
        assert!(Instant::now() < up, "baresip did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let dial = format!("/dial {dial}\n");
    console
        .send_to(dial.as_bytes(), ("127.0.0.1", cons))
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    console
        .send_to(b"/sndcode 9\n", ("127.0.0.1", cons))
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(50);
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
            "the call did not end; baresip:\n{}\nservice:\n{}",
            std::fs::read_to_string(dir.join("out.log")).unwrap_or_default(),
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = phone.kill();
    let _ = phone.wait();
    call
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
    let dir = svc.dir.path().join("baresip");
    let heard = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("-dec.wav"))
        })
        .expect("baresip wrote what it heard");
    let mut r = hound::WavReader::open(&heard).unwrap();
    let samples: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
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
    let call = softphone_opt_out(&svc, &format!("sip:frontdesk@{}", svc.sip), "");
    assert_audio_both_ways(&svc, &call);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_softphone_call_over_tls_is_recorded_with_audio_both_ways() {
    if !baresip_available() {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let key =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert, private) = (certs.path().join("sip.crt"), certs.path().join("sip.key"));
    std::fs::write(&cert, key.cert.pem()).unwrap();
    std::fs::write(&private, key.key_pair.serialize_pem()).unwrap();
    let svc = Service::start(&format!(
        "[sip]\ntls_listen = \"127.0.0.1:0\"\ntls_certificate = \"{}\"\ntls_private_key = \"{}\"\n",
        cert.display(),
        private.display()
    ));
    let tls = svc.sip_tls.expect("tls listens");
    // baresip trusts only our certificate: the call is refused unless the handshake verifies.
    let call = softphone_opt_out(
        &svc,
        &format!("sip:frontdesk@{tls};transport=tls"),
        &format!("sip_cafile {}\n", cert.display()),
    );
    assert_audio_both_ways(&svc, &call);
    let log = std::fs::read_to_string(svc.dir.path().join("baresip/out.log")).unwrap_or_default();
    assert!(
        log.contains("Call established: sip:frontdesk@") && log.contains(";transport=tls"),
        "baresip established the call over TLS:\n{log}"
    );
}
