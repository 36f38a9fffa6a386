//! `frontdesk users …`: who may use the API and the console. Tokens are for machines (printed
//! once, only a hash kept); passwords are for people signing in to the console, read from stdin
//! so they never appear in a process list or shell history.

use super::agents::usage;
use super::{CliError, print_json, ts};
use crate::auth;
use crate::store::{FirstToken, Role, Store};
use chrono::Utc;
use clap::Subcommand;
use std::io::Read;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; prints their first API token once (only a hash is kept).
    Add {
        name: String,
        #[arg(long)]
        role: String,
        /// For agents: the roster id whose calls they may hear.
        #[arg(long)]
        agent: Option<String>,
        /// Also set a console password, read from stdin (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Every user with their status.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Suspend a user: their tokens and sessions stop working at once.
    Disable { name: String },
    /// Let a disabled user in again (tokens work again; they sign in anew).
    Enable { name: String },
    /// Retire a user: tokens revoked, sessions ended; history keeps the name, which is not reused.
    Remove { name: String },
    /// A user's API tokens (ids, labels, when last used, revoked).
    Tokens {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke one API token by its id (the part after `fd_`, as `users tokens` lists it).
    Revoke { token_id: String },
    /// Issue another API token to a user; printed once.
    Token {
        name: String,
        #[arg(long)]
        label: Option<String>,
    },
    /// Set (or, without URI, clear) the phone frontdesk rings when this supervisor listens in on
    /// a call (`sip:user@host`).
    Phone { name: String, uri: Option<String> },
    /// Set a user's console password, read from stdin; their open sessions end.
    Password {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Names are what people type at the login form and what the audit log shows.
fn check_name(name: &str) -> Result<(), CliError> {
    let ok = !name.is_empty()
        && name.len() <= auth::password::MAX_NAME_BYTES
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "user name {name:?}: 1 to {} letters, digits, '.', '_', '-' or '@'",
            auth::password::MAX_NAME_BYTES
        )))
    }
}

/// A phone frontdesk may ring: a SIP URI it can parse, of a sane length.
fn check_phone(uri: &str) -> Result<(), CliError> {
    let parsed = rsipstack::sip::Uri::try_from(uri);
    let ok = uri.len() <= 256
        && (uri.starts_with("sip:") || uri.starts_with("sips:"))
        && !uri.contains(['\r', '\n', ' '])
        && parsed.is_ok();
    if ok {
        Ok(())
    } else {
        Err(CliError::Usage(format!(
            "phone {uri:?}: expected sip:user@host (at most 256 characters)"
        )))
    }
}

/// Reads and hashes the password piped in on stdin.
fn password_from_stdin() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .take(auth::password::MAX_BYTES as u64 + 3)
        .read_to_string(&mut text)
        .map_err(|e| CliError::Usage(format!("cannot read the password from stdin: {e}")))?;
    let password = auth::password::from_stdin_text(&text);
    auth::password::hash(password).map_err(|e| CliError::Usage(e.to_string()))
}

fn issue() -> Result<auth::IssuedToken, CliError> {
    auth::issue().map_err(|e| CliError::Other(e.to_string()))
}

pub async fn run(cmd: &UsersCommand, store: &Store) -> Result<(), CliError> {
    let now = Utc::now();
    match cmd {
        UsersCommand::Add {
            name,
            role,
            agent,
            password_stdin,
        } => {
            check_name(name)?;
            let role: Role = role.parse().map_err(CliError::Usage)?;
            if let Some(a) = agent
                && store.agent(a).await?.is_none()
            {
                return Err(CliError::Usage(format!("--agent: no agent {a:?}")));
            }
            let password = match password_stdin {
                true => Some(password_from_stdin()?),
                false => None,
            };
            let issued = issue()?;
            let token = FirstToken {
                key_id: &issued.key_id,
                hash: &issued.hash,
                label: Some("first"),
            };
            store
                .add_user(
                    name,
                    role,
                    agent.as_deref(),
                    password.as_deref(),
                    token,
                    now,
                )
                .await
                .map_err(usage)?;
            let console = if password.is_some() {
                "may sign in to the console"
            } else {
                "no console password (users password NAME --password-stdin)"
            };
            eprintln!(
                "user {name} ({}) created, {console}; the API token is shown only now:",
                role.as_str()
            );
            println!("{}", issued.token);
        }
        UsersCommand::List { json } => {
            let users = store.list_users().await?;
            if *json {
                return print_json(&users);
            }
            for u in users {
                println!(
                    "{:<20} {:<10} {:<8} tokens={:<3} password={:<3} {} {}",
                    u.name,
                    u.role.as_str(),
                    u.status,
                    u.tokens,
                    if u.has_password { "yes" } else { "no" },
                    u.agent_id.unwrap_or_default(),
                    u.phone.unwrap_or_default()
                );
            }
        }
        UsersCommand::Disable { name } => {
            store.disable_user(name, now).await.map_err(usage)?;
            println!("user {name} disabled");
        }
        UsersCommand::Enable { name } => {
            store.enable_user(name).await.map_err(usage)?;
            println!("user {name} enabled");
        }
        UsersCommand::Remove { name } => {
            store.remove_user(name, now).await.map_err(usage)?;
            println!("user {name} removed");
        }
        UsersCommand::Tokens { name, json } => {
            let tokens = store.tokens_of(name).await.map_err(usage)?;
            if *json {
                return print_json(&tokens);
            }
            for t in tokens {
                println!(
                    "{:<14} {:<8} created={} last_used={} {}",
                    t.id,
                    if t.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    },
                    ts(t.created_at),
                    t.last_used_at.map(ts).unwrap_or_else(|| "-".into()),
                    t.label.unwrap_or_default()
                );
            }
        }
        UsersCommand::Revoke { token_id } => {
            // Accept the whole `fd_<id>_…` shape too, in case that is what is at hand.
            let id = auth::key_id(token_id).unwrap_or(token_id);
            if store.revoke_token(id, now).await.map_err(usage)? {
                println!("token {id} revoked");
            } else {
                println!("token {id} was already revoked");
            }
        }
        UsersCommand::Token { name, label } => {
            let issued = issue()?;
            store
                .add_token(name, &issued.key_id, &issued.hash, label.as_deref(), now)
                .await
                .map_err(usage)?;
            eprintln!(
                "token {} issued to {name}; it is shown only now:",
                issued.key_id
            );
            println!("{}", issued.token);
        }
        UsersCommand::Phone { name, uri } => {
            if let Some(uri) = uri {
                check_phone(uri)?;
            }
            store
                .set_user_phone(name, uri.as_deref())
                .await
                .map_err(usage)?;
            match uri {
                Some(uri) => println!("phone of {name} set to {uri}"),
                None => println!("phone of {name} cleared"),
            }
        }
        UsersCommand::Password {
            name,
            password_stdin,
        } => {
            if !password_stdin {
                return Err(CliError::Usage(
                    "give the password on stdin with --password-stdin".into(),
                ));
            }
            let hash = password_from_stdin()?;
            store.set_password(name, &hash, now).await.map_err(usage)?;
            println!("password of {name} set; their open sessions were ended");
        }
    }
    Ok(())
}
