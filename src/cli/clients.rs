//! `frontdesk clients …`.

use super::{CliError, actor, print_json, read_file, ts};
use crate::config::Config;
use crate::store::{Card, Erasure, Export, Store, StoreError};
use crate::{import, phone};
use chrono::Utc;
use clap::Subcommand;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Create or update cards from a CSV: phone,name,language,time_zone,hours[,email,notes]; all or nothing.
    Import { file: PathBuf },
    /// A client's card with its timeline (exit 4 when nothing is known about the number).
    Show {
        phone: String,
        #[arg(long)]
        json: bool,
    },
    /// Erase a client: card, recordings, complaint messages and note bodies go; calls, surveys
    /// and callbacks stay under a pseudonym. The DNC entry stays unless --include-dnc. Logged.
    Erase {
        phone: String,
        /// Why (the request's reference); kept with the erasure.
        #[arg(long)]
        reason: String,
        /// Also pseudonymise and close the DNC entry (the number may then be called again).
        #[arg(long)]
        include_dnc: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write everything held about a number to DIR (export.json and a copy of each recording),
    /// for a data-subject request. Logged on the card and the audit log.
    Export {
        phone: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

pub async fn run(cmd: &ClientsCommand, cfg: &Config, store: &Store) -> Result<(), CliError> {
    let region = cfg.company.default_region;
    match cmd {
        ClientsCommand::Import { file } => {
            let clients = import::clients(read_file(file)?, region, Utc::now())?;
            let s = store.import_clients(&clients, &actor()).await?;
            println!("imported {} client cards", s.rows);
        }
        ClientsCommand::Show { phone, json } => {
            let phone = phone::normalize(phone, region)?;
            let Some(card) = store.card(&phone).await? else {
                return Err(CliError::NotFound(format!("no card for {phone}")));
            };
            if *json {
                return print_json(&card);
            }
            print_card(&card);
        }
        ClientsCommand::Erase {
            phone,
            reason,
            include_dnc,
            json,
        } => {
            let phone = phone::normalize(phone, region)?;
            if reason.trim().is_empty() {
                return Err(CliError::Usage("--reason must say why".into()));
            }
            let erasure = store
                .erase_client(&phone, &actor(), reason, *include_dnc, Utc::now())
                .await
                .map_err(|e| match e {
                    StoreError::NotFound(m) => CliError::NotFound(m),
                    StoreError::Conflict(m) => CliError::Other(m),
                    e => CliError::Store(e),
                })?;
            if *json {
                return print_json(&erasure);
            }
            print_erasure(&phone, &erasure);
        }
        ClientsCommand::Export { phone, out } => {
            let phone = phone::normalize(phone, region)?;
            let Some(export) = store.export_client(&phone, Utc::now()).await? else {
                return Err(CliError::NotFound(format!(
                    "nothing is known about {phone}"
                )));
            };
            let written = write_export(export, out)?;
            let detail = format!(
                "{} rows, {} of {} files copied",
                written.rows, written.copied, written.files
            );
            store
                .log_export(&phone, &actor(), &detail, Utc::now())
                .await?;
            println!("exported {phone} to {}: {detail}", out.display());
        }
    }
    Ok(())
}

fn print_erasure(phone: &str, e: &Erasure) {
    let n = &e.removed;
    println!("erased {phone} as {} (erasure #{})", e.pseudonym, e.id);
    println!(
        "  card {}, calls {}, recordings {}, callbacks {}, complaints {} ({} messages), surveys {}, notes {}, card events {}, VIP {}, DNC {}",
        n.card,
        n.calls,
        n.recordings,
        n.callbacks,
        n.complaints,
        n.complaint_messages,
        n.surveys,
        n.notes,
        n.card_events,
        n.vip_entries,
        n.dnc_entries
    );
    println!(
        "  files deleted {}, already missing {}",
        n.files_deleted, n.files_missing
    );
    if !e.include_dnc {
        println!("  the do-not-call entry (if any) was kept");
    }
}

/// One copied file of an export: where it was, where its copy is (relative to the export).
#[derive(Serialize)]
struct FileCopy {
    source: String,
    copy: Option<String>,
}

#[derive(Serialize)]
struct Written {
    #[serde(flatten)]
    export: Export,
    file_copies: Vec<FileCopy>,
    #[serde(skip)]
    rows: usize,
    #[serde(skip)]
    files: usize,
    #[serde(skip)]
    copied: usize,
}

/// Writes `export.json` and `recordings/NNN-name` under `dir` (created if missing).
fn write_export(export: Export, dir: &Path) -> Result<Written, CliError> {
    let io = |path: &Path, e: std::io::Error| CliError::Other(format!("{}: {e}", path.display()));
    let rec_dir = dir.join("recordings");
    std::fs::create_dir_all(&rec_dir).map_err(|e| io(&rec_dir, e))?;
    let mut file_copies = Vec::new();
    let mut copied = 0;
    for (i, source) in export.files.iter().enumerate() {
        let name = Path::new(source)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let rel = format!("recordings/{:03}-{name}", i + 1);
        let copy = match std::fs::copy(source, dir.join(&rel)) {
            Ok(_) => {
                copied += 1;
                Some(rel)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(Path::new(source), e)),
        };
        file_copies.push(FileCopy {
            source: source.clone(),
            copy,
        });
    }
    let rows = export.tables.values().map(Vec::len).sum();
    let files = export.files.len();
    let written = Written {
        export,
        file_copies,
        rows,
        files,
        copied,
    };
    let text =
        serde_json::to_string_pretty(&written).map_err(|e| CliError::Other(e.to_string()))?;
    let json = dir.join("export.json");
    std::fs::write(&json, text).map_err(|e| io(&json, e))?;
    Ok(written)
}

fn print_card(card: &Card) {
    let c = card.client.as_ref();
    let field = |v: Option<&String>| v.map(String::as_str).unwrap_or("-").to_string();
    println!("phone      {}", card.phone);
    println!("name       {}", field(c.and_then(|c| c.name.as_ref())));
    println!("language   {}", field(c.and_then(|c| c.language.as_ref())));
    println!("time zone  {}", field(c.and_then(|c| c.time_zone.as_ref())));
    println!("hours      {}", field(c.and_then(|c| c.hours.as_ref())));
    match &card.vip {
        Some(v) => println!(
            "VIP        yes, consultant {} (since {})",
            v.agent_id,
            ts(v.since)
        ),
        None => println!("VIP        no"),
    }
    match &card.dnc {
        Some(d) => println!(
            "DNC        yes since {} via {}{}",
            ts(d.since),
            d.source,
            d.reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ),
        None => println!("DNC        no"),
    }
    println!("timeline");
    for item in &card.timeline {
        println!("  {}  {:<12} {}", ts(item.at), item.kind, item.summary);
    }
}
