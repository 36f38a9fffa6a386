//! Listening in from the console, on a real live call: a SIPp caller reaches a SIPp agent; in
//! headless Chromium (tests/e2e/monitor.mjs) a supervisor signed in with name and password clicks
//! Listen on the wallboard's row of that agent. Their phone (a SIPp UAS on its own port, set with
//! `users phone`) is rung and answers; the page shows the mode, the call's page shows the same
//! mode and switches it to Whisper, Stop hangs the phone up. A supervisor without a phone sees why
//! in their own language; an agent's pages have no buttons and the API refuses them. Checked
//! afterwards: what the supervisor's phone saw in SIP, the audit log and the call's timeline.

#[path = "e2e/browser.rs"]
mod browser;
mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::phone::{Phone, Trace};
use support::{Service, repo, sipp_available};

const CALLER: &str = "+37061234581";
const PASSWORD: &str = "correct horse battery staple";
/// The caller stays this long after pressing 1: the browser's whole walk happens meanwhile (three
/// sign-ins took 20 s on a loaded two-core machine).
const CALLER_HOLDS_MS: &str = "60000";
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

/// `users add …` with the console password `PASSWORD`.
fn user(svc: &Service, args: &[&str]) {
    let mut args = args.to_vec();
    args.push("--password-stdin");
    let out = svc.cli_stdin(&args, &format!("{PASSWORD}\n"));
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
        let agents = svc.cli_json(&["agents", "list", "--json"]);
        let row = agents
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == agent)
            .cloned()
            .unwrap_or_default();
        if row["state"] == "in_call" {
            let calls = svc.cli_json(&["calls", "list", "--json"]);
            let live = calls
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["ended_at"].is_null() && c["agent"] == agent)
                .and_then(|c| c["id"].as_str())
                .map(str::to_string);
            if let Some(id) = live {
                return id;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{agent} never took the call: {row}\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The call's timeline and the audit log, as text.
fn evidence(svc: &Service, call: &str) -> (String, Vec<(String, String, String, String)>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = frontdesk::store::Store::connect(&svc.db_url())
            .await
            .unwrap();
        let events = format!("{:?}", store.call_events(call).await.unwrap());
        let audit = store
            .list_audit(None, 100)
            .await
            .unwrap()
            .into_iter()
            .rev()
            .map(|e| (e.actor, e.action, e.object, e.detail.unwrap_or_default()))
            .collect();
        store.close().await;
        (events, audit)
    })
}

#[test]
fn a_supervisor_listens_in_from_the_console() {
    let sox = Command::new("sox").arg("--version").output().is_ok();
    if !browser::ready(&repo(), &[("sipp", sipp_available()), ("sox", sox)]) {
        return;
    }
    let svc = Service::start(CONFIG);
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    ok(&svc, &["clients", "import", csv.to_str().unwrap()]);
    let agent_phone = Phone::start(&svc, "agent_answer.xml", 1, Trace::Log);
    let uri = format!("sip:anna@127.0.0.1:{}", agent_phone.port);
    ok(&svc, &["agents", "add", "anna", "--uri", &uri]);
    let sup_phone = Phone::start(&svc, "supervisor_phone.xml", 1, Trace::Log);
    user(&svc, &["users", "add", "sue", "--role", "supervisor"]);
    let sue_phone = format!("sip:sue@127.0.0.1:{}", sup_phone.port);
    ok(&svc, &["users", "phone", "sue", &sue_phone]);
    user(&svc, &["users", "add", "max", "--role", "supervisor"]);
    user(
        &svc,
        &["users", "add", "anna", "--role", "agent", "--agent", "anna"],
    );

    // The caller talks (a tone; a silent caller would be hung up by the RTP timeout) and stays.
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
        .args(["150", "node", "tests/e2e/monitor.mjs"])
        .current_dir(repo())
        .env("FD_BASE", format!("http://{}", svc.http))
        .env("FD_CALL", &call)
        .env("FD_AGENT", "anna")
        .env("FD_SUP", "sue")
        .env("FD_NO_PHONE", "max")
        .env("FD_PASSWORD", PASSWORD)
        .env("FD_SCREENSHOTS", &shots)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser test failed\nstdout:\n{stdout}\nstderr:\n{}\nsupervisor's phone:\n{}\nservice log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        sup_phone.trace(),
        svc.log()
    );
    println!("{stdout}");

    // The supervisor's phone was rung by frontdesk for this call, answered, and hung up by Stop.
    let sip = sup_phone.wait_ok("the supervisor's phone", &svc);
    let invite = format!("supervisor-invite INVITE {sue_phone} from ");
    for line in [
        invite.as_str(),
        "<sip:monitor@127.0.0.1:",
        "supervisor-answered",
        "supervisor-hung-up-by-frontdesk",
    ] {
        assert!(sip.contains(line), "{line:?} missing from:\n{sip}");
    }

    // Evidence: who asked, joined, switched and left, in order; nothing for max or anna.
    let (timeline, audit) = evidence(&svc, &call);
    for line in ["supervisor sue listens", "supervisor sue whispers"] {
        assert!(timeline.contains(line), "{line:?} missing: {timeline}");
    }
    let monitoring: Vec<(&str, &str, &str)> = audit
        .iter()
        .filter(|(_, action, object, _)| action.starts_with("monitor") && *object == call)
        .map(|(actor, action, _, detail)| (actor.as_str(), action.as_str(), detail.as_str()))
        .collect();
    let steps: Vec<(&str, &str)> = monitoring.iter().map(|(a, b, _)| (*a, *b)).collect();
    assert_eq!(
        steps,
        [
            ("sue", "monitor-request"),
            ("sue", "monitor"),
            ("sue", "monitor-request"),
            ("sue", "monitor"),
            ("sue", "monitor-end"),
        ],
        "{monitoring:?}"
    );
    assert_eq!(monitoring[1].2, "listen", "{monitoring:?}");
    assert_eq!(monitoring[3].2, "whisper", "{monitoring:?}");
    assert!(monitoring[4].2.starts_with("ended"), "{monitoring:?}");

    // The call goes on undisturbed: the caller hangs up at the end of their hold, the agent's
    // phone gets its BYE.
    let status = caller.wait().unwrap();
    assert!(status.success(), "the caller failed\n{}", svc.log());
    agent_phone.wait_ok("the agent's phone", &svc);
    for page in ["monitor-wallboard", "monitor-call", "monitor-no-phone"] {
        let len = std::fs::metadata(shots.join(format!("{page}.png")))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 1000, "no screenshot of {page}");
    }
}

