//! The waiting line shared by every node, on each backend, with two nodes as two stores and two
//! routers on one database: a VIP who called later on node B gets the free agent before an
//! ordinary caller who called earlier on node A (node A leaves the agent alone); positions count
//! the whole line; racing claims never offer a caller two agents or an agent two callers; and the
//! callers of a lost node become exactly one callback each, keeping their place.

mod common;

use chrono::{Duration, Utc};
use common::TestDb;
use frontdesk::callbacks::Planner;
use frontdesk::config::Config;
use frontdesk::events::EventBus;
use frontdesk::routing::Router;
use frontdesk::routing::queue::{Entry, Joining};
use frontdesk::store::{ListSource, NewCall, Store};
use std::collections::HashMap;
use std::time::Duration as StdDuration;
use tokio_util::sync::CancellationToken;

fn joining(call: &str, priority: i32, phone: Option<&str>) -> Joining {
    Joining {
        call: call.into(),
        priority,
        language: Some("en".into()),
        vip_agent: None,
        phone: phone.map(str::to_string),
    }
}

/// The call row a queued caller has (the agent sweep frees agents of calls without one).
async fn open_call(s: &Store, id: &str, node: &str) {
    s.insert_call(&NewCall {
        id: id.into(),
        sip_call_id: None,
        direction: "inbound",
        phone: None,
        caller_raw: None,
        from_number: None,
        asserted_number: None,
        source: None,
        started_at: Utc::now(),
        node: Some(node.into()),
    })
    .await
    .unwrap();
}

async fn agent_call(s: &Store, agent: &str) -> Option<String> {
    sqlx::query_scalar("SELECT line_call FROM agents WHERE id = $1 AND line = 'ringing'")
        .bind(agent)
        .fetch_optional(s.pool())
        .await
        .unwrap()
        .flatten()
}

/// A second node's handle on the same database.
async fn second(db: &TestDb) -> Store {
    Store::connect(&db.url).await.unwrap()
}

