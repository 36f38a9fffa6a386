//! Kamailio in front, tested: the dispatcher setup of docs/pbx-integration.md (dispatcher module,
//! OPTIONS probing, failover route) in front of two `frontdesk serve` nodes on one PostgreSQL, all
//! on loopback. SIPp callers through Kamailio spread over both nodes; one node is killed with
//! SIGKILL while calls are up; new calls go to the survivor; and once the survivor has noticed
//! the silence, every call row is closed (the dead node's as `node-lost`) and each caller who was
//! waiting in the queue on the dead node has exactly one callback (source `node-lost`). The load
//! version is scripts/bench-nodes.sh.

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
    let mut cmd = Command::new("timeout");
    cmd.args(["90", "sipp", to])
        .arg("-sf")
        .arg(repo().join("tests/sipp").join(scenario))
        .arg("-inf")
        .arg(&inf)
        .args(["-m", &n.to_string(), "-r", &rate.to_string(), "-l", "100"])
        .args(["-d", &hold_ms.to_string(), "-i", "127.0.0.1"])
        .args(["-p", &free_udp_port().to_string()])
        .args(["-mp", &free_media_port().to_string()])
        .args(["-timeout", "60s", "-timeout_error", "-nostdin"])
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
    // No agent is staffed: callers who ask for one wait in the queue (silent callers: SIPp
    // sends them no RTP, so the RTP timeout must outlast the test).
    let extra = "[routing]\njoin_when_all_away = true\n[calls]\nrtp_timeout_seconds = 300\n";
    let a = Service::start_with_top(&top("node-a"), extra);
    let mut b = Service::start_with_top(&top("node-b"), extra);
    let dir = tempfile::tempdir().unwrap();
    let kamailio = Kamailio::start(dir.path(), &[a.sip, b.sip]);
    let b_log = b.dir.path().join("serve.log");
    let report = || {
        format!(
            "kamailio:\n{}\nnode a:\n{}\nnode b:\n{}",
            kamailio.log(),
            a.log(),
            std::fs::read_to_string(&b_log).unwrap_or_default()
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

    // Six callers ask for an agent and wait in the queue, on both nodes.
    let mut waiters = sipp_through(
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
    while rt.block_on(queued_by_node(&db.store, "node-b")).len()
        + rt.block_on(queued_by_node(&db.store, "node-a")).len()
        < 6
    {
        assert!(Instant::now() < deadline, "six callers wait: {}", report());
        std::thread::sleep(Duration::from_millis(200));
    }

    // Calls of 4 s at 10 a second; node B is killed while some are up on it.
    let mut load = callers(dir.path(), &kamailio.addr(), 2_000_000, 20, 10, 4000)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    b.stop("-KILL");
    let b_waiting = rt.block_on(queued_by_node(&db.store, "node-b"));
    let a_waiting = rt.block_on(queued_by_node(&db.store, "node-a"));
    assert!(
        !b_waiting.is_empty() && !a_waiting.is_empty(),
        "callers wait on both nodes: {b_waiting:?} {a_waiting:?}"
    );
    let _ = load.wait();
    let during = rt.block_on(rows_by_node(&db.store, "+37062"));
    assert!(
        during.iter().any(|(n, c)| n == "node-b" && *c > 0),
        "B took calls before it died: {during:?}"
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
    assert_eq!(after, [("node-a".to_string(), 6)], "{}", report());

    // The survivor notices the silence and closes the dead node's rows: none stays open but
    // those of the callers still waiting on A. B's waiting callers become callbacks.
    let deadline = Instant::now() + Duration::from_secs(60);
    let open = loop {
        let open: i64 = rt.block_on(async {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM calls WHERE ended_at IS NULL \
                 AND NOT (node = 'node-a' AND phone LIKE '+37069%')",
            )
            .fetch_one(db.store.pool())
            .await
            .unwrap()
        });
        let lost_waiters = rt.block_on(node_lost_callbacks(&db.store)).len();
        if (open == 0 && lost_waiters >= b_waiting.len()) || Instant::now() > deadline {
            break open;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(open, 0, "{}", report());
    // Each of B's waiters has exactly one callback, keeping their place; A's still wait.
    let mut called_back = rt.block_on(node_lost_callbacks(&db.store));
    called_back.sort();
    let mut expected = b_waiting.clone();
    expected.sort();
    assert_eq!(called_back, expected, "{}", report());
    assert!(
        rt.block_on(queued_by_node(&db.store, "node-b")).is_empty(),
        "no caller of B is left in the line"
    );
    assert_eq!(
        rt.block_on(queued_by_node(&db.store, "node-a")),
        a_waiting,
        "A's waiting callers are untouched"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &waiters.id().to_string()])
        .status();
    let _ = waiters.wait();
    let lost: i64 = rt.block_on(async {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM calls WHERE node = 'node-b' AND hangup_by = 'node-lost'",
        )
        .fetch_one(db.store.pool())
        .await
        .unwrap()
    });
    assert!(lost > 0, "B's calls that were up are closed as lost");
    drop(kamailio);
    drop((a, b));
    rt.block_on(db.cleanup());
}
