//! Repository tests, run against every backend (SQLite always; PostgreSQL too, mandatory in CI).

mod common;

use chrono::{Duration, Utc};
use common::{TestDb, each_backend, t0};
use frontdesk::store::{
    Added, CallbackStatus, CallsFilter, Client, DncImportRow, FirstToken, ListSource, NewCall,
    NewCallback, NewSession, Presence, Role, StoreError,
};

#[tokio::test]
async fn dnc_entries_are_closed_not_deleted() {
    each_backend(|s| async move {
        let p = "+37061234567";
        let added = s
            .add_dnc(
                p,
                Some("asked on the phone"),
                ListSource::Cli,
                "cli:ops",
                t0(),
            )
            .await
            .unwrap();
        assert!(matches!(added, Added::New(_)));
        let again = s
            .add_dnc(p, None, ListSource::Api, "api:x", t0() + Duration::hours(1))
            .await
            .unwrap();
        let Added::Existing(e) = again else {
            panic!("second add must not create")
        };
        assert_eq!(e.since, t0());
        assert_eq!(e.reason.as_deref(), Some("asked on the phone"));
        assert_eq!(e.source, "cli");
        assert_eq!(e.requested_by.as_deref(), Some("cli:ops"));
        assert_eq!(s.list_dnc().await.unwrap().len(), 1);

        assert!(
            s.remove_dnc(p, "cli:ops", t0() + Duration::hours(2))
                .await
                .unwrap()
        );
        assert!(!s.remove_dnc(p, "cli:ops", t0()).await.unwrap());
        assert!(s.dnc_entry(p).await.unwrap().is_none());
        // Re-adding after removal works and the history keeps both acts.
        s.add_dnc(
            p,
            None,
            ListSource::Ivr,
            "caller",
            t0() + Duration::hours(3),
        )
        .await
        .unwrap();
        let kinds: Vec<String> = s
            .timeline(p, &frontdesk::store::Visibility::All)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.kind)
            .collect();
        assert_eq!(kinds, ["dnc_added", "dnc_removed", "dnc_added"]);
    })
    .await;
}

#[tokio::test]
async fn dnc_import_is_one_transaction_and_skips_listed() {
    each_backend(|s| async move {
        s.add_dnc("+37061234567", None, ListSource::Cli, "x", t0())
            .await
            .unwrap();
        let rows: Vec<DncImportRow> = (0..1200)
            .map(|i| DncImportRow {
                phone: format!("+3706{:07}", 1_000_000 + i),
                reason: (i % 2 == 0).then(|| "registry".to_string()),
            })
            .chain([DncImportRow {
                phone: "+37061234567".into(),
                reason: None,
            }])
            .collect();
        let summary = s.import_dnc(&rows, "import", t0()).await.unwrap();
        assert_eq!(summary.rows, 1201);
        assert_eq!(summary.written, 1200);
        assert_eq!(summary.unchanged, 1);
        assert_eq!(s.list_dnc().await.unwrap().len(), 1201);
    })
    .await;
}

