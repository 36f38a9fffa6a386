//! Whether a browser test can run here: Debian's Chromium, node and playwright-core, plus what
//! the test names in `also` (SIPp for the tests that make calls). Missing pieces fail the test
//! with `CI=true` and skip it elsewhere, with a notice saying what to install.

use std::path::Path;
use std::process::Command;

pub fn ready(repo: &Path, also: &[(&str, bool)]) -> bool {
    let mut missing = Vec::new();
    if !Path::new("/usr/bin/chromium").exists() {
        missing.push("Debian chromium (apt-get install chromium)");
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node (apt-get install nodejs npm)");
    }
    if !repo.join("tests/e2e/node_modules/playwright-core").is_dir() {
        missing.push("playwright-core (npm ci --prefix tests/e2e)");
    }
    missing.extend(also.iter().filter(|(_, ok)| !ok).map(|(what, _)| *what));
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "the browser test needs {}; .ci/run installs them",
        missing.join(", ")
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and {msg}");
    }
    eprintln!("NOTICE: skipping: {msg}");
    false
}
