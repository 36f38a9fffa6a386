//! End to end: a softphone (baresip) asks for a callback and hears the promise. The sentence
//! stored on the callback, rendered again here by the same engine, is found sample for sample
//! (through G.711) in what baresip received.

mod support;

use frontdesk::speech::Speech;
use frontdesk::speech::espeak::Espeak;
use std::time::{Duration, Instant};
use support::Service;
use support::softphone::{Softphone, baresip_available};

const CALLER: &str = "+37061234571";

fn tools_available() -> bool {
    let espeak = Espeak::detect("espeak-ng").is_ok();
    if !espeak {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true and espeak-ng is not installed"
        );
        eprintln!("NOTICE: espeak-ng not installed; skipping");
    }
    baresip_available() && espeak
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
    let phone = Softphone::start(&dir, CALLER, 600, "", "");
    phone.command(&format!("/dial sip:frontdesk@{}", svc.sip));
    // During the greeting: 2, a callback (typed ahead into the main menu). Sent once the call
    // is up, however slow the machine: a key before that would be lost.
    let answered = Instant::now() + Duration::from_secs(30);
    while !phone.log().contains("Call established") {
        assert!(Instant::now() < answered, "the call was not answered");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    phone.command("/sndcode 2");
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
    drop(phone);
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
