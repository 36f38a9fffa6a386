//! Callback claims on every backend: dispatch order, leases, stale holders, and two nodes claiming
//! at once without ever taking the same request.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{TestDb, t0};
use frontdesk::store::{Attempt, AttemptEnd, CallbackStatus, NewCallback, Store};
use std::collections::HashSet;

fn request(phone: &str, slot: DateTime<Utc>, queue_position: Option<i64>) -> NewCallback {
    common::callback_request(phone, slot, queue_position)
}

fn attempt(at: DateTime<Utc>, result: &str) -> Attempt {
    Attempt {
        at,
        agent_id: Some("anna".into()),
        call_id: None,
        result: result.into(),
    }
}

#[tokio::test]
async fn claims_follow_dispatch_order_and_leases() {
    for db in TestDb::all().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let late = s
            .insert_callback(&request("+37061000001", t0(), None), t0())
            .await
            .unwrap();
        let queued = s
            .insert_callback(
                &request("+37061000002", t0() + Duration::minutes(5), Some(3)),
                t0(),
            )
            .await
            .unwrap();
        let future = s
            .insert_callback(
                &request("+37061000003", t0() + Duration::hours(2), None),
                t0(),
            )
            .await
            .unwrap();
        let now = t0() + Duration::minutes(10);
        let lease = now + Duration::seconds(60);
        let got = s.claim_due_callbacks("n1", now, lease, 10).await.unwrap();
        let ids: Vec<i64> = got.iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [queued.id, late.id],
            "queue place first; not the future one"
        );
        assert!(got.iter().all(|c| c.status == CallbackStatus::Dialing));
        assert!(
            s.claim_due_callbacks("n2", now, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // n1 dies: after the lease n2 takes both; n1's late result is refused.
        let after = lease + Duration::seconds(1);
        let again = s
            .claim_due_callbacks("n2", after, after + Duration::seconds(60), 10)
            .await
            .unwrap();
        assert_eq!(again.len(), 2);
        assert!(
            !s.finish_callback_attempt(
                late.id,
                "n1",
                &attempt(after, "answered"),
                &AttemptEnd::Done
            )
            .await
            .unwrap()
        );
        assert!(!s.renew_callback_lease(late.id, "n1", after).await.unwrap());
        assert!(
            s.renew_callback_lease(late.id, "n2", after + Duration::seconds(90))
                .await
                .unwrap()
        );

        // A retry goes back to planned at its new time; done and closed leave the pool.
        let retry_at = after + Duration::minutes(30);
        assert!(
            s.finish_callback_attempt(
                late.id,
                "n2",
                &attempt(after, "no-answer"),
                &AttemptEnd::Retry(retry_at)
            )
            .await
            .unwrap()
        );
        assert!(
            s.finish_callback_attempt(
                queued.id,
                "n2",
                &attempt(after, "answered"),
                &AttemptEnd::Done
            )
            .await
            .unwrap()
        );
        let cb = s.callback(late.id).await.unwrap().unwrap();
        assert_eq!(
            (cb.status, cb.attempts, cb.next_attempt_at),
            (CallbackStatus::Planned, 1, retry_at)
        );
        let done = s.callback(queued.id).await.unwrap().unwrap();
        assert_eq!(done.status, CallbackStatus::Done);
        assert!(
            s.claim_due_callbacks("n2", after, after, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let back = s
            .claim_due_callbacks("n2", retry_at, retry_at, 10)
            .await
            .unwrap();
        assert_eq!(back.iter().map(|c| c.id).collect::<Vec<_>>(), [late.id]);
        assert!(
            s.finish_callback_attempt(
                late.id,
                "n2",
                &attempt(retry_at, "busy"),
                &AttemptEnd::Close("unreachable".into())
            )
            .await
            .unwrap()
        );
        let closed = s.callback(late.id).await.unwrap().unwrap();
        assert_eq!(
            (closed.status, closed.attempts, closed.result.as_deref()),
            (CallbackStatus::Closed, 2, Some("unreachable"))
        );
        // Every attempt is on the card.
        let card = format!("{:?}", s.card("+37061000001").await.unwrap());
        assert!(card.contains("no-answer; next attempt"), "{card}");
        assert!(card.contains("busy; closed (unreachable)"), "{card}");
        let _ = future;
        db.cleanup().await;
    }
}

/// A request put back without an attempt keeps its attempt count and comes back at the new time;
/// a restarted node hands back what it was dialling at once.
#[tokio::test]
async fn postponed_and_released_requests_come_back_without_an_attempt() {
    for db in TestDb::all().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let a = s
            .insert_callback(&request("+37061000011", t0(), None), t0())
            .await
            .unwrap();
        let b = s
            .insert_callback(&request("+37061000012", t0(), None), t0())
            .await
            .unwrap();
        let now = t0() + Duration::minutes(10);
        let lease = now + Duration::seconds(60);
        assert_eq!(
            s.claim_due_callbacks("n1", now, lease, 10)
                .await
                .unwrap()
                .len(),
            2
        );
        let later = now + Duration::minutes(1);
        assert!(
            !s.postpone_callback(a.id, "n2", later).await.unwrap(),
            "not n2's"
        );
        assert!(s.postpone_callback(a.id, "n1", later).await.unwrap());
        let cb = s.callback(a.id).await.unwrap().unwrap();
        assert_eq!(
            (cb.status, cb.attempts, cb.next_attempt_at),
            (CallbackStatus::Planned, 0, later)
        );
        assert!(
            s.claim_due_callbacks("n2", now, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // n1 restarts while dialling b: b is free for anyone at once.
        assert_eq!(s.release_node_callbacks("n1", now).await.unwrap(), 1);
        let got = s.claim_due_callbacks("n2", now, lease, 10).await.unwrap();
        assert_eq!(got.iter().map(|c| c.id).collect::<Vec<_>>(), [b.id]);
        assert_eq!(got[0].attempts, 0);
        db.cleanup().await;
    }
}

/// Two nodes (two pools on one database) claim 600 due requests at once in small batches: every
/// request is claimed exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_never_claim_the_same_request() {
    for db in TestDb::all().await {
        eprintln!("backend: {}", db.name);
        for i in 0..600 {
            db.store
                .insert_callback(&request(&format!("+3706100{i:04}"), t0(), None), t0())
                .await
                .unwrap();
        }
        let other = Store::connect(&db.url).await.unwrap();
        let nodes = [("n1", db.store.clone()), ("n2", other.clone())];
        let mut tasks = Vec::new();
        for (node, store) in nodes {
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                let now = t0() + Duration::minutes(1);
                loop {
                    let got = store
                        .claim_due_callbacks(node, now, now + Duration::minutes(5), 7)
                        .await
                        .unwrap();
                    if got.is_empty() {
                        break;
                    }
                    for c in got {
                        assert!(
                            store
                                .finish_callback_attempt(
                                    c.id,
                                    node,
                                    &attempt(now, "answered"),
                                    &AttemptEnd::Done
                                )
                                .await
                                .unwrap()
                        );
                        mine.push(c.id);
                    }
                }
                mine
            }));
        }
        let mut all = Vec::new();
        let mut per_node = Vec::new();
        for t in tasks {
            let mine = t.await.unwrap();
            per_node.push(mine.len());
            all.extend(mine);
        }
        let unique: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(all.len(), 600, "claims per node {per_node:?}");
        assert_eq!(unique.len(), 600, "a request was claimed twice");
        other.close().await;
        db.cleanup().await;
    }
}
