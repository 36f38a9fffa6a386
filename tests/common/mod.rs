//! Test databases: a fresh SQLite file, and a fresh PostgreSQL schema on 127.0.0.1:5432/test.
//!
//! In CI (`CI=true`) PostgreSQL is mandatory; elsewhere the PostgreSQL half is skipped with a notice
//! when no server answers.
#![allow(dead_code)]

use frontdesk::store::Store;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use std::time::Duration;

pub const PG_BASE: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct TestDb {
    pub name: &'static str,
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("fd.db").display());
        let store = Store::connect(&url).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestDb {
            name: "sqlite",
            store,
            url,
            _dir: Some(dir),
            pg_schema: None,
        }
    }

    /// A schema of its own on the test server, so parallel tests never see each other's rows.
    pub async fn postgres() -> Option<TestDb> {
        let base = std::env::var("FRONTDESK_TEST_PG").unwrap_or_else(|_| PG_BASE.to_string());
        install_default_drivers();
        let admin = match AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&base)
            .await
        {
            Ok(p) => p,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true and PostgreSQL at {base} does not answer: {e}");
                }
                eprintln!(
                    "NOTICE: PostgreSQL at {base} does not answer ({e}); skipping the PostgreSQL run"
                );
                return None;
            }
        };
        let schema = format!("fdtest_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("create schema");
        admin.close().await;
        let url = format!("{base}?options[search_path]={schema}");
        let store = Store::connect(&url).await.expect("open postgres");
        store.migrate().await.expect("migrate postgres");
        Some(TestDb {
            name: "postgres",
            store,
            url,
            _dir: None,
            pg_schema: Some(schema),
        })
    }

    /// Every backend this machine offers: SQLite always, PostgreSQL when it answers (always in CI).
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await];
        if let Some(pg) = TestDb::postgres().await {
            v.push(pg);
        }
        v
    }

    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(schema) = self.pg_schema {
            let base = std::env::var("FRONTDESK_TEST_PG").unwrap_or_else(|_| PG_BASE.to_string());
            if let Ok(admin) = AnyPoolOptions::new()
                .max_connections(1)
                .connect(&base)
                .await
            {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                    .execute(&admin)
                    .await;
                admin.close().await;
            }
        }
    }
}

/// The instant store tests are written against: Monday 2026-11-23 08:00 UTC.
pub fn t0() -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 23, 8, 0, 0)
        .single()
        .expect("a valid instant")
}

/// Runs `f` against a fresh store of every backend.
pub async fn each_backend<F, Fut>(f: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for db in TestDb::all().await {
        eprintln!("backend: {}", db.name);
        f(db.store.clone()).await;
        db.cleanup().await;
    }
}

/// A planned callback request for `phone` with its slot at `slot`.
pub fn callback_request(
    phone: &str,
    slot: chrono::DateTime<chrono::Utc>,
    queue_position: Option<i64>,
) -> frontdesk::store::NewCallback {
    use chrono::Duration as D;
    frontdesk::store::NewCallback {
        phone: phone.into(),
        source: frontdesk::store::CallbackSource::Menu,
        reason: Some("billing".into()),
        requested_at: t0(),
        requested_by: None,
        agent_id: None,
        call_id: None,
        queue_position,
        dnc_consent: false,
        slot_start: slot,
        slot_end: slot + D::minutes(30),
        sla_deadline: t0() + D::hours(8),
        at_risk: false,
        client_tz: "Europe/Vilnius".into(),
        plan_reason: "test".into(),
        promise: None,
        email: None,
    }
}
