//! A real softphone (baresip) calls the service: it plays a 600 Hz tone as its microphone and
//! records what it hears. Both sides of our recording must hold real audio: the tone on the left,
//! the prompts on the right; and baresip must have heard the prompts.

mod support;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Service, free_udp_port, read_stereo, rms};

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

/// Power of `freq` in `samples` (Goertzel), relative to the total power: ~0.5 for a pure tone.
fn tone_share(samples: &[i16], freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / 8000.0;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    let total: f64 = samples.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    if total == 0.0 {
        0.0
    } else {
        power / (total * samples.len() as f64 / 2.0)
    }
}

/// baresip calling as `CALLER` with a 600 Hz tone as its microphone, recording what it hears
/// into `dir`; returns the process and its UDP console port.
fn start_phone(dir: &std::path::Path) -> (std::process::Child, u16) {
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
             cons_listen 127.0.0.1:{cons}\nsnd_path {snd}\n",
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
    let phone = Command::new("timeout")
        .args(["60", "baresip", "-f"])
        .arg(dir)
        .args(["-t", "45"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("out.log")).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    (phone, cons)
}

/// What baresip heard: its `-dec.wav` dumps in time order (a re-INVITE may start a new one).
fn heard_by_phone(dir: &std::path::Path) -> Vec<i16> {
    let mut dumps: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("-dec.wav"))
        })
        .collect();
    assert!(!dumps.is_empty(), "baresip wrote what it heard");
    dumps.sort();
    let mut heard = Vec::new();
    for dump in dumps {
        let mut r = hound::WavReader::open(&dump).unwrap();
        heard.extend(r.samples::<i16>().map(|s| s.unwrap()));
    }
    heard
}

#[tokio::test(flavor = "multi_thread")]
async fn a_softphone_call_is_recorded_with_audio_both_ways() {
    if !baresip_available() {
        return;
    }
    let svc = Service::start("");
    let dir = svc.dir.path().join("baresip");
    std::fs::create_dir_all(&dir).unwrap();
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );

    let (mut phone, cons) = start_phone(&dir);

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
    let dial = format!("/dial sip:frontdesk@{}\n", svc.sip);
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
    let samples = heard_by_phone(&dir);
    assert!(
        rms(&samples) > 300.0,
        "baresip heard the prompts (rms {})",
        rms(&samples)
    );
}
