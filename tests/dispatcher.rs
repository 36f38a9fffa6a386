//! The dispatcher's rounds against a real store, time moved by a manual clock: claims as many due
//! requests as spare agents can take, closes DNC numbers without dialling, lets an owned request
//! wait for its owner and then go to the pool, never dials outside the calling windows, and
//! leaves agents to callers waiting in the queue.

mod common;

use chrono::Duration;
use common::{each_backend, t0};
use frontdesk::callbacks::Planner;
use frontdesk::config::Config;
use frontdesk::dispatch::{DispatchSettings, Dispatcher, InFlight, Job, ManualClock};
use frontdesk::store::{Attempt, AttemptEnd, CallbackStatus, ListSource, Store};
use std::sync::{Arc, Mutex};

fn dispatcher(s: &Store, clock: Arc<ManualClock>) -> Arc<Dispatcher> {
    let config = Config::default();
    Dispatcher::new(
        s.clone(),
        Planner::from_config(&config),
        "n1".into(),
        DispatchSettings {
            owner_wait: Duration::minutes(30),
            lease: Duration::seconds(30),
        },
        clock,
    )
}

type Started = Arc<Mutex<Vec<(Job, InFlight)>>>;

fn collector() -> (Started, impl Fn(Job, InFlight)) {
    let started: Started = Arc::default();
    let sink = started.clone();
    (started, move |job, guard| {
        sink.lock().unwrap().push((job, guard))
    })
}

async fn add(s: &Store, phone: &str, queue: Option<i64>, owner: Option<&str>) -> i64 {
    let mut req = common::callback_request(phone, t0(), queue);
    req.agent_id = owner.map(str::to_string);
    s.insert_callback(&req, t0()).await.unwrap().id
}

#[tokio::test]
async fn rounds_claim_for_spare_agents_close_dnc_and_wait_for_owners() {
    each_backend(|s| async move {
        for (id, lang) in [("anna", "en"), ("bob", "lt")] {
            s.add_agent(
                id,
                &format!("sip:{id}@127.0.0.1"),
                None,
                &[lang.into()],
                t0(),
            )
            .await
            .unwrap();
        }
        s.add_agent("carl", "sip:carl@127.0.0.1", None, &[], t0())
            .await
            .unwrap();
        s.set_presence("carl", frontdesk::store::Presence::Away, t0())
            .await
            .unwrap();
        let plain = add(&s, "+37061000001", None, None).await;
        let queued = add(&s, "+37061000002", Some(4), None).await;
        let listed = add(&s, "+37061000003", None, None).await;
        let owned = add(&s, "+37061000004", None, Some("carl")).await;
        // Listed after planning: never dialled.
        s.add_dnc(
            "+37061000003",
            Some("asked by e-mail"),
            ListSource::Api,
            "ops",
            t0(),
        )
        .await
        .unwrap();

        let clock = Arc::new(ManualClock::new(t0()));
        let d = dispatcher(&s, clock.clone());
        let (started, start) = collector();
        assert_eq!(
            d.round(2, &start).await,
            0,
            "two callers wait: the agents are theirs"
        );
        assert_eq!(d.round(0, &start).await, 2);
        {
            let jobs = started.lock().unwrap();
            let got: Vec<(i64, &str)> = jobs
                .iter()
                .map(|(j, _)| (j.callback.id, j.agent.id.as_str()))
                .collect();
            assert_eq!(got, [(queued, "anna"), (plain, "bob")], "queue place first");
        }
        assert_eq!(d.in_flight(), 2);
        assert_eq!(d.round(0, &start).await, 0, "every agent is ringing");

        // The attempts end; the agents are free again.
        let jobs: Vec<(Job, InFlight)> = started.lock().unwrap().drain(..).collect();
        for (job, _guard) in &jobs {
            s.release_agent(&job.agent.id, &job.call_id, t0(), None)
                .await
                .unwrap();
            let attempt = Attempt {
                at: t0(),
                agent_id: Some(job.agent.id.clone()),
                call_id: Some(job.call_id.clone()),
                result: "answered".into(),
            };
            assert!(
                s.finish_callback_attempt(job.callback.id, "n1", &attempt, &AttemptEnd::Done)
                    .await
                    .unwrap()
            );
        }
        drop(jobs);
        assert_eq!(d.in_flight(), 0);
        assert_eq!(
            d.round(0, &start).await,
            0,
            "DNC closed, owner away: nothing dialled"
        );
        let closed = s.callback(listed).await.unwrap().unwrap();
        assert_eq!(
            (closed.status, closed.attempts, closed.result.as_deref()),
            (CallbackStatus::Closed, 0, Some("dnc"))
        );
        let card = format!("{:?}", s.card("+37061000003").await.unwrap());
        assert!(card.contains("closed without dialling: dnc"), "{card}");
        let waiting = s.callback(owned).await.unwrap().unwrap();
        assert_eq!(waiting.status, CallbackStatus::Planned);
        assert!(waiting.next_attempt_at > t0(), "put back for later");

        // Past the owner's wait, the pool takes it.
        clock.advance(Duration::minutes(31));
        assert_eq!(d.round(0, &start).await, 1);
        let jobs = started.lock().unwrap();
        let (job, _) = &jobs[0];
        assert_eq!((job.callback.id, job.owned), (owned, false));
    })
    .await;
}

#[tokio::test]
async fn a_request_picked_up_after_hours_waits_for_the_next_window() {
    each_backend(|s| async move {
        s.add_agent("anna", "sip:anna@127.0.0.1", None, &[], t0())
            .await
            .unwrap();
        let id = add(&s, "+37061000001", None, None).await;
        // 19:30 UTC is 21:30 in Vilnius: the company is closed and it is past the legal 21:00.
        let evening = t0() + Duration::hours(11) + Duration::minutes(30);
        let clock = Arc::new(ManualClock::new(evening));
        let d = dispatcher(&s, clock.clone());
        let (started, start) = collector();
        assert_eq!(d.round(0, &start).await, 0);
        let cb = s.callback(id).await.unwrap().unwrap();
        assert_eq!(cb.status, CallbackStatus::Planned);
        assert_eq!(
            cb.next_attempt_at,
            t0() + Duration::days(1) - Duration::hours(1),
            "Tuesday 09:00 Vilnius (07:00 UTC)"
        );
        clock.set(cb.next_attempt_at);
        assert_eq!(d.round(0, &start).await, 1);
        assert_eq!(started.lock().unwrap()[0].0.callback.id, id);
    })
    .await;
}
