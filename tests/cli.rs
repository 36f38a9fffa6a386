//! The command line as an administrator uses it: the real binary, a real SQLite file, exit codes.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

/// A fresh data directory and config for one test.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("frontdesk.toml"),
            r#"
[company]
name = "Example Ltd"
time_zone = "Europe/Vilnius"
default_region = "LT"
hours = "Mon-Fri 09:00-18:00"
holidays = ["2026-12-24", "2026-12-25"]
"#,
        )
        .unwrap();
        Env { dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("frontdesk").unwrap();
        c.current_dir(self.dir.path())
            .env_remove("FRONTDESK_DATABASE_URL")
            .env_remove("FRONTDESK_DATA_DIR")
            .arg("--config")
            .arg(self.path("frontdesk.toml"));
        c
    }

    fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd().args(args).assert()
    }

    /// Runs a command that must succeed and returns its stdout.
    fn stdout_of(&self, args: &[&str]) -> Vec<u8> {
        self.run(args).success().get_output().stdout.clone()
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.path(name), text).unwrap();
        self.path(name).display().to_string()
    }
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

#[test]
fn the_database_is_created_on_first_use() {
    let env = Env::new();
    env.run(&["migrate"]).success();
    assert!(Path::new(&env.path("data/frontdesk.db")).is_file());
}

#[test]
fn dnc_add_list_remove() {
    let env = Env::new();
    env.run(&["dnc", "add", "8 612 34567", "--reason", "asked by phone"])
        .success()
        .stdout(predicate::str::contains("+37061234567 added"));
    let out = env.stdout_of(&["dnc", "list", "--json"]);
    let v = json(&out);
    assert_eq!(v[0]["phone"], "+37061234567");
    assert_eq!(v[0]["reason"], "asked by phone");
    assert_eq!(v[0]["source"], "cli");
    env.run(&["dnc", "remove", "+37061234567"]).success();
    env.run(&["dnc", "remove", "+37061234567"]).code(4);
    env.run(&["dnc", "add", "not a number"])
        .failure()
        .stderr(predicate::str::contains("not a number"));
}

#[test]
fn a_bad_csv_row_is_named_and_nothing_is_imported() {
    let env = Env::new();
    let f = env.write(
        "clients.csv",
        "phone,name,language,time_zone,hours\n\
         +37061234567,Jonas,lt,Europe/Vilnius,Mon-Fri 09:00-18:00\n\
         +37061234568,Ona,lt,Europe/Atlantis,\n",
    );
    env.run(&["clients", "import", &f])
        .failure()
        .stderr(predicate::str::contains("line 3, field time_zone"));
    env.run(&["clients", "show", "+37061234567"]).code(4);

    let f = env.write(
        "clients.csv",
        "phone,name,language,time_zone,hours,email\n\
         +37061234567,Jonas,lt,Europe/Vilnius,Mon-Fri 09:00-18:00,jonas@example.com\n\
         +1 212 555 0142,Ann,en,,,\n",
    );
    env.run(&["clients", "import", &f])
        .success()
        .stdout(predicate::str::contains("imported 2"));
    let out = env.stdout_of(&["clients", "show", "861234567", "--json"]);
    let v = json(&out);
    assert_eq!(v["client"]["name"], "Jonas");
    assert_eq!(v["client"]["email"], "jonas@example.com");
    assert_eq!(v["timeline"][0]["kind"], "card_written");
}

#[test]
fn dnc_and_vip_imports() {
    let env = Env::new();
    let f = env.write(
        "dnc.csv",
        "phone,reason\n861234567,registry\n+37061234568,\n",
    );
    env.run(&["dnc", "import", &f])
        .success()
        .stdout(predicate::str::contains("2 added"));
    env.run(&["dnc", "import", &f])
        .success()
        .stdout(predicate::str::contains("2 already"));

    env.run(&[
        "agents",
        "add",
        "anna",
        "--uri",
        "sip:anna@127.0.0.1",
        "--languages",
        "ru,en",
    ])
    .success();
    let f = env.write(
        "vip.csv",
        "phone,agent\n+37061234570,anna\n+37061234571,ghost\n",
    );
    env.run(&["vip", "import", &f])
        .failure()
        .stderr(predicate::str::contains("line 3, field agent"));
    let out = env.stdout_of(&["vip", "list", "--json"]);
    assert_eq!(
        json(&out).as_array().unwrap().len(),
        0,
        "nothing half-imported"
    );
    env.run(&["vip", "add", "+37061234570", "--agent", "anna"])
        .success();
    let out = env.stdout_of(&["vip", "list", "--json"]);
    assert_eq!(json(&out)[0]["agent_id"], "anna");
}

