//! Announcements rendered from the configuration by espeak-ng: at start, again on SIGHUP after
//! the company name changed (only what changed is rendered), nothing after a restart (the disk
//! cache), and without the engine the stale ones named on /healthz.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::Service;

fn espeak_available() -> bool {
    let ok = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI=true and espeak-ng is not installed"
        );
        eprintln!("NOTICE: espeak-ng not installed; skipping");
    }
    ok
}

/// Waits (bounded) for the n-th log line that contains all of `parts`.
fn wait_log(svc: &Service, n: usize, parts: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = svc.log();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| parts.iter().all(|p| l.contains(p)))
            .collect();
        if lines.len() >= n {
            return lines[n - 1].to_string();
        }
        assert!(Instant::now() < deadline, "no {parts:?} in:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn stale(svc: &Service) -> Vec<String> {
    let health: Value = reqwest::get(format!("http://{}/healthz", svc.http))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    serde_json::from_value(health["stale_announcements"].clone()).unwrap()
}

#[tokio::test]
async fn announcements_follow_the_configuration_and_are_rendered_once() {
    if !espeak_available() {
        return;
    }
    let mut svc = Service::start("[speech]\nengine = \"espeak-ng\"\n");
    let line = wait_log(&svc, 1, &["announcements rendered"]);
    assert!(
        line.contains("rendered=12") && line.contains("cached=0"),
        "{line}"
    );
    assert_eq!(stale(&svc).await, Vec::<String>::new());
    let cache = svc.dir.path().join("data/speech");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 12);

    // The company is renamed: SIGHUP renders the greeting and the intro of each language anew.
    let config = svc.config.clone();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("Example Ltd", "Acme UAB")).unwrap();
    svc.signal("-HUP");
    let line = wait_log(&svc, 2, &["announcements rendered"]);
    assert!(
        line.contains("rendered=8") && line.contains("cached=4"),
        "{line}"
    );
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 20);

    // A restart renders nothing.
    svc.stop("-TERM");
    let svc = svc.restart();
    let line = wait_log(&svc, 1, &["announcements rendered"]);
    assert!(
        line.contains("rendered=0") && line.contains("cached=12"),
        "{line}"
    );

    // Without the engine the node starts and names what is now untrue.
    let mut svc = svc;
    svc.stop("-TERM");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("engine = \"espeak-ng\"", "engine = \"none\""),
    )
    .unwrap();
    let svc = svc.restart();
    wait_log(&svc, 1, &["STALE ANNOUNCEMENTS"]);
    let stale = stale(&svc).await;
    assert_eq!(stale.len(), 12, "{stale:?}");
    for name in ["en/greeting", "ru/after_hours", "lt/callback_intro"] {
        assert!(stale.iter().any(|s| s == name), "{stale:?}");
    }
}
