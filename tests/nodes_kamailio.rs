//! Kamailio in front, tested: the dispatcher setup of docs/pbx-integration.md (dispatcher module,
//! OPTIONS probing, failover route) in front of two `frontdesk serve` nodes on one PostgreSQL, all
//! on loopback. SIPp callers through Kamailio spread over both nodes; the node holding the one
//! agent's call, with callers waiting in the queue on both nodes, is killed with
//! SIGKILL while calls are up; new calls go to the survivor; and once the survivor has noticed
//! the silence, every call row is closed (the dead node's as `node-lost`) and each caller who was
//! waiting in the queue on the dead node has exactly one callback (source `node-lost`), and the
//! agent it had on a call is free again. The load version is scripts/bench-nodes.sh.

mod common;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Service, free_media_port, free_udp_port, repo, sipp_available};

/// Kamailio 5.6 in the foreground on a loopback port, ended (by its own pid) when dropped.
pub struct Kamailio {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

/// The configuration docs/pbx-integration.md gives, with probing every second so the test is
/// short, and one worker process: with several, Kamailio may forward a node's 180 after its 200,
/// and SIPp, seeing a 180 it accepts at any point, goes back to waiting for a 200 and never sends
/// its BYE (the call then ends 30 s later on the node's RTP timeout). Real phones ignore a late
/// 180; the scenario cannot. (A node answering at once no longer sends a 180 at all, see
/// docs/call-flow.md; one process is kept so a node configured to ring first is covered too.)
pub fn kamailio_cfg(port: u16, list: &Path) -> String {
    format!(
        r#"#!KAMAILIO
debug=2
log_stderror=yes
children=1
auto_aliases=no
listen=udp:127.0.0.1:{port}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "dispatcher.so"
modparam("tm", "fr_timer", 5000)
modparam("tm", "fr_inv_timer", 30000)
modparam("dispatcher", "list_file", "{list}")
modparam("dispatcher", "ds_ping_interval", 1)
modparam("dispatcher", "ds_probing_mode", 1)
modparam("dispatcher", "ds_probing_threshold", 1)
modparam("dispatcher", "ds_inactive_threshold", 1)
modparam("dispatcher", "ds_ping_from", "sip:kamailio@127.0.0.1:{port}")
modparam("dispatcher", "flags", 2)

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK") && t_check_trans()) {{ t_relay(); }}
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    if (is_method("INVITE")) {{
        if (!ds_select_dst("1", "4")) {{ sl_send_reply("503", "No frontdesk node"); exit; }}
        t_on_failure("FRONTDESK_FAILOVER");
        record_route();
    }}
    t_relay();
}}

failure_route[FRONTDESK_FAILOVER] {{
    if (t_is_canceled()) exit;
    if (t_check_status("503|408") && ds_next_dst()) {{
        t_on_failure("FRONTDESK_FAILOVER");
        t_relay();
        exit;
    }}
}}
"#,
        list = list.display()
    )
}

pub fn kamailio_available() -> bool {
    support::peer_installed("kamailio", "-v", true)
}

