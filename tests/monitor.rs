//! A supervisor listening in, with real phones: the caller (baresip, 600 Hz), the agent
//! (baresip, 1000 Hz) and the supervisor (baresip, 1400 Hz). The supervisor joins through the API
//! to listen, keys 5 on their phone to whisper, switches to barge through the API and leaves
//! through the API. Checked by Goertzel over what each phone heard: the supervisor heard both;
//! the agent heard the supervisor while whispering and barging; the caller only while barging. The
//! timeline and the audit log have every step; the API refuses agents, accounts without a phone,
//! a second supervisor and bad modes.

mod support;

use serde_json::json;
use std::time::Duration;
use support::api::token;
use support::live::{request, wait_for};
use support::softphone::{Softphone, baresip_available, heard_in};
use support::{Service, tone_share};

const CALLER: &str = "+37061234573";
const CALLER_HZ: f64 = 600.0;
const AGENT_HZ: f64 = 1000.0;
const SUP_HZ: f64 = 1400.0;

/// Seconds of `samples` (one-second windows) in which `hz` is a clear part of the sound.
fn seconds_with(samples: &[i16], hz: f64) -> usize {
    samples
        .chunks(8000)
        .filter(|w| w.len() == 8000 && tone_share(w, hz) > 0.2)
        .count()
}

fn best_share(samples: &[i16], hz: f64) -> f64 {
    samples
        .chunks(8000)
        .filter(|w| w.len() == 8000)
        .map(|w| tone_share(w, hz))
        .fold(0.0, f64::max)
}

