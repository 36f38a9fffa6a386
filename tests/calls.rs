//! Calls from a real SIP peer (SIPp over loopback UDP) to the real binary, checked in the store and
//! in the recording.

mod support;

use frontdesk::store::Store;
use serde_json::Value;
use support::{Service, read_stereo, rms, sipp_available};

const CALLER: &str = "+37061234567";

fn assert_sipp_ok(svc: &Service, out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: sipp exited {:?}\nstdout:{}\nstderr:{}\nservice log:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        svc.log()
    );
}

/// The one call, once its row is closed (the service writes it just after the last SIP message).
fn ended_call(svc: &Service) -> Value {
    let mut call = only_call(svc);
    for _ in 0..50 {
        if call["ended_at"].is_string() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        call = only_call(svc);
    }
    call
}

fn only_call(svc: &Service) -> Value {
    let calls = svc.cli_json(&["calls", "list", "--json"]);
    let calls = calls.as_array().unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    calls[0].clone()
}

async fn events_at(
    svc: &Service,
    call_id: &str,
) -> Vec<(chrono::DateTime<chrono::Utc>, String, String)> {
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let ev = store.call_events(call_id).await.unwrap();
    store.close().await;
    ev
}

async fn events(svc: &Service, call_id: &str) -> Vec<(String, String)> {
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let ev = store.call_events(call_id).await.unwrap();
    store.close().await;
    ev.into_iter().map(|(_, k, d)| (k, d)).collect()
}

