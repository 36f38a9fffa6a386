//! `frontdesk retention …`: run the retention job now, or read what past runs removed.

use super::{CliError, print_json, ts};
use crate::config::Config;
use crate::retention::{self, Report, RetentionError, Run};
use crate::store::{RetentionEntry, Store};
use chrono::Utc;
use clap::Subcommand;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Remove now what [retention] says is past due (waits for no day to pass; refused while a
    /// node is running it). With --dry-run, only count.
    Run {
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// What past runs removed, newest first.
    Log {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

impl From<RetentionError> for CliError {
    fn from(e: RetentionError) -> Self {
        match e {
            RetentionError::Store(e) => CliError::Store(e),
            other => CliError::Other(other.to_string()),
        }
    }
}

pub async fn run(cmd: &RetentionCommand, cfg: &Config, store: &Store) -> Result<(), CliError> {
    match cmd {
        RetentionCommand::Run { dry_run, json } => {
            if !cfg.retention.any() {
                return Err(CliError::Usage(
                    "no [retention] period is set: everything is kept".into(),
                ));
            }
            // The process id keeps two commands started on one host from sharing a claim.
            let node = format!("cli:{}:{}", cfg.node_name(), std::process::id());
            let stop = CancellationToken::new();
            let job = Run {
                store,
                cfg: &cfg.retention,
                node: &node,
                stop: &stop,
            };
            let report = if *dry_run {
                job.dry(Utc::now()).await?
            } else {
                retention::claim_now(store, &node).await?;
                let result = job.remove(Utc::now()).await;
                store
                    .release_job(retention::JOB, &node, Utc::now(), result.is_ok())
                    .await?;
                result?
            };
            if *json {
                return print_json(&report);
            }
            print_report(&report);
        }
        RetentionCommand::Log { limit, json } => {
            let entries = store.retention_log((*limit).clamp(1, 10_000)).await?;
            if *json {
                return print_json(&entries);
            }
            for e in &entries {
                print_entry(e);
            }
        }
    }
    Ok(())
}

fn print_report(r: &Report) {
    if r.dry_run {
        println!("dry run: nothing removed; due now:");
    } else {
        println!("run {}", r.run_id);
    }
    for e in &r.entries {
        print_entry(e);
    }
}

fn print_entry(e: &RetentionEntry) {
    let span = match (e.oldest, e.newest) {
        (Some(o), Some(n)) => format!(" from {} to {}", ts(o), ts(n)),
        _ => String::new(),
    };
    println!(
        "{}  {:<10} {} rows older than {}{}; files deleted {}, missing {}, failed {}",
        ts(e.at),
        e.kind,
        e.removed,
        ts(e.cutoff),
        span,
        e.files_deleted,
        e.files_missing,
        e.files_failed
    );
}
