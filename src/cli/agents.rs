//! `frontdesk agents …`.

use super::{CliError, print_json};
use crate::store::{Presence, Store, StoreError};
use chrono::Utc;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum AgentsCommand {
    /// Add an agent to the roster (starts available).
    Add {
        id: String,
        #[arg(long)]
        uri: String,
        #[arg(long)]
        name: Option<String>,
        /// Comma-separated languages, e.g. ru,en.
        #[arg(long, value_delimiter = ',')]
        languages: Vec<String>,
    },
    /// Take an agent off the roster (their history stays).
    Remove { id: String },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set an agent available or away.
    Presence { id: String, presence: String },
}

pub async fn agents(cmd: &AgentsCommand, store: &Store) -> Result<(), CliError> {
    match cmd {
        AgentsCommand::Add {
            id,
            uri,
            name,
            languages,
        } => {
            if !uri.starts_with("sip:") && !uri.starts_with("sips:") {
                return Err(CliError::Usage(format!(
                    "--uri {uri:?}: expected sip:user@host"
                )));
            }
            let langs: Vec<String> = languages
                .iter()
                .map(|l| l.trim().to_ascii_lowercase())
                .collect();
            if let Some(bad) = langs
                .iter()
                .find(|l| !crate::import::LANGUAGES.contains(&l.as_str()))
            {
                return Err(CliError::Usage(format!(
                    "--languages: {bad:?} is not one of en, ru, uk, lt"
                )));
            }
            let a = store
                .add_agent(id, uri, name.as_deref(), &langs, Utc::now())
                .await
                .map_err(usage)?;
            println!("agent {} added ({}), available", a.id, a.uri);
        }
        AgentsCommand::Remove { id } => {
            store.remove_agent(id, Utc::now()).await.map_err(usage)?;
            println!("agent {id} removed");
        }
        AgentsCommand::List { json } => {
            let list = store.list_agents().await?;
            if *json {
                return print_json(&list);
            }
            for a in list {
                println!(
                    "{:<12} {:<10} {:<32} {:<10} {}",
                    a.id,
                    a.presence.as_str(),
                    a.uri,
                    a.languages.join(","),
                    a.name.unwrap_or_default()
                );
            }
        }
        AgentsCommand::Presence { id, presence } => {
            let p: Presence = presence.parse().map_err(CliError::Usage)?;
            store.set_presence(id, p, Utc::now()).await.map_err(usage)?;
            println!("agent {id} is {}", p.as_str());
        }
    }
    Ok(())
}

/// Conflicts and unknown ids are the administrator's to fix: usage errors, not failures.
pub(super) fn usage(e: StoreError) -> CliError {
    match e {
        StoreError::Conflict(m) => CliError::Usage(m),
        StoreError::NotFound(m) => CliError::NotFound(m),
        other => CliError::Store(other),
    }
}
