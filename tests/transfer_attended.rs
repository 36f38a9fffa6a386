//! Attended transfers with real peers, asked through the API: the caller (SIPp streaming a
//! 1000 Hz tone) talks with Anna (SIPp echoing what she hears), who consults Bob (baresip, his
//! microphone a 600 Hz tone) while the caller hears music, then completes (Bob takes the caller)
//! or cancels (Bob is hung up, Anna has the caller back). Checked in the audio (Goertzel over
//! the recording and what Bob heard), the timeline, the call's agent and the agents' states; the
//! API's refusals alongside.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;
use support::api::token;
use support::live::{post, timeline, wait_for};
use support::softphone::{Softphone, baresip_available, heard_in};
use support::{Service, read_stereo, sipp_available, tone_share};

const CALLER: &str = "+37061234574";
const CALLER_HZ: f64 = 1000.0;
const BOB_HZ: f64 = 600.0;

const CONFIG: &str =
    "[routing]\nring_timeout_seconds = 6\nwrap_up_seconds = 0\n[flow]\nsurvey = false\n";

/// The best share of `hz` over one-second windows of `samples`.
fn best_share(samples: &[i16], hz: f64) -> f64 {
    samples
        .chunks(8000)
        .filter(|w| w.len() == 8000)
        .map(|w| tone_share(w, hz))
        .fold(0.0, f64::max)
}

struct Setup {
    svc: Service,
    bob: Softphone,
    anna_phone: Child,
    caller: Child,
    anna: String,
    id: String,
}

/// The caller talks with Anna; Bob (away from the queue) waits to be consulted.
fn talking_with_anna() -> Option<Setup> {
    if !sipp_available() || !baresip_available() {
        return None;
    }
    let svc = Service::start(CONFIG);
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Jonas,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let sox = Command::new("sox")
        .args(["-n", "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw"])
        .arg(svc.dir.path().join("caller.ulaw"))
        .args(["synth", "5", "sine", &CALLER_HZ.to_string(), "vol", "0.5"])
        .status()
        .unwrap();
    assert!(sox.success());
    let bob = Softphone::start(&svc.dir.path().join("bob"), "bob", BOB_HZ as u32, "", "");
    let bob_uri = format!("sip:bob@127.0.0.1:{}", bob.sip_port);
    assert!(
        svc.cli(&[
            "agents",
            "add",
            "bob",
            "--uri",
            &bob_uri,
            "--languages",
            "en"
        ])
        .status
        .success()
    );
    assert!(
        svc.cli(&["agents", "presence", "bob", "away"])
            .status
            .success()
    );
    let anna_port = support::free_udp_port();
    let anna_phone = svc.sipp_phone_with("agent_answer.xml", anna_port, 1, &["-rtp_echo"]);
    let anna_uri = format!("sip:anna@127.0.0.1:{anna_port}");
    assert!(
        svc.cli(&[
            "agents",
            "add",
            "anna",
            "--uri",
            &anna_uri,
            "--languages",
            "en"
        ])
        .status
        .success()
    );
    let anna = token(
        &svc,
        &["users", "add", "anna", "--role", "agent", "--agent", "anna"],
    );
    let caller = svc.sipp_spawn_with("transfer_caller.xml", CALLER, &["-d", "20000"]);
    let mut id = String::new();
    wait_for(
        "Anna never talked with the caller",
        || {
            let calls = svc.cli_json(&["calls", "list", "--json"]);
            let Some(c) = calls.as_array().and_then(|a| a.first()) else {
                return false;
            };
            id = c["id"].as_str().unwrap_or_default().to_string();
            timeline(&svc, &id).contains("agent anna bridged")
        },
        &svc,
    );
    Some(Setup {
        svc,
        bob,
        anna_phone,
        caller,
        anna,
        id,
    })
}

/// Anna consults Bob through the API and Bob answers.
fn consult_bob(s: &Setup) {
    let path = format!("/api/v1/calls/{}/transfer", s.id);
    let (status, body) = post(
        &s.svc,
        &path,
        &s.anna,
        Some(json!({"to": "bob", "attended": true})),
    );
    assert_eq!(
        (status, body),
        (202, json!({"to": "bob", "attended": true}))
    );
    wait_for(
        "Bob never answered the consultation",
        || s.bob.log().contains("Call established"),
        &s.svc,
    );
    // The call says what is going on.
    let live = format!("/api/v1/calls/{}/live", s.id);
    let (status, now) = support::live::request(&s.svc, "GET", &live, &s.anna, None);
    assert_eq!(status, 200, "{now}");
    assert_eq!(now["agent"], "anna", "{now}");
    assert_eq!(now["consulting"], "agent bob", "{now}");
    assert_eq!(now["transferring"], false, "{now}");
    // A second transfer meanwhile is refused.
    let (status, body) = post(&s.svc, &path, &s.anna, Some(json!({"to": "queue"})));
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("in_progress"))
    );
    std::thread::sleep(Duration::from_secs(3));
}

