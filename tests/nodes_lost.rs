//! A node lost: the survivors' watch closes the silent node's open calls as `node-lost` (with a
//! line on each call's timeline, ended when the node was last heard of) and frees the agents
//! those calls held; a live node's calls and a node heard of again are left alone.

mod common;

use chrono::Duration;
use common::{each_backend, t0};
use frontdesk::store::{NewCall, Store};

async fn open_call(s: &Store, id: &str, node: &str) {
    s.insert_call(&NewCall {
        id: id.into(),
        sip_call_id: None,
        direction: "inbound",
        phone: Some("+37061234567".into()),
        caller_raw: None,
        from_number: None,
        asserted_number: None,
        source: None,
        started_at: chrono::Utc::now() - Duration::minutes(5),
        node: Some(node.into()),
    })
    .await
    .unwrap();
}

async fn hold_agent(s: &Store, agent: &str, call: &str, node: &str) {
    s.add_agent(agent, &format!("sip:{agent}@127.0.0.1"), None, &[], t0())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE agents SET line = 'in_call', line_call = $1, line_node = $2, line_at = $3 \
         WHERE id = $4",
    )
    .bind(call)
    .bind(node)
    .bind(chrono::Utc::now().timestamp_millis())
    .bind(agent)
    .execute(s.pool())
    .await
    .unwrap();
}

fn planner() -> frontdesk::callbacks::Planner {
    frontdesk::callbacks::Planner::from_config(&frontdesk::config::Config::default())
}

async fn line(s: &Store, agent: &str) -> String {
    sqlx::query_scalar("SELECT line FROM agents WHERE id = $1")
        .bind(agent)
        .fetch_one(s.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_silent_nodes_calls_are_closed_and_its_agents_freed() {
    each_backend(|s| async move {
        let now = chrono::Utc::now();
        let long_ago = now - Duration::minutes(2);
        s.node_seen("a", now).await.unwrap();
        s.node_seen("b", long_ago).await.unwrap();
        open_call(&s, "on-a", "a").await;
        open_call(&s, "on-b-1", "b").await;
        open_call(&s, "on-b-2", "b").await;
        hold_agent(&s, "anna", "on-b-1", "b").await;
        hold_agent(&s, "bob", "on-a", "a").await;

        // A live node is never taken for lost, whoever looks.
        assert!(s.silent_nodes("b", now).await.unwrap().is_empty());
        assert_eq!(
            frontdesk::nodes::sweep(&s, &planner(), "a", &frontdesk::events::EventBus::new()).await,
            2
        );
        for id in ["on-b-1", "on-b-2"] {
            let row = s.call(id).await.unwrap().unwrap();
            assert_eq!(row.hangup_by.as_deref(), Some("node-lost"));
            assert_eq!(row.outcome.as_deref(), Some("failed"));
            let ended = row.ended_at.unwrap();
            assert!(ended >= row.started_at);
            assert_eq!(ended.timestamp_millis(), long_ago.timestamp_millis());
            let events = s.call_events(id).await.unwrap();
            assert!(
                events
                    .iter()
                    .any(|(_, k, d)| k == "node-lost" && d.contains("node b")),
                "{events:?}"
            );
        }
        assert!(s.call("on-a").await.unwrap().unwrap().ended_at.is_none());
        assert_eq!(line(&s, "anna").await, "idle", "freed");
        assert_eq!(
            line(&s, "bob").await,
            "in_call",
            "a live node's call goes on"
        );

        // Done once: a second survivor finds nothing left.
        assert_eq!(
            frontdesk::nodes::sweep(&s, &planner(), "c", &frontdesk::events::EventBus::new()).await,
            0
        );
        let events = s.call_events("on-b-1").await.unwrap();
        assert_eq!(
            events.iter().filter(|(_, k, _)| k == "node-lost").count(),
            1
        );

        // A node heard of again before the survivors looked keeps its calls.
        open_call(&s, "on-b-3", "b").await;
        s.node_seen("b", chrono::Utc::now()).await.unwrap();
        assert_eq!(
            frontdesk::nodes::sweep(&s, &planner(), "a", &frontdesk::events::EventBus::new()).await,
            0
        );
        assert!(s.call("on-b-3").await.unwrap().unwrap().ended_at.is_none());
    })
    .await;
}
