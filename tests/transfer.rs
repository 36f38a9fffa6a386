//! Transfers with real peers: the caller (SIPp streaming a 1000 Hz tone) reaches agent A (SIPp),
//! who passes them on by SIP REFER to agent B (baresip, its microphone a 600 Hz tone, recording
//! what it hears), back to the queue, or to a number outside through the outbound proxy (a SIPp
//! UAS). Checked in SIP (202, the NOTIFYs' sipfrag, our BYE), in the audio (Goertzel: the
//! caller's tone at B, B's tone in what the caller hears), in the store (the call's agent, the
//! timeline) and in the agents' states afterwards.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::live::timeline;
use support::softphone::{Softphone, baresip_available, heard_in};
use support::{
    Service, free_media_port, free_udp_port, read_stereo, repo, sipp_available, tone_share,
};

const CALLER: &str = "+37061234567";
const CALLER_HZ: f64 = 1000.0;
const BOB_HZ: f64 = 600.0;

const CONFIG: &str =
    "[routing]\nring_timeout_seconds = 4\nwrap_up_seconds = 0\n[flow]\nsurvey = false\n";

/// A SIPp UAS on its own port running `scenario` for one call.
struct Phone {
    child: Child,
    port: u16,
    log: PathBuf,
    err: PathBuf,
}

impl Phone {
    fn start(svc: &Service, scenario: &str, extra: &[&str]) -> Phone {
        Phone::start_on(svc, scenario, free_udp_port(), extra)
    }