#[tokio::test]
async fn a_later_vip_on_node_b_gets_the_free_agent_before_an_earlier_caller_on_node_a() {
    for db in TestDb::all().await {
        eprintln!("backend: {}", db.name);
        let a = db.store.clone();
        let b = second(&db).await;
        let routing = Config::default().routing;
        let ra = Router::new(a.clone(), "a".into(), routing.clone());
        let rb = Router::new(b.clone(), "b".into(), routing);
        open_call(&a, "early", "a").await;
        open_call(&a, "vip", "b").await;
        let (pa, mut offers_a) = ra.join(joining("early", 0, None)).await.unwrap();
        assert_eq!(pa, 1);
        tokio::time::sleep(StdDuration::from_millis(5)).await;
        let (pb, mut offers_b) = rb.join(joining("vip", 10, None)).await.unwrap();
        assert_eq!(pb, 1, "the VIP goes first in the whole line");
        assert_eq!(ra.status("early").await.0, 2, "node A's caller hears 2");

        // Only node A's distributor runs when the agent comes: it must leave her to node B.
        let token = CancellationToken::new();
        tokio::spawn(ra.clone().run(token.child_token()));
        a.add_agent("anna", "sip:anna@127.0.0.1", None, &[], Utc::now())
            .await
            .unwrap();
        ra.kick();
        tokio::time::sleep(StdDuration::from_millis(1500)).await;
        assert!(
            offers_a.try_recv().is_err(),
            "node A offered the VIP's agent"
        );
        assert_eq!(agent_call(&a, "anna").await, None);

        tokio::spawn(rb.clone().run(token.child_token()));
        let offer = tokio::time::timeout(StdDuration::from_secs(10), offers_b.recv())
            .await
            .expect("node B offers the agent")
            .unwrap();
        assert_eq!(offer.agent, "anna");
        assert_eq!(agent_call(&b, "anna").await.as_deref(), Some("vip"));

        // The VIP is answered and leaves; the agent is free again: node A's caller gets her.
        assert_eq!(rb.leave("vip").await, Some(1));
        assert!(
            b.release_agent("anna", "vip", Utc::now(), None)
                .await
                .unwrap()
        );
        let offer = tokio::time::timeout(StdDuration::from_secs(10), offers_a.recv())
            .await
            .expect("node A offers the agent next")
            .unwrap();
        assert_eq!(offer.agent, "anna");
        assert!(offers_b.try_recv().is_err());
        assert_eq!(ra.status("early").await.0, 1);
        token.cancel();
        b.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_caller_put_back_keeps_their_place_across_nodes() {
    for db in TestDb::all().await {
        let a = db.store.clone();
        let b = second(&db).await;
        let routing = Config::default().routing;
        let ra = Router::new(a.clone(), "a".into(), routing.clone());
        let rb = Router::new(b.clone(), "b".into(), routing);
        let _first = ra.join(joining("first", 0, None)).await.unwrap();
        tokio::time::sleep(StdDuration::from_millis(5)).await;
        let _second = rb.join(joining("second", 0, None)).await.unwrap();
        let ticket = ra.ticket("first").unwrap();
        assert_eq!(ra.leave("first").await, Some(1));
        assert_eq!(rb.status("second").await.0, 1);
        tokio::time::sleep(StdDuration::from_millis(5)).await;
        let _third = rb.join(joining("third", 0, None)).await.unwrap();
        let (place, _rx) = ra.rejoin(joining("first", 0, None), ticket).await;
        assert_eq!(
            place, 1,
            "back ahead of callers who came later, on any node"
        );
        assert_eq!(rb.status("third").await.0, 3);
        assert_eq!(b.queue_len().await.unwrap(), 3);
        b.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn racing_claims_never_give_a_caller_two_agents_or_an_agent_two_callers() {
    for db in TestDb::all().await {
        eprintln!("backend: {}", db.name);
        let stores = [db.store.clone(), second(&db).await];
        let nodes = ["a", "b"];
        let callers: Vec<(String, usize)> = (0..6).map(|i| (format!("c{i}"), i % 2)).collect();
        let agents: Vec<String> = (0..4).map(|i| format!("ag{i}")).collect();
        let now = Utc::now();
        for (i, (call, n)) in callers.iter().enumerate() {
            let e = Entry::new(joining(call, 0, None), nodes[*n], i as i64, 0);
            stores[*n].queue_put(&e, now).await.unwrap();
        }
        for ag in &agents {
            stores[0]
                .add_agent(ag, &format!("sip:{ag}@127.0.0.1"), None, &[], now)
                .await
                .unwrap();
        }
        // Every caller tries every agent at once, each through its own node's store.
        let mut tries = Vec::new();
        for (call, n) in &callers {
            for ag in &agents {
                let (s, call, ag, node) = (stores[*n].clone(), call.clone(), ag.clone(), nodes[*n]);
                tries.push(tokio::spawn(async move {
                    let won = s.queue_claim(&call, node, &ag, Utc::now()).await.unwrap();
                    (call, ag, won)
                }));
            }
        }
        let mut per_call: HashMap<String, u32> = HashMap::new();
        let mut per_agent: HashMap<String, u32> = HashMap::new();
        for t in tries {
            let (call, ag, won) = t.await.unwrap();
            if won {
                *per_call.entry(call).or_default() += 1;
                *per_agent.entry(ag).or_default() += 1;
            }
        }
        assert!(per_call.values().all(|n| *n == 1), "{per_call:?}");
        assert!(per_agent.values().all(|n| *n == 1), "{per_agent:?}");
        assert_eq!(per_agent.len(), agents.len(), "every agent went to someone");
        // The rows and the agents agree.
        let line = stores[1].queue_line().await.unwrap();
        for ag in &agents {
            let call = agent_call(&stores[0], ag).await.expect("ringing");
            let row = line.iter().find(|e| e.call == call).unwrap();
            assert_eq!(row.agent.as_deref(), Some(ag.as_str()));
        }
        assert_eq!(line.iter().filter(|e| e.agent.is_some()).count(), 4);
        stores[1].close().await;
        db.cleanup().await;
    }
}

async fn callbacks_for(s: &Store, phone: &str) -> Vec<(String, Option<i64>)> {
    sqlx::query_as("SELECT source, queue_position FROM callbacks WHERE phone = $1")
        .bind(phone)
        .fetch_all(s.pool())
        .await
        .unwrap()
}

async fn card_lines(s: &Store, phone: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM card_events WHERE phone = $1 AND kind = 'node-lost'")
        .bind(phone)
        .fetch_one(s.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_lost_nodes_waiting_callers_become_exactly_one_callback_each_in_their_place() {
    for db in TestDb::all().await {
        eprintln!("backend: {}", db.name);
        let (s1, s2) = (db.store.clone(), second(&db).await);
        let planner = Planner::from_config(&Config::default());
        let now = Utc::now();
        s1.node_seen("a", now).await.unwrap();
        s1.node_seen("c", now).await.unwrap();
        s1.node_seen("b", now - Duration::minutes(2)).await.unwrap();
        s1.add_dnc("+37061234504", None, ListSource::Cli, "test", now)
            .await
            .unwrap();
        let rows = [
            ("live", "a", 0, Some("+37061234500")),
            ("ordinary", "b", 0, Some("+37061234502")),
            ("vip", "b", 10, Some("+37061234501")),
            ("anonymous", "b", 0, None),
            ("dnc", "b", 0, Some("+37061234504")),
        ];
        for (i, (call, node, priority, phone)) in rows.iter().enumerate() {
            open_call(&s1, call, node).await;
            let e = Entry::new(joining(call, *priority, *phone), node, i as i64, 0);
            s1.queue_put(&e, now).await.unwrap();
        }

        // Two survivors notice at the same moment; each tells its own consoles what it took.
        let (bus1, bus2) = (EventBus::new(), EventBus::new());
        let (mut seen1, mut seen2) = (bus1.subscribe(), bus2.subscribe());
        let (_, _) = tokio::join!(
            frontdesk::nodes::sweep(&s1, &planner, "a", &bus1),
            frontdesk::nodes::sweep(&s2, &planner, "c", &bus2),
        );
        let mut shown = Vec::new();
        for rx in [&mut seen1, &mut seen2] {
            while let Ok(ev) = rx.try_recv() {
                if let frontdesk::events::Event::CallbackRequested { source, phone, .. } = ev {
                    assert_eq!(source, "node-lost");
                    shown.push(phone);
                }
            }
        }
        shown.sort();
        let planned: Vec<String> = s1
            .all_callbacks()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.phone)
            .collect();
        assert_eq!(
            shown, planned,
            "each callback shown once, by the node that planned it"
        );
        assert_eq!(
            callbacks_for(&s1, "+37061234501").await,
            [("node-lost".to_string(), Some(1))],
            "the VIP first in line"
        );
        assert_eq!(
            callbacks_for(&s1, "+37061234502").await,
            [("node-lost".to_string(), Some(3))],
            "behind the VIP and the earlier caller on node a"
        );
        assert!(callbacks_for(&s1, "+37061234504").await.is_empty(), "DNC");
        assert!(callbacks_for(&s1, "+37061234500").await.is_empty());
        assert_eq!(card_lines(&s1, "+37061234501").await, 1);
        assert_eq!(
            card_lines(&s1, "+37061234504").await,
            1,
            "why not, on the card"
        );
        let left: Vec<String> = s1
            .queue_line()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.call)
            .collect();
        assert_eq!(left, ["live"], "a live node's caller waits on");
        let events = s1.call_events("anonymous").await.unwrap();
        assert!(
            events
                .iter()
                .any(|(_, k, d)| k == "node-lost" && d.contains("number is unknown")),
            "{events:?}"
        );

        // Once: a later look finds nothing more to do.
        frontdesk::nodes::sweep(&s2, &planner, "c", &EventBus::new()).await;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM callbacks")
            .fetch_one(s1.pool())
            .await
            .unwrap();
        assert_eq!(n, 2);
        s2.close().await;
        db.cleanup().await;
    }
}

/// Queue operations per second on this machine's PostgreSQL: join (write and place), place, and
/// leave, one after another from one task. Run by hand:
/// `cargo test --test queue_store -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn queue_operations_per_second_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let s = db.store.clone();
    let rounds = 300;
    let started = std::time::Instant::now();
    for i in 0..rounds {
        let call = format!("bench-{i}");
        let e = Entry::new(joining(&call, i % 3, None), "a", i64::from(i), 0);
        s.queue_put(&e, Utc::now()).await.unwrap();
        s.queue_position(&call).await.unwrap();
        s.queue_line().await.unwrap();
    }
    for i in 0..rounds {
        s.queue_leave(&format!("bench-{i}")).await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let ops = f64::from(rounds) * 4.0;
    eprintln!(
        "{ops} queue operations (join, place, read the line of up to {rounds}, leave) in {secs:.2} s: {:.0} per second",
        ops / secs
    );
    db.cleanup().await;
}
