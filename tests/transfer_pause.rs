//! Pausing the recording (PCI) with real peers: the agent (SIPp) keys `*1` to pause and resume,
//! pauses again and leaves it to run out; a supervisor pauses and resumes through the API. The
//! paused spans are silence in both channels of the WAV and every start and end is on the
//! call's timeline; the API refuses other agents (403) and ended calls (409).

mod support;

use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::live::timeline;
use support::{
    Service, free_media_port, free_udp_port, read_stereo, repo, sipp_available, tone_share,
};

const CALLER: &str = "+37061234567";

fn import_client(svc: &Service) {
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Jonas,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
}

fn token(svc: &Service, name: &str, role: &str, agent: Option<&str>) -> String {
    let mut args = vec!["users", "add", name, "--role", role];
    if let Some(a) = agent {
        args.extend(["--agent", a]);
    }
    let out = svc.cli(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn post(svc: &Service, path: &str, token: &str) -> (u16, Value) {
    let url = format!("http://{}{path}", svc.http);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .post(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    })
}

/// Spans (start, length in samples) where both channels are exactly silent for at least `min`.
fn silent_spans(left: &[i16], right: &[i16], min: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for i in 0..=left.len() {
        let silent = i < left.len() && left[i] == 0 && right[i] == 0;
        match (silent, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= min {
                    spans.push((s, i - s));
                }
                start = None;
            }
            _ => {}
        }
    }
    spans
}

#[test]
fn a_paused_recording_is_silent_in_the_wav_and_on_the_timeline() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(
        "[routing]\nwrap_up_seconds = 0\n[flow]\nsurvey = false\n[features]\nmax_pause_seconds = 3\n",
    );
    import_client(&svc);
    let tone = svc.dir.path().join("caller.ulaw");
    let sox = Command::new("sox")
        .args(["-n", "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw"])
        .arg(&tone)
        .args(["synth", "5", "sine", "1000", "vol", "0.5"])
        .status()
        .unwrap();
    assert!(sox.success());
    let port = free_udp_port();
    let agent_log = svc.dir.path().join("agent.log");
    let mut agent = Command::new("timeout")
        .args(["60", "sipp", "-sf"])
        .arg(repo().join("tests/sipp/agent_keys_pause.xml"))
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &free_media_port().to_string()])
        .args([
            "-m",
            "1",
            "-rtp_echo",
            "-timeout",
            "50s",
            "-timeout_error",
            "-nostdin",
        ])
        .args(["-trace_err", "-error_file"])
        .arg(&agent_log)
        .current_dir(svc.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let uri = format!("sip:agent@127.0.0.1:{port}");
    let out = svc.cli(&["agents", "add", "anna", "--uri", &uri, "--languages", "en"]);
    assert!(out.status.success());
    let out = svc.cli(&[
        "agents",
        "add",
        "bob",
        "--uri",
        "sip:bob@127.0.0.1:9",
        "--languages",
        "en",
    ]);
    assert!(out.status.success());
    let supervisor = token(&svc, "sue", "supervisor", None);
    let other_agent = token(&svc, "bob", "agent", Some("bob"));
    let mut caller = svc.sipp_spawn_with("transfer_caller.xml", CALLER, &["-d", "20000"]);

    // The agent's keys: paused, resumed, paused and run out.
    let deadline = Instant::now() + Duration::from_secs(40);
    let id = loop {
        let calls = svc.cli_json(&["calls", "list", "--json"]);
        if let Some(c) = calls.as_array().and_then(|a| a.first()) {
            let id = c["id"].as_str().unwrap().to_string();
            if timeline(&svc, &id).contains("resumed automatically") {
                break id;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no automatic resume\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    // Through the API: another agent may not; a supervisor pauses, again (no change), resumes.
    let pause = format!("/api/v1/calls/{id}/recording/pause");
    let resume = format!("/api/v1/calls/{id}/recording/resume");
    assert_eq!(post(&svc, &pause, &other_agent).0, 403);
    assert_eq!(
        post(&svc, &pause, &supervisor),
        (200, serde_json::json!({"paused": true}))
    );
    assert_eq!(post(&svc, &pause, &supervisor).0, 200);
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(
        post(&svc, &resume, &supervisor),
        (200, serde_json::json!({"paused": false}))
    );

    let status = caller.wait().unwrap();
    assert!(status.success(), "caller: {status:?}\n{}", svc.log());
    let status = agent.wait().unwrap();
    assert!(
        status.success(),
        "agent: {status:?}\n{}\n{}",
        std::fs::read_to_string(&agent_log).unwrap_or_default(),
        svc.log()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let call = loop {
        let c = svc.cli_json(&["calls", "list", "--json"])[0].clone();
        if c["ended_at"].is_string() {
            break c;
        }
        assert!(Instant::now() < deadline, "not closed");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(post(&svc, &pause, &supervisor).0, 409, "the call has ended");

    let events = timeline(&svc, &id);
    for line in [
        "paused by agent anna",
        "resumed by agent anna after 2 s",
        "resumed automatically after 3 s",
        "paused by sue (API)",
        "resumed by sue (API) after 1 s",
    ] {
        assert!(events.contains(line), "{line:?} missing: {events}");
    }
    assert_eq!(events.matches("paused by").count(), 3, "{events}");

    // Three paused spans, silent in both channels (about 2 s, 3 s and 1 s); the tone elsewhere.
    let (_, left, right) = read_stereo(std::path::Path::new(call["recording"].as_str().unwrap()));
    let spans = silent_spans(&left, &right, 6000);
    let secs: Vec<f64> = spans.iter().map(|s| s.1 as f64 / 8000.0).collect();
    assert_eq!(spans.len(), 3, "paused spans {secs:?}");
    assert!(secs[0] > 1.5 && secs[0] < 3.0, "{secs:?}");
    assert!(secs[1] > 2.5 && secs[1] < 4.0, "{secs:?}");
    let before = &left[spans[0].0.saturating_sub(8000)..spans[0].0];
    assert!(
        tone_share(before, 1000.0) > 0.3,
        "the caller before the pause"
    );
    let between = &left[spans[0].0 + spans[0].1..spans[1].0];
    assert!(
        tone_share(between, 1000.0) > 0.3,
        "recorded again after resuming"
    );
}
