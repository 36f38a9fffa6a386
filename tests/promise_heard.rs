//! End to end: a softphone (baresip) asks for a callback and hears the promise. The sentence
//! stored on the callback, rendered again here by the same engine, is found sample for sample
//! (through G.711) in what baresip received.

mod support;

use frontdesk::speech::Speech;
use frontdesk::speech::espeak::Espeak;
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Service, free_udp_port};

const CALLER: &str = "+37061234571";

fn tools_available() -> bool {
    let baresip = Command::new("baresip")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    let espeak = Espeak::detect("espeak-ng").is_ok();
    if !(baresip && espeak) {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true and baresip or espeak-ng is not installed"
        );
        eprintln!("NOTICE: baresip or espeak-ng not installed; skipping");
    }
    baresip && espeak
}

/// The best normalised correlation of `needle` anywhere in `hay` (coarse search on a short
/// head, then the whole needle at the best offsets).
fn find(hay: &[i16], needle: &[i16]) -> f64 {
    let ncc = |a: &[i16], b: &[i16]| {
        let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
        for (x, y) in a.iter().zip(b) {
            let (x, y) = (f64::from(*x), f64::from(*y));
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        if aa == 0.0 || bb == 0.0 {
            0.0
        } else {
            ab / (aa * bb).sqrt()
        }
    };
    let head = &needle[..400];
    let mut offsets: Vec<(f64, usize)> = (0..hay.len().saturating_sub(needle.len()))
        .map(|o| (ncc(&hay[o..o + head.len()], head), o))
        .filter(|(c, _)| *c > 0.6)
        .collect();
    offsets.sort_by(|a, b| b.0.total_cmp(&a.0));
    offsets
        .iter()
        .take(20)
        .map(|(_, o)| ncc(&hay[*o..*o + needle.len()], needle))
        .fold(0.0, f64::max)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_caller_hears_the_promise_stored_on_the_callback() {
    if !tools_available() {
        return;
    }
    let svc = Service::start("[speech]\nengine = \"espeak-ng\"\n");
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let dir = svc.dir.path().join("baresip");
    std::fs::create_dir_all(&dir).unwrap();
    let mic = dir.join("mic.wav");
    assert!(
        Command::new("sox")
            .args(["-n", "-r", "8000", "-c", "1", "-b", "16"])
            .arg(&mic)
            .args(["synth", "40", "sine", "600", "vol", "0.1"])
            .status()
            .unwrap()
            .success()
    );
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
    let mut phone = Command::new("timeout")
        .args(["60", "baresip", "-f"])
        .arg(&dir)
        .args(["-t", "45"])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("out.log")).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let console = UdpSocket::bind("127.0.0.1:0").unwrap();
    let up = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(dir.join("out.log"))
        .unwrap_or_default()
        .contains("baresip is ready")
    {
        assert!(
            Instant::now() < up,
            "baresip did not start:\n{}",
            std::fs::read_to_string(dir.join("out.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    console
        .send_to(
            format!("/dial sip:frontdesk@{}\n", svc.sip).as_bytes(),
            ("127.0.0.1", cons),
        )
        .unwrap();
    // During the greeting: 2, a callback (typed ahead into the main menu). Sent once the call
    // is up, however slow the machine: a key before that would be lost.
    let answered = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(dir.join("out.log"))
        .unwrap_or_default()
        .contains("Call established")
    {
        assert!(Instant::now() < answered, "the call was not answered");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    console
        .send_to(b"/sndcode 2\n", ("127.0.0.1", cons))
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
            "the call did not end; service:\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = phone.kill();
    let _ = phone.wait();
    assert_eq!(call["outcome"], "callback-requested", "{call}");

    let store = frontdesk::store::Store::connect(&svc.db_url())
        .await
        .unwrap();
    let cbs = store.all_callbacks().await.unwrap();
    let promise = cbs[0].promise.clone().expect("a promise is stored");
    assert!(promise.starts_with("We will call you back "), "{promise}");
    store.close().await;

    let heard_path = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("-dec.wav"))
        })
        .expect("baresip wrote what it heard");
    let mut r = hound::WavReader::open(&heard_path).unwrap();
    let spec = r.spec();
    let heard: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
    let heard = frontdesk::speech::audio::resample(&heard, spec.sample_rate, 8000);

    let said = Espeak::detect("espeak-ng")
        .unwrap()
        .render("en-us", &promise)
        .unwrap();
    // One second from the middle of the sentence.
    let mid = said.len() / 2;
    let score = find(&heard, &said[mid - 4000..mid + 4000]);
    assert!(
        score > 0.9,
        "the promise is not in what the caller heard ({score:.2})"
    );
    // And the check can fail: a sentence never said is not found.
    let other = Espeak::detect("espeak-ng")
        .unwrap()
        .render(
            "en-us",
            "We will call you back on Friday, 4 December, between 9:00 and 9:30.",
        )
        .unwrap();
    let mid = other.len() / 2;
    let miss = find(&heard, &other[mid - 4000..mid + 4000]);
    assert!(miss < 0.5, "an unsaid sentence matched ({miss:.2})");
}
