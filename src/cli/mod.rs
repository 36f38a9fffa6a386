//! The administrator's command line. Each subcommand is a thin adapter: parse, call the store or the
//! planner, print text or JSON. Exit codes: 0 ok, 1 failure, 2 bad usage or configuration,
//! 3 refused because the number is on the DNC list, 4 no such card.

mod agents;
mod callbacks;
mod clients;
mod lists;
mod retention;
mod users;

use crate::callbacks::CallbackError;
use crate::config::{Config, ConfigError, Overrides};
use crate::import::ImportError;
use crate::phone::PhoneError;
use crate::store::{Store, StoreError};
use clap::{Parser, Subcommand};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "frontdesk",
    version,
    about = "Call-handling service behind a company PBX"
)]
pub struct Cli {
    /// TOML configuration file (settings also come from FRONTDESK_* variables).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Overrides FRONTDESK_DATABASE_URL: sqlite://… or postgres://…
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Overrides FRONTDESK_DATA_DIR.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Overrides FRONTDESK_SIP_LISTEN (host:port).
    #[arg(long, global = true, value_name = "ADDR")]
    pub sip_listen: Option<String>,
    /// Overrides FRONTDESK_RTP_PORTS (FIRST-LAST).
    #[arg(long, global = true, value_name = "RANGE")]
    pub rtp_ports: Option<String>,
    /// Overrides FRONTDESK_HTTP_LISTEN (host:port).
    #[arg(long, global = true, value_name = "ADDR")]
    pub http_listen: Option<String>,
    /// Overrides FRONTDESK_PROMPTS_DIR.
    #[arg(long, global = true, value_name = "DIR")]
    pub prompts_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (migrates the store first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// The do-not-call list.
    #[command(subcommand)]
    Dnc(lists::DncCommand),
    /// VIP clients and their consultants.
    #[command(subcommand)]
    Vip(lists::VipCommand),
    /// Client cards.
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// The agent roster.
    #[command(subcommand)]
    Agents(agents::AgentsCommand),
    /// Users: console passwords, API tokens, disabling and removing.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Callback planning and requests.
    #[command(subcommand)]
    Callbacks(callbacks::CallbacksCommand),
    /// Call history.
    #[command(subcommand)]
    Calls(callbacks::CallsCommand),
    /// Removing past-due data ([retention]) and its log.
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Phone(#[from] PhoneError),
    #[error(transparent)]
    Callback(#[from] CallbackError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    NotFound(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) | CliError::Usage(_) => 2,
            CliError::Callback(CallbackError::DoNotCall { .. }) => 3,
            CliError::NotFound(_) => 4,
            _ => 1,
        }
    }
}

impl Cli {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            sip_listen: self.sip_listen.clone(),
            rtp_ports: self.rtp_ports.clone(),
            http_listen: self.http_listen.clone(),
            prompts_dir: self.prompts_dir.clone(),
        }
    }

    pub fn load_config(&self) -> Result<Config, CliError> {
        Ok(Config::load(self.config.as_deref(), &self.overrides())?)
    }
}

/// Runs every command except `serve` (which main drives, since it owns the process lifetime).
pub async fn run(cli: &Cli, config: &Config) -> Result<(), CliError> {
    let store = open_store(config).await?;
    let result = match &cli.command {
        Command::Serve => Err(CliError::Usage("serve is run by the binary".into())),
        Command::Migrate => {
            println!("migrations applied ({:?})", store.backend());
            Ok(())
        }
        Command::Dnc(cmd) => lists::dnc(cmd, config, &store).await,
        Command::Vip(cmd) => lists::vip(cmd, config, &store).await,
        Command::Clients(cmd) => clients::run(cmd, config, &store).await,
        Command::Agents(cmd) => agents::agents(cmd, &store).await,
        Command::Users(cmd) => users::run(cmd, &store).await,
        Command::Callbacks(cmd) => callbacks::callbacks(cmd, config, &store).await,
        Command::Calls(cmd) => callbacks::calls(cmd, config, &store).await,
        Command::Retention(cmd) => retention::run(cmd, config, &store).await,
    };
    store.close().await;
    result
}

/// Every command works on a migrated store, so a fresh data directory just works.
async fn open_store(config: &Config) -> Result<Store, CliError> {
    let store = Store::connect(&config.database_url()).await?;
    store.migrate().await?;
    // A change made here (a number put on the DNC list) is told to the webhooks like any other.
    store.set_subscribers(crate::notify::event::Subscribers::from_config(
        &config.notify,
        config.storage.kind == crate::config::StorageKind::S3,
    ));
    Ok(store)
}

/// Who a command-line change is attributed to on the card.
fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "admin".into());
    format!("cli:{user}")
}

fn print_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Other(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn read_file(path: &std::path::Path) -> Result<std::fs::File, CliError> {
    std::fs::File::open(path).map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// RFC 3339 in UTC with seconds: the one format the CLI prints instants in.
fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
