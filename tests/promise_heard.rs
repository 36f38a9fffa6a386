//! End to end: a softphone (baresip) asks for a callback and hears the promise. The sentence
//! stored on the callback, rendered again here by the same engine, is found sample for sample
//! (through G.711) in what baresip received. The same sentence is on the card, reaches the client
//! by e-mail (a real SMTP catcher), and goes to a webhook signed — the receiver being down, the
//! service restarting meanwhile, and the event delivered once the receiver is back, once.

mod support;

use frontdesk::speech::Speech;
use frontdesk::speech::espeak::Espeak;
use std::net::TcpListener;
use std::time::{Duration, Instant};
use support::Service;
use support::smtp::{catcher, decode_body, wait_for_mail};
use support::softphone::{Softphone, baresip_available};
use support::webhook::receiver;

const SECRET: &str = "crm-secret";

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

/// The `callback.planned` delivery as the API lists it (`Null` before there is one).
async fn planned_delivery(svc: &Service, token: &str) -> serde_json::Value {
    let all: serde_json::Value = reqwest::Client::new()
        .get(format!("http://{}/api/v1/webhooks", svc.http))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.as_array()
        .and_then(|a| a.iter().find(|d| d["event"] == "callback.planned"))
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_caller_hears_the_promise_stored_on_the_callback() {
    if !tools_available() {
        return;
    }
    let free_port = || {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (smtp, hook) = (free_port(), free_port());
    let mail = tempfile::tempdir().unwrap();
    let maildir = mail.path().join("Maildir");
    let Some(_catcher) = catcher(smtp, &maildir) else {
        return;
    };
    // The webhook's receiver is down for now.
    let mut svc = Service::start(&format!(
        "[speech]\nengine = \"espeak-ng\"\n[notify]\nwebhooks = [{{ url = \"http://127.0.0.1:{hook}/crm\", \
         secret = \"{SECRET}\", events = [\"callback.planned\"] }}]\n[notify.email]\nhost = \"127.0.0.1\"\n\
         port = {smtp}\nfrom = \"Example Ltd <callbacks@example.com>\"\n"
    ));
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(
        &csv,
        format!("phone,name,language,email\n{CALLER},Ada,en,ada@example.com\n"),
    )
    .unwrap();
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

    // The card says what was promised.
    let out = svc.cli(&["clients", "show", CALLER]);
    let card = String::from_utf8_lossy(&out.stdout);
    assert!(card.contains(&format!("promised: {promise}")), "{card}");
    // The client got it by e-mail, word for word.
    let message = wait_for_mail(&maildir, &|| svc.log());
    assert!(message.contains("To: ada@example.com"), "{message}");
    assert!(decode_body(&message).contains(&promise), "{message}");

    // The webhook's first attempt failed (its receiver is down); the service restarts; the
    // receiver comes back and gets the event once, signed, with the same promise.
    let token = support::api::token(&svc, &["users", "add", "boss", "--role", "admin"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while planned_delivery(&svc, &token).await["attempts"]
        .as_i64()
        .unwrap_or(0)
        < 1
    {
        assert!(Instant::now() < deadline, "no attempt\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    svc.stop("-TERM");
    let svc = svc.restart();
    let got = receiver(TcpListener::bind(("127.0.0.1", hook)).unwrap());
    let token = support::api::token(&svc, &["users", "add", "boss2", "--role", "admin"]);
    let deadline = Instant::now() + Duration::from_secs(40);
    while planned_delivery(&svc, &token).await["status"] != "delivered" {
        assert!(Instant::now() < deadline, "not delivered\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(2));
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "once: {got:?}");
    assert!(got[0].signed_with(SECRET));
    let event = got[0].json();
    assert_eq!(event["event"], "callback.planned");
    assert_eq!(event["data"]["promise"], promise.as_str(), "{event}");
}
