//! The agent's workspace and the wallboard against the real server with the console's seeded
//! SQLite store: presence with a reason on the agent's record, the pop's facts and the agent's own
//! live stream, disposition and note on the card, wrap-up ended by "ready" or extended once, the
//! wallboard's figures live; and the refusals: another agent's pop, presence or call, notes over
//! the limit, reasons and codes not configured, forms from elsewhere, roles.

#[path = "e2e/browser.rs"]
mod browser;
#[path = "e2e/seed.rs"]
#[allow(dead_code)] // the console tests read every field
mod seed;
mod support;

use chrono::Utc;
use frontdesk::store::{NewCall, Store};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use seed::{Console, session, setup, token};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

async fn stream(c: &Console, path: &str, who: &str) -> reqwest::Response {
    let r = c
        .http
        .get(c.url(path))
        .header(COOKIE, session(who))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    r
}

/// Reads the event stream until `want` shows up (bounded); returns everything read.
async fn until(resp: &mut reqwest::Response, want: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(want) {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {want:?} in the stream; got {seen:?}"))
            .unwrap()
            .expect("stream open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

/// Whatever the stream says within `wait`.
async fn drain(resp: &mut reqwest::Response, wait: Duration) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, resp.chunk()).await {
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

async fn agent(c: &Console, id: &str) -> Value {
    let all: Value = c
        .http
        .get(c.url("/api/v1/agents"))
        .bearer_auth(&c.admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .cloned()
        .unwrap()
}

/// A call in progress from `phone` (the service's sweep frees agents held by ended calls).
async fn open_call(store: &Store, phone: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    store
        .insert_call(&NewCall {
            id: id.clone(),
            sip_call_id: None,
            direction: "inbound",
            phone: Some(phone.into()),
            caller_raw: None,
            from_number: None,
            asserted_number: None,
            source: None,
            started_at: Utc::now(),
            node: None,
        })
        .await
        .unwrap();
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn workspace_and_wallboard() {
    let c = setup().await;
    // A second agent with a user of their own.
    token(
        &c.svc,
        &["users", "add", "benny", "--role", "agent", "--agent", "ben"],
    );
    let ben = c.signed_in("benny").await;
    let anna = c.agent_session.clone();
    let store = Store::connect(&c.svc.db_url()).await.unwrap();

    // An agent's sign-in lands on the workspace; a supervisor without a roster entry has none.
    let r = c.sign_in("anna", seed::PASSWORD).await;
    assert_eq!(r.headers()[LOCATION], "/workspace");
    let (status, html) = c.page("/workspace", Some(&anna)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"go-away\""), "{html}");
    assert_eq!(
        c.page("/workspace", Some(&c.sup_session)).await.0,
        StatusCode::FORBIDDEN
    );

    // Presence: away with a configured reason, on the record; anything else refused.
    let mut anna_live = stream(&c, "/workspace/events", &anna).await;
    let mut ben_live = stream(&c, "/workspace/events", &ben).await;
    until(&mut anna_live, "event: ready").await;
    until(&mut ben_live, "event: ready").await;
    let me = Some(anna.as_str());
    let form = [("presence", "away"), ("reason", "lunch"), ("agent", "ben")];
    for origin in [None, Some("http://evil.example")] {
        let r = c.post_form("/workspace/presence", me, origin, &form).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = c
        .post_form("/workspace/presence", me, Some(&c.base), &form)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let a = agent(&c, "anna").await;
    assert_eq!(
        (a["state"].as_str(), a["away_reason"].as_str()),
        (Some("away"), Some("lunch"))
    );
    assert_eq!(
        agent(&c, "ben").await["state"],
        "available",
        "the form names no one else"
    );
    let got = until(&mut anna_live, "event: agent_changed").await;
    assert!(got.contains("\"reason\":\"lunch\""), "{got}");
    let (_, html) = c.page("/workspace", me).await;
    assert!(
        html.contains("<td>lunch</td><td>anna</td>"),
        "on the record: {html}"
    );
    let r = c
        .post_form(
            "/workspace/presence",
            me,
            Some(&c.base),
            &[("presence", "away"), ("reason", "nap")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .post_form(
            "/workspace/presence",
            me,
            Some(&c.base),
            &[("presence", "available")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Through the API an agent still sets only their own presence.
    let r = c
        .http
        .put(c.url("/api/v1/agents/ben/presence"))
        .bearer_auth(&c.agent)
        .json(&serde_json::json!({"presence": "away"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A call from the card's number rings anna: her stream says so; the pop is hers alone.
    let call = open_call(&store, &c.card_phone).await;
    assert!(
        store
            .claim_agent("anna", &call, "test", Utc::now())
            .await
            .unwrap()
    );
    let got = until(&mut anna_live, "\"state\":\"ringing\"").await;
    assert!(got.contains(&call), "{got}");
    let pop = |who: &str, id: &str| {
        let req = c
            .http
            .get(c.url(&format!("/workspace/pop/{id}")))
            .header(COOKIE, session(who));
        async move { req.send().await.unwrap() }
    };
    // Special needs and priority on the card (bounded), the pop's first line.
    let put = |body: Value| {
        let req = c
            .http
            .put(c.url(&format!("/api/v1/clients/{}", c.card_phone)))
            .bearer_auth(&c.supervisor)
            .json(&body);
        async move { req.send().await.unwrap().status() }
    };
    let card = |needs: String, priority: i64| serde_json::json!({"name": "Ona Petraitė", "language": "lt", "needs": needs, "priority": priority});
    assert_eq!(put(card("x".repeat(501), 1)).await, StatusCode::BAD_REQUEST);
    assert_eq!(put(card("deaf".into(), 10)).await, StatusCode::BAD_REQUEST);
    assert_eq!(
        put(card("hard of hearing: speak slowly".into(), 5)).await,
        StatusCode::OK
    );
    let r = pop(&anna, &call).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["name"], "Ona Petraitė", "{p}");
    assert_eq!(
        (p["needs"].as_str(), p["priority"].as_i64()),
        (Some("hard of hearing: speak slowly"), Some(5))
    );
    assert_eq!(p["vip"], true);
    assert!(p["past_calls"].as_array().unwrap().len() == 5, "{p}");
    // Another agent's earlier calls keep their time only.
    assert!(
        p["past_calls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|pc| pc["mine"] == true
                || pc["id"].is_null()
                || pc["outcome"] != "handled by another agent"),
        "{p}"
    );
    for (who, id) in [
        (&ben, call.as_str()),
        (&anna, c.calls[1].as_str()),
        (&anna, "../../etc"),
    ] {
        assert_eq!(pop(who, id).await.status(), StatusCode::NOT_FOUND, "{id}");
    }
    let quiet = drain(&mut ben_live, Duration::from_millis(1500)).await;
    assert!(
        !quiet.contains(&call),
        "ben's stream shows nothing of anna's: {quiet}"
    );

    // Disposition and note on the card; bounded; only for her own call and configured codes.
    let note = "Asked about the June invoice; sending a copy.";
    let dispose = |id: &str, code: &str, note: String| {
        let (c, anna, id, code) = (&c, anna.clone(), id.to_string(), code.to_string());
        async move {
            c.post_form(
                "/workspace/disposition",
                Some(&anna),
                Some(&c.base),
                &[("call_id", &id), ("code", &code), ("note", &note)],
            )
            .await
            .status()
        }
    };
    assert_eq!(
        dispose(&c.calls[1], "resolved", "x".into()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        dispose(&call, "bribe", "x".into()).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        dispose(&call, "resolved", "é".repeat(2001)).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        dispose(&call, "resolved", note.into()).await,
        StatusCode::SEE_OTHER
    );
    let card: Value = c
        .http
        .get(c.url(&format!("/api/v1/clients/{}", c.card_phone)))
        .bearer_auth(&c.supervisor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        card.to_string()
            .contains(&format!("resolved: {note} (anna)")),
        "{card}"
    );

    // Wrap-up: "more time" once, "ready" ends it.
    assert!(
        store
            .agent_answered("anna", &call, Utc::now())
            .await
            .unwrap()
    );
    let until_at = Utc::now() + chrono::Duration::seconds(30);
    assert!(
        store
            .release_agent("anna", &call, Utc::now(), Some(until_at))
            .await
            .unwrap()
    );
    until(&mut anna_live, "\"state\":\"wrap_up\"").await;
    let (_, html) = c.page("/workspace", me).await;
    assert!(
        html.contains("id=\"wrap-left\"") && html.contains("id=\"more-time\""),
        "{html}"
    );
    let post = |path: &'static str, who: String| {
        let c = &c;
        async move {
            c.post_form(path, Some(&who), Some(&c.base), &[])
                .await
                .status()
        }
    };
    assert_eq!(
        post("/workspace/more-time", ben.clone()).await,
        StatusCode::CONFLICT,
        "ben is not in wrap-up"
    );
    assert_eq!(
        post("/workspace/more-time", anna.clone()).await,
        StatusCode::SEE_OTHER
    );
    let a = agent(&c, "anna").await;
    assert_eq!(a["wrap_extended"], true);
    let longer: chrono::DateTime<Utc> = a["wrap_up_until"].as_str().unwrap().parse().unwrap();
    assert!(longer >= until_at + chrono::Duration::seconds(59), "{a}");
    assert_eq!(
        post("/workspace/more-time", anna.clone()).await,
        StatusCode::CONFLICT,
        "once"
    );
    assert_eq!(
        post("/workspace/ready", anna.clone()).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(agent(&c, "anna").await["state"], "available");
    assert_eq!(
        post("/workspace/ready", anna.clone()).await,
        StatusCode::CONFLICT
    );

    // The wallboard: supervisors only; a caller joining the queue shows up live, and leaves.
    assert_eq!(c.page("/wallboard", me).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        c.page("/wallboard/figures", me).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, html) = c.page("/wallboard", Some(&c.sup_session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"waiting\">0<"), "{html}");
    let mut board = stream(&c, "/wallboard/events", &c.sup_session).await;
    until(&mut board, "\"waiting\":0").await;
    let waiting = open_call(&store, "+37061234888").await;
    store
        .insert_call_events(&[(
            waiting.clone(),
            Utc::now() - chrono::Duration::seconds(42),
            "queue".into(),
            "joined at position 1 (priority 0)".into(),
        )])
        .await
        .unwrap();
    let got = until(&mut board, "\"waiting\":1").await;
    assert!(got.contains("\"longest_wait\":4"), "{got}");
    sqlx::query("UPDATE calls SET bridged_at = $1 WHERE id = $2")
        .bind(Utc::now().timestamp_millis())
        .bind(&waiting)
        .execute(store.pool())
        .await
        .unwrap();
    let got = until(&mut board, "\"waiting\":0").await;
    assert!(got.contains("\"answered\":1"), "{got}");
    let f: Value = c
        .http
        .get(c.url("/wallboard/figures"))
        .header(COOKIE, session(&c.sup_session))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        f["queue"]["today"]["service_level"], 0,
        "answered after 42 s > 20 s: {f}"
    );
    assert_eq!(f["service_level_seconds"], 20);

    // Reports per day, hour and agent, and their CSV: supervisors only, periods bounded.
    let sup = Some(c.sup_session.as_str());
    assert_eq!(c.page("/reports", me).await.0, StatusCode::FORBIDDEN);
    assert_eq!(c.page("/reports.csv", me).await.0, StatusCode::FORBIDDEN);
    for by in ["day", "hour", "agent"] {
        let (status, html) = c.page(&format!("/reports?by={by}"), sup).await;
        assert_eq!(status, StatusCode::OK, "{by}");
        assert!(html.contains("id=\"report\""), "{html}");
    }
    for bad in ["/reports?by=week", "/reports?since=2020-01-01T00:00"] {
        assert_eq!(c.page(bad, sup).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
    let r = c
        .http
        .get(c.url("/reports.csv?by=agent"))
        .header(COOKIE, session(&c.sup_session))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let csv = r.text().await.unwrap();
    assert!(
        csv.starts_with("agent,offered,answered,abandoned,service_level_pct"),
        "{csv}"
    );
    assert!(csv.lines().any(|l| l.starts_with("anna,")), "{csv}");

    // Languages: the browser's before sign-in, the user's choice after; every page in each of
    // them renders with no message key left showing.
    let r = c
        .http
        .get(c.url("/login"))
        .header("accept-language", "lt-LT,lt;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"lt\">") && html.contains("Prisijungti"),
        "{html}"
    );
    let choose = |who: String, lang: &'static str, origin: Option<String>| {
        let c = &c;
        async move {
            c.post_form(
                "/console/language",
                Some(&who),
                origin.as_deref(),
                &[("language", lang)],
            )
            .await
            .status()
        }
    };
    assert_eq!(
        choose(anna.clone(), "ru", None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        choose(anna.clone(), "xx", Some(c.base.clone())).await,
        StatusCode::BAD_REQUEST
    );
    let keys = frontdesk::i18n::ids(frontdesk::i18n::Lang::En);
    for (lang, word) in [
        ("lt", "Buvimas"),
        ("ru", "Присутствие"),
        ("uk", "Присутність"),
        ("en", "Presence"),
    ] {
        for who in [anna.clone(), c.sup_session.clone()] {
            assert_eq!(
                choose(who, lang, Some(c.base.clone())).await,
                StatusCode::SEE_OTHER
            );
        }
        let (_, html) = c.page("/workspace", me).await;
        assert!(
            html.contains(&format!("<html lang=\"{lang}\">")) && html.contains(word),
            "{lang}: {html}"
        );
        for (path, who) in [
            ("/workspace", me),
            ("/", me),
            ("/wallboard", sup),
            ("/agents", sup),
            ("/complaints", sup),
            ("/callbacks", sup),
            ("/surveys", sup),
            ("/reports", sup),
            (&format!("/calls/{}", c.calls[0]), sup),
            (&format!("/clients/{}", c.card_phone), sup),
        ] {
            let (status, html) = c.page(path, who).await;
            assert_eq!(status, StatusCode::OK, "{lang} {path}");
            let raw: Vec<_> = keys
                .iter()
                .filter(|k| {
                    // A word that reads the same as its key ("no" in English) is no sign.
                    let l = frontdesk::i18n::Lang::parse(lang).unwrap();
                    if frontdesk::i18n::text(l, k, &[]) == **k {
                        return false;
                    }
                    let quoted = format!("=\"{k}\"");
                    let as_name = ["id", "name", "class"]
                        .iter()
                        .map(|a| html.matches(&format!("{a}{quoted}")).count())
                        .sum::<usize>();
                    html.contains(&format!(">{k}<")) || html.matches(&quoted).count() > as_name
                })
                .collect();
            assert!(raw.is_empty(), "{lang} {path} shows keys {raw:?}");
        }
    }
    store.close().await;
}

/// What the browser test needs; missing pieces fail in CI and skip elsewhere.
fn browser_ready() -> bool {
    browser::ready(&support::repo(), &[("sipp", support::sipp_available())])
}

/// The caller's special needs on their card: the pop's first line.
const NEEDS: &str = "hard of hearing: speak slowly";

/// Quick rings, a wrap-up long enough to write the disposition, callers queue while all are away.
const BROWSER_CONFIG: &str = "[routing]\nring_timeout_seconds = 15\nwrap_up_seconds = 60\n\
     join_when_all_away = true\n";

#[tokio::test(flavor = "multi_thread")]
async fn workspace_in_a_real_browser() {
    if !browser_ready() {
        return;
    }
    let svc = support::Service::start(BROWSER_CONFIG);
    let dir = svc.dir.path().to_path_buf();
    let caller = "+37061234567";
    let name = "Ona Petraitė";
    std::fs::write(
        dir.join("clients.csv"),
        format!("phone,name,language,needs,priority\n{caller},{name},en,{NEEDS},3\n"),
    )
    .unwrap();
    let ok = |args: &[&str]| {
        let out = svc.cli(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(&[
        "clients",
        "import",
        dir.join("clients.csv").to_str().unwrap(),
    ]);
    // The agent's phone: rings 3 s, then answers and talks until the caller leaves.
    let phone_port = support::free_udp_port();
    let phone_log = dir.join("agent-phone.err");
    let mut phone = Command::new("timeout")
        .args(["100", "sipp", "-sf"])
        .arg(support::repo().join("tests/sipp/agent_answer_late.xml"))
        .args(["-i", "127.0.0.1", "-p", &phone_port.to_string()])
        .args(["-mp", &support::free_media_port().to_string()])
        .args([
            "-m",
            "1",
            "-rtp_echo",
            "-timeout",
            "90s",
            "-timeout_error",
            "-nostdin",
        ])
        .args(["-trace_err", "-error_file"])
        .arg(&phone_log)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let uri = format!("sip:anna@127.0.0.1:{phone_port}");
    ok(&[
        "agents",
        "add",
        "anna",
        "--uri",
        &uri,
        "--languages",
        "en,lt",
    ]);
    ok(&["agents", "presence", "anna", "away"]);
    let admin = token(&svc, &["users", "add", "boss", "--role", "admin"]);
    token(
        &svc,
        &["users", "add", "anna", "--role", "agent", "--agent", "anna"],
    );
    token(&svc, &["users", "add", "sue", "--role", "supervisor"]);
    let shots = support::repo().join("target/console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let ports: Vec<String> = (0..2)
        .flat_map(|_| [support::free_udp_port(), support::free_media_port()])
        .map(|p| p.to_string())
        .collect();
    let out = tokio::task::spawn_blocking({
        let (base, sip, shots, dir) = (
            format!("http://{}", svc.http),
            svc.sip.to_string(),
            shots.clone(),
            dir.clone(),
        );
        move || {
            Command::new("timeout")
                .args(["150", "node", "tests/e2e/workspace.mjs"])
                .current_dir(support::repo())
                .env("FD_BASE", base)
                .env("FD_TOKEN", admin)
                .env("FD_AGENT_USER", "anna")
                .env("FD_SUP_USER", "sue")
                .env("FD_PASSWORD", seed::PASSWORD)
                .env("FD_NAME", name)
                .env("FD_NEEDS", NEEDS)
                .env("FD_PHONE", caller)
                .env("FD_SIP", sip)
                .env("FD_SIPP_DIR", support::repo().join("tests/sipp"))
                .env("FD_WORKDIR", dir)
                .env("FD_PORTS", ports.join(","))
                .env("FD_SCREENSHOTS", shots)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nagent phone:\n{}\nservice log:\n{}",
        std::fs::read_to_string(&phone_log).unwrap_or_default(),
        svc.log()
    );
    println!("{stdout}");
    let status = phone.wait().unwrap();
    assert!(
        status.success(),
        "the agent's phone failed: {}",
        std::fs::read_to_string(&phone_log).unwrap_or_default()
    );
    for page in [
        "workspace-pop",
        "workspace-wrapup",
        "workspace",
        "wallboard",
        "workspace-lt",
        "workspace-ru",
        "workspace-uk",
        "wallboard-lt",
        "wallboard-ru",
        "wallboard-uk",
        "reports",
    ] {
        let len = std::fs::metadata(shots.join(format!("{page}.png")))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(len > 1000, "no screenshot of {page}");
    }
}
