//! The workspace's and wallboard's store queries on every backend (SQLite, and PostgreSQL when it
//! is there): presence with its record, a pop's facts, wrap-up ended or extended once, the agent's
//! day, the queue's calls, a card's needs and priority, a user's language.

mod common;

use chrono::Duration;
use common::{each_backend, t0};
use frontdesk::store::{Client, FirstToken, NewCall, Presence, Role, Store, queue_figures, to_ms};

async fn call(store: &Store, id: &str, phone: &str, at: chrono::DateTime<chrono::Utc>) {
    store
        .insert_call(&NewCall {
            id: id.into(),
            sip_call_id: None,
            direction: "inbound",
            phone: Some(phone.into()),
            caller_raw: None,
            from_number: None,
            asserted_number: None,
            source: None,
            started_at: at,
            node: None,
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn workspace_queries_on_every_backend() {
    each_backend(|store| async move {
        let now = t0();
        let phone = "+37061234567";
        store
            .add_agent("anna", "sip:anna@127.0.0.1", None, &[], now)
            .await
            .unwrap();
        store
            .change_presence("anna", Presence::Away, Some("lunch"), "anna", now)
            .await
            .unwrap();
        let a = store.agent("anna").await.unwrap().unwrap();
        assert_eq!(a.away_reason.as_deref(), Some("lunch"));
        let log = store.presence_log("anna", 10).await.unwrap();
        assert_eq!(
            (log[0].presence.as_str(), log[0].reason.as_deref()),
            ("away", Some("lunch"))
        );
        store
            .change_presence("anna", Presence::Available, Some("ignored"), "anna", now)
            .await
            .unwrap();
        assert_eq!(
            store.agent("anna").await.unwrap().unwrap().away_reason,
            None
        );

        // A card with needs and priority.
        let mut client = Client::new(phone, now);
        client.name = Some("Ona".into());
        client.needs = Some("hard of hearing".into());
        client.priority = 4;
        store.upsert_client(&client, "test").await.unwrap();
        let back = store.client(phone).await.unwrap().unwrap();
        assert_eq!(
            (back.needs.as_deref(), back.priority),
            (Some("hard of hearing"), 4)
        );

        // An earlier call, then the one ringing anna after a queue wait.
        call(
            &store,
            "00000000-0000-0000-0000-000000000001",
            phone,
            now - Duration::days(1),
        )
        .await;
        let id = "00000000-0000-0000-0000-000000000002";
        call(&store, id, phone, now).await;
        store
            .insert_call_events(&[
                (
                    id.into(),
                    now + Duration::seconds(2),
                    "digit".into(),
                    "1".into(),
                ),
                (
                    id.into(),
                    now + Duration::seconds(3),
                    "queue".into(),
                    "joined at position 1 (priority 4)".into(),
                ),
            ])
            .await
            .unwrap();
        let queued = store.queued_calls(now - Duration::hours(1)).await.unwrap();
        assert_eq!(queued.len(), 1);
        let f = queue_figures(&queued, to_ms(now + Duration::seconds(13)), to_ms(now), 20);
        assert_eq!((f.waiting, f.longest_wait), (1, Some(10)));
        assert!(!store.agent_has_call("anna", id).await.unwrap());
        assert!(
            store
                .claim_agent("anna", id, "n1", now + Duration::seconds(13))
                .await
                .unwrap()
        );
        assert!(store.agent_has_call("anna", id).await.unwrap());
        let pop = store.pop_call(id).await.unwrap().unwrap();
        assert_eq!(pop.digits, "1");
        assert_eq!(pop.queued_at, Some(now + Duration::seconds(3)));
        assert_eq!(store.past_calls(phone, id).await.unwrap().len(), 1);
        assert!(store.open_items(phone).await.unwrap().is_empty());

        // Answered, then wrap-up: more time once, ready ends it.
        let answered = now + Duration::seconds(15);
        assert!(store.agent_answered("anna", id, answered).await.unwrap());
        let end = now + Duration::seconds(75);
        let t = chrono::Utc::now();
        let until = frontdesk::store::from_ms(to_ms(t + Duration::seconds(3600)));
        store
            .release_agent("anna", id, end, Some(until))
            .await
            .unwrap();
        assert!(store.extend_wrap_up("anna", 60, t).await.unwrap());
        assert!(!store.extend_wrap_up("anna", 60, t).await.unwrap(), "once");
        let a = store.agent("anna").await.unwrap().unwrap();
        assert_eq!((a.state.as_str(), a.wrap_extended), ("wrap_up", true));
        assert_eq!(a.wrap_up_until, Some(until + Duration::seconds(60)));
        assert!(store.end_wrap_up("anna", t).await.unwrap());
        assert!(!store.end_wrap_up("anna", t).await.unwrap());
        assert_eq!(
            store.agent("anna").await.unwrap().unwrap().state,
            "available"
        );
        sqlx::query("UPDATE calls SET ended_at = $1 WHERE id = $2")
            .bind(to_ms(end))
            .bind(id)
            .execute(store.pool())
            .await
            .unwrap();
        let day = store
            .agent_day("anna", now - Duration::hours(1))
            .await
            .unwrap();
        assert_eq!((day.calls, day.average_handle_seconds), (1, Some(60.0)));

        // A user's language.
        store
            .add_user(
                "anna",
                Role::Agent,
                Some("anna"),
                None,
                FirstToken {
                    key_id: "k1",
                    hash: "h1",
                    label: None,
                },
                now,
            )
            .await
            .unwrap();
        assert_eq!(store.user_language("anna").await.unwrap(), None);
        assert!(store.set_user_language("anna", Some("uk")).await.unwrap());
        assert_eq!(
            store.user_language("anna").await.unwrap().as_deref(),
            Some("uk")
        );
        assert!(!store.set_user_language("nobody", Some("uk")).await.unwrap());
    })
    .await;
}

/// The Grafana dashboard in docs/ reads only metrics the service exports.
#[test]
fn the_dashboard_reads_exported_metrics() {
    let dash: serde_json::Value =
        serde_json::from_str(include_str!("../docs/grafana-dashboard.json")).unwrap();
    // What `/metrics` renders, with a row in every store-wide family.
    let store = frontdesk::metrics::StoreFigures {
        calls_by_outcome: vec![("answered".into(), 1)],
        callbacks_by_state: vec![("due".into(), 1)],
        agents_by_state: vec![("available".into(), 1)],
        recordings_unstored: (1, 0),
        recordings_undeleted: (1, 0),
    };
    let exported = frontdesk::metrics::render(&Default::default(), &store);
    let mut seen = 0;
    for panel in dash["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for (i, _) in expr.match_indices("frontdesk_") {
                let name: String = expr[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let base = ["_bucket", "_count", "_sum"]
                    .iter()
                    .fold(name.clone(), |n, s| {
                        n.strip_suffix(s).unwrap_or(&n).to_string()
                    });
                assert!(exported.contains(&base), "{name} is not exported");
                seen += 1;
            }
        }
    }
    assert!(seen >= 10, "{seen}");
}