#[test]
fn agents_and_presence() {
    let env = Env::new();
    env.run(&[
        "agents",
        "add",
        "anna",
        "--uri",
        "sip:anna@127.0.0.1",
        "--name",
        "Anna",
    ])
    .success();
    env.run(&["agents", "add", "anna", "--uri", "sip:anna@127.0.0.1"])
        .code(2);
    env.run(&["agents", "add", "bad", "--uri", "anna@127.0.0.1"])
        .code(2);
    env.run(&["agents", "presence", "anna", "away"]).success();
    env.run(&["agents", "presence", "anna", "asleep"]).code(2);
    env.run(&["agents", "presence", "ghost", "away"]).code(4);
    let out = env.stdout_of(&["agents", "list", "--json"]);
    assert_eq!(json(&out)[0]["presence"], "away");
}

#[test]
fn users_get_a_token_once() {
    let env = Env::new();
    let out = env.stdout_of(&["users", "add", "boss", "--role", "admin"]);
    let token = String::from_utf8(out).unwrap();
    assert!(token.trim().starts_with("fd_"), "{token}");
    env.run(&["users", "add", "boss", "--role", "admin"])
        .code(2);
    env.run(&["users", "add", "x", "--role", "root"]).code(2);
    let db = std::fs::read(env.path("data/frontdesk.db")).unwrap();
    let needle = token.trim().as_bytes();
    assert!(
        !db.windows(needle.len()).any(|w| w == needle),
        "the token itself is never stored"
    );
}

#[test]
fn users_list_disable_enable_remove_tokens_revoke() {
    let env = Env::new();
    let token = |out: Vec<u8>| String::from_utf8(out).unwrap().trim().to_string();
    // A password from stdin; too short a one is refused and nothing is created.
    env.cmd()
        .args([
            "users",
            "add",
            "sue",
            "--role",
            "supervisor",
            "--password-stdin",
        ])
        .write_stdin("short\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least"));
    let first = token(
        env.cmd()
            .args([
                "users",
                "add",
                "sue",
                "--role",
                "supervisor",
                "--password-stdin",
            ])
            .write_stdin("a long enough password\n")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    );
    assert!(first.starts_with("fd_"), "{first}");
    env.run(&["users", "add", "bad name", "--role", "agent"])
        .code(2);
    let second = token(env.stdout_of(&["users", "token", "sue", "--label", "crm"]));
    assert_ne!(first, second);

    let list = json(&env.stdout_of(&["users", "list", "--json"]));
    let sue = &list[0];
    assert_eq!(sue["name"], "sue");
    assert_eq!(sue["role"], "supervisor");
    assert_eq!(sue["status"], "active");
    assert_eq!(sue["has_password"], true);
    assert_eq!(sue["tokens"], 2);

    // Tokens: listed by id (never the secret), revoked one by one.
    let tokens = json(&env.stdout_of(&["users", "tokens", "sue", "--json"]));
    let ids: Vec<&str> = tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(first.contains(ids[0]) && second.contains(ids[1]));
    assert_eq!(tokens[1]["label"], "crm");
    let text = String::from_utf8(env.stdout_of(&["users", "tokens", "sue"])).unwrap();
    assert!(!text.contains(&first) && !text.contains(&second), "{text}");
    env.run(&["users", "revoke", ids[0]])
        .success()
        .stdout(predicate::str::contains("revoked"));
    env.run(&["users", "revoke", ids[0]])
        .success()
        .stdout(predicate::str::contains("already"));
    env.run(&["users", "revoke", "nosuchtoken0"]).code(4);
    let tokens = json(&env.stdout_of(&["users", "tokens", "sue", "--json"]));
    assert!(tokens[0]["revoked_at"].is_string());
    assert!(tokens[1]["revoked_at"].is_null());

    // Disable and enable; unknown names are "not found".
    env.run(&["users", "disable", "sue"]).success();
    let list = json(&env.stdout_of(&["users", "list", "--json"]));
    assert_eq!(list[0]["status"], "disabled");
    env.run(&["users", "enable", "sue"]).success();
    let list = json(&env.stdout_of(&["users", "list", "--json"]));
    assert_eq!(list[0]["status"], "active");
    env.run(&["users", "disable", "nobody"]).code(4);
    env.run(&["users", "tokens", "nobody"]).code(4);

    // A new password (stdin only).
    env.run(&["users", "password", "sue"]).code(2);
    env.cmd()
        .args(["users", "password", "sue", "--password-stdin"])
        .write_stdin("another long password")
        .assert()
        .success();

    // Removed: still listed (history names them), every token revoked, the name not reusable.
    env.run(&["users", "remove", "sue"]).success();
    let list = json(&env.stdout_of(&["users", "list", "--json"]));
    assert_eq!(list[0]["status"], "removed");
    assert_eq!(list[0]["tokens"], 0);
    assert_eq!(list[0]["has_password"], false);
    env.run(&["users", "enable", "sue"]).code(2);
    env.run(&["users", "token", "sue"]).code(2);
    env.run(&["users", "add", "sue", "--role", "agent"]).code(2);
}

