//! Agent line state in the store, on every backend: claims race safely, releases only by the
//! holder, and nothing a failure leaves behind keeps an agent out of the pool.

mod common;

use chrono::Duration;
use common::{each_backend, t0};
use frontdesk::store::{CallEnd, NewCall, Store};

async fn open_call(s: &Store, id: &str) {
    s.insert_call(&NewCall {
        id: id.into(),
        sip_call_id: None,
        direction: "inbound",
        phone: Some("+37061234567".into()),
        caller_raw: None,
        from_number: None,
        asserted_number: None,
        source: None,
        started_at: t0(),
        node: Some("n1".into()),
    })
    .await
    .unwrap();
}

fn ended(at: chrono::DateTime<chrono::Utc>, outcome: &str) -> CallEnd {
    CallEnd {
        ended_at: at,
        hangup_by: "caller".into(),
        outcome: outcome.into(),
        digits: String::new(),
        language: None,
        recording: None,
        recording_sha256: None,
    }
}

async fn state(s: &Store, agent: &str) -> String {
    s.agent(agent).await.unwrap().unwrap().state
}

#[tokio::test]
async fn two_calls_racing_for_one_agent_one_wins() {
    each_backend(|s| async move {
        s.add_agent("anna", "sip:anna@127.0.0.1", None, &["en".into()], t0())
            .await
            .unwrap();
        for c in ["c1", "c2", "c3", "c4"] {
            open_call(&s, c).await;
        }
        let claims = futures_join(&s, ["c1", "c2", "c3", "c4"]).await;
        assert_eq!(claims.iter().filter(|w| **w).count(), 1, "{claims:?}");
        let winner = ["c1", "c2", "c3", "c4"][claims.iter().position(|w| *w).unwrap()];
        assert_eq!(state(&s, "anna").await, "ringing");
        assert!(s.free_agents(t0()).await.unwrap().is_empty());
        // A loser's release changes nothing.
        let loser = if winner == "c1" { "c2" } else { "c1" };
        assert!(!s.release_agent("anna", loser, t0(), None).await.unwrap());
        assert_eq!(state(&s, "anna").await, "ringing");
        assert!(s.agent_answered("anna", winner, t0()).await.unwrap());
        assert_eq!(state(&s, "anna").await, "in_call");
        let until = t0() + Duration::seconds(30);
        assert!(
            s.release_agent("anna", winner, t0(), Some(until))
                .await
                .unwrap()
        );
        assert!(
            !s.release_agent("anna", winner, t0(), None).await.unwrap(),
            "once only"
        );
        assert!(s.free_agents(t0()).await.unwrap().is_empty(), "wrap-up");
        assert!(!s.claim_agent("anna", loser, "n1", t0()).await.unwrap());
        let free = s.free_agents(until).await.unwrap();
        assert_eq!(free.len(), 1, "free once wrap-up is over");
        assert!(s.claim_agent("anna", loser, "n1", until).await.unwrap());
    })
    .await;
}

