//! Callback claim throughput: N due requests, K nodes (one pool each) claiming batches and
//! recording a result, on SQLite and PostgreSQL. Checks that no request is claimed twice.
//!
//!   cargo bench --bench claims -- [REQUESTS] [NODES] [BATCH]     (default 10000 4 50)
//!
//! Under `cargo test --all-targets` (a debug build) it runs as a smoke of 200 requests.
//!
//! PostgreSQL is taken from FRONTDESK_TEST_PG (default postgres://postgres@127.0.0.1:5432/test),
//! in a schema of its own that is dropped afterwards.

use chrono::{Duration, TimeZone, Utc};
use frontdesk::store::{Attempt, AttemptEnd, CallbackSource, NewCallback, Store};
use std::collections::HashSet;
use std::time::Instant;

fn request(i: usize) -> NewCallback {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    NewCallback {
        phone: format!("+3706{:07}", 1_000_000 + i),
        source: CallbackSource::Abandoned,
        reason: None,
        requested_at: t0,
        requested_by: None,
        agent_id: None,
        call_id: None,
        queue_position: i.is_multiple_of(10).then_some(i as i64),
        dnc_consent: false,
        slot_start: t0 + Duration::seconds(i as i64 % 600),
        slot_end: t0 + Duration::minutes(30),
        sla_deadline: t0 + Duration::hours(8),
        at_risk: false,
        client_tz: "Europe/Vilnius".into(),
        plan_reason: "bench".into(),
        promise: None,
        email: None,
    }
}

async fn run(name: &str, url: &str, requests: usize, nodes: usize, batch: i64) {
    let seed = Store::connect(url).await.expect("store");
    seed.migrate().await.expect("migrate");
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    for i in 0..requests {
        seed.insert_callback(&request(i), t0).await.expect("seed");
    }
    let now = t0 + Duration::hours(1);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..nodes {
        let store = Store::connect(url).await.expect("node store");
        tasks.push(tokio::spawn(async move {
            let node = format!("node{n}");
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_due_callbacks(&node, now, now + Duration::minutes(2), batch)
                    .await
                    .expect("claim");
                if got.is_empty() {
                    break;
                }
                for c in got {
                    let attempt = Attempt {
                        at: now,
                        agent_id: None,
                        call_id: None,
                        result: "answered".into(),
                    };
                    let ok = store
                        .finish_callback_attempt(c.id, &node, &attempt, &AttemptEnd::Done)
                        .await
                        .expect("finish");
                    assert!(ok, "lost a claim");
                    mine.push(c.id);
                }
            }
            store.close().await;
            mine
        }));
    }
    let mut all = Vec::new();
    let mut per = Vec::new();
    for t in tasks {
        let mine = t.await.expect("node");
        per.push(mine.len());
        all.extend(mine);
    }
    let secs = started.elapsed().as_secs_f64();
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "double claim");
    assert_eq!(all.len(), requests, "not every request was claimed");
    println!(
        "{name}: {requests} requests, {nodes} nodes, batch {batch}: {secs:.2} s, {:.0} claims+results/s, per node {per:?}, double claims 0",
        requests as f64 / secs
    );
    seed.close().await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    // `cargo bench` builds optimised; `cargo test --all-targets` (a debug build) runs a quick smoke.
    let default_requests = if cfg!(debug_assertions) { 200 } else { 10_000 };
    let requests = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(default_requests);
    let nodes = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(4);
    let batch = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    sqlx::any::install_default_drivers();

    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("claims.db").display());
    run("sqlite", &url, requests, nodes, batch).await;

    let base = std::env::var("FRONTDESK_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("fdbench_{}", uuid::Uuid::new_v4().simple());
    let admin = match sqlx::AnyPool::connect(&base).await {
        Ok(p) => p,
        Err(e) => {
            println!("postgres: skipped ({e})");
            return;
        }
    };
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("schema");
    run(
        "postgres",
        &format!("{base}?options[search_path]={schema}"),
        requests,
        nodes,
        batch,
    )
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .expect("drop schema");
}
