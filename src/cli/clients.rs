//! `frontdesk clients …`.

use super::{CliError, actor, print_json, read_file, ts};
use crate::config::Config;
use crate::store::{Card, Store};
use crate::{import, phone};
use chrono::Utc;
use clap::Subcommand;
use std::path::PathBuf;

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
    }
    Ok(())
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