fn finish(s: Setup) -> (Service, Value, Vec<i16>, Vec<i16>) {
    let Setup {
        svc,
        bob,
        mut anna_phone,
        mut caller,
        ..
    } = s;
    let status = caller.wait().unwrap();
    assert!(status.success(), "caller: {status:?}\n{}", svc.log());
    let status = anna_phone.wait().unwrap();
    assert!(status.success(), "Anna's phone: {status:?}\n{}", svc.log());
    let mut call = Value::Null;
    wait_for(
        "the call did not end",
        || {
            call = svc.cli_json(&["calls", "list", "--json"])[0].clone();
            call["ended_at"].is_string()
        },
        &svc,
    );
    drop(bob);
    let bob_heard = heard_in(&svc.dir.path().join("bob"));
    let (_, _, right) = read_stereo(Path::new(call["recording"].as_str().unwrap()));
    wait_for(
        "an agent is still held",
        || {
            let agents = svc.cli_json(&["agents", "list", "--json"]);
            agents
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["state"] == "available" || a["state"] == "away")
        },
        &svc,
    );
    (svc, call, right, bob_heard)
}

#[test]
fn an_attended_transfer_completed_through_the_api_hands_the_caller_to_the_target() {
    let Some(s) = talking_with_anna() else {
        return;
    };
    let complete = format!("/api/v1/calls/{}/transfer/complete", s.id);
    let (status, body) = post(&s.svc, &complete, &s.anna, None);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("no_consultation"))
    );
    consult_bob(&s);
    // Another agent may not complete Anna's transfer.
    let ben = token(
        &s.svc,
        &["users", "add", "ben", "--role", "agent", "--agent", "bob"],
    );
    assert_eq!(post(&s.svc, &complete, &ben, None).0, 403);
    assert_eq!(post(&s.svc, &complete, &s.anna, None).0, 204);
    let id = s.id.clone();
    let (svc, call, right, bob_heard) = finish(s);
    assert_eq!(call["outcome"], "answered-by-agent", "{call}");
    assert_eq!(call["agent"], "bob", "{call}");
    let events = timeline(&svc, &id);
    for line in [
        "attended transfer to bob asked by agent anna (API)",
        "agent anna consults agent bob",
        "consultation completed by agent anna (API)",
        "agent bob takes the caller",
        "agent anna off the call: transferred the call",
        "agent bob bridged",
    ] {
        assert!(events.contains(line), "{line:?} missing: {events}");
    }
    // Bob heard the caller once he had them; the caller hears Bob at the end.
    assert!(
        best_share(&bob_heard, CALLER_HZ) > 0.3,
        "the caller's tone reached Bob"
    );
    let tail = &right[right.len().saturating_sub(3 * 8000)..];
    assert!(
        best_share(tail, BOB_HZ) > 0.3,
        "Bob's tone reached the caller"
    );
}

#[test]
fn an_attended_transfer_cancelled_gives_the_caller_back_to_the_agent() {
    let Some(s) = talking_with_anna() else {
        return;
    };
    consult_bob(&s);
    let cancel = format!("/api/v1/calls/{}/transfer/cancel", s.id);
    assert_eq!(post(&s.svc, &cancel, &s.anna, None).0, 204);
    wait_for(
        "Bob's phone was not hung up",
        || s.bob.log().contains("terminated") || s.bob.log().contains("closed"),
        &s.svc,
    );
    let live = format!("/api/v1/calls/{}/live", s.id);
    let (status, now) = support::live::request(&s.svc, "GET", &live, &s.anna, None);
    assert_eq!((status, &now["consulting"]), (200, &Value::Null), "{now}");
    let id = s.id.clone();
    let (svc, call, right, _) = finish(s);
    assert_eq!(call["agent"], "anna", "{call}");
    let events = timeline(&svc, &id);
    for line in [
        "agent anna consults agent bob",
        "consultation cancelled by agent anna (API)",
        "consultation by agent anna: 487",
    ] {
        assert!(events.contains(line), "{line:?} missing: {events}");
    }
    assert!(!events.contains("agent bob takes the caller"), "{events}");
    // The caller hears Anna's echo of their own tone again at the end, and never Bob.
    let tail = &right[right.len().saturating_sub(3 * 8000)..];
    assert!(
        best_share(tail, CALLER_HZ) > 0.3,
        "Anna is back with the caller"
    );
    assert!(
        best_share(&right, BOB_HZ) < 0.1,
        "the caller never heard Bob"
    );
}
