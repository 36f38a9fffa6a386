//! Routing with real peers: SIPp callers, SIPp UAS instances as agent phones (answering, busy, not
//! answering), the real binary in between. Checked in SIP (the agent's INVITE), in the store
//! (outcomes, agent state, callbacks, survey) and in the recording (both channels through the
//! bridge).

mod support;

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{
    Service, free_media_port, free_udp_port, read_stereo, repo, rms, sipp_available, tone_share,
};

const CALLER: &str = "+37061234567";

/// Fast rings and no wrap-up, so failure paths are seen quickly.
const ROUTING: &str =
    "[routing]\nring_timeout_seconds = 3\nvip_ring_seconds = 3\nwrap_up_seconds = 0\n";

/// An agent phone: a SIPp UAS on its own port running `scenario` for one call.
struct AgentPhone {
    child: Child,
    port: u16,
    log: PathBuf,
    err: PathBuf,
}

impl AgentPhone {
    fn start(svc: &Service, scenario: &str, talk_ms: u64) -> AgentPhone {
        let port = free_udp_port();
        let tag = rand::random::<u32>();
        let log = svc.dir.path().join(format!("agent-{tag}.log"));
        let err = svc.dir.path().join(format!("agent-{tag}.err"));
        let child = Command::new("timeout")
            .args(["100", "sipp", "-sf"])
            .arg(repo().join("tests/sipp").join(scenario))
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-mp", &free_media_port().to_string()])
            .args(["-m", "1", "-d", &talk_ms.to_string(), "-rtp_echo"])
            .args(["-timeout", "90s", "-timeout_error", "-nostdin"])
            .args(["-trace_err", "-error_file"])
            .arg(&err)
            .args(["-trace_logs", "-log_file"])
            .arg(&log)
            .current_dir(svc.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        AgentPhone {
            child,
            port,
            log,
            err,
        }
    }

    fn uri(&self) -> String {
        format!("sip:agent@127.0.0.1:{}", self.port)
    }

    /// Waits for SIPp to finish its one call; panics with its error trace if it failed.
    fn wait_ok(mut self, svc: &Service) -> String {
        let status = self.child.wait().unwrap();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        assert!(
            status.success(),
            "agent phone failed: {status:?}\nerrors:{}\nlog:{log}\nservice:\n{}",
            std::fs::read_to_string(&self.err).unwrap_or_default(),
            svc.log()
        );
        log
    }
}

fn add_agent(svc: &Service, id: &str, uri: &str, langs: &str) {
    let out = svc.cli(&["agents", "add", id, "--uri", uri, "--languages", langs]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn import_client(svc: &Service, phone: &str, name: &str) {
    let csv = svc
        .dir
        .path()
        .join(format!("c-{}.csv", rand::random::<u32>()));
    std::fs::write(&csv, format!("phone,name,language\n{phone},{name},en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
}

fn agent_states(svc: &Service) -> Vec<(String, String)> {
    let agents = svc.cli_json(&["agents", "list", "--json"]);
    agents
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

/// Every agent back to available within a bound (the release follows the last SIP message).
fn assert_all_available(svc: &Service) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let states = agent_states(svc);
        if states.iter().all(|(_, s)| s == "available") {
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

fn calls(svc: &Service) -> Vec<Value> {
    svc.cli_json(&["calls", "list", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn closed_call(svc: &Service) -> Value {
    for _ in 0..100 {
        let c = calls(svc);
        if c.len() == 1 && c[0]["ended_at"].is_string() {
            return c[0].clone();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no closed call: {:?}\n{}", calls(svc), svc.log());
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

#[test]
fn the_agent_talks_through_the_bridge_and_the_caller_rates_the_call() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(ROUTING);
    import_client(&svc, CALLER, "Jonas Jonaitis");
    let phone = AgentPhone::start(&svc, "agent_talk.xml", 4000);
    add_agent(&svc, "anna", &phone.uri(), "en,lt");
    let caller = svc.sipp_spawn("agent_caller.xml", CALLER);
    let log = phone.wait_ok(&svc);
    let out = caller.wait_with_output().unwrap();
    assert_sipp_ok(&svc, &out, "caller");

    let call = closed_call(&svc);
    assert_eq!(call["outcome"], "answered-by-agent", "{call}");
    assert_eq!(call["agent"], "anna", "{call}");
    // The screen pop: the agent's INVITE named this call, the client, and the flags.
    let id = call["id"].as_str().unwrap();
    for header in [
        format!("X-Frontdesk-Call-Id: {id}"),
        "X-Frontdesk-VIP: no".into(),
        "X-Frontdesk-DNC: no".into(),
        "X-Frontdesk-Language: en".into(),
        "X-Frontdesk-Client: Jonas Jonaitis".into(),
    ] {
        assert!(log.contains(&header), "{header} missing; agent log: {log}");
    }
    assert!(
        log.contains("relayed Signal=5"),
        "the caller's key reached the agent"
    );
    // The caller's rating is on the card.
    let card = svc.cli_json(&["clients", "show", CALLER, "--json"]);
    assert!(card.to_string().contains("9/10"), "{card}");
    assert_all_available(&svc);

    // One recording: the caller on the left; on the right the prompts, then the agent, who
    // echoes the caller: the caller's speech came back through the bridge both ways.
    let path = call["recording"].as_str().expect("a recording");
    let (spec, left, right) = read_stereo(std::path::Path::new(path));
    assert_eq!(spec.channels, 2);
    let bridged = |ch: &[i16]| -> Vec<i16> {
        // Seconds 3–7 of the recording (which starts after the notice): agent_connecting is
        // over, the caller speaks, the agent has not hung up yet.
        let from = (3 * 8000).min(ch.len());
        let to = (7 * 8000).min(ch.len());
        ch[from..to].to_vec()
    };
    let (l, r) = (bridged(&left), bridged(&right));
    assert!(rms(&l) > 300.0, "caller speech on the left: {}", rms(&l));
    assert!(
        rms(&r) > 300.0,
        "the echo came back through the bridge: {}",
        rms(&r)
    );
    let corr = lagged_correlation(&l, &r);
    eprintln!("correlation {corr}");
    assert!(
        corr > 0.5,
        "the right channel is the caller's speech, echoed by the agent"
    );
}

/// Best normalised correlation of `b` against `a` over lags up to 300 ms.
fn lagged_correlation(a: &[i16], b: &[i16]) -> f64 {
    let n = a.len().min(b.len());
    let mut best: f64 = 0.0;
    for lag in (0..2400).step_by(4) {
        if lag + 4000 > n {
            break;
        }
        let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
        for i in 0..n - lag {
            let (x, y) = (f64::from(a[i]), f64::from(b[i + lag]));
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        if aa > 0.0 && bb > 0.0 {
            best = best.max(ab / (aa.sqrt() * bb.sqrt()));
        }
    }
    best
}

/// The call's timeline, as text.
fn events(svc: &Service, call: &str) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = frontdesk::store::Store::connect(&svc.db_url())
            .await
            .unwrap();
        let ev = store.call_events(call).await.unwrap();
        store.close().await;
        format!("{ev:?}")
    })
}

#[test]
fn busy_declining_and_unanswered_agents_are_freed_and_the_next_one_takes_the_call() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(ROUTING);
    import_client(&svc, CALLER, "Jonas");
    // Longest-free first: bob (busy), dan (declines while ringing), carl (never answers), anna.
    let bob = AgentPhone::start(&svc, "agent_busy.xml", 0);
    add_agent(&svc, "bob", &bob.uri(), "en");
    std::thread::sleep(Duration::from_millis(20));
    let dan = AgentPhone::start(&svc, "agent_decline.xml", 0);
    add_agent(&svc, "dan", &dan.uri(), "en");
    std::thread::sleep(Duration::from_millis(20));
    let carl = AgentPhone::start(&svc, "agent_noanswer.xml", 0);
    add_agent(&svc, "carl", &carl.uri(), "en");
    std::thread::sleep(Duration::from_millis(20));
    let anna = AgentPhone::start(&svc, "agent_answer.xml", 0);
    add_agent(&svc, "anna", &anna.uri(), "en");
    let out = svc.sipp("queue_hangup.xml", CALLER, &["-d", "19000"]);
    assert_sipp_ok(&svc, &out, "caller");
    bob.wait_ok(&svc);
    dan.wait_ok(&svc);
    carl.wait_ok(&svc);
    anna.wait_ok(&svc);
    let call = closed_call(&svc);
    assert_eq!(call["outcome"], "answered-by-agent", "{call}");
    assert_eq!(call["agent"], "anna");
    let timeline = events(&svc, call["id"].as_str().unwrap());
    assert!(timeline.contains("agent bob: answered 486"), "{timeline}");
    assert!(timeline.contains("agent carl: answered 487"), "{timeline}");
    assert_all_available(&svc);
}

#[test]
fn a_caller_who_hangs_up_while_the_agent_rings_cancels_it_and_gets_a_callback() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("[routing]\nring_timeout_seconds = 30\nwrap_up_seconds = 0\n");
    import_client(&svc, CALLER, "Jonas");
    let carl = AgentPhone::start(&svc, "agent_noanswer.xml", 0);
    add_agent(&svc, "carl", &carl.uri(), "en");
    let out = svc.sipp("queue_hangup.xml", CALLER, &["-d", "9000"]);
    assert_sipp_ok(&svc, &out, "caller");
    carl.wait_ok(&svc);
    let call = closed_call(&svc);
    assert_eq!(call["outcome"], "abandoned", "{call}");
    assert_all_available(&svc);
    let callbacks = svc.cli_json(&["callbacks", "list", "--json"]);
    let cb = &callbacks.as_array().unwrap()[0];
    assert_eq!(cb["source"], "abandoned", "{cb}");
    assert_eq!(cb["queue_position"], 1, "{cb}");
}

#[test]
fn a_node_killed_mid_call_frees_its_agent_at_restart() {
    if !sipp_available() {
        return;
    }
    let mut svc = Service::start(ROUTING);
    import_client(&svc, CALLER, "Jonas");
    let anna = AgentPhone::start(&svc, "agent_answer.xml", 0);
    add_agent(&svc, "anna", &anna.uri(), "en");
    let mut caller = svc.sipp_spawn_with("queue_hangup.xml", CALLER, &["-d", "60000"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while agent_states(&svc) != [("anna".to_string(), "in_call".to_string())] {
        assert!(Instant::now() < deadline, "never in call\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    svc.stop("-KILL");
    let _ = caller.kill();
    let mut anna = anna;
    let _ = anna.child.kill();
    let _ = anna.child.wait();
    let _ = caller.wait();
    let svc = svc.restart();
    assert_eq!(
        agent_states(&svc),
        [("anna".to_string(), "available".to_string())]
    );
    let call = closed_call(&svc);
    assert_eq!(call["outcome"], "failed", "closed at restart: {call}");
}

/// Key 3: the caller's message goes to its own WAV, the complaint is escalated at once and the
/// card says so.
#[test]
fn a_complaint_is_recorded_as_its_own_file_and_escalated() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(ROUTING);
    import_client(&svc, CALLER, "Jonas");
    let out = svc.sipp("complaint_caller.xml", CALLER, &[]);
    assert_sipp_ok(&svc, &out, "caller");
    let call = closed_call(&svc);
    assert_eq!(call["outcome"], "complaint", "{call}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (complaints, card) = rt.block_on(async {
        let store = frontdesk::store::Store::connect(&svc.db_url())
            .await
            .unwrap();
        let c = store.list_complaints(None).await.unwrap();
        let card = store.card(CALLER).await.unwrap();
        store.close().await;
        (c, format!("{card:?}"))
    });
    assert_eq!(complaints.len(), 1);
    let c = &complaints[0];
    assert_eq!(c.escalated_to.as_deref(), Some("supervisors"));
    assert!(card.contains("escalated to supervisors"), "{card}");
    let message = c.message_path.as_deref().expect("a message file");
    assert!(message.ends_with("-complaint.wav"), "{message}");
    assert_ne!(Some(message), call["recording"].as_str());
    let (_, left, _) = read_stereo(std::path::Path::new(message));
    let secs = left.len() as f64 / 8000.0;
    assert!((3.0..12.0).contains(&secs), "message length {secs} s");
    assert!(rms(&left) > 300.0, "the caller's speech is in the message");
}

/// Two callers wait while the only agent is away: the VIP, who called second, reaches the agent
/// first; the other caller, never answered, becomes an abandoned callback.
#[test]
fn a_vip_who_called_later_is_served_first() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(&format!("{ROUTING}join_when_all_away = true\n"));
    const NORMAL: &str = "+37061234561";
    const VIP: &str = "+37061234562";
    import_client(&svc, NORMAL, "Normal");
    import_client(&svc, VIP, "Vip");
    let anna = AgentPhone::start(&svc, "agent_answer.xml", 0);
    add_agent(&svc, "anna", &anna.uri(), "en");
    assert!(
        svc.cli(&["vip", "add", VIP, "--agent", "anna"])
            .status
            .success()
    );
    assert!(
        svc.cli(&["agents", "presence", "anna", "away"])
            .status
            .success()
    );
    let normal = svc.sipp_spawn_with("queue_hangup.xml", NORMAL, &["-d", "20000"]);
    std::thread::sleep(Duration::from_secs(2));
    let vip = svc.sipp_spawn_with("queue_hangup.xml", VIP, &["-d", "16000"]);
    // Both queued (greeting, notice, menu key, connecting prompt): then the agent comes back.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let joined = calls(&svc)
            .iter()
            .filter(|c| events(&svc, c["id"].as_str().unwrap()).contains("joined at position"))
            .count();
        if joined == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "not queued\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        svc.cli(&["agents", "presence", "anna", "available"])
            .status
            .success()
    );
    let log = anna.wait_ok(&svc);
    for c in [normal, vip] {
        let out = c.wait_with_output().unwrap();
        assert_sipp_ok(&svc, &out, "caller");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let outcomes = loop {
        let all = calls(&svc);
        if all.iter().all(|c| c["ended_at"].is_string()) || Instant::now() > deadline {
            break all;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let by_phone = |p: &str| outcomes.iter().find(|c| c["phone"] == p).cloned().unwrap();
    assert_eq!(by_phone(VIP)["outcome"], "answered-by-agent");
    assert_eq!(by_phone(VIP)["agent"], "anna");
    assert_eq!(by_phone(NORMAL)["outcome"], "abandoned");
    let vip_id = by_phone(VIP)["id"].as_str().unwrap().to_string();
    assert!(
        log.contains(&vip_id),
        "the agent's one INVITE was the VIP's: {log}"
    );
    let vip_events = events(&svc, by_phone(VIP)["id"].as_str().unwrap());
    assert!(
        vip_events.contains("joined at position 1 (priority 10)"),
        "{vip_events}"
    );
    assert_all_available(&svc);
}

/// The caller's hold and resume reach the agent as re-INVITEs (sendonly, then sendrecv).
#[test]
fn the_callers_hold_is_passed_to_the_agent() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(ROUTING);
    import_client(&svc, CALLER, "Jonas");
    let anna = AgentPhone::start(&svc, "agent_hold.xml", 0);
    add_agent(&svc, "anna", &anna.uri(), "en");
    let out = svc.sipp("caller_hold.xml", CALLER, &[]);
    assert_sipp_ok(&svc, &out, "caller");
    let log = anna.wait_ok(&svc);
    assert!(log.contains("agent re-INVITE a=sendonly"), "{log}");
    assert!(log.contains("agent re-INVITE a=sendrecv"), "{log}");
    let call = closed_call(&svc);
    assert_eq!(call["outcome"], "answered-by-agent", "{call}");
    assert_all_available(&svc);
}

/// Share of the music on hold's notes (its chords C, Am, F, G) in the best second of `samples`
/// loud enough to count; the spoken prompts stay below 0.05, the music reaches 0.3 to 0.8.
fn best_music_share(samples: &[i16]) -> f64 {
    (0..samples.len().saturating_sub(8000))
        .step_by(2000)
        .map(|i| &samples[i..i + 8000])
        .filter(|w| rms(w) > 300.0)
        .map(|w| {
            [220.0, 261.63, 329.63, 392.0, 174.61, 196.0, 246.94, 293.66]
                .iter()
                .map(|&f| tone_share(w, f))
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// The agent holds the caller for 5 s: the caller gets our re-INVITEs (sendonly, then sendrecv)
/// and hears the music on hold meanwhile. The caller's phone echoes what it hears, so the music
/// is in our recording twice: sent (right channel, sample for sample from the music's start) and
/// come back over RTP (left channel).
#[test]
fn a_caller_held_by_the_agent_hears_music_on_hold() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start(&format!("{ROUTING}[flow]\nsurvey = false\n"));
    import_client(&svc, CALLER, "Jonas");
    let anna = AgentPhone::start(&svc, "agent_holds.xml", 0);
    add_agent(&svc, "anna", &anna.uri(), "en");
    let out = svc.sipp("caller_held.xml", CALLER, &["-rtp_echo"]);
    assert_sipp_ok(&svc, &out, "caller");
    let log = anna.wait_ok(&svc);
    assert!(
        log.contains("agent re-INVITE sendonly answered a=recvonly"),
        "{log}"
    );
    assert!(
        log.contains("agent re-INVITE sendrecv answered a=sendrecv"),
        "{log}"
    );
    let call = closed_call(&svc);
    assert_eq!(call["outcome"], "answered-by-agent", "{call}");
    let mut music = hound::WavReader::open(repo().join("prompts/music_on_hold.wav")).unwrap();
    let music: Vec<i16> = music.samples::<i16>().map(|s| s.unwrap()).collect();
    let (_, left, right) = read_stereo(std::path::Path::new(call["recording"].as_str().unwrap()));
    let first = &music[..8000];
    let sent = (0..right.len().saturating_sub(8000))
        .step_by(160)
        .any(|i| &right[i..i + 8000] == first);
    assert!(
        sent,
        "the music went to the caller while held\n{}",
        svc.log()
    );
    let back = best_music_share(&left);
    assert!(
        back > 0.3,
        "the caller's phone heard the music (share {back:.2})\n{}",
        svc.log()
    );
    assert!(
        best_music_share(&right[..right.len().min(8000)]) < 0.1,
        "no music before the hold"
    );
    assert_all_available(&svc);
}