#[test]
fn callbacks_plan_explains_and_refuses_dnc() {
    let env = Env::new();
    // Monday 2026-11-23 07:00 in Vilnius: before hours, so the slot is 09:00 local.
    let out = env.stdout_of(&[
        "callbacks",
        "plan",
        "+37061234567",
        "--at",
        "2026-11-23T07:00:00+02:00",
        "--json",
    ]);
    let v = json(&out);
    for key in [
        "phone",
        "requested_at",
        "slot_start",
        "slot_end",
        "sla_deadline",
        "client_tz",
        "reason",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["phone"], "+37061234567");
    assert_eq!(v["slot_start"], "2026-11-23T07:00:00Z");
    assert_eq!(v["client_tz"], "Europe/Vilnius");
    assert_eq!(v["sla_deadline"], "2026-11-23T15:00:00Z");

    env.run(&["dnc", "add", "+37061234567", "--reason", "no calls please"])
        .success();
    env.run(&["callbacks", "plan", "+37061234567"])
        .code(3)
        .stderr(
            predicate::str::contains("do-not-call")
                .and(predicate::str::contains("no calls please")),
        );
    env.run(&["callbacks", "plan", "+37061234568", "--at", "yesterday"])
        .code(2);
}

#[test]
fn callbacks_request_and_list() {
    let env = Env::new();
    env.run(&[
        "callbacks",
        "request",
        "+37061234567",
        "--reason",
        "web form",
    ])
    .success();
    env.run(&["callbacks", "request", "+37061234568", "--agent", "ghost"])
        .failure();
    let out = env.stdout_of(&["callbacks", "list", "--json"]);
    let v = json(&out);
    assert_eq!(v.as_array().unwrap().len(), 1);
    for key in [
        "id",
        "phone",
        "status",
        "slot_start",
        "sla_deadline",
        "at_risk",
        "attempts",
        "reason",
        "result",
    ] {
        assert!(v[0].get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v[0]["status"], "planned");
    assert_eq!(v[0]["reason"], "web form");
    assert_eq!(v[0]["attempts"], 0);
    let id = v[0]["id"].to_string();
    env.run(&["callbacks", "cancel", &id, "--reason", "wrote back"])
        .success()
        .stdout(predicate::str::contains("cancelled"));
    env.run(&["callbacks", "cancel", &id]).failure();
    env.run(&["callbacks", "cancel", "999999"]).failure();
    let out = env.stdout_of(&["callbacks", "list", "--json"]);
    assert_eq!(
        json(&out).as_array().unwrap().len(),
        0,
        "cancelled leaves the list"
    );
}

#[test]
fn calls_list_is_empty_json_on_a_new_store() {
    let env = Env::new();
    let out = env.stdout_of(&["calls", "list", "--json"]);
    assert_eq!(json(&out), serde_json::json!([]));
    env.run(&["calls", "list", "--since", "last week"]).code(2);
}

#[test]
fn configuration_errors_name_the_key_and_exit_2() {
    let env = Env::new();
    env.cmd()
        .env("FRONTDESK_RTP_PORTS", "30000-20000")
        .args(["migrate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RTP_PORTS").or(predicate::str::contains("rtp_ports")));
    let bad = env.write("bad.toml", "[company]\ntime_zone = \"Mars/Base\"\n");
    Command::cargo_bin("frontdesk")
        .unwrap()
        .current_dir(env.dir.path())
        .args(["--config", &bad, "migrate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("company.time_zone"));
}
