//! Brute force against the real server on an ephemeral port, with a real store (SQLite, and
//! PostgreSQL when it answers; mandatory in CI): parallel wrong secrets are counted before the
//! hash is checked and end in 429, while valid tokens from the same address still get in; limits
//! per account across addresses; `X-Forwarded-For` believed only from trusted proxies; only a few
//! argon2 checks at a time.

mod common;
mod support;

use reqwest::StatusCode;
use std::collections::BTreeMap;
use support::api::{Api, setup};

/// `token` with another secret: the same key id (so the same account), a wrong hash.
fn wrong_secret(token: &str, n: usize) -> String {
    let (key, _) = token.rsplit_once('_').unwrap();
    format!("{key}_{:0>40}", n)
}

/// An unknown account: a well-formed token whose key id names nobody (no argon2 is run).
fn nobody(n: usize) -> String {
    format!("fd_{:A>12}_{}", n, "B".repeat(40))
}

async fn status_of(api: &Api, token: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req = api
        .client
        .get(format!("{}/api/v1/calls?limit=1", api.base))
        .bearer_auth(token);
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.unwrap()
}

/// Sends `tokens` all at once; returns the count of each status and whether every 429 said when
/// to come back.
async fn burst(api: &Api, tokens: Vec<String>) -> (BTreeMap<u16, usize>, bool) {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, t) in tokens.into_iter().enumerate() {
        let (client, base) = (api.client.clone(), api.base.clone());
        tasks.spawn(async move {
            // A forged X-Forwarded-For on each: without trusted proxies it must change nothing.
            let r = client
                .get(format!("{base}/api/v1/calls?limit=1"))
                .bearer_auth(t)
                .header("x-forwarded-for", format!("198.51.100.{}", i % 250))
                .send()
                .await
                .unwrap();
            let retry = r.headers().get("retry-after").is_some();
            (r.status().as_u16(), retry)
        });
    }
    let mut counts = BTreeMap::new();
    let mut all_say_when = true;
    while let Some(joined) = tasks.join_next().await {
        let (status, retry) = joined.unwrap();
        *counts.entry(status).or_insert(0) += 1;
        if status == 429 && !retry {
            all_say_when = false;
        }
    }
    (counts, all_say_when)
}

/// Makes sure this test's address is over its limit: cheap attempts (no account, so no argon2)
/// until one is refused with `too_many_failures`.
async fn blocked(api: &Api) {
    for i in 0..30 {
        let r = status_of(api, &nobody(100 + i), None).await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "too_many_failures");
            return;
        }
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    panic!("the address never got blocked");
}

/// The verified-token memory lasts one second here, so the test can see what happens after it.
const TABLES: &str = "[http]\ntoken_cache_seconds = 1\nverify_wait_ms = 60000\n";

async fn parallel_wrong_secrets(api: Api) {
    // Happy: every user's token works; sue's is now known to this node.
    for t in [&api.admin, &api.supervisor] {
        assert_eq!(status_of(&api, t, None).await.status(), StatusCode::OK);
    }

    // 60 wrong secrets for sue's account at once, from one address.
    let wrong: Vec<String> = (0..60).map(|i| wrong_secret(&api.supervisor, i)).collect();
    let (counts, all_say_when) = burst(&api, wrong).await;
    // Counted before the hash is checked: only the account's 10 reach argon2, the rest are 429.
    assert_eq!(counts.get(&401), Some(&10), "{counts:?}");
    assert_eq!(counts.get(&429), Some(&50), "{counts:?}");
    assert_eq!(counts.len(), 2, "nothing else: {counts:?}");
    assert!(all_say_when, "every 429 carries Retry-After");

    // Past the one-second memory, valid tokens from the same noisy address still get in (each
    // checked right after the address is seen to be blocked):
    std::thread::sleep(std::time::Duration::from_millis(1200));
    // sue's own (known: it verified before), although her account is the one under attack;
    blocked(&api).await;
    assert_eq!(
        status_of(&api, &api.supervisor, None).await.status(),
        StatusCode::OK
    );
    // anna's, never seen before, because her account is untouched;
    blocked(&api).await;
    assert_eq!(
        status_of(&api, &api.agent, None).await.status(),
        StatusCode::OK
    );
    // boss's as well.
    blocked(&api).await;
    assert_eq!(
        status_of(&api, &api.admin, None).await.status(),
        StatusCode::OK
    );

    // From the blocked address an account gets one try and no more: the first wrong secret for
    // anna is checked (401), the next is refused unchecked.
    blocked(&api).await;
    assert_eq!(
        status_of(&api, &wrong_secret(&api.agent, 1), None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    blocked(&api).await;
    assert_eq!(
        status_of(&api, &wrong_secret(&api.agent, 2), None)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_wrong_secrets_on_sqlite() {
    parallel_wrong_secrets(setup(None, TABLES).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_wrong_secrets_on_postgres() {
    let Some(db) = common::TestDb::postgres().await else {
        return;
    };
    let url = db.url.clone();
    parallel_wrong_secrets(setup(Some(&url), TABLES).await).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    // The test client connects from 127.0.0.1, which is the trusted proxy here.
    let api = setup(
        None,
        "[http]\ntrusted_proxies = [\"127.0.0.0/8\"]\nfailures_per_address = 5\n\
         failures_per_account = 3\n",
    )
    .await;
    let a = Some("203.0.113.1");
    for i in 0..5 {
        let r = status_of(&api, &nobody(i), a).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    assert_eq!(
        status_of(&api, &nobody(9), a).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not affected.
    assert_eq!(
        status_of(&api, &nobody(10), Some("203.0.113.2"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // The client cannot step around its limit by writing its own entry on the left: the proxy
    // appended the real one on the right.
    assert_eq!(
        status_of(&api, &nobody(11), Some("192.0.2.77, 203.0.113.1"))
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // A valid token from the blocked client goes through.
    assert_eq!(
        status_of(&api, &api.admin, a).await.status(),
        StatusCode::OK
    );

    // One account is limited across addresses: three wrong secrets from three clients, then even
    // a fresh address is refused for that account, while another account is still checked.
    for i in 0..3 {
        let xff = format!("198.51.100.{i}");
        let r = status_of(&api, &wrong_secret(&api.supervisor, i), Some(&xff)).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let fresh = Some("198.51.100.200");
    assert_eq!(
        status_of(&api, &wrong_secret(&api.supervisor, 99), fresh)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        status_of(&api, &wrong_secret(&api.agent, 99), fresh)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_few_checks_run_at_once_the_rest_get_429() {
    // One slot, hardly any wait, and limits high enough not to interfere.
    let api = setup(
        None,
        "[http]\nverify_concurrency = 1\nverify_wait_ms = 1\n\
         failures_per_address = 1000\nfailures_per_account = 1000\n",
    )
    .await;
    let wrong: Vec<String> = (0..50).map(|i| wrong_secret(&api.supervisor, i)).collect();
    let (counts, all_say_when) = burst(&api, wrong).await;
    let busy = counts.get(&429).copied().unwrap_or(0);
    let checked = counts.get(&401).copied().unwrap_or(0);
    assert!(busy >= 25, "most wait in vain: {counts:?}");
    assert!(checked >= 1, "some are checked: {counts:?}");
    assert_eq!(busy + checked, 50, "{counts:?}");
    assert!(all_say_when);
    // A busy refusal is not a failure: a valid token gets in at once afterwards.
    assert_eq!(
        status_of(&api, &api.supervisor, None).await.status(),
        StatusCode::OK
    );
}