impl Kamailio {
    /// Starts Kamailio in `dir` dispatching to `nodes`; returns once it has probed them.
    pub fn start(dir: &Path, nodes: &[std::net::SocketAddr]) -> Kamailio {
        let port = free_udp_port();
        let list = dir.join("dispatcher.list");
        let lines: String = nodes.iter().map(|n| format!("1 sip:{n} 0 0\n")).collect();
        std::fs::write(&list, lines).unwrap();
        let cfg = dir.join("kamailio.cfg");
        std::fs::write(&cfg, kamailio_cfg(port, &list)).unwrap();
        let log = dir.join("kamailio.log");
        let run = dir.join("kamailio-run");
        std::fs::create_dir_all(&run).unwrap();
        let check = Command::new("kamailio")
            .arg("-c")
            .arg("-f")
            .arg(&cfg)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "kamailio -c: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new("kamailio")
            .arg("-f")
            .arg(&cfg)
            .args(["-DD", "-E", "-Y"])
            .arg(&run)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Probing every second: give it two rounds.
        std::thread::sleep(Duration::from_secs(2));
        Kamailio { child, port, log }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// SIGTERM, so Kamailio ends its worker processes too (SIGKILL would leave them running); SIGKILL
/// only if it has not gone within 5 s.
impl Drop for Kamailio {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIPp callers through Kamailio: `n` short calls of `hold_ms` at `rate` a second, numbers
/// starting at `first`; bounded in time.
fn callers(
    dir: &Path,
    to: &str,
    first: u32,
    n: u32,
    rate: u32,
    hold_ms: u32,
) -> std::process::Command {
    sipp_through(dir, to, "proxy_short.xml", first, n, rate, hold_ms)
}

/// SIPp's own time limit for a run through Kamailio: its calls end within it (callers hanging up
/// after `hold_ms`), with room to spare on a slow machine.
fn sipp_limit_s(hold_ms: u32) -> u32 {
    60 + hold_ms / 1000
}

/// SIPp running `scenario` (tests/sipp) through Kamailio, as [`callers`] describes.
fn sipp_through(
    dir: &Path,
    to: &str,
    scenario: &str,
    first: u32,
    n: u32,
    rate: u32,
    hold_ms: u32,
) -> std::process::Command {
    let inf = dir.join(format!("callers-{first}.csv"));
    let mut text = String::from("SEQUENTIAL\n");
    for i in 0..n {
        text.push_str(&format!("+3706{:07};\n", first + i));
    }
    std::fs::write(&inf, text).unwrap();
    let limit = sipp_limit_s(hold_ms);
    let mut cmd = Command::new("timeout");
    cmd.args([&(limit + 30).to_string(), "sipp", to])
        .arg("-sf")
        .arg(repo().join("tests/sipp").join(scenario))
        .arg("-inf")
        .arg(&inf)
        .args(["-m", &n.to_string(), "-r", &rate.to_string(), "-l", "100"])
        .args(["-d", &hold_ms.to_string(), "-i", "127.0.0.1"])
        .args(["-p", &free_udp_port().to_string()])
        .args(["-mp", &free_media_port().to_string()])
        .args([
            "-timeout",
            &format!("{limit}s"),
            "-timeout_error",
            "-nostdin",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .current_dir(dir);
    cmd
}

/// Rows by node for callers whose numbers start with `prefix`.
async fn rows_by_node(store: &frontdesk::store::Store, prefix: &str) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT node, COUNT(*) FROM calls WHERE phone LIKE $1 GROUP BY node ORDER BY node",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// The calls (id, phone) waiting in the queue on `node`, in call order.
async fn queued_by_node(store: &frontdesk::store::Store, node: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT call_id, COALESCE(phone, '') FROM queue_entries WHERE node = $1 ORDER BY call_id",
    )
    .bind(node)
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// The callbacks (call id, phone) made for a lost node's waiting callers.
async fn node_lost_callbacks(store: &frontdesk::store::Store) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT COALESCE(call_id, ''), phone FROM callbacks WHERE source = 'node-lost' ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// An agent phone: a SIPp UAS that answers (echoing RTP) and talks until hung up; bounded.
fn agent_phone(dir: &Path, port: u16) -> Child {
    Command::new("timeout")
        .args(["120", "sipp", "-sf"])
        .arg(repo().join("tests/sipp/agent_answer.xml"))
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &free_media_port().to_string()])
        .args(["-m", "1", "-rtp_echo"])
        .args(["-timeout", "110s", "-timeout_error", "-nostdin"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Agents the store still shows on a call (ringing or talking) held by `node`.
async fn agents_held_by(store: &frontdesk::store::Store, node: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM agents WHERE line_node = $1 AND line IN ('ringing', 'in_call')",
    )
    .bind(node)
    .fetch_one(store.pool())
    .await
    .unwrap()
}

/// Ends a SIPp run under `timeout` (which passes the signal on) and reaps it.
fn end(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[test]
fn kamailio_spreads_calls_over_two_nodes_and_a_killed_node_loses_no_row() {
    if !sipp_available() || !kamailio_available() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(common::TestDb::postgres()) else {
        return;
    };
    let top = |node: &str| format!("database_url = \"{}\"\nnode_id = \"{node}\"\n", db.url);
    // One agent; callers who ask for one while it is busy wait in the queue. Waiting callers are
    // silent (SIPp sends them no RTP), so the RTP timeout must outlast the test.
    let extra = "[routing]\njoin_when_all_away = true\nwrap_up_seconds = 0\n\
                 [calls]\nrtp_timeout_seconds = 300\n";
    let names = ["node-a", "node-b"];
    let mut nodes = names.map(|n| Service::start_with_top(&top(n), extra));
    let dir = tempfile::tempdir().unwrap();
    let kamailio = Kamailio::start(dir.path(), &[nodes[0].sip, nodes[1].sip]);
    let logs = [0, 1].map(|i| nodes[i].dir.path().join("serve.log"));
    let report = || {
        format!(
            "kamailio:\n{}\nnode a:\n{}\nnode b:\n{}",
            kamailio.log(),
            std::fs::read_to_string(&logs[0]).unwrap_or_default(),
            std::fs::read_to_string(&logs[1]).unwrap_or_default()
        )
    };

    // Both alive: ten calls, all answered, on both nodes.
    let out = callers(dir.path(), &kamailio.addr(), 1_000_000, 10, 10, 500)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        report()
    );
    let spread = rt.block_on(rows_by_node(&db.store, "+37061"));
    assert_eq!(spread.len(), 2, "{spread:?}");
    assert!(spread.iter().all(|(_, n)| *n >= 3), "{spread:?}");

    // An agent, then six callers asking for one: the first is put through to the agent by the
    // node holding that caller; the other five wait in the queue, on both nodes.
    let agent_port = free_udp_port();
    let agent = agent_phone(dir.path(), agent_port);
    let uri = format!("sip:anna@127.0.0.1:{agent_port}");
    let added = nodes[0].cli(&["agents", "add", "anna", "--uri", &uri, "--languages", "en"]);
    assert!(added.status.success(), "{added:?}");
    let waiters = sipp_through(
        dir.path(),
        &kamailio.addr(),
        "proxy_queue_wait.xml",
        9_000_000,
        6,
        6,
        120_000,
    )
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let held_by = loop {
        let queued = rt.block_on(queued_by_node(&db.store, names[0])).len()
            + rt.block_on(queued_by_node(&db.store, names[1])).len();
        let held = [0, 1].map(|i| rt.block_on(agents_held_by(&db.store, names[i])));
        let talking: i64 = rt.block_on(async {
            sqlx::query_scalar("SELECT COUNT(*) FROM agents WHERE line = 'in_call'")
                .fetch_one(db.store.pool())
                .await
                .unwrap()
        });
        if queued == 5 && talking == 1 && held[0] + held[1] == 1 {
            break if held[0] == 1 { 0 } else { 1 };
        }
        assert!(
            Instant::now() < deadline,
            "one caller with the agent, five waiting ({queued} waiting): {}",
            report()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    // The node that dies is the one holding the agent's call.
    let (dead, alive) = (held_by, 1 - held_by);
    let (dead_name, alive_name) = (names[dead], names[alive]);

    // Calls of 4 s at 10 a second; the node is killed while some are up on it.
    let mut load = callers(dir.path(), &kamailio.addr(), 2_000_000, 20, 10, 4000)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    nodes[dead].stop("-KILL");
    // The agent's call died with the node; its phone goes too, so once freed the agent cannot
    // take a survivor's waiting caller while the line is compared below.
    end(agent);
    let dead_waiting = rt.block_on(queued_by_node(&db.store, dead_name));
    let alive_waiting = rt.block_on(queued_by_node(&db.store, alive_name));
    assert!(
        !dead_waiting.is_empty() && !alive_waiting.is_empty(),
        "callers wait on both nodes: {dead_waiting:?} {alive_waiting:?}"
    );
    let _ = load.wait();
    let during = rt.block_on(rows_by_node(&db.store, "+37062"));
    assert!(
        during.iter().any(|(n, c)| n == dead_name && *c > 0),
        "{dead_name} took calls before it died: {during:?}"
    );

    // New calls: all answered, by the survivor.
    let out = callers(dir.path(), &kamailio.addr(), 3_000_000, 6, 6, 300)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        report()
    );
    let after = rt.block_on(rows_by_node(&db.store, "+37063"));
    assert_eq!(after, [(alive_name.to_string(), 6)], "{}", report());

    // The survivor notices the silence and closes the dead node's rows: none stays open but
    // those of the callers still waiting on the survivor. The dead node's waiting callers become
    // callbacks, and the agent it held is freed.
    let deadline = Instant::now() + Duration::from_secs(60);
    let open = loop {
        let open: i64 = rt.block_on(async {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL \
                 AND NOT (node = $1 AND phone LIKE '+37069%')",
            )
            .bind(alive_name)
            .fetch_one(db.store.pool())
            .await
            .unwrap()
        });
        let called_back = rt.block_on(node_lost_callbacks(&db.store)).len();
        let held = rt.block_on(agents_held_by(&db.store, dead_name));
        if (open == 0 && called_back >= dead_waiting.len() && held == 0)
            || Instant::now() > deadline
        {
            break open;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(open, 0, "{}", report());
    assert_eq!(
        rt.block_on(agents_held_by(&db.store, dead_name)),
        0,
        "no agent is left on a call of the dead node"
    );
    // Each of its waiting callers has exactly one callback, keeping their place; the
    // survivor's callers still wait.
    let mut called_back = rt.block_on(node_lost_callbacks(&db.store));
    called_back.sort();
    let mut expected = dead_waiting.clone();
    expected.sort();
    assert_eq!(called_back, expected, "{}", report());
    assert!(
        rt.block_on(queued_by_node(&db.store, dead_name)).is_empty(),
        "no caller of the dead node is left in the line"
    );
    assert_eq!(
        rt.block_on(queued_by_node(&db.store, alive_name)),
        alive_waiting,
        "the survivor's waiting callers are untouched"
    );
    let lost: i64 = rt.block_on(async {
        sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE node = $1 AND hangup_by = 'node-lost'")
            .bind(dead_name)
            .fetch_one(db.store.pool())
            .await
            .unwrap()
    });
    assert!(lost > 0, "the calls that were up on it are closed as lost");
    end(waiters);
    drop(kamailio);
    drop(nodes);
    rt.block_on(db.cleanup());
}
