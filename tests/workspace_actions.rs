//! The agent passes a real caller on from their page: a SIPp caller (a tone) reaches Anna, whose
//! phone is SIPp; Bob's phone is another SIPp UAS (he is away, so the queue does not offer him
//! the caller; a transfer by name rings him anyway). In headless Chromium
//! (tests/e2e/actions.mjs) Anna, signed in with name and password, finds the buttons of her call
//! on her workspace; pauses the recording (the API answers paused, the page shows it, and after
//! a reload in Lithuanian still does), reads a refusal in words in both languages, resumes,
//! consults Bob and cancels, then transfers the caller to Bob. Checked afterwards: the call's
//! timeline (pause and resume by Anna, the consultation, the transfer, Bob bridged), the call's
//! agent, and every phone's SIP.

#[path = "e2e/browser.rs"]
mod browser;
mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::phone::{Phone, Trace};
use support::{Service, repo, sipp_available};

const CALLER: &str = "+37061234583";
const PASSWORD: &str = "correct horse battery staple";
/// The caller stays this long after pressing 1: the browser's whole walk happens meanwhile.
const CALLER_HOLDS_MS: &str = "45000";
const CONFIG: &str =
    "[routing]\nring_timeout_seconds = 10\nwrap_up_seconds = 0\n[flow]\nsurvey = false\n";

fn ok(svc: &Service, args: &[&str]) {
    let out = svc.cli(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The agent's live call, once the agent is talking.
fn agent_in_call(svc: &Service, agent: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let calls = svc.cli_json(&["calls", "list", "--json"]);
        let live = calls
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["ended_at"].is_null() && c["agent"] == agent)
            .and_then(|c| c["id"].as_str())
            .map(str::to_string);
        let agents = svc.cli_json(&["agents", "list", "--json"]);
        let talking = agents
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == agent && a["state"] == "in_call");
        if let (Some(id), true) = (live, talking) {
            return id;
        }
        assert!(
            Instant::now() < deadline,
            "{agent} never took the call\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn call_row(svc: &Service, id: &str) -> serde_json::Value {
    let calls = svc.cli_json(&["calls", "list", "--json"]);
    calls
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_default()
}

fn timeline(svc: &Service, call: &str) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = frontdesk::store::Store::connect(&svc.db_url())
            .await
            .unwrap();
        let events = store.call_events(call).await.unwrap();
        store.close().await;
        format!("{events:?}")
    })
}

#[test]
fn an_agent_pauses_consults_and_transfers_from_their_page() {
    let sox = Command::new("sox").arg("--version").output().is_ok();
    if !browser::ready(&repo(), &[("sipp", sipp_available()), ("sox", sox)]) {
        return;
    }
    let svc = Service::start(CONFIG);
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    ok(&svc, &["clients", "import", csv.to_str().unwrap()]);
    let anna_phone = Phone::start(&svc, "agent_answer.xml", 1, Trace::Messages);
    let anna_uri = format!("sip:anna@127.0.0.1:{}", anna_phone.port);
    ok(&svc, &["agents", "add", "anna", "--uri", &anna_uri]);
    // Bob answers twice: the consultation (hung up by Cancel), then the transfer.
    let bob_phone = Phone::start(&svc, "agent_answer.xml", 2, Trace::Messages);
    let bob_uri = format!("sip:bob@127.0.0.1:{}", bob_phone.port);
    ok(
        &svc,
        &["agents", "add", "bob", "--uri", &bob_uri, "--name", "Bob"],
    );
    ok(&svc, &["agents", "presence", "bob", "away"]);
    let out = svc.cli_stdin(
        &[
            "users",
            "add",
            "anna",
            "--role",
            "agent",
            "--agent",
            "anna",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{out:?}");

    let tone = svc.dir.path().join("caller.ulaw");
    let sox = Command::new("sox")
        .args(["-n", "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw"])
        .arg(&tone)
        .args(["synth", "5", "sine", "1000", "vol", "0.5"])
        .status()
        .unwrap();
    assert!(sox.success(), "sox could not make the caller's tone");
    let mut caller = svc.sipp_spawn_with("transfer_caller.xml", CALLER, &["-d", CALLER_HOLDS_MS]);
    let call = agent_in_call(&svc, "anna");

    let shots = repo().join("target/console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("timeout")
        .args(["120", "node", "tests/e2e/actions.mjs"])
        .current_dir(repo())
        .env("FD_BASE", format!("http://{}", svc.http))
        .env("FD_CALL", &call)
        .env("FD_AGENT", "anna")
        .env("FD_TARGET", "bob")
        .env("FD_PASSWORD", PASSWORD)
        .env("FD_SCREENSHOTS", &shots)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser test failed\nstdout:\n{stdout}\nstderr:\n{}\ntimeline:\n{}\nservice log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        timeline(&svc, &call),
        svc.log()
    );
    println!("{stdout}");

    // The caller talks with Bob until they hang up; Anna's phone was released by the transfer.
    let status = caller.wait().unwrap();
    assert!(status.success(), "the caller failed\n{}", svc.log());
    let anna_sip = anna_phone.wait_ok("Anna's phone", &svc);
    let bob_sip = bob_phone.wait_ok("Bob's phone", &svc);
    assert!(
        anna_sip.contains("BYE sip:"),
        "Anna was not hung up:\n{anna_sip}"
    );
    assert_eq!(
        bob_sip.matches("INVITE sip:bob@").count(),
        2,
        "Bob rung for the consultation and the transfer:\n{bob_sip}"
    );

    let lines = timeline(&svc, &call);
    for line in [
        "paused by agent anna",
        "resumed by agent anna after",
        "attended transfer to bob asked by agent anna (API)",
        "agent anna consults agent bob",
        "consultation cancelled by agent anna (API)",
        "blind transfer to bob asked by agent anna (API)",
        "transfers the caller to agent bob",
        "agent bob bridged",
    ] {
        assert!(
            lines.contains(line),
            "{line:?} missing from the timeline: {lines}"
        );
    }
    let row = call_row(&svc, &call);
    assert_eq!(row["agent"], "bob", "the call is Bob's now: {row}");
    let len = std::fs::metadata(shots.join("workspace-actions.png"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(len > 1000, "no screenshot of the call's buttons");
}