async fn futures_join(s: &Store, calls: [&str; 4]) -> Vec<bool> {
    let tasks: Vec<_> = calls
        .iter()
        .map(|c| {
            let s = s.clone();
            let c = c.to_string();
            tokio::spawn(async move { s.claim_agent("anna", &c, "n1", t0()).await.unwrap() })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// A transfer by name rings an away agent, or one in wrap-up, but not one whose phone does not
/// answer SIP OPTIONS, on another call or removed.
#[tokio::test]
async fn a_transfer_by_name_claims_away_agents_but_not_unreachable_phones() {
    each_backend(|s| async move {
        for a in ["anna", "bob"] {
            s.add_agent(a, &format!("sip:{a}@127.0.0.1"), None, &["en".into()], t0())
                .await
                .unwrap();
        }
        for c in ["c1", "c2", "c3"] {
            open_call(&s, c).await;
        }
        s.set_presence("anna", frontdesk::store::Presence::Away, t0())
            .await
            .unwrap();
        assert!(
            s.claim_agent_by_name("anna", "c1", "n1", t0())
                .await
                .unwrap()
        );
        assert!(
            !s.claim_agent_by_name("anna", "c2", "n1", t0())
                .await
                .unwrap(),
            "ringing for c1"
        );
        assert!(
            s.phone_unreachable("bob", "phone unreachable", "frontdesk", t0())
                .await
                .unwrap()
        );
        assert!(
            !s.claim_agent_by_name("bob", "c3", "n1", t0())
                .await
                .unwrap()
        );
        assert!(s.phone_reachable("bob", "frontdesk", t0()).await.unwrap());
        assert!(
            s.claim_agent_by_name("bob", "c3", "n1", t0())
                .await
                .unwrap()
        );
        assert!(
            !s.claim_agent_by_name("carl", "c3", "n1", t0())
                .await
                .unwrap()
        );
    })
    .await;
}

#[tokio::test]
async fn away_agents_are_not_offered_and_a_restart_or_sweep_frees_held_agents() {
    each_backend(|s| async move {
        for a in ["a", "b", "c"] {
            s.add_agent(a, &format!("sip:{a}@127.0.0.1"), None, &[], t0())
                .await
                .unwrap();
        }
        s.set_presence("c", frontdesk::store::Presence::Away, t0())
            .await
            .unwrap();
        let free: Vec<_> = s
            .free_agents(t0())
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(free, ["a", "b"]);
        open_call(&s, "x").await;
        open_call(&s, "y").await;
        assert!(s.claim_agent("a", "x", "n1", t0()).await.unwrap());
        assert!(s.claim_agent("b", "y", "n2", t0()).await.unwrap());
        assert!(s.agent_answered("b", "y", t0()).await.unwrap());
        assert!(!s.claim_agent("c", "x", "n1", t0()).await.unwrap(), "away");
        // Node n1 restarts: its ringing agent is free; n2's call is untouched.
        assert_eq!(s.reset_agent_lines("n1", t0()).await.unwrap(), 1);
        assert_eq!(state(&s, "a").await, "available");
        assert_eq!(state(&s, "b").await, "in_call");
        // Nothing to sweep while y is open; once its row is closed (say by n2's restart), b is free.
        assert_eq!(s.sweep_agent_lines(t0()).await.unwrap(), 0);
        s.close_call("y", &ended(t0(), "failed")).await.unwrap();
        assert_eq!(s.sweep_agent_lines(t0()).await.unwrap(), 1);
        assert_eq!(state(&s, "b").await, "available");
        // A ring nobody ended is freed after the ring lease.
        assert!(s.claim_agent("a", "x", "n1", t0()).await.unwrap());
        assert_eq!(
            s.sweep_agent_lines(t0() + Duration::minutes(1))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            s.sweep_agent_lines(t0() + Duration::minutes(6))
                .await
                .unwrap(),
            1
        );
        let counts = s.agent_counts(t0()).await.unwrap();
        assert_eq!((counts.available, counts.away), (2, 1));
    })
    .await;
}

/// A node that dies and does not come back: once it has been silent long enough, the other
/// nodes' sweep frees the agents its calls held (their rows stay open until it restarts).
#[tokio::test]
async fn agents_held_by_a_silent_node_are_freed_by_the_others() {
    each_backend(|s| async move {
        for a in ["a", "b"] {
            s.add_agent(a, &format!("sip:{a}@127.0.0.1"), None, &[], t0())
                .await
                .unwrap();
        }
        open_call(&s, "x").await;
        open_call(&s, "y").await;
        s.node_seen("n1", t0()).await.unwrap();
        s.node_seen("n2", t0()).await.unwrap();
        assert!(s.claim_agent("a", "x", "n1", t0()).await.unwrap());
        assert!(s.agent_answered("a", "x", t0()).await.unwrap());
        assert!(s.claim_agent("b", "y", "n2", t0()).await.unwrap());
        assert!(s.agent_answered("b", "y", t0()).await.unwrap());
        // n2 keeps saying it is alive; n1 fell silent at t0.
        let later = t0() + Duration::milliseconds(frontdesk::store::NODE_SILENT_MS - 1000);
        s.node_seen("n2", later).await.unwrap();
        assert_eq!(
            s.sweep_agent_lines(later).await.unwrap(),
            0,
            "not silent long enough"
        );
        let dead = t0() + Duration::milliseconds(frontdesk::store::NODE_SILENT_MS + 1000);
        s.node_seen("n2", dead).await.unwrap();
        assert_eq!(s.sweep_agent_lines(dead).await.unwrap(), 1);
        assert_eq!(state(&s, "a").await, "available");
        assert_eq!(state(&s, "b").await, "in_call");
    })
    .await;
}

#[tokio::test]
async fn survey_scores_reach_the_card_and_handle_times_are_read_back() {
    each_backend(|s| async move {
        open_call(&s, "z").await;
        s.add_agent("a", "sip:a@127.0.0.1", None, &[], t0())
            .await
            .unwrap();
        assert!(s.claim_agent("a", "z", "n1", t0()).await.unwrap());
        assert!(s.agent_answered("a", "z", t0()).await.unwrap());
        s.close_call(
            "z",
            &ended(t0() + Duration::seconds(95), "answered-by-agent"),
        )
        .await
        .unwrap();
        assert_eq!(s.recent_handle_times(10).await.unwrap(), [95.0]);
        s.insert_survey("z", Some("+37061234567"), 9, t0())
            .await
            .unwrap();
        let card = s.card("+37061234567").await.unwrap();
        let text = format!("{card:?}");
        assert!(text.contains("9/10"), "{text}");
        let call = s.call("z").await.unwrap().unwrap();
        assert_eq!(call.agent.as_deref(), Some("a"));
    })
    .await;
}
