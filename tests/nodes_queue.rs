//! One waiting line over two nodes, with real phones: two `frontdesk serve` nodes on one
//! PostgreSQL and one agent (a SIPp phone). While the agent talks with a first caller on node A,
//! an ordinary caller waits on node A and, later, a VIP on node B. When the agent is free again
//! the VIP on node B gets them — the line is one, not one per node — and the earlier caller on
//! node A keeps waiting.

mod common;
mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::{Service, free_udp_port, sipp_available};

const FIRST: &str = "+37061234581";
const WAITING: &str = "+37061234582";
const VIP: &str = "+37061234583";

fn call_of(svc: &Service, phone: &str) -> Option<Value> {
    svc.cli_json(&["calls", "list", "--json"])
        .as_array()?
        .iter()
        .find(|c| c["phone"] == phone)
        .cloned()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool, report: &dyn Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(40);
    while !done() {
        assert!(Instant::now() < deadline, "{what}\n{}", report());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_vip_on_one_node_gets_the_free_agent_before_an_earlier_caller_on_the_other() {
    if !sipp_available() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(common::TestDb::postgres()) else {
        return;
    };
    let top = |node: &str| format!("database_url = \"{}\"\nnode_id = \"{node}\"\n", db.url);
    // The callers' phones send no RTP: they are not hung up for it while they wait.
    let rest = "[routing]\nwrap_up_seconds = 0\nring_timeout_seconds = 10\n[flow]\nsurvey = false\n\
                [calls]\nrtp_timeout_seconds = 120\n";
    let a = Service::start_with_top(&top("node-a"), rest);
    let b = Service::start_with_top(&top("node-b"), rest);
    let report = || format!("node a:\n{}\nnode b:\n{}", a.log(), b.log());
    let csv = a.dir.path().join("clients.csv");
    std::fs::write(
        &csv,
        format!("phone,name,language\n{FIRST},Ona,en\n{WAITING},Jonas,en\n{VIP},Vida,en\n"),
    )
    .unwrap();
    assert!(
        a.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    // The agent's phone answers two calls, each until frontdesk hangs up.
    let port = free_udp_port();
    let mut phone = a.sipp_phone_with("agent_answer.xml", port, 2, &["-rtp_echo"]);
    let uri = format!("sip:anna@127.0.0.1:{port}");
    assert!(
        a.cli(&["agents", "add", "anna", "--uri", &uri, "--languages", "en"])
            .status
            .success()
    );
    assert!(
        a.cli(&["vip", "add", VIP, "--agent", "anna"])
            .status
            .success()
    );

    // The first caller (node A) talks with Anna for 25 s after pressing 1: time enough for the
    // other two to get through the menu into the line, however slow the machine.
    let mut first = a.sipp_spawn_with("queue_hangup.xml", FIRST, &["-d", "25000"]);
    wait_for(
        "Anna never answered the first caller",
        || call_of(&a, FIRST).is_some_and(|c| c["agent"] == "anna"),
        &report,
    );
    // Then an ordinary caller waits on node A, and 2 s later a VIP on node B.
    let mut waiting = a.sipp_spawn_with("queue_hangup.xml", WAITING, &["-d", "45000"]);
    std::thread::sleep(Duration::from_secs(2));
    let mut vip = b.sipp_spawn_with("queue_hangup.xml", VIP, &["-d", "35000"]);
    // Both wait in the line while Anna still talks (else the test proves nothing).
    let in_line = || {
        rt.block_on(async {
            let store = frontdesk::store::Store::connect(&db.url).await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue_entries")
                .fetch_one(store.pool())
                .await
                .unwrap();
            store.close().await;
            n
        })
    };
    wait_for(
        "the two callers never waited in the line",
        || in_line() == 2,
        &report,
    );
    assert!(
        call_of(&a, FIRST).is_some_and(|c| c["ended_at"].is_null()),
        "the first call ended before the others were in the line: the machine is too slow for this test\n{}",
        report()
    );
    for (who, child) in [
        ("first", &mut first),
        ("vip", &mut vip),
        ("waiting", &mut waiting),
    ] {
        let status = child.wait().unwrap();
        let trace = |svc: &Service| {
            std::fs::read_to_string(svc.dir.path().join("queue_hangup.xml.err")).unwrap_or_default()
        };
        assert!(
            status.success(),
            "{who}: {status:?}\nSIPp on node A: {}\nSIPp on node B: {}\n{}",
            trace(&a),
            trace(&b),
            report()
        );
    }
    let status = phone.wait().unwrap();
    assert!(status.success(), "Anna's phone: {status:?}\n{}", report());

    let row = |phone: &str| {
        let mut row = Value::Null;
        wait_for(
            "a call did not end",
            || {
                row = call_of(&a, phone).unwrap_or(Value::Null);
                row["ended_at"].is_string()
            },
            &report,
        );
        row
    };
    let (first, vip, waiting) = (row(FIRST), row(VIP), row(WAITING));
    assert_eq!(first["outcome"], "answered-by-agent", "{first}");
    assert_eq!(vip["outcome"], "answered-by-agent", "{vip}");
    assert_eq!(vip["agent"], "anna", "{vip}");
    assert_eq!(
        waiting["outcome"], "abandoned",
        "the earlier ordinary caller on node A waited: {waiting}"
    );
    let node_of = |id: &Value| {
        rt.block_on(async {
            let store = frontdesk::store::Store::connect(&db.url).await.unwrap();
            let node: Option<String> = sqlx::query_scalar("SELECT node FROM calls WHERE id = $1")
                .bind(id.as_str().unwrap())
                .fetch_one(store.pool())
                .await
                .unwrap();
            store.close().await;
            node
        })
    };
    assert_eq!(node_of(&vip["id"]).as_deref(), Some("node-b"));
    assert_eq!(node_of(&waiting["id"]).as_deref(), Some("node-a"));
    drop((a, b));
    rt.block_on(db.cleanup());
}
