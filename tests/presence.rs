//! Presence frontdesk sets by itself, against the real service with SIPp phones: an agent whose
//! phone turns down every ring is set away after `[workspace] away_after_missed_rings`, and an
//! agent whose phone does not answer SIP OPTIONS is shown unreachable, rung by nobody, and back
//! once the phone answers. Checked through the HTTP API and the agent's presence record.

mod support;

use frontdesk::store::{CallsFilter, PresenceChange, Store};
use serde_json::Value;
use std::time::{Duration, Instant};
use support::api::token;
use support::{Service, free_udp_port, sipp_available};

const CALLER: &str = "+37061234567";

/// The agent as `GET /api/v1/agents` shows them.
async fn agent(svc: &Service, bearer: &str, id: &str) -> Value {
    let agents: Value = reqwest::Client::new()
        .get(format!("http://{}/api/v1/agents", svc.http))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    agents
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no agent {id} in {agents}"))
}

/// Polls the API until `ok` holds for the agent, within `secs`.
async fn wait_for(
    svc: &Service,
    bearer: &str,
    id: &str,
    secs: u64,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let a = agent(svc, bearer, id).await;
        if ok(&a) {
            return a;
        }
        assert!(
            Instant::now() < deadline,
            "agent never got there: {a}\n{}",
            svc.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The agent's presence record, newest first, and the timeline of every call, as text.
async fn records(svc: &Service, id: &str) -> (Vec<PresenceChange>, String) {
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let log = store.presence_log(id, 20).await.unwrap();
    let mut timeline = String::new();
    let every = CallsFilter {
        limit: 100,
        ..Default::default()
    };
    for call in store.list_calls(&every).await.unwrap() {
        timeline += &format!("{:?}", store.call_events(&call.id).await.unwrap());
    }
    store.close().await;
    (log, timeline)
}

/// The caller is a known client speaking English: their 1 goes straight to an agent.
fn import_caller(svc: &Service) {
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Jonas,en\n")).unwrap();
    let out = svc.cli(&["clients", "import", csv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn add_agent(svc: &Service, id: &str, uri: &str) -> String {
    let out = svc.cli(&["agents", "add", id, "--uri", uri, "--languages", "en"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    token(svc, &["users", "add", id, "--role", "agent", "--agent", id])
}

#[tokio::test]
async fn an_agent_whose_phone_turns_down_every_ring_is_set_away_after_the_limit() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(
        "[routing]\nring_timeout_seconds = 3\nwrap_up_seconds = 0\njoin_when_all_away = true\n\
         [workspace]\naway_after_missed_rings = 2\n",
    );
    import_caller(&svc);
    let port = free_udp_port();
    let bearer = add_agent(&svc, "dora", &format!("sip:dora@127.0.0.1:{port}"));
    // A phone that answers 486 to two calls, then is gone: a third ring would go unanswered.
    let mut phone = svc.sipp_phone("agent_busy.xml", port, 2);
    let mut caller = svc.sipp_spawn_with("queue_hangup.xml", CALLER, &["-d", "8000"]);
    let away = wait_for(&svc, &bearer, "dora", 30, |a| a["presence"] == "away").await;
    assert_eq!(away["away_reason"], "missed-calls", "{away}");
    assert_eq!(away["missed_rings"], 2, "{away}");
    assert_eq!(away["state"], "away", "{away}");
    assert!(
        phone.wait().unwrap().success(),
        "the phone saw its two calls"
    );
    assert!(caller.wait().unwrap().success(), "{}", svc.log());
    let (log, timeline) = records(&svc, "dora").await;
    assert_eq!(
        timeline.matches("agent dora: answered 486").count(),
        2,
        "{timeline}"
    );
    assert_eq!(log[0].presence, "away");
    assert_eq!(log[0].reason.as_deref(), Some("missed-calls"));
    assert_eq!(log[0].actor, "frontdesk");

    // Coming back available starts the count again.
    let r = reqwest::Client::new()
        .put(format!("http://{}/api/v1/agents/dora/presence", svc.http))
        .bearer_auth(&bearer)
        .json(&serde_json::json!({"presence": "available"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let back = agent(&svc, &bearer, "dora").await;
    assert_eq!(back["state"], "available", "{back}");
    assert_eq!(back["missed_rings"], 0, "{back}");
    assert!(back["away_reason"].is_null(), "{back}");
}

#[tokio::test]
async fn an_agent_whose_phone_does_not_answer_options_gets_no_call_until_it_does() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(
        "[routing]\nring_timeout_seconds = 3\nwrap_up_seconds = 0\njoin_when_all_away = true\n\
         [workspace]\nphone_check_seconds = 1\nphone_check_failures = 2\n",
    );
    import_caller(&svc);
    // Nothing listens on this port yet.
    let port = free_udp_port();
    let bearer = add_agent(&svc, "eve", &format!("sip:eve@127.0.0.1:{port}"));
    let down = wait_for(&svc, &bearer, "eve", 30, |a| a["phone_unreachable"] == true).await;
    assert_eq!(down["state"], "away", "{down}");
    assert_eq!(down["away_reason"], "phone-unreachable", "{down}");
    assert_eq!(
        down["presence"], "available",
        "what the agent said is kept: {down}"
    );

    // A caller waits in the line meanwhile: nobody is rung.
    let out = svc.sipp("queue_hangup.xml", CALLER, &["-d", "6000"]);
    assert!(out.status.success(), "{}", svc.log());
    let (_, timeline) = records(&svc, "eve").await;
    assert!(timeline.contains("queue"), "the caller queued: {timeline}");
    assert!(!timeline.contains("ringing agent"), "{timeline}");

    // The phone comes up and answers an OPTIONS: the agent is available again.
    let mut phone = svc.sipp_phone("options_ok.xml", port, 1);
    let up = wait_for(&svc, &bearer, "eve", 30, |a| {
        a["phone_unreachable"] == false
    })
    .await;
    assert_eq!(up["state"], "available", "{up}");
    assert!(up["away_reason"].is_null(), "{up}");
    assert!(
        phone.wait().unwrap().success(),
        "the phone answered an OPTIONS"
    );
    let (log, _) = records(&svc, "eve").await;
    let by_us: Vec<_> = log
        .iter()
        .filter(|c| c.actor == "frontdesk")
        .map(|c| (c.presence.as_str(), c.reason.as_deref()))
        .collect();
    assert_eq!(
        by_us,
        [("available", None), ("away", Some("phone-unreachable"))],
        "{log:?}"
    );
}
