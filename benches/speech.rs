//! How long a callback promise takes to render when many callers ask at once: N promises (each a
//! different sentence, so nothing comes from a cache) started together through the same path a
//! call uses (`Announcer::promise`), timed from start to audio ready. Run by
//! scripts/bench-speech.sh; prints p50/p90/p99/max and the confirmation prompt's length, which
//! the p99 must stay under for no caller to wait.

use chrono::{Duration, TimeZone, Utc};
use frontdesk::announce::{PromiseFacts, promise};
use frontdesk::config::Config;
use frontdesk::flow::Lang;
use frontdesk::media::prompts::Prompts;
use frontdesk::speech::announcer::Announcer;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = tempfile::tempdir().expect("temp dir");
    let config = Config {
        prompts_dir: repo.join("prompts"),
        data_dir: data.path().to_path_buf(),
        ..Config::default()
    };
    let prompts = Prompts::load(&config.prompts_dir).expect("prompts");
    let confirmation_ms = Lang::ALL
        .iter()
        .filter_map(|l| prompts.get(l.as_str(), "callback_confirmation"))
        .map(|p| p.duration_ms())
        .min()
        .unwrap_or(0);
    let announcer = Announcer::new(&config, prompts);
    if announcer.engine().is_none() {
        eprintln!("no speech engine (apt-get install espeak-ng)");
        std::process::exit(1);
    }
    announcer.refresh(&config).await;
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap();
    let started = Instant::now();
    let jobs: Vec<_> = (0..n)
        .map(|i| {
            let lang = Lang::ALL[i % 4];
            let start = now + Duration::minutes(30 * i as i64 + 60);
            let text = promise(&PromiseFacts {
                lang,
                now,
                slot_start: start,
                slot_end: start + Duration::minutes(30),
                client_tz: chrono_tz::Europe::Vilnius,
                company_tz: chrono_tz::Europe::Vilnius,
                constrained_by: &[],
                dnc_consent: i % 10 == 0,
            });
            let job = announcer.promise(lang, &text).expect("engine and voice");
            async move {
                let audio = job.await.expect("task").expect("rendered");
                (started.elapsed(), audio.duration_ms())
            }
        })
        .collect();
    let mut results = futures_util::future::join_all(jobs).await;
    results.sort();
    let ms = |q: f64| {
        let i = ((results.len() as f64 * q).ceil() as usize).clamp(1, results.len()) - 1;
        results[i].0.as_millis()
    };
    let spoken: u64 = results.iter().map(|r| r.1).sum::<u64>() / results.len() as u64;
    println!(
        "{n} promises at once on {} cores: p50 {} ms, p90 {} ms, p99 {} ms, max {} ms; \
         a promise lasts {spoken} ms on average; the shortest confirmation plays {confirmation_ms} ms",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        ms(0.5),
        ms(0.9),
        ms(0.99),
        ms(1.0),
    );
}
