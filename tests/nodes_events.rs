//! One live view over several nodes: events published on one node's bus reach the other nodes'
//! buses (and their consoles' streams) through PostgreSQL, once each, and a row whose wake-up was
//! never sent is still delivered by the poll.

mod common;
mod support;

use chrono::Utc;
use frontdesk::events::{Event, EventBus};
use frontdesk::live::Relay;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::Receiver;
use tokio_util::sync::CancellationToken;

fn requested(id: i64) -> Event {
    Event::CallbackRequested {
        callback_id: id,
        phone: "+37061234567".into(),
        source: "api".into(),
        at_risk: false,
        sla_deadline: chrono::DateTime::<Utc>::UNIX_EPOCH,
        at: chrono::DateTime::<Utc>::UNIX_EPOCH,
    }
}

async fn next(rx: &mut Receiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .expect("the bus is open")
}

/// Nothing more arrives for a while (longer than two polls, so a re-read tail would show).
async fn quiet(rx: &mut Receiver<Event>) {
    if let Ok(got) = tokio::time::timeout(Duration::from_millis(2500), rx.recv()).await {
        panic!("unexpected {got:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn events_cross_nodes_once_each_and_without_a_wake_up() {
    let Some(db) = common::TestDb::postgres().await else {
        return;
    };
    let token = CancellationToken::new();
    let (bus_a, bus_b) = (EventBus::new(), EventBus::new());
    let mut on_a = bus_a.subscribe();
    let mut on_b = bus_b.subscribe();
    for (bus, node) in [(&bus_a, "a"), (&bus_b, "b")] {
        let relay = Relay::new(db.store.clone(), bus.clone(), node.into(), db.url.clone());
        tokio::spawn(relay.run(token.child_token()));
    }
    // Both relays have started reading (they begin at the table's end).
    tokio::time::sleep(Duration::from_millis(1500)).await;

    bus_a.publish(requested(1));
    assert_eq!(next(&mut on_a).await, requested(1), "A's own, in process");
    assert_eq!(
        next(&mut on_b).await,
        requested(1),
        "A's, through the store"
    );
    bus_b.publish(requested(2));
    assert_eq!(next(&mut on_b).await, requested(2));
    assert_eq!(next(&mut on_a).await, requested(2));
    quiet(&mut on_a).await;
    quiet(&mut on_b).await;

    // A row appended with no NOTIFY (a wake-up lost with a connection) still arrives, once.
    let payload = serde_json::to_string(&requested(3)).unwrap();
    sqlx::query("INSERT INTO live_events (node, at, payload) VALUES ('c', 0, $1)")
        .bind(&payload)
        .execute(db.store.pool())
        .await
        .unwrap();
    assert_eq!(next(&mut on_a).await, requested(3));
    assert_eq!(next(&mut on_b).await, requested(3));
    // Something this version does not understand is skipped, not fatal.
    db.store
        .append_live_event("c", Utc::now(), "{\"type\":\"from_the_future\"}")
        .await
        .unwrap();
    bus_a.publish(requested(4));
    assert_eq!(next(&mut on_a).await, requested(4));
    assert_eq!(next(&mut on_b).await, requested(4));
    quiet(&mut on_a).await;
    quiet(&mut on_b).await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_events")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 5, "each event appended once, never echoed back");
    token.cancel();
    db.cleanup().await;
}

/// Reads an SSE stream until `want` shows up (bounded); returns all read.
async fn stream_until(resp: &mut reqwest::Response, want: &str, within: Duration) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + within;
    while !seen.contains(want) {
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
            _ => break,
        }
    }
    seen
}

#[test]
fn a_callback_requested_on_one_node_shows_on_the_others_console_stream() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(common::TestDb::postgres()) else {
        return;
    };
    let top = |node: &str| format!("database_url = \"{}\"\nnode_id = \"{node}\"\n", db.url);
    let a = support::Service::start_with_top(&top("node-a"), "");
    let b = support::Service::start_with_top(&top("node-b"), "");
    let token = support::api::token(&a, &["users", "add", "boss", "--role", "admin"]);
    let http = reqwest::Client::new();
    let report = || format!("node a:\n{}\nnode b:\n{}", a.log(), b.log());
    rt.block_on(async {
        let mut streams = Vec::new();
        for node in [&a, &b] {
            let mut live = http
                .get(format!("http://{}/console/events", node.http))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(live.status(), reqwest::StatusCode::OK, "{}", report());
            let got = stream_until(&mut live, "event: ready", Duration::from_secs(10)).await;
            assert!(got.contains("event: ready"), "{got}");
            streams.push(live);
        }
        // Both relays have started reading.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let started = Instant::now();
        let r = http
            .post(format!("http://{}/api/v1/callbacks", a.http))
            .bearer_auth(&token)
            .json(&serde_json::json!({"phone": "+37061234567", "reason": "two nodes"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::CREATED, "{}", report());
        let id = r.json::<serde_json::Value>().await.unwrap()["id"].clone();
        let want = format!("\"callback_id\":{id}");
        for live in &mut streams {
            let got = stream_until(live, &want, Duration::from_secs(10)).await;
            assert!(
                got.contains("event: callback_requested"),
                "{got}\n{}",
                report()
            );
            // Nothing more for longer than two polls: shown once.
            let more = stream_until(
                live,
                "event: callback_requested",
                Duration::from_millis(2500),
            )
            .await;
            assert!(!more.contains("callback_requested"), "shown twice: {more}");
        }
        eprintln!("seen on both nodes within {:?}", started.elapsed());
    });
    drop((a, b));
    rt.block_on(db.cleanup());
}