    fn start_on(svc: &Service, scenario: &str, port: u16, extra: &[&str]) -> Phone {
        let tag = rand::random::<u32>();
        let log = svc.dir.path().join(format!("phone-{tag}.log"));
        let err = svc.dir.path().join(format!("phone-{tag}.err"));
        let child = Command::new("timeout")
            .args(["60", "sipp", "-sf"])
            .arg(repo().join("tests/sipp").join(scenario))
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-mp", &free_media_port().to_string()])
            .args(["-m", "1", "-rtp_echo"])
            .args(extra)
            .args(["-timeout", "50s", "-timeout_error", "-nostdin"])
            .args(["-trace_err", "-error_file"])
            .arg(&err)
            .args(["-trace_logs", "-log_file"])
            .arg(&log)
            .current_dir(svc.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Phone {
            child,
            port,
            log,
            err,
        }
    }

    fn uri(&self) -> String {
        format!("sip:agent@127.0.0.1:{}", self.port)
    }

    /// Waits for SIPp's one call; panics with its error trace if it failed.
    fn wait_ok(mut self, svc: &Service) -> String {
        let status = self.child.wait().unwrap();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        assert!(
            status.success(),
            "phone failed: {status:?}\nerrors:{}\nlog:{log}\nservice:\n{}",
            std::fs::read_to_string(&self.err).unwrap_or_default(),
            svc.log()
        );
        log
    }
}

fn add_agent(svc: &Service, id: &str, uri: &str) {
    let out = svc.cli(&["agents", "add", id, "--uri", uri, "--languages", "en"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn import_client(svc: &Service) {
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Jonas,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
}

/// The caller's 1000 Hz tone as raw mu-law for SIPp's rtp_stream.
fn caller_tone(svc: &Service) {
    let out = svc.dir.path().join("caller.ulaw");
    let sox = Command::new("sox")
        .args(["-n", "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw"])
        .arg(&out)
        .args(["synth", "5", "sine", &CALLER_HZ.to_string(), "vol", "0.5"])
        .status()
        .unwrap();
    assert!(sox.success());
}

fn agent_states(svc: &Service) -> Vec<(String, String)> {
    svc.cli_json(&["agents", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["state"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

/// Nobody is left ringing or in a call (the release follows the last SIP message).
fn assert_nobody_held(svc: &Service) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let states = agent_states(svc);
        if states.iter().all(|(_, s)| s == "available" || s == "away") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "agents stuck: {states:?}\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn closed_call(svc: &Service) -> Value {
    for _ in 0..150 {
        let c = svc.cli_json(&["calls", "list", "--json"]);
        let c = c.as_array().unwrap();
        if c.len() == 1 && c[0]["ended_at"].is_string() {
            return c[0].clone();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no closed call\n{}", svc.log());
}

fn assert_sipp_ok(svc: &Service, out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: sipp exited {:?}\n{}\nservice log:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        svc.log()
    );
}

/// The best share of `hz` over one-second windows of the last `secs` seconds of `samples`.
fn best_share(samples: &[i16], hz: f64, secs: usize) -> f64 {
    let from = samples.len().saturating_sub(secs * 8000);
    samples[from..]
        .chunks(8000)
        .filter(|w| w.len() == 8000)
        .map(|w| tone_share(w, hz))
        .fold(0.0, f64::max)
}

fn recording(call: &Value) -> (Vec<i16>, Vec<i16>) {
    let path = call["recording"].as_str().expect("a recording");
    let (_, left, right) = read_stereo(Path::new(path));
    (left, right)
}

/// The caller (1000 Hz, hanging up `caller_ms` after the answer) reaches Anna (SIPp running
/// `scenario`), who passes them on to Bob (baresip, 600 Hz; agent id `bob_id`, away from the
/// queue); returns Anna's log and the call.
fn transfer_to_bob(
    scenario: &str,
    extra: &[&str],
    bob_id: &str,
    caller_ms: &str,
) -> Option<(Service, String, Value)> {
    let svc = Service::start(CONFIG);
    if !baresip_available() {
        return None;
    }
    let bob = Softphone::start(
        &svc.dir.path().join(format!("baresip-{bob_id}")),
        bob_id,
        BOB_HZ as u32,
        "",
        "",
    );
    import_client(&svc);
    caller_tone(&svc);
    // Bob is away from the queue: a transfer by name reaches him all the same.
    add_agent(
        &svc,
        bob_id,
        &format!("sip:{bob_id}@127.0.0.1:{}", bob.sip_port),
    );
    assert!(
        svc.cli(&["agents", "presence", bob_id, "away"])
            .status
            .success()
    );
    let anna = Phone::start(&svc, scenario, extra);
    add_agent(&svc, "anna", &anna.uri());
    let out = svc.sipp("transfer_caller.xml", CALLER, &["-d", caller_ms]);
    assert_sipp_ok(&svc, &out, "caller");
    let log = anna.wait_ok(&svc);
    assert!(log.contains("agent released by BYE"), "{log}");

    let call = closed_call(&svc);
    assert_eq!(call["outcome"], "answered-by-agent", "{call}");
    assert_eq!(
        call["agent"], bob_id,
        "the call's agent is the last one: {call}"
    );
    let id = call["id"].as_str().unwrap();
    let events = timeline(&svc, id);
    for line in [
        "agent anna bridged".to_string(),
        format!("agent anna transfers the caller to agent {bob_id}"),
        "transfer by agent anna: 200".to_string(),
        "agent anna off the call: transferred the call".to_string(),
        format!("agent {bob_id} bridged"),
    ] {
        assert!(events.contains(&line), "{line:?} missing: {events}");
    }
    assert_nobody_held(&svc);

    // What the caller hears is on the right: Anna's echo of the caller's tone first, Bob's tone
    // at the end; the left is the caller. Bob heard the caller's tone.
    let (left, right) = recording(&call);
    drop(bob);
    let bob_heard = heard_in(&svc.dir.path().join(format!("baresip-{bob_id}")));
    let per_second: Vec<String> = right
        .chunks(8000)
        .map(|w| {
            format!(
                "{:.2}/{:.2}",
                tone_share(w, BOB_HZ),
                tone_share(w, CALLER_HZ)
            )
        })
        .collect();
    eprintln!("right channel, Bob/caller share per second: {per_second:?}");
    let at_caller = best_share(&right, BOB_HZ, 4);
    assert!(
        at_caller > 0.3,
        "Bob's tone reached the caller ({at_caller:.2})"
    );
    assert!(best_share(&left, CALLER_HZ, 4) > 0.3, "the caller's tone");
    let at_bob = best_share(&bob_heard, CALLER_HZ, 6);
    assert!(at_bob > 0.3, "the caller's tone reached Bob ({at_bob:.2})");
    let first = &right[..right.len().min(8000 * 2)];
    assert!(
        tone_share(first, BOB_HZ) < 0.05,
        "no Bob before the transfer"
    );
    assert!(
        tone_share(first, CALLER_HZ) > 0.3,
        "Anna before the transfer"
    );
    Some((svc, log, call))
}

#[test]
fn a_blind_transfer_by_refer_passes_the_caller_to_another_agent() {
    if !sipp_available() {
        return;
    }
    let target = ["-set", "target", "sip:bob@127.0.0.1"];
    let Some((_svc, log, _)) = transfer_to_bob("agent_refers.xml", &target, "bob", "14000") else {
        return;
    };
    assert!(
        log.contains("notify SIP/2.0 100 Trying message/sipfrag"),
        "{log}"
    );
    assert!(log.contains("notify SIP/2.0 200 OK terminated"), "{log}");
}

/// `#1`, the target's id, `#` keyed on the agent's phone (SIP INFO here) do the same.
#[test]
fn a_blind_transfer_by_keys_passes_the_caller_to_another_agent() {
    if !sipp_available() {
        return;
    }
    let _ = transfer_to_bob("agent_keys_transfer.xml", &[], "204", "14000");
}

/// `#2`, the target's id, `#` consult them while the caller hears music; `#2` again completes.
#[test]
fn an_attended_transfer_by_keys_consults_then_passes_the_caller_on() {
    if !sipp_available() {
        return;
    }
    let Some((svc, _, call)) = transfer_to_bob("agent_keys_attended.xml", &[], "204", "20000")
    else {
        return;
    };
    let events = timeline(&svc, call["id"].as_str().unwrap());
    assert!(events.contains("agent anna consults agent 204"), "{events}");
}

/// The caller's own REFER is refused (403); the agent's malformed and too long ones get 400, a
/// second one while the first target rings 491; a target that never answers is reported (NOTIFY
/// 480) and the agent still has the caller. Nobody stays held.
#[test]
fn refused_and_failed_transfers_leave_the_call_with_its_agent() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(CONFIG);
    import_client(&svc);
    let carl = Phone::start(&svc, "agent_noanswer.xml", &[]);
    add_agent(&svc, "carl", &carl.uri());
    assert!(
        svc.cli(&["agents", "presence", "carl", "away"])
            .status
            .success()
    );
    let anna = Phone::start(
        &svc,
        "agent_refer_abuse.xml",
        &["-set", "target", &carl.uri()],
    );
    add_agent(&svc, "anna", &anna.uri());
    let caller = svc.sipp_spawn("caller_refers.xml", CALLER);
    let log = anna.wait_ok(&svc);
    assert!(log.contains("notify SIP/2.0 100 Trying"), "{log}");
    assert!(
        log.contains("notify SIP/2.0 480 Temporarily Unavailable"),
        "{log}"
    );
    carl.wait_ok(&svc);
    let mut caller = caller;
    // The agent hung up: without the survey the caller hears goodbye and is hung up.
    let status = caller.wait().unwrap();
    assert!(status.success(), "caller: {status:?}\n{}", svc.log());
    let call = closed_call(&svc);
    assert_eq!(call["agent"], "anna", "{call}");
    let events = timeline(&svc, call["id"].as_str().unwrap());
    for line in [
        "REFER from the caller refused",
        "transfer by agent anna refused: Refer-To longer than 256 bytes",
        "transfer by agent anna refused: Refer-To is not a sip: URI with a user",
        "transfer by agent anna refused: InProgress",
        "agent anna transfers the caller to agent carl",
        "agent carl: answered 487",
        "transfer by agent anna: 480",
    ] {
        assert!(events.contains(line), "{line:?} missing: {events}");
    }
    assert_nobody_held(&svc);
}

/// Back to the queue: the agent is hung up at once, the caller waits again in their place and
/// the next agent takes them.
#[test]
fn a_transfer_to_the_queue_hands_the_caller_to_the_next_agent() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(
        "[routing]\nring_timeout_seconds = 4\nwrap_up_seconds = 5\n[flow]\nsurvey = false\n",
    );
    import_client(&svc);
    caller_tone(&svc);
    let anna = Phone::start(
        &svc,
        "agent_refers.xml",
        &["-set", "target", "sip:queue@127.0.0.1"],
    );
    add_agent(&svc, "anna", &anna.uri());
    std::thread::sleep(Duration::from_millis(20));
    let bob = Phone::start(&svc, "agent_answer.xml", &[]);
    add_agent(&svc, "bob", &bob.uri());
    let out = svc.sipp("transfer_caller.xml", CALLER, &["-d", "12000"]);
    assert_sipp_ok(&svc, &out, "caller");
    anna.wait_ok(&svc);
    bob.wait_ok(&svc);
    let call = closed_call(&svc);
    assert_eq!(call["agent"], "bob", "{call}");
    let events = timeline(&svc, call["id"].as_str().unwrap());
    for line in [
        "agent anna transfers the caller back to the queue",
        "agent anna off the call: transferred the call",
        "back in the queue at position 1",
        "transferred back to the queue",
        "agent bob bridged",
    ] {
        assert!(events.contains(line), "{line:?} missing: {events}");
    }
    assert_nobody_held(&svc);
}

/// Anything else goes out through the outbound proxy, from the company's caller ID.
#[test]
fn a_transfer_to_a_number_goes_out_through_the_outbound_proxy() {
    if !sipp_available() {
        return;
    }
    let proxy = free_udp_port();
    let svc = Service::start(&format!(
        "{CONFIG}[pbx]\noutbound_proxy = \"127.0.0.1:{proxy}\"\n"
    ));
    import_client(&svc);
    caller_tone(&svc);
    let outside = Phone::start_on(&svc, "external_answer.xml", proxy, &[]);
    let anna = Phone::start(
        &svc,
        "agent_refers.xml",
        &["-set", "target", "sip:+37060000099@pbx.example"],
    );
    add_agent(&svc, "anna", &anna.uri());
    let out = svc.sipp("transfer_caller.xml", CALLER, &["-d", "10000"]);
    assert_sipp_ok(&svc, &out, "caller");
    anna.wait_ok(&svc);
    let log = outside.wait_ok(&svc);
    assert!(
        log.contains(&format!(
            "external INVITE sip:+37060000099@127.0.0.1:{proxy}"
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!("X-Frontdesk-Caller: {CALLER}")),
        "{log}"
    );
    let call = closed_call(&svc);
    let events = timeline(&svc, call["id"].as_str().unwrap());
    assert!(events.contains("+37060000099 bridged"), "{events}");
    // The outside number echoes: the caller's tone comes back on the right at the end.
    let (_, right) = recording(&call);
    assert!(best_share(&right, CALLER_HZ, 3) > 0.3);
    assert_nobody_held(&svc);
}
