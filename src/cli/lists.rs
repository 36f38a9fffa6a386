//! `frontdesk dnc …` and `frontdesk vip …`.

use super::{CliError, actor, print_json, read_file, ts};
use crate::config::Config;
use crate::import;
use crate::phone;
use crate::store::{Added, ListSource, Store, StoreError};
use chrono::Utc;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum DncCommand {
    /// Put a number on the do-not-call list.
    Add {
        phone: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Take a number off the list (the entry is closed, and stays in the card's history).
    Remove { phone: String },
    /// The numbers on the list.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add every number of a CSV with a `phone` column (optional `reason`); all or nothing.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum VipCommand {
    /// Mark a number VIP with its consultant.
    Add {
        phone: String,
        #[arg(long, value_name = "AGENT_ID")]
        agent: String,
    },
    /// Take a number off the VIP list.
    Remove { phone: String },
    List {
        #[arg(long)]
        json: bool,
    },
    /// A CSV with `phone,agent` columns; all or nothing.
    Import { file: PathBuf },
}

pub async fn dnc(cmd: &DncCommand, cfg: &Config, store: &Store) -> Result<(), CliError> {
    let region = cfg.company.default_region;
    match cmd {
        DncCommand::Add { phone, reason } => {
            let phone = phone::normalize(phone, region)?;
            match store
                .add_dnc(
                    &phone,
                    reason.as_deref(),
                    ListSource::Cli,
                    &actor(),
                    Utc::now(),
                )
                .await?
            {
                Added::New(e) => println!("{} added to the do-not-call list", e.phone),
                Added::Existing(e) => println!(
                    "{} is already on the do-not-call list since {}",
                    e.phone,
                    ts(e.since)
                ),
            }
        }
        DncCommand::Remove { phone } => {
            let phone = phone::normalize(phone, region)?;
            if !store.remove_dnc(&phone, &actor(), Utc::now()).await? {
                return Err(CliError::NotFound(format!(
                    "{phone} is not on the do-not-call list"
                )));
            }
            println!("{phone} removed from the do-not-call list");
        }
        DncCommand::List { json } => {
            let entries = store.list_dnc().await?;
            if *json {
                return print_json(&entries);
            }
            for e in entries {
                println!(
                    "{:<16} since {}  via {:<6} by {:<16} {}",
                    e.phone,
                    ts(e.since),
                    e.source,
                    e.requested_by.as_deref().unwrap_or("-"),
                    e.reason.as_deref().unwrap_or("")
                );
            }
        }
        DncCommand::Import { file } => {
            let rows = import::dnc(read_file(file)?, region)?;
            let s = store.import_dnc(&rows, &actor(), Utc::now()).await?;
            println!(
                "imported {} rows: {} added, {} already listed",
                s.rows, s.written, s.unchanged
            );
        }
    }
    Ok(())
}

pub async fn vip(cmd: &VipCommand, cfg: &Config, store: &Store) -> Result<(), CliError> {
    let region = cfg.company.default_region;
    match cmd {
        VipCommand::Add { phone, agent } => {
            let phone = phone::normalize(phone, region)?;
            let added = store
                .add_vip(&phone, agent, &actor(), Utc::now())
                .await
                .map_err(not_found_agent)?;
            match added {
                Added::New(e) => println!("{} is VIP, consultant {}", e.phone, e.agent_id),
                Added::Existing(e) => {
                    println!("{} was already VIP with consultant {}", e.phone, e.agent_id)
                }
            }
        }
        VipCommand::Remove { phone } => {
            let phone = phone::normalize(phone, region)?;
            if !store.remove_vip(&phone, &actor(), Utc::now()).await? {
                return Err(CliError::NotFound(format!(
                    "{phone} is not on the VIP list"
                )));
            }
            println!("{phone} removed from the VIP list");
        }
        VipCommand::List { json } => {
            let entries = store.list_vip().await?;
            if *json {
                return print_json(&entries);
            }
            for e in entries {
                println!(
                    "{:<16} consultant {:<12} since {}",
                    e.phone,
                    e.agent_id,
                    ts(e.since)
                );
            }
        }
        VipCommand::Import { file } => {
            let rows = import::vip(read_file(file)?, region)?;
            let known: std::collections::HashSet<String> = store
                .list_agents()
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect();
            if let Some((line, _, agent)) = rows.iter().find(|(_, _, a)| !known.contains(a)) {
                return Err(CliError::Import(import::ImportError::Row {
                    line: *line,
                    field: "agent".into(),
                    message: format!("no agent {agent:?}"),
                }));
            }
            let pairs: Vec<(String, String)> = rows.into_iter().map(|(_, p, a)| (p, a)).collect();
            let s = store.import_vip(&pairs, &actor(), Utc::now()).await?;
            println!(
                "imported {} rows: {} set, {} unchanged",
                s.rows, s.written, s.unchanged
            );
        }
    }
    Ok(())
}

/// An unknown consultant is a usage error the administrator can fix, not a failure.
fn not_found_agent(e: StoreError) -> CliError {
    match e {
        StoreError::NotFound(m) => CliError::Usage(m),
        other => CliError::Store(other),
    }
}
