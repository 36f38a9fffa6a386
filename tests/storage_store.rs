//! The upload queue (`recording_uploads`) on both backends: registered once, due by node and time,
//! failures counted and pushed back, stored rows served, unregistered recordings found.

mod common;

use chrono::Duration;
use common::{each_backend, t0};
use frontdesk::store::{CallEnd, NewCall, Store, UploadCounts};

async fn closed_call(s: &Store, id: &str, node: &str, recording: Option<(&str, &str)>) {
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
        node: Some(node.into()),
    })
    .await
    .unwrap();
    s.close_call(
        id,
        &CallEnd {
            ended_at: t0() + Duration::seconds(30),
            hangup_by: "caller".into(),
            outcome: "completed".into(),
            digits: String::new(),
            language: None,
            recording: recording.map(|(p, _)| p.to_string()),
            recording_sha256: recording.map(|(_, h)| h.to_string()),
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn uploads_are_queued_once_retried_and_stored_per_node() {
    each_backend(|s| async move {
        closed_call(&s, "c1", "a", Some(("/rec/c1.wav", "aa"))).await;
        closed_call(&s, "c2", "a", Some(("/rec/c2.wav", "bb"))).await;
        closed_call(&s, "c3", "b", Some(("/rec/c3.wav", "cc"))).await;
        closed_call(&s, "c4", "a", None).await;
        let found = s.unqueued_recordings("a", 10).await.unwrap();
        let ids: Vec<&str> = found.iter().map(|(id, _, _)| id.as_str()).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&"c1") && ids.contains(&"c2"));

        assert!(
            s.queue_upload("c1", "a", "/rec/c1.wav", "aa", "r/c1.wav", t0())
                .await
                .unwrap()
        );
        assert!(
            !s.queue_upload("c1", "a", "/rec/c1.wav", "aa", "r/c1.wav", t0())
                .await
                .unwrap()
        );
        assert!(
            s.queue_upload("c3", "b", "/rec/c3.wav", "cc", "r/c3.wav", t0())
                .await
                .unwrap()
        );
        let ids: Vec<String> = s
            .unqueued_recordings("a", 10)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        assert_eq!(ids, ["c2"]);

        // Only this node's rows, only when due.
        let due = s.due_uploads("a", t0(), 10).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].call_id.as_str(), due[0].attempts), ("c1", 0));
        s.upload_failed("c1", &"x".repeat(2000), t0() + Duration::seconds(10))
            .await
            .unwrap();
        assert!(s.due_uploads("a", t0(), 10).await.unwrap().is_empty());
        assert_eq!(
            s.upload_counts().await.unwrap(),
            UploadCounts {
                pending: 2,
                failing: 1
            }
        );
        let due = s
            .due_uploads("a", t0() + Duration::seconds(10), 10)
            .await
            .unwrap();
        assert_eq!(due[0].attempts, 1);
        assert!(s.stored_recording("c1").await.unwrap().is_none());

        s.upload_stored("c1", t0() + Duration::seconds(11))
            .await
            .unwrap();
        let stored = s.stored_recording("c1").await.unwrap().unwrap();
        assert_eq!(
            (stored.object_key.as_str(), stored.sha256.as_str()),
            ("r/c1.wav", "aa")
        );
        assert!(
            s.due_uploads("a", t0() + Duration::hours(1), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            s.upload_counts().await.unwrap(),
            UploadCounts {
                pending: 1,
                failing: 0
            }
        );
    })
    .await;
}
