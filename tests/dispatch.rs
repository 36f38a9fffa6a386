//! Callback dispatch with real peers: `frontdesk serve` dials due callbacks, a SIPp UAS plays the
//! agents' phones and another the clients' phones behind the outbound proxy. Checked in SIP (who
//! was called, with which caller ID and headers, how many times), in the store (attempts, card,
//! call rows) and in the recording.

mod common;
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Service, free_media_port, free_udp_port, read_stereo, repo, rms, sipp_available};

const CALLER_ID: &str = "+37052000000";

/// A SIPp UAS on `port` running `scenario` for every call it gets, logging to `<name>.log`.
struct Uas {
    child: Child,
    log: PathBuf,
}

impl Uas {
    fn start(dir: &Path, name: &str, scenario: &str, port: u16, extra: &[&str]) -> Uas {
        let log = dir.join(format!("{name}.log"));
        let child = Command::new("timeout")
            .args(["240", "sipp", "-sf"])
            .arg(repo().join("tests/sipp").join(scenario))
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-mp", &free_media_port().to_string()])
            .args(["-timeout", "200s", "-nostdin", "-trace_logs", "-log_file"])
            .arg(&log)
            .args(["-trace_err", "-error_file"])
            .arg(dir.join(format!("{name}.err")))
            .args(extra)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Uas { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Log lines starting with `prefix` so far.
    fn lines(&self, prefix: &str) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.starts_with(prefix))
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Uas {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An IANA zone where it is around midday now, so the legal 08:00–21:00 client-local window is
/// open whenever the test runs.
fn midday_zone() -> String {
    use chrono::Timelike;
    let hour = chrono::Utc::now().hour() as i32;
    // Local = UTC + offset; Etc/GMT zones carry the inverted sign.
    let mut offset = 12 - hour;
    if offset > 12 {
        offset -= 24;
    }
    match offset {
        0 => "Etc/UTC".into(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

fn config(client_port: u16, extra: &str) -> String {
    format!(
        "[clients]\ndefault_hours = \"00:00-24:00\"\n\
         [pbx]\noutbound_proxy = \"127.0.0.1:{client_port}\"\n\
         [routing]\nring_timeout_seconds = 5\nwrap_up_seconds = 0\n\
         [callbacks]\nmin_delay_minutes = 0\nretry_after_minutes = 0\nclient_ring_seconds = 5\n\
         caller_id = \"{CALLER_ID}\"\n{extra}"
    )
}

fn import_clients(svc: &Service, phones: &[String]) {
    let csv = svc
        .dir
        .path()
        .join(format!("c-{}.csv", rand::random::<u32>()));
    let zone = midday_zone();
    let mut text = String::from("phone,name,language,time_zone\n");
    for (i, p) in phones.iter().enumerate() {
        text.push_str(&format!("{p},Client {i},en,{zone}\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let out = svc.cli(&["clients", "import", csv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn add_agent(svc: &Service, id: &str, uri: &str) {
    let out = svc.cli(&["agents", "add", id, "--uri", uri, "--languages", "en"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn request(svc: &Service, phone: &str, reason: &str) {
    let out = svc.cli(&["callbacks", "request", phone, "--reason", reason]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn callbacks(svc: &Service) -> Vec<Value> {
    svc.cli_json(&["callbacks", "list", "--all", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

/// Waits until every callback has left the pool (done or closed).
fn wait_finished(svc: &Service, within: Duration, why: &dyn Fn() -> String) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let all = callbacks(svc);
        if all
            .iter()
            .all(|c| c["status"] == "done" || c["status"] == "closed")
        {
            return all;
        }
        assert!(
            Instant::now() < deadline,
            "callbacks not finished: {all:?}\n{}",
            why()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn outbound_calls(svc: &Service) -> Vec<Value> {
    svc.cli_json(&["calls", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["outcome"]
                .as_str()
                .is_some_and(|o| o.starts_with("callback-"))
        })
        .cloned()
        .collect()
}

#[test]
fn a_callback_rings_the_agent_then_the_client_retries_when_busy_and_records_the_talk() {
    if !sipp_available() {
        return;
    }
    let client_port = free_udp_port();
    let agent_port = free_udp_port();
    let svc = Service::start(&config(client_port, "max_attempts = 2\n"));
    let dir = svc.dir.path().to_path_buf();
    // The client is busy the first time and answers the second.
    let client = Uas::start(
        &dir,
        "client",
        "client_callback.xml",
        client_port,
        &["-set", "busy", "1", "-d", "4000", "-m", "2"],
    );
    let agent = Uas::start(
        &dir,
        "agent",
        "agent_answer.xml",
        agent_port,
        &["-rtp_echo", "-m", "2"],
    );
    let phone = "+37061234567".to_string();
    import_clients(&svc, std::slice::from_ref(&phone));
    add_agent(&svc, "anna", &format!("sip:anna@127.0.0.1:{agent_port}"));
    request(&svc, &phone, "billing question");

    let report = || {
        format!(
            "client:\n{}\nagent:\n{}\nservice:\n{}",
            client.log(),
            agent.log(),
            svc.log()
        )
    };
    let done = wait_finished(&svc, Duration::from_secs(90), &report);
    assert_eq!(done.len(), 1);
    assert_eq!(
        (&done[0]["status"], &done[0]["attempts"]),
        (&Value::from("done"), &Value::from(2)),
        "{done:?}"
    );

    // The client was dialled twice, as the company, at their own number through the proxy.
    let invites = client.lines("client-invite");
    assert_eq!(invites.len(), 2, "{}", report());
    for line in &invites {
        assert!(line.contains(&format!("INVITE sip:{phone}@")), "{line}");
        assert!(
            line.contains(&format!("sip:{CALLER_ID}@")),
            "caller ID in From: {line}"
        );
        assert!(line.contains(&format!("pai sip:{CALLER_ID}@")), "{line}");
        assert!(line.contains("X-Frontdesk-Callback: "), "{line}");
    }
    // The agent was rung first, both times, and knew it was a callback.
    let rung = agent.lines("agent-invite");
    assert_eq!(rung.len(), 2, "{}", report());
    assert!(
        rung.iter()
            .all(|l| l.contains("X-Frontdesk-Callback: ") && l.trim_end().ends_with(" cli")),
        "{rung:?}"
    );

    // Each attempt is a call row and a line on the card.
    let calls = outbound_calls(&svc);
    let mut outcomes: Vec<&str> = calls
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        ["callback-answered", "callback-busy"],
        "{calls:?}"
    );
    let card = svc
        .cli_json(&["clients", "show", &phone, "--json"])
        .to_string();
    assert!(card.contains("busy; next attempt"), "{card}");
    assert!(card.contains(": answered"), "{card}");

    // The talk is recorded: the client on the left, the agent (echoing the client) on the right.
    let answered = calls
        .iter()
        .find(|c| c["outcome"] == "callback-answered")
        .unwrap();
    assert_eq!(answered["agent"], "anna", "{answered}");
    let path = answered["recording"].as_str().expect("a recording");
    let (spec, left, right) = read_stereo(Path::new(path));
    assert_eq!(spec.channels, 2);
    let window = |ch: &[i16]| ch[(8000).min(ch.len())..(4 * 8000).min(ch.len())].to_vec();
    let (l, r) = (window(&left), window(&right));
    assert!(
        rms(&l) > 300.0,
        "the client's speech on the left: {}",
        rms(&l)
    );
    assert!(rms(&r) > 300.0, "the agent on the right: {}", rms(&r));

    let agents = svc.cli_json(&["agents", "list", "--json"]).to_string();
    assert!(agents.contains("\"available\""), "{agents}");
}

#[test]
fn two_nodes_on_postgres_dial_each_callback_once_and_finish_a_killed_nodes_work() {
    if !sipp_available() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(common::TestDb::postgres()) else {
        return;
    };
    let client_port = free_udp_port();
    let agent_port = free_udp_port();
    let extra = config(client_port, "lease_seconds = 4\n");
    let top = |node: &str| format!("database_url = \"{}\"\nnode_id = \"{node}\"\n", db.url);
    let mut a = Service::start_with_top(&top("node-a"), &extra);
    let b = Service::start_with_top(&top("node-b"), &extra);
    let dir = b.dir.path().to_path_buf();
    let a_log = a.dir.path().join("serve.log");
    let log_a = || std::fs::read_to_string(&a_log).unwrap_or_default();
    let client = Uas::start(
        &dir,
        "client",
        "client_callback.xml",
        client_port,
        &["-set", "busy", "0", "-d", "300"],
    );
    let agent = Uas::start(&dir, "agent", "agent_answer.xml", agent_port, &[]);
    for i in 0..8 {
        add_agent(
            &b,
            &format!("agent{i}"),
            &format!("sip:agent{i}@127.0.0.1:{agent_port}"),
        );
    }
    const N: usize = 8;
    let phones: Vec<String> = (0..2 * N).map(|i| format!("+3706100{i:04}")).collect();
    import_clients(&b, &phones);
    let report = || {
        format!(
            "client:\n{}\nnode a:\n{}\nnode b:\n{}",
            client.log(),
            log_a(),
            b.log()
        )
    };

    // Both nodes alive: N callbacks give exactly N client INVITEs, each callback once.
    for p in &phones[..N] {
        request(&b, p, "two nodes");
    }
    let done = wait_finished(&b, Duration::from_secs(120), &report);
    assert!(done.iter().all(|c| c["status"] == "done"), "{done:?}");
    let invites = client.lines("client-invite");
    assert_eq!(invites.len(), N, "{}", report());
    let mut ids: Vec<String> = invites
        .iter()
        .filter_map(|l| l.split("X-Frontdesk-Callback: ").nth(1))
        .map(|s| s.trim().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), N, "a callback was dialled twice: {invites:?}");
    let by_node = |node: &str| -> usize {
        let log = if node == "a" { log_a() } else { b.log() };
        log.matches("callback dispatched").count()
    };
    eprintln!(
        "dispatched: node a {}, node b {}",
        by_node("a"),
        by_node("b")
    );

    // Node A dies (SIGKILL) with clients on the line. Node B is paused (SIGSTOP) meanwhile, so
    // the next four requests are certainly A's, and A has dialled their clients when it dies.
    const KILLED: usize = 4;
    b.signal("-STOP");
    for p in &phones[N..N + KILLED] {
        request(&b, p, "node a dies");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.lines("client-invite").len() < N + KILLED {
        assert!(
            Instant::now() < deadline,
            "node a did not dial\n{}",
            log_a()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    a.stop("-KILL");
    b.signal("-CONT");
    for p in &phones[N + KILLED..] {
        request(&b, p, "one node left");
    }
    let done = wait_finished(&b, Duration::from_secs(120), &report);
    assert_eq!(done.len(), 2 * N);
    assert!(
        done.iter().all(|c| c["status"] == "done"),
        "{done:?}\n{}",
        report()
    );
    // A's four clients were dialled again by B once the leases ran out; nothing else twice.
    let total = client.lines("client-invite").len();
    eprintln!("client INVITEs: {total} for {} callbacks", 2 * N);
    assert_eq!(total, 2 * N + KILLED, "{}", report());
    for c in &done[N..N + KILLED] {
        assert_eq!(c["attempts"], 1, "A's attempt was never written: {c}");
    }
    // The agents A's calls held are freed by B's sweep once A has been silent long enough.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let agents = b.cli_json(&["agents", "list", "--json"]);
        let stuck: Vec<&Value> = agents
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["state"] != "available")
            .collect();
        if stuck.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "agents stuck: {stuck:?}\n{}",
            report()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    drop(agent);
    rt.block_on(db.cleanup());
}

/// The client holds for three times the leg RTP timeout: the hold reaches the agent (sendonly,
/// then sendrecv on resume), neither leg is timed out, the two talk after it, and the agent is
/// free again once the client hangs up.
#[test]
fn a_callback_client_holds_longer_than_the_rtp_timeout_and_the_call_resumes() {
    if !sipp_available() {
        return;
    }
    let client_port = free_udp_port();
    let agent_port = free_udp_port();
    let svc = Service::start(&config(
        client_port,
        "[calls]\nleg_rtp_timeout_seconds = 2\n",
    ));
    let dir = svc.dir.path().to_path_buf();
    let client = Uas::start(&dir, "client", "client_hold.xml", client_port, &["-m", "1"]);
    let agent = Uas::start(
        &dir,
        "agent",
        "agent_hold.xml",
        agent_port,
        &["-rtp_echo", "-m", "1"],
    );
    let phone = "+37061234599".to_string();
    import_clients(&svc, std::slice::from_ref(&phone));
    add_agent(&svc, "anna", &format!("sip:anna@127.0.0.1:{agent_port}"));
    request(&svc, &phone, "held a long time");
    let report = || {
        format!(
            "client:\n{}\n{}\nagent:\n{}\nservice:\n{}",
            client.log(),
            std::fs::read_to_string(dir.join("client.err")).unwrap_or_default(),
            agent.log(),
            svc.log()
        )
    };
    let done = wait_finished(&svc, Duration::from_secs(90), &report);
    assert_eq!(done[0]["status"], "done", "{done:?}\n{}", report());
    // Our answers mirrored the client's direction, and the client hung up itself.
    for line in [
        "client re-INVITE sendonly answered a=recvonly",
        "client re-INVITE sendrecv answered a=sendrecv",
        "client hung up",
    ] {
        assert!(client.log().contains(line), "{line}\n{}", report());
    }
    // The hold and the resume reached the agent.
    assert!(
        agent.log().contains("agent re-INVITE a=sendonly"),
        "{}",
        report()
    );
    assert!(
        agent.log().contains("agent re-INVITE a=sendrecv"),
        "{}",
        report()
    );
    let calls = outbound_calls(&svc);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["outcome"], "callback-answered", "{calls:?}");
    assert!(
        svc.log().contains("the call ended (answered, client)"),
        "the client hung up, not a timeout\n{}",
        report()
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let agents = svc.cli_json(&["agents", "list", "--json"]).to_string();
        if agents.contains("\"available\"") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{agents}\n{}",
            report()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