#[tokio::test]
async fn client_import_upserts_and_keeps_creation_time() {
    each_backend(|s| async move {
        let mut a = Client::new("+37061234567", t0());
        a.name = Some("Jonas".into());
        a.language = Some("lt".into());
        s.upsert_client(&a, "cli").await.unwrap();
        let mut b = Client::new("+37061234567", t0() + Duration::days(1));
        b.name = Some("Jonas Jonaitis".into());
        b.time_zone = Some("Europe/Vilnius".into());
        let other = Client::new("+37061234568", t0());
        s.import_clients(&[b, other], "import").await.unwrap();
        let got = s.client("+37061234567").await.unwrap().unwrap();
        assert_eq!(got.name.as_deref(), Some("Jonas Jonaitis"));
        assert_eq!(got.time_zone.as_deref(), Some("Europe/Vilnius"));
        assert_eq!(got.created_at, t0());
        assert_eq!(got.updated_at, t0() + Duration::days(1));
        assert!(s.client("+37061234568").await.unwrap().is_some());
        assert!(s.client("+37061234569").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_failing_import_writes_nothing() {
    each_backend(|s| async move {
        let mut bad = Client::new("+37061234570", t0());
        bad.language = Some("xx".into()); // refused by the schema's CHECK
        let rows = vec![Client::new("+37061234571", t0()), bad];
        assert!(s.import_clients(&rows, "import").await.is_err());
        assert!(s.client("+37061234571").await.unwrap().is_none());
        let dup = vec![
            Client::new("+37061234572", t0()),
            Client::new("+37061234572", t0()),
        ];
        assert!(matches!(
            s.import_clients(&dup, "import").await,
            Err(StoreError::Conflict(_))
        ));
        assert!(s.client("+37061234572").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn vip_needs_a_real_agent_and_reassigns() {
    each_backend(|s| async move {
        let p = "+37061234567";
        assert!(matches!(
            s.add_vip(p, "ghost", "cli", t0()).await,
            Err(StoreError::NotFound(_))
        ));
        s.add_agent(
            "anna",
            "sip:anna@127.0.0.1",
            Some("Anna"),
            &["ru".into(), "en".into()],
            t0(),
        )
        .await
        .unwrap();
        s.add_agent("ben", "sip:ben@127.0.0.1", None, &[], t0())
            .await
            .unwrap();
        assert!(matches!(
            s.add_vip(p, "anna", "cli", t0()).await.unwrap(),
            Added::New(_)
        ));
        assert!(matches!(
            s.add_vip(p, "anna", "cli", t0()).await.unwrap(),
            Added::Existing(_)
        ));
        s.add_vip(p, "ben", "cli", t0() + Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(s.vip_entry(p).await.unwrap().unwrap().agent_id, "ben");
        assert_eq!(s.list_vip().await.unwrap().len(), 1);
        // An agent who is a VIP's consultant cannot silently disappear.
        assert!(matches!(
            s.remove_agent("ben", t0()).await,
            Err(StoreError::Conflict(_))
        ));
        s.remove_agent("anna", t0()).await.unwrap();
        assert!(s.remove_vip(p, "cli", t0()).await.unwrap());
        assert!(s.vip_entry(p).await.unwrap().is_none());
    })
    .await;
}

/// Screening reads the card and both lists in one statement: each part found or not on its own,
/// and a removed entry no longer counts.
#[tokio::test]
async fn lookup_reads_the_card_and_both_lists_together() {
    each_backend(|s| async move {
        let p = "+37061234567";
        let nobody = s.lookup(p).await.unwrap();
        assert!(nobody.client.is_none() && !nobody.dnc && nobody.vip_agent.is_none());

        s.add_dnc(p, None, ListSource::Cli, "cli", t0())
            .await
            .unwrap();
        let dnc_only = s.lookup(p).await.unwrap();
        assert!(dnc_only.client.is_none() && dnc_only.dnc && dnc_only.vip_agent.is_none());

        let mut card = Client::new(p, t0());
        card.name = Some("Ona".into());
        card.language = Some("lt".into());
        s.upsert_client(&card, "cli").await.unwrap();
        s.add_agent("anna", "sip:anna@127.0.0.1", None, &[], t0())
            .await
            .unwrap();
        s.add_vip(p, "anna", "cli", t0()).await.unwrap();
        let all = s.lookup(p).await.unwrap();
        let client = all.client.expect("the card");
        assert_eq!(client.name.as_deref(), Some("Ona"));
        assert_eq!(client.language.as_deref(), Some("lt"));
        assert!(all.dnc);
        assert_eq!(all.vip_agent.as_deref(), Some("anna"));

        s.remove_dnc(p, "cli", t0()).await.unwrap();
        s.remove_vip(p, "cli", t0()).await.unwrap();
        let card_only = s.lookup(p).await.unwrap();
        assert!(card_only.client.is_some() && !card_only.dnc && card_only.vip_agent.is_none());
        // Another number sees none of it.
        let other = s.lookup("+37069999999").await.unwrap();
        assert!(other.client.is_none() && !other.dnc && other.vip_agent.is_none());
    })
    .await;
}

#[tokio::test]
async fn agents_roster_and_presence() {
    each_backend(|s| async move {
        let a = s
            .add_agent("anna", "sip:anna@127.0.0.1", None, &["lt".into()], t0())
            .await
            .unwrap();
        assert_eq!(
            a.presence,
            Presence::Available,
            "a new agent starts available"
        );
        assert!(matches!(
            s.add_agent("anna", "sip:x@y", None, &[], t0()).await,
            Err(StoreError::Conflict(_))
        ));
        s.set_presence("anna", Presence::Away, t0() + Duration::minutes(1))
            .await
            .unwrap();
        let a = s.agent("anna").await.unwrap().unwrap();
        assert_eq!(a.presence, Presence::Away);
        assert_eq!(a.languages, ["lt"]);
        assert!(matches!(
            s.set_presence("nobody", Presence::Away, t0()).await,
            Err(StoreError::NotFound(_))
        ));
        s.remove_agent("anna", t0()).await.unwrap();
        assert!(s.list_agents().await.unwrap().is_empty());
        // Coming back keeps the id; presence resets to available.
        let back = s
            .add_agent("anna", "sip:anna@10.0.0.1", None, &[], t0())
            .await
            .unwrap();
        assert_eq!(back.uri, "sip:anna@10.0.0.1");
        assert_eq!(back.presence, Presence::Available);
    })
    .await;
}

fn first(t: &frontdesk::auth::IssuedToken) -> FirstToken<'_> {
    FirstToken {
        key_id: &t.key_id,
        hash: &t.hash,
        label: None,
    }
}

#[tokio::test]
async fn users_keep_only_hashes() {
    each_backend(|s| async move {
        let t = frontdesk::auth::issue().unwrap();

        let u = s
            .add_user("boss", Role::Admin, None, None, first(&t), t0())
            .await
            .unwrap();
        assert_eq!((u.role, u.status, u.tokens), (Role::Admin, "active", 1));
        let found = s
            .token_owner(frontdesk::auth::key_id(&t.token).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.account.name, "boss");
        assert!(frontdesk::auth::verify(&t.token, &found.hash));
        assert!(!found.hash.contains(&t.token));
        let other = frontdesk::auth::issue().unwrap();
        assert!(matches!(
            s.add_user("boss", Role::Agent, None, None, first(&other), t0())
                .await,
            Err(StoreError::Conflict(_))
        ));
        // Removed: the token is revoked and the name stays taken.
        s.remove_user("boss", t0()).await.unwrap();
        assert!(s.token_owner(&t.key_id).await.unwrap().is_none());
        assert!(matches!(
            s.add_user("boss", Role::Agent, None, None, first(&other), t0())
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(s.user("boss").await.unwrap().unwrap().status, "removed");
        assert!(Role::Admin > Role::Supervisor && Role::Supervisor > Role::Agent);
    })
    .await;
}

#[tokio::test]
async fn open_sessions_per_user_are_bounded_and_old_rows_go() {
    each_backend(|s| async move {
        let t = frontdesk::auth::issue().unwrap();
        let u = s
            .add_user("sue", Role::Supervisor, None, None, first(&t), t0())
            .await
            .unwrap();
        let session = |i: usize, at: chrono::DateTime<Utc>| {
            let hash = format!("{i:064x}");
            let s = s.clone();
            async move {
                s.create_session(NewSession {
                    id_hash: &hash,
                    user_id: u.id,
                    now: at,
                    idle_expires_at: at + chrono::Duration::hours(1),
                    expires_at: at + chrono::Duration::hours(12),
                })
                .await
                .unwrap();
            }
        };
        for i in 0..12 {
            session(i, t0()).await;
        }
        let live = |i: usize| {
            let s = s.clone();
            async move {
                s.session_owner(&format!("{i:064x}"), t0())
                    .await
                    .unwrap()
                    .is_some()
            }
        };
        assert!(
            !live(0).await && !live(1).await,
            "the oldest two were replaced"
        );
        for i in 2..12 {
            assert!(live(i).await, "session {i}");
        }
        // Forty days on, a sign-in deletes the rows that ended or expired over 30 days ago.
        session(99, t0() + chrono::Duration::days(40)).await;
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM console_sessions")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(rows, 1);
    })
    .await;
}

fn callback(phone: &str, slot: chrono::DateTime<Utc>, queue_position: Option<i64>) -> NewCallback {
    common::callback_request(phone, slot, queue_position)
}

#[tokio::test]
async fn callbacks_list_in_dispatch_order() {
    each_backend(|s| async move {
        let late = s
            .insert_callback(
                &callback("+37061234561", t0() + Duration::hours(2), None),
                t0(),
            )
            .await
            .unwrap();
        let early = s
            .insert_callback(
                &callback("+37061234562", t0() + Duration::hours(1), None),
                t0(),
            )
            .await
            .unwrap();
        let kept_place = s
            .insert_callback(
                &callback("+37061234563", t0() + Duration::hours(3), Some(2)),
                t0(),
            )
            .await
            .unwrap();
        assert_eq!(early.status, CallbackStatus::Planned);
        assert_eq!(early.attempts, 0);
        assert_eq!(early.next_attempt_at, early.slot_start);
        let all: Vec<i64> = s
            .list_callbacks(None)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(
            all,
            [kept_place.id, early.id, late.id],
            "queue-position callbacks go first"
        );
        let due: Vec<i64> = s
            .list_callbacks(Some(t0() + Duration::minutes(90)))
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(due, [early.id]);
        let kinds: Vec<String> = s
            .timeline("+37061234563", &frontdesk::store::Visibility::All)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.kind)
            .collect();
        assert_eq!(kinds, ["callback"]);
    })
    .await;
}

#[tokio::test]
async fn calls_are_listed_newest_first_and_filtered() {
    each_backend(|s| async move {
        for (i, phone) in ["+37061234561", "+37061234562", "+37061234561"]
            .iter()
            .enumerate()
        {
            s.insert_call(&NewCall {
                id: format!("call-{i}"),
                sip_call_id: Some(format!("sip-{i}")),
                direction: "inbound",
                phone: Some(phone.to_string()),
                caller_raw: Some(phone.to_string()),
                from_number: None,
                asserted_number: None,
                source: None,
                started_at: t0() + Duration::minutes(i as i64),
                node: Some("n1".into()),
            })
            .await
            .unwrap();
        }
        let all = s.list_calls(&CallsFilter::default()).await.unwrap();
        let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["call-2", "call-1", "call-0"]);
        let one = s
            .list_calls(&CallsFilter {
                phone: Some("+37061234561".into()),
                since: Some(t0() + Duration::seconds(30)),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].id, "call-2");
        assert!(s.knows("+37061234562").await.unwrap());
        assert!(!s.knows("+37061234569").await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    each_backend(|s| async move {
        sqlx::query("INSERT INTO audit_log (at, actor, action, object) VALUES ($1, 'boss', 'play', 'call-1')")
            .bind(1_i64)
            .execute(s.pool())
            .await
            .unwrap();
        assert!(sqlx::query("UPDATE audit_log SET actor = 'nobody'").execute(s.pool()).await.is_err());
        assert!(sqlx::query("DELETE FROM audit_log").execute(s.pool()).await.is_err());
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(s.pool()).await.unwrap();
        assert_eq!(n, 1);
    })
    .await;
}

#[tokio::test]
async fn sqlite_file_is_created_in_wal_mode() {
    let db = TestDb::sqlite().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    // Migrating twice is harmless.
    db.store.migrate().await.unwrap();
    db.cleanup().await;
}
