//! The console tests' service and data: a real `frontdesk serve` (tests/support) with users,
//! agents, a card, 60 calls (one with a real WAV recording), complaints, callbacks and survey
//! answers, and a client that follows no redirects and keeps no cookies. Every user has the
//! password `PASSWORD`; the supervisor and the agent are signed in (console sessions) at setup.

use super::support::Service;
use chrono::{Duration, Utc};
use frontdesk::store::{CallEnd, NewCall, Store};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, ORIGIN};
use std::path::Path;

pub struct Console {
    pub svc: Service,
    pub base: String,
    /// Follows no redirects, keeps no cookies: every test says what it sends.
    pub http: reqwest::Client,
    /// API tokens (bearer header).
    pub admin: String,
    pub supervisor: String,
    pub agent: String,
    /// Console session ids (the `fd_session` cookie) of sue and anna.
    pub sup_session: String,
    pub agent_session: String,
    /// Calls, newest first; `calls[0]` is anna's and has the recording.
    pub calls: Vec<String>,
    pub complaint: i64,
    pub card_phone: String,
}

/// Every seeded user's console password.
pub const PASSWORD: &str = "correct horse battery staple";

/// Runs `users add …` with `--password-stdin` and `PASSWORD`; returns the printed API token.
pub fn token(svc: &Service, args: &[&str]) -> String {
    let mut args = args.to_vec();
    args.push("--password-stdin");
    let out = svc.cli_stdin(&args, &format!("{PASSWORD}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn cli_ok(svc: &Service, args: &[&str]) {
    let out = svc.cli(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const OUTCOMES: &[&str] = &[
    "answered-by-agent",
    "complaint",
    "callback-requested",
    "hangup-in-menu",
];

/// 60 calls over the last hour (more than a page), one recorded, with its timeline; a card, a VIP
/// and a DNC number; two complaints, two callbacks, ten survey answers.
pub async fn setup() -> Console {
    let svc = Service::start("");
    for agent in ["anna", "ben"] {
        cli_ok(
            &svc,
            &[
                "agents",
                "add",
                agent,
                "--uri",
                &format!("sip:{agent}@127.0.0.1"),
            ],
        );
    }
    let admin = token(&svc, &["users", "add", "boss", "--role", "admin"]);
    let supervisor = token(&svc, &["users", "add", "sue", "--role", "supervisor"]);
    let agent = token(
        &svc,
        &["users", "add", "anna", "--role", "agent", "--agent", "anna"],
    );
    let card_phone = "+37061234500".to_string();
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(
        &csv,
        format!("phone,name,language,time_zone,hours\n{card_phone},Ona Petraitė,lt,Europe/Vilnius,Mon-Fri 09:00-17:00\n"),
    )
    .unwrap();
    cli_ok(&svc, &["clients", "import", csv.to_str().unwrap()]);
    cli_ok(&svc, &["vip", "add", &card_phone, "--agent", "anna"]);
    cli_ok(
        &svc,
        &[
            "dnc",
            "add",
            "+37061234599",
            "--reason",
            "asked on the phone",
        ],
    );
    for (phone, reason) in [
        ("+37061234501", "bill question"),
        ("+37061234502", "web form"),
    ] {
        cli_ok(&svc, &["callbacks", "request", phone, "--reason", reason]);
    }

    let wav_path = svc.dir.path().join("rec.wav");
    write_wav(&wav_path, 3);
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let now = Utc::now();
    let mut calls = Vec::new();
    for i in 0..60i64 {
        let id = uuid::Uuid::new_v4().to_string();
        let started = now - Duration::minutes(i + 1);
        let phone = if i % 3 == 0 {
            card_phone.clone()
        } else {
            format!("+3706123{:04}", 4600 + i)
        };
        store
            .insert_call(&NewCall {
                id: id.clone(),
                sip_call_id: None,
                direction: "inbound",
                phone: Some(phone),
                caller_raw: None,
                from_number: None,
                asserted_number: None,
                source: None,
                started_at: started,
                node: None,
            })
            .await
            .unwrap();
        store
            .call_answered(&id, started + Duration::seconds(1))
            .await
            .unwrap();
        store
            .call_event(&id, started, "screening", "known client, not DNC")
            .await
            .unwrap();
        store
            .call_event(&id, started + Duration::seconds(6), "menu", "main: 1")
            .await
            .unwrap();
        store
            .close_call(
                &id,
                &CallEnd {
                    ended_at: started + Duration::seconds(40 + i),
                    hangup_by: "caller".into(),
                    outcome: OUTCOMES[(i % 4) as usize].into(),
                    digits: "21".into(),
                    language: Some("lt".into()),
                    recording: (i == 0).then(|| wav_path.display().to_string()),
                    recording_sha256: None,
                },
            )
            .await
            .unwrap();
        let agent = if i % 2 == 0 { "anna" } else { "ben" };
        sqlx::query("UPDATE calls SET agent_id = $1 WHERE id = $2")
            .bind(agent)
            .bind(&id)
            .execute(store.pool())
            .await
            .unwrap();
        calls.push(id);
    }
    let complaint = store
        .insert_complaint(
            Some(&card_phone),
            &calls[0],
            None,
            now - Duration::minutes(1),
        )
        .await
        .unwrap();
    store
        .insert_complaint(
            Some("+37061234603"),
            &calls[3],
            None,
            now - Duration::minutes(4),
        )
        .await
        .unwrap();
    // anna: 10, 10, 9, 8 (NPS 75); ben: 9, 7, 6, 3, 0, 10 (NPS -17); all ten: 5 promoters,
    // 2 passives, 3 detractors: NPS 20.
    let scores = [
        (0, 10),
        (2, 10),
        (4, 9),
        (6, 8),
        (1, 9),
        (3, 7),
        (5, 6),
        (7, 3),
        (9, 0),
        (11, 10),
    ];
    for (call, score) in scores {
        sqlx::query(
            "INSERT INTO survey_scores (call_id, phone, score, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&calls[call])
        .bind(&card_phone)
        .bind(score)
        .bind((now - Duration::hours(1)).timestamp_millis())
        .execute(store.pool())
        .await
        .unwrap();
    }
    store.close().await;
    let mut c = Console {
        base: format!("http://{}", svc.http),
        svc,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        admin,
        supervisor,
        agent,
        sup_session: String::new(),
        agent_session: String::new(),
        calls,
        complaint,
        card_phone,
    };
    c.sup_session = c.signed_in("sue").await;
    c.agent_session = c.signed_in("anna").await;
    c
}

/// The session id a `Set-Cookie: fd_session=…` header carries.
pub fn session_of(resp: &reqwest::Response) -> Option<String> {
    let set = resp
        .headers()
        .get(reqwest::header::SET_COOKIE)?
        .to_str()
        .ok()?;
    let (_, rest) = set.split_once('=')?;
    let id = rest.split(';').next()?;
    (!id.is_empty()).then(|| id.to_string())
}

pub fn session(token: &str) -> String {
    format!("fd_session={token}")
}

impl Console {
    /// Posts the login form from this server's own page.
    pub async fn sign_in(&self, name: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/login",
            None,
            Some(&self.base),
            &[("name", name), ("password", password)],
        )
        .await
    }

    /// A new session of `name` (password `PASSWORD`).
    pub async fn signed_in(&self, name: &str) -> String {
        let r = self.sign_in(name, PASSWORD).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{name} could not sign in"
        );
        session_of(&r).expect("a session cookie")
    }

    /// A call answered by `agent` a minute ago and still going.
    pub async fn live_call(&self, agent: &str) -> String {
        let store = Store::connect(&self.svc.db_url()).await.unwrap();
        let id = uuid::Uuid::new_v4().to_string();
        let started_at = Utc::now() - Duration::minutes(1);
        store
            .insert_call(&NewCall {
                id: id.clone(),
                sip_call_id: None,
                direction: "inbound",
                phone: Some("+37061234598".into()),
                caller_raw: None,
                from_number: None,
                asserted_number: None,
                source: None,
                started_at,
                node: None,
            })
            .await
            .unwrap();
        store.call_answered(&id, started_at).await.unwrap();
        sqlx::query("UPDATE calls SET agent_id = $1 WHERE id = $2")
            .bind(agent)
            .bind(&id)
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
        id
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs `path` with the session cookie `session` (if any).
    pub async fn page(&self, path: &str, token: Option<&str>) -> (StatusCode, String) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.header(COOKIE, session(t));
        }
        let r = req.send().await.unwrap();
        // minijinja escapes `/` in values; the assertions read plain slashes.
        (r.status(), r.text().await.unwrap().replace("&#x2f;", "/"))
    }

    pub async fn post_form(
        &self,
        path: &str,
        token: Option<&str>,
        origin: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self.http.post(self.url(path)).form(form);
        if let Some(t) = token {
            req = req.header(COOKIE, session(t));
        }
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        req.send().await.unwrap()
    }
}

/// A stereo 8 kHz 16-bit WAV like the service's recordings: `seconds` of a sawtooth on the left
/// (caller), silence on the right.
fn write_wav(path: &Path, seconds: u32) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(8000 * seconds as i32) {
        w.write_sample((i % 100 * 50) as i16).unwrap();
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
}