#[test]
fn a_supervisor_listens_whispers_and_barges_in_on_a_live_call() {
    if !baresip_available() {
        return;
    }
    let svc = Service::start("[routing]\nwrap_up_seconds = 0\n[flow]\nsurvey = false\n");
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let dir = |name: &str| svc.dir.path().join(name);
    let agent = Softphone::start(&dir("agent"), "anna", AGENT_HZ as u32, "", "");
    let sup_phone = Softphone::start(&dir("sup"), "sue", SUP_HZ as u32, "", "");
    let uri = format!("sip:anna@127.0.0.1:{}", agent.sip_port);
    let out = svc.cli(&["agents", "add", "anna", "--uri", &uri, "--languages", "en"]);
    assert!(out.status.success());
    let sue = token(&svc, &["users", "add", "sue", "--role", "supervisor"]);
    let sue_phone = format!("sip:sue@127.0.0.1:{}", sup_phone.sip_port);
    assert!(
        svc.cli(&["users", "phone", "sue", &sue_phone])
            .status
            .success()
    );
    // A phone frontdesk could not dial is refused when it is set.
    assert!(
        !svc.cli(&["users", "phone", "sue", "tel:+3706"])
            .status
            .success()
    );
    let max = token(&svc, &["users", "add", "max", "--role", "supervisor"]);
    let anna = token(
        &svc,
        &["users", "add", "anna", "--role", "agent", "--agent", "anna"],
    );

    let caller = Softphone::start(&dir("caller"), CALLER, CALLER_HZ as u32, "", "");
    caller.command(&format!("/dial sip:frontdesk@{}", svc.sip));
    wait_for(
        "the caller was not answered",
        || caller.log().contains("Call established"),
        &svc,
    );
    std::thread::sleep(Duration::from_secs(1));
    caller.command("/sndcode 1");
    wait_for(
        "the agent never answered",
        || agent.log().contains("Call established"),
        &svc,
    );
    let calls = svc.cli_json(&["calls", "list", "--json"]);
    let id = calls[0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/calls/{id}/monitor");

    // Refusals: an agent, a bad mode, an account without a phone.
    let listen = Some(json!({"mode": "listen"}));
    assert_eq!(request(&svc, "POST", &path, &anna, listen.clone()).0, 403);
    assert_eq!(
        request(&svc, "POST", &path, &sue, Some(json!({"mode": "spy"}))).0,
        400
    );
    let (status, body) = request(&svc, "POST", &path, &max, listen.clone());
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("no_phone"))
    );

    // Sue listens: her phone rings and answers.
    let (status, body) = request(&svc, "POST", &path, &sue, listen.clone());
    assert_eq!(
        (status, body),
        (202, json!({"mode": "listen", "ringing": true}))
    );
    wait_for(
        "the supervisor's phone never joined",
        || sup_phone.log().contains("Call established"),
        &svc,
    );
    // Another supervisor may not join meanwhile (their phone is never rung).
    assert!(
        svc.cli(&["users", "phone", "max", "sip:max@127.0.0.1:9"])
            .status
            .success()
    );
    let (status, body) = request(&svc, "POST", &path, &max, listen.clone());
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("monitored"))
    );
    std::thread::sleep(Duration::from_secs(4));
    // 5 on her phone: whisper to the agent.
    sup_phone.command("/sndcode 5");
    std::thread::sleep(Duration::from_secs(4));
    // Barge in, through the API: the mode switches, nothing rings.
    let (status, body) = request(&svc, "POST", &path, &sue, Some(json!({"mode": "barge"})));
    assert_eq!(
        (status, body),
        (200, json!({"mode": "barge", "ringing": false}))
    );
    let live = format!("/api/v1/calls/{id}/live");
    let (status, now) = request(&svc, "GET", &live, &sue, None);
    assert_eq!(status, 200, "{now}");
    assert_eq!(
        now["supervisor"],
        json!({"name": "sue", "mode": "barge", "joined": true}),
        "{now}"
    );
    assert_eq!(now["agent"], "anna", "{now}");
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(request(&svc, "DELETE", &path, &sue, None).0, 204);
    assert_eq!(request(&svc, "DELETE", &path, &sue, None).0, 404);
    std::thread::sleep(Duration::from_secs(1));
    caller.command("/hangup");
    wait_for(
        "the call did not end",
        || svc.cli_json(&["calls", "list", "--json"])[0]["ended_at"].is_string(),
        &svc,
    );

    drop(caller);
    drop(agent);
    drop(sup_phone);
    let heard = |name: &str| heard_in(&dir(name));
    let (at_sup, at_agent, at_caller) = (heard("sup"), heard("agent"), heard("caller"));
    let (agent_secs, caller_secs) = (
        seconds_with(&at_agent, SUP_HZ),
        seconds_with(&at_caller, SUP_HZ),
    );
    eprintln!(
        "seconds with the supervisor's tone: agent {agent_secs}, caller {caller_secs}; \
         supervisor heard caller {:.2}, agent {:.2}",
        best_share(&at_sup, CALLER_HZ),
        best_share(&at_sup, AGENT_HZ)
    );
    assert!(
        best_share(&at_sup, CALLER_HZ) > 0.25,
        "the supervisor heard the caller"
    );
    assert!(
        best_share(&at_sup, AGENT_HZ) > 0.25,
        "the supervisor heard the agent"
    );
    // Whisper and barge (8 s) reached the agent; only the barge (4 s) reached the caller; the
    // listening (4 s) reached nobody.
    assert!(
        (6..=10).contains(&agent_secs),
        "agent heard the supervisor {agent_secs} s"
    );
    assert!(
        (2..=6).contains(&caller_secs),
        "caller heard the supervisor {caller_secs} s"
    );
    assert!(
        agent_secs >= caller_secs + 3,
        "the whisper stayed off the caller's side"
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let (events, audit) = rt.block_on(async {
        let store = frontdesk::store::Store::connect(&svc.db_url())
            .await
            .unwrap();
        let ev = store.call_events(&id).await.unwrap();
        let audit = store.list_audit(None, 100).await.unwrap();
        store.close().await;
        (format!("{ev:?}"), audit)
    });
    for line in [
        "supervisor sue is called to listen",
        "supervisor sue listens",
        "supervisor sue whispers",
        "supervisor sue barges",
        "supervisor sue off the call: hung up by us",
    ] {
        assert!(events.contains(line), "{line:?} missing: {events}");
    }
    let sue_audit: Vec<(String, Option<String>)> = audit
        .iter()
        .rev()
        .filter(|a| a.actor == "sue" && a.object == id)
        .map(|a| (a.action.clone(), a.detail.clone()))
        .collect();
    let actions: Vec<&str> = sue_audit.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "monitor-request",
            "monitor",
            "monitor",
            "monitor-request",
            "monitor",
            "monitor-end"
        ],
        "{sue_audit:?}"
    );
    let agents = svc.cli_json(&["agents", "list", "--json"]);
    assert_eq!(agents[0]["state"], "available", "{agents}");
}