/// The supervisor's phone switches by its keys and hangs up by itself: the wallboard and the
/// call's page, both open, follow without a reload (`tests/e2e/monitor_live.mjs`), from the
/// `monitoring` events of the console's stream.
#[test]
fn supervisor_pages_follow_the_phone_without_a_reload() {
    let sox = Command::new("sox").arg("--version").output().is_ok();
    if !browser::ready(&repo(), &[("sipp", sipp_available()), ("sox", sox)]) {
        return;
    }
    let svc = Service::start(CONFIG);
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Ada,en\n")).unwrap();
    ok(&svc, &["clients", "import", csv.to_str().unwrap()]);
    let agent_phone = Phone::start(&svc, "agent_answer.xml", 1, Trace::Log);
    let uri = format!("sip:anna@127.0.0.1:{}", agent_phone.port);
    ok(&svc, &["agents", "add", "anna", "--uri", &uri]);
    let sup_phone = Phone::start(&svc, "supervisor_keys.xml", 1, Trace::Log);
    user(&svc, &["users", "add", "sue", "--role", "supervisor"]);
    let sue_phone = format!("sip:sue@127.0.0.1:{}", sup_phone.port);
    ok(&svc, &["users", "phone", "sue", &sue_phone]);

    let tone = svc.dir.path().join("caller.ulaw");
    let sox = Command::new("sox")
        .args(["-n", "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw"])
        .arg(&tone)
        .args(["synth", "5", "sine", "1000", "vol", "0.5"])
        .status()
        .unwrap();
    assert!(sox.success(), "sox could not make the caller's tone");
    let mut caller = svc.sipp_spawn_with("transfer_caller.xml", CALLER, &["-d", "30000"]);
    let call = agent_in_call(&svc, "anna");

    let shots = repo().join("target/console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("timeout")
        .args(["90", "node", "tests/e2e/monitor_live.mjs"])
        .current_dir(repo())
        .env("FD_BASE", format!("http://{}", svc.http))
        .env("FD_CALL", &call)
        .env("FD_AGENT", "anna")
        .env("FD_SUP", "sue")
        .env("FD_PASSWORD", PASSWORD)
        .env("FD_SCREENSHOTS", &shots)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser test failed\nstdout:\n{stdout}\nstderr:\n{}\nsupervisor's phone:\n{}\nservice log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        sup_phone.trace(),
        svc.log()
    );
    println!("{stdout}");

    // The phone did what the pages followed: answered, keyed 5, hung up by itself.
    let sip = sup_phone.wait_ok("the supervisor's phone", &svc);
    for line in [
        "supervisor-answered",
        "supervisor-keyed-5",
        "supervisor-hung-up",
    ] {
        assert!(sip.contains(line), "{line:?} missing from:\n{sip}");
    }
    let (timeline, audit) = evidence(&svc, &call);
    for line in ["supervisor sue listens", "supervisor sue whispers"] {
        assert!(timeline.contains(line), "{line:?} missing: {timeline}");
    }
    let steps: Vec<(&str, &str)> = audit
        .iter()
        .filter(|(_, action, object, _)| action.starts_with("monitor") && *object == call)
        .map(|(_, action, _, detail)| (action.as_str(), detail.as_str()))
        .collect();
    assert_eq!(steps.len(), 4, "{steps:?}");
    assert_eq!(steps[0].0, "monitor-request", "{steps:?}");
    assert_eq!(steps[1], ("monitor", "listen"), "{steps:?}");
    assert_eq!(steps[2], ("monitor", "whisper"), "{steps:?}");
    assert_eq!(steps[3].0, "monitor-end", "{steps:?}");
    assert!(steps[3].1.starts_with("ended"), "{steps:?}");

    let status = caller.wait().unwrap();
    assert!(status.success(), "the caller failed\n{}", svc.log());
    agent_phone.wait_ok("the agent's phone", &svc);
}