/// Key 9 during the greeting (type-ahead), by RFC 2833 from a pcap, while the caller talks.
#[tokio::test(flavor = "multi_thread")]
async fn rfc2833_opt_out_is_listed_confirmed_and_recorded() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("");
    // A known client whose card says English: no language menu, so 9 answers the main menu.
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Jonas,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let out = svc.sipp("dtmf_rfc2833.xml", CALLER, &[]);
    assert_sipp_ok(&svc, &out, "rfc2833 call");

    let call = ended_call(&svc);
    assert_eq!(call["phone"], CALLER);
    assert_eq!(call["outcome"], "dnc-opt-out", "{call}");
    assert_eq!(call["digits"], "9");
    assert!(call["answered_at"].is_string() && call["ended_at"].is_string());

    let dnc = svc.cli_json(&["dnc", "list", "--json"]);
    assert_eq!(dnc[0]["phone"], CALLER);
    assert_eq!(dnc[0]["source"], "ivr");

    // The recording: stereo 8 kHz 16-bit, the caller on the left (the pcap's speech), what they
    // heard on the right (the prompts), as long as the call was after the consent notice.
    let path = call["recording"].as_str().expect("a recording");
    let (spec, left, right) = read_stereo(std::path::Path::new(path));
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 8000, 16)
    );
    assert!(
        left.len() > 8000,
        "at least a second recorded, got {} samples",
        left.len()
    );
    assert!(
        rms(&right) > 300.0,
        "the prompts are on the right channel (rms {})",
        rms(&right)
    );
    assert!(
        rms(&left) > 100.0,
        "the caller's audio is on the left channel (rms {})",
        rms(&left)
    );

    // Its length is the call's from the end of the consent notice to the hangup.
    let timed = events_at(&svc, call["id"].as_str().unwrap()).await;
    let started = timed
        .iter()
        .find(|(_, k, _)| k == "recording")
        .expect("recording event")
        .0;
    let ended: chrono::DateTime<chrono::Utc> = call["ended_at"].as_str().unwrap().parse().unwrap();
    let expected = (ended - started).num_milliseconds() as f64 / 1000.0;
    let got = left.len() as f64 / 8000.0;
    assert!(
        (got - expected).abs() < 1.0,
        "recording {got:.2} s, call after notice {expected:.2} s"
    );
    let file = std::fs::read(path).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&file))
    };
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let row = store
        .call(call["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    store.close().await;
    assert_eq!(
        row.recording_sha256.as_deref(),
        Some(sha.as_str()),
        "the stored hash is the file's"
    );

    let ev = events(&svc, call["id"].as_str().unwrap()).await;
    let kinds: Vec<&str> = ev.iter().map(|(k, _)| k.as_str()).collect();
    for k in ["screening", "digit", "recording", "outcome"] {
        assert!(kinds.contains(&k), "no {k} event in {ev:?}");
    }
    let card = svc.cli_json(&["clients", "show", CALLER, "--json"]);
    let timeline: Vec<&str> = card["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(
        timeline.contains(&"call") && timeline.contains(&"dnc_added"),
        "{timeline:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sip_info_digit_reaches_the_menu() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("");
    let out = svc.sipp("dtmf_info.xml", "+37061234568", &[]);
    assert_sipp_ok(&svc, &out, "INFO call");
    let call = ended_call(&svc);
    assert_eq!(call["outcome"], "dnc-opt-out", "{call}");
    assert_eq!(call["digits"], "29", "language key then the opt-out key");
    let dnc = svc.cli_json(&["dnc", "list", "--json"]);
    assert_eq!(dnc[0]["phone"], "+37061234568");
    let ev = events(&svc, call["id"].as_str().unwrap()).await;
    assert!(
        ev.iter().any(|(k, d)| k == "language" && d == "ru"),
        "{ev:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_before_answer_gets_487_and_a_row() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("[calls]\nanswer_after_ms = 5000\n");
    let out = svc.sipp("cancel.xml", CALLER, &[]);
    assert_sipp_ok(&svc, &out, "CANCEL");
    let call = ended_call(&svc);
    assert_eq!(call["outcome"], "abandoned", "{call}");
    assert!(call["answered_at"].is_null());
    assert!(call["recording"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn hold_and_resume_then_caller_bye() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("");
    let out = svc.sipp("hold.xml", CALLER, &[]);
    assert_sipp_ok(&svc, &out, "hold/resume");
    let call = ended_call(&svc);
    assert_eq!(call["outcome"], "hangup-in-menu", "{call}");
    let ev = events(&svc, call["id"].as_str().unwrap()).await;
    let media: Vec<&str> = ev
        .iter()
        .filter(|(k, _)| k == "media")
        .map(|(_, d)| d.as_str())
        .collect();
    assert_eq!(media, ["held by the caller", "resumed"], "{ev:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_outside_the_trunk_gets_403_and_no_call() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("[pbx]\ntrunk_sources = [\"10.0.0.0/8\"]\n");
    let out = svc.sipp("forbidden.xml", CALLER, &[]);
    assert_sipp_ok(&svc, &out, "403");
    let calls = svc.cli_json(&["calls", "list", "--json"]);
    assert_eq!(calls.as_array().unwrap().len(), 0);
    assert!(
        svc.log().contains("trunk allow-list"),
        "the refusal is logged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_node_refuses_new_calls_with_503_and_keeps_the_call_it_has() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("[calls]\nmax_concurrent = 1\n");
    let mut first = svc.sipp_spawn("dtmf_info.xml", "+37061234571");
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while store
        .list_calls(&Default::default())
        .await
        .unwrap()
        .is_empty()
    {
        if let Some(status) = first.try_wait().unwrap() {
            panic!(
                "SIPp ended ({status}) before its call had a row; service log:\n{}",
                svc.log()
            );
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the first call never arrived; service log:\n{}",
            svc.log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let out = svc.sipp("overload.xml", "+37061234572", &[]);
    assert_sipp_ok(&svc, &out, "503 while full");
    assert!(
        first.wait().unwrap().success(),
        "the call in progress is not hurt"
    );
    store.close().await;
    // Both rows are closed just after the last SIP message; wait for that.
    let mut calls = svc.cli_json(&["calls", "list", "--json"]);
    for _ in 0..50 {
        if calls
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ended_at"].is_string())
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        calls = svc.cli_json(&["calls", "list", "--json"]);
    }
    let mut outcomes: Vec<&str> = calls
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap_or(""))
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        ["dnc-opt-out", "refused"],
        "the refusal has its row too"
    );
    assert!(svc.log().contains("refusing a new call"));
}
