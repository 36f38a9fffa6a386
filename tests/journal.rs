//! The call journal (`store::journal`): call rows and timelines written in batches, on every
//! backend. Everything queued together lands in one batch; what one bad entry breaks is only itself.

mod common;

use chrono::{Duration, Utc};
use common::{each_backend, t0};
use frontdesk::metrics::NodeMetrics;
use frontdesk::store::{CallEnd, CallJournal, NewCall, Store};
use std::sync::Arc;
use std::sync::atomic::Ordering;

fn new_call(id: &str) -> NewCall {
    NewCall {
        id: id.into(),
        sip_call_id: Some(format!("{id}@pbx")),
        direction: "inbound",
        phone: Some("+37061234567".into()),
        caller_raw: Some("861234567".into()),
        from_number: Some("861234567".into()),
        asserted_number: None,
        source: Some("127.0.0.2:5060".into()),
        started_at: t0(),
        node: Some("a".into()),
    }
}

fn end(outcome: &str, recording: Option<&str>) -> CallEnd {
    CallEnd {
        ended_at: t0() + Duration::seconds(30),
        hangup_by: "caller".into(),
        outcome: outcome.into(),
        digits: "12".into(),
        language: Some("lt".into()),
        recording: recording.map(String::from),
        recording_sha256: recording.map(|_| "ab".repeat(32)),
    }
}

fn journal(s: &Store) -> (CallJournal, Arc<NodeMetrics>) {
    let metrics = Arc::new(NodeMetrics::default());
    (CallJournal::start(s.clone(), metrics.clone()).0, metrics)
}

#[tokio::test]
async fn a_whole_call_queued_at_once_lands_in_order() {
    each_backend(|s| async move {
        let (j, metrics) = journal(&s);
        // Nothing is awaited until the close: open, lines, answer, recording and close can share
        // one batch, and the close still comes after the rest.
        let open = j.open(new_call("c1"));
        j.log("c1", t0(), "screening", "known false");
        j.answered("c1", t0() + Duration::seconds(1));
        j.recording("c1", "/rec/c1.wav");
        j.log("c1", t0() + Duration::seconds(2), "digit", "1");
        let close = j.close("c1", end("hangup-in-menu", None));
        let (opened, closed) = tokio::join!(open, close);
        opened.unwrap();
        closed.unwrap();

        let row = s.call("c1").await.unwrap().expect("the row");
        assert_eq!(row.answered_at, Some(t0() + Duration::seconds(1)));
        assert_eq!(row.ended_at, Some(t0() + Duration::seconds(30)));
        assert_eq!(row.outcome.as_deref(), Some("hangup-in-menu"));
        assert_eq!(row.digits, "12");
        assert_eq!(row.language.as_deref(), Some("lt"));
        // The close names no recording: the path written during the call stays.
        assert_eq!(row.recording.as_deref(), Some("/rec/c1.wav"));
        assert_eq!(row.from_number.as_deref(), Some("861234567"));
        let kinds: Vec<String> = s
            .call_events("c1")
            .await
            .unwrap()
            .into_iter()
            .map(|(_, kind, _)| kind)
            .collect();
        assert_eq!(kinds, ["screening", "digit"]);
        assert_eq!(metrics.call_writes_failed.load(Ordering::Relaxed), 0);
    })
    .await;
}

#[tokio::test]
async fn many_calls_at_once_all_land_and_a_row_closes_once() {
    each_backend(|s| async move {
        let (j, _) = journal(&s);
        let calls: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
        let opened =
            futures_util::future::join_all(calls.iter().map(|id| j.open(new_call(id)))).await;
        assert!(opened.iter().all(Result::is_ok));
        for id in &calls {
            j.answered(id, Utc::now());
            j.log(id, Utc::now(), "greeting", "en");
        }
        let closed = futures_util::future::join_all(
            calls
                .iter()
                .map(|id| j.close(id, end("hangup-in-menu", Some(&format!("/rec/{id}.wav"))))),
        )
        .await;
        assert!(closed.iter().all(Result::is_ok));
        // A second close changes nothing: the first one is the evidence.
        j.close("m7", end("failed", None)).await.unwrap();

        for id in &calls {
            let row = s.call(id).await.unwrap().expect("the row");
            assert!(row.answered_at.is_some(), "{id} answered");
            assert_eq!(
                row.recording.as_deref(),
                Some(format!("/rec/{id}.wav").as_str())
            );
            assert_eq!(
                row.recording_sha256.as_deref(),
                Some("ab".repeat(32).as_str())
            );
            assert_eq!(s.call_events(id).await.unwrap().len(), 1);
        }
        assert_eq!(
            s.call("m7").await.unwrap().unwrap().outcome.as_deref(),
            Some("hangup-in-menu")
        );
        assert!(s.open_calls(None).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_bad_entry_fails_alone_and_is_counted() {
    each_backend(|s| async move {
        s.insert_call(&new_call("taken")).await.unwrap();
        let (j, metrics) = journal(&s);
        // One batch: a row whose id exists already, a line for a call that has no row, and a
        // good call. The batch fails as a whole; each entry is then written on its own.
        let dup = j.open(new_call("taken"));
        j.log("no-such-call", t0(), "digit", "9");
        let good = j.open(new_call("fine"));
        j.log("fine", t0(), "screening", "known false");
        let close = j.close("fine", end("hangup-in-menu", None));
        let (dup, good, close) = tokio::join!(dup, good, close);
        assert!(dup.is_err(), "the duplicate row is refused");
        good.unwrap();
        close.unwrap();
        let row = s.call("fine").await.unwrap().expect("the good row");
        assert_eq!(row.outcome.as_deref(), Some("hangup-in-menu"));
        assert_eq!(s.call_events("fine").await.unwrap().len(), 1);
        // The orphan line could not be written (no such call): counted, not lost silently.
        assert_eq!(metrics.call_writes_failed.load(Ordering::Relaxed), 1);
        // The row that was there first is untouched.
        assert!(s.call("taken").await.unwrap().unwrap().ended_at.is_none());
    })
    .await;
}
