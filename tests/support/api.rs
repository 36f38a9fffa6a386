//! The API tests' service: a real `frontdesk serve` with users, calls and a recording, on SQLite
//! or on a PostgreSQL database given by URL.

use super::Service;
use chrono::{Duration, TimeZone, Utc};
use frontdesk::store::{CallEnd, NewCall, Store};

pub struct Api {
    pub svc: Service,
    pub base: String,
    pub client: reqwest::Client,
    pub admin: String,
    pub supervisor: String,
    pub agent: String,
    pub wav: Vec<u8>,
    pub calls: Vec<String>,
}

pub fn token(svc: &Service, args: &[&str]) -> String {
    let out = svc.cli(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A service with three users (boss: admin, sue: supervisor, anna: agent), five calls (two of them
/// anna's) and one recording; `tables` is added to its configuration (e.g. an `[http]` table).
pub async fn setup(database_url: Option<&str>, tables: &str) -> Api {
    let top = database_url
        .map(|u| format!("database_url = \"{u}\"\n"))
        .unwrap_or_default();
    // The database URL is a top-level key: put it before any table.
    let svc = Service::start_with_top(&top, tables);
    assert!(
        svc.cli(&["agents", "add", "anna", "--uri", "sip:anna@127.0.0.1"])
            .status
            .success()
    );
    let admin = token(&svc, &["users", "add", "boss", "--role", "admin"]);
    let supervisor = token(&svc, &["users", "add", "sue", "--role", "supervisor"]);
    let agent = token(
        &svc,
        &["users", "add", "anna", "--role", "agent", "--agent", "anna"],
    );

    let wav_path = svc.dir.path().join("rec.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&wav_path, spec).unwrap();
    for i in 0..8000i32 {
        w.write_sample((i % 100 * 50) as i16).unwrap();
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    let wav = std::fs::read(&wav_path).unwrap();

    let store = Store::connect(&svc.db_url_or(database_url)).await.unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let mut calls = Vec::new();
    for i in 0..5 {
        let id = uuid::Uuid::new_v4().to_string();
        store
            .insert_call(&NewCall {
                id: id.clone(),
                sip_call_id: None,
                direction: "inbound",
                phone: Some(format!("+3706123456{i}")),
                caller_raw: None,
                from_number: None,
                asserted_number: None,
                source: None,
                started_at: t0 + Duration::minutes(i),
                node: None,
            })
            .await
            .unwrap();
        store
            .close_call(
                &id,
                &CallEnd {
                    ended_at: t0 + Duration::minutes(i) + Duration::seconds(30),
                    hangup_by: "caller".into(),
                    outcome: if i % 2 == 0 {
                        "dnc-opt-out".into()
                    } else {
                        "hangup-in-menu".into()
                    },
                    digits: "9".into(),
                    language: Some("en".into()),
                    recording: (i == 0).then(|| wav_path.display().to_string()),
                    recording_sha256: None,
                },
            )
            .await
            .unwrap();
        if i < 2 {
            sqlx::query("UPDATE calls SET agent_id = 'anna' WHERE id = $1")
                .bind(&id)
                .execute(store.pool())
                .await
                .unwrap();
        }
        store
            .call_event(&id, t0, "screening", "known false")
            .await
            .unwrap();
        calls.push(id);
    }
    store
        .insert_complaint(Some("+37061234560"), &calls[0], None, t0)
        .await
        .unwrap();
    store.close().await;
    let base = format!("http://{}", svc.http);
    Api {
        svc,
        base,
        client: reqwest::Client::new(),
        admin,
        supervisor,
        agent,
        wav,
        calls,
    }
}

impl Api {
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }
}
