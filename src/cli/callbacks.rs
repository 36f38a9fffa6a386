//! `frontdesk callbacks …` and `frontdesk calls …`.

use super::{CliError, actor, print_json, ts};
use crate::callbacks::{CallbackRequest, Planner};
use crate::config::Config;
use crate::phone;
use crate::schedule::planner::SlaRule;
use crate::store::{CallbackRow, CallbackSource, CallsFilter, SlaState, Store};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum CallbacksCommand {
    /// The slot the scheduler would choose for a callback requested at that instant, and why.
    Plan {
        phone: String,
        /// When the request is made (RFC 3339); now by default.
        #[arg(long, value_name = "RFC3339")]
        at: Option<String>,
        /// Plan as a request passed to a named person (due the same working day).
        #[arg(long)]
        named: bool,
        #[arg(long)]
        json: bool,
    },
    /// Open callback requests in dispatch order.
    List {
        /// Only those whose slot (or next attempt) has come.
        #[arg(long)]
        due: bool,
        /// Every request, also done, closed and cancelled ones (oldest first).
        #[arg(long, conflicts_with = "due")]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Register a request that came by another channel (e-mail, web form, walk-in).
    Request {
        phone: String,
        #[arg(long)]
        reason: Option<String>,
        /// Pass it to a named agent: it is then due the same working day.
        #[arg(long, value_name = "AGENT_ID")]
        agent: Option<String>,
    },
    /// Cancel a waiting request (the card records who and why).
    Cancel {
        id: i64,
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CallsCommand {
    /// Recent calls, newest first.
    List {
        #[arg(long, value_name = "RFC3339")]
        since: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

fn parse_instant(flag: &str, s: &str) -> Result<DateTime<Utc>, CliError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            CliError::Usage(format!(
                "{flag} {s:?}: {e} (expected RFC 3339, e.g. 2026-11-23T10:00:00+02:00)"
            ))
        })
}

#[derive(Debug, Serialize)]
struct PlanOut {
    phone: String,
    requested_at: String,
    slot_start: String,
    slot_end: String,
    sla_deadline: String,
    client_tz: String,
    reason: String,
    at_risk: bool,
    zone_source: crate::schedule::planner::ZoneSource,
    constrained_by: Vec<crate::schedule::planner::Constraint>,
}

/// One callback as listed; `reason` is why the client asked, `plan_reason` why this slot.
#[derive(Debug, Serialize)]
struct CallbackOut {
    id: i64,
    phone: String,
    status: &'static str,
    slot_start: String,
    slot_end: String,
    sla_deadline: String,
    at_risk: bool,
    /// ok, at_risk (flagged when planned) or breached (deadline passed while still open).
    sla_state: &'static str,
    attempts: i64,
    reason: Option<String>,
    result: Option<String>,
    source: String,
    agent: Option<String>,
    queue_position: Option<i64>,
    plan_reason: String,
}

impl CallbackOut {
    fn new(c: CallbackRow, now: DateTime<Utc>) -> Self {
        let sla_state = match c.sla_state(now) {
            SlaState::Breached => "breached",
            SlaState::AtRisk => "at_risk",
            SlaState::OnTime => "ok",
        };
        CallbackOut {
            id: c.id,
            phone: c.phone,
            status: c.status.as_str(),
            slot_start: ts(c.slot_start),
            slot_end: ts(c.slot_end),
            sla_deadline: ts(c.sla_deadline),
            at_risk: c.at_risk,
            sla_state,
            attempts: c.attempts,
            reason: c.reason,
            result: c.result,
            source: c.source,
            agent: c.agent_id,
            queue_position: c.queue_position,
            plan_reason: c.plan_reason,
        }
    }
}

pub async fn callbacks(
    cmd: &CallbacksCommand,
    cfg: &Config,
    store: &Store,
) -> Result<(), CliError> {
    let planner = Planner::from_config(cfg);
    let region = cfg.company.default_region;
    match cmd {
        CallbacksCommand::Plan {
            phone,
            at,
            named,
            json,
        } => {
            let phone = phone::normalize(phone, region)?;
            let at = match at {
                Some(s) => parse_instant("--at", s)?,
                None => Utc::now(),
            };
            let sla = if *named {
                SlaRule::SameWorkingDay
            } else {
                SlaRule::WorkingHours
            };
            let window = planner.client_window(store, &phone).await?;
            let plan = planner.plan(store, &phone, at, sla).await?;
            let out = PlanOut {
                phone,
                requested_at: ts(at),
                slot_start: ts(plan.slot_start),
                slot_end: ts(plan.slot_end),
                sla_deadline: ts(plan.sla_deadline),
                client_tz: plan.client_tz.name().to_string(),
                reason: plan.reason.clone(),
                at_risk: plan.at_risk,
                zone_source: window.zone_source,
                constrained_by: plan.constrained_by.clone(),
            };
            if *json {
                return print_json(&out);
            }
            let company = cfg.company.time_zone;
            let local = |t: DateTime<Utc>, tz: chrono_tz::Tz| {
                t.with_timezone(&tz)
                    .format("%a %Y-%m-%d %H:%M %Z")
                    .to_string()
            };
            println!("phone         {}", out.phone);
            println!("requested at  {}", out.requested_at);
            println!(
                "slot          {} .. {}",
                local(plan.slot_start, plan.client_tz),
                plan.slot_end
                    .with_timezone(&plan.client_tz)
                    .format("%H:%M %Z")
            );
            println!(
                "              {} (company)",
                local(plan.slot_start, company)
            );
            println!(
                "SLA deadline  {}{}",
                local(plan.sla_deadline, company),
                if plan.at_risk {
                    "  AT RISK: no slot fits before it"
                } else {
                    ""
                }
            );
            println!(
                "client zone   {} (from {})",
                out.client_tz, window.zone_source
            );
            println!("why           {}", out.reason);
        }
        CallbacksCommand::List { due, all, json } => {
            let now = Utc::now();
            let rows = if *all {
                store.all_callbacks().await?
            } else {
                store.list_callbacks(due.then_some(now)).await?
            };
            let out: Vec<CallbackOut> =
                rows.into_iter().map(|c| CallbackOut::new(c, now)).collect();
            if *json {
                return print_json(&out);
            }
            for c in out {
                println!(
                    "#{:<6} {:<16} {:<8} slot {}  due {}  {:<8} attempts {}  {}",
                    c.id,
                    c.phone,
                    c.status,
                    c.slot_start,
                    c.sla_deadline,
                    c.sla_state,
                    c.attempts,
                    c.reason.unwrap_or_default()
                );
            }
        }
        CallbacksCommand::Request {
            phone,
            reason,
            agent,
        } => {
            let phone = phone::normalize(phone, region)?;
            let now = Utc::now();
            let row = planner
                .request(
                    store,
                    CallbackRequest {
                        phone,
                        source: CallbackSource::Cli,
                        reason: reason.clone(),
                        requested_at: now,
                        requested_by: Some(actor()),
                        agent_id: agent.clone(),
                        call_id: None,
                        dnc_consent: false,
                        lang: None,
                    },
                    now,
                )
                .await?;
            println!(
                "callback #{} for {} planned at {} (deadline {}{})",
                row.id,
                row.phone,
                ts(row.slot_start),
                ts(row.sla_deadline),
                if row.at_risk { ", AT RISK" } else { "" }
            );
        }
        CallbacksCommand::Cancel { id, reason } => {
            if store.callback(*id).await?.is_none() {
                return Err(CliError::NotFound(format!("no callback #{id}")));
            }
            if !store
                .cancel_callback(*id, &actor(), reason.as_deref(), Utc::now())
                .await?
            {
                return Err(CliError::Usage(format!(
                    "callback #{id} is not waiting any more (being dialled, done, closed or cancelled)"
                )));
            }
            println!("callback #{id} cancelled");
        }
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct CallOut {
    id: String,
    phone: Option<String>,
    started_at: String,
    answered_at: Option<String>,
    ended_at: Option<String>,
    outcome: Option<String>,
    agent: Option<String>,
    recording: Option<String>,
    digits: String,
    /// What the caller's request claimed: From user part and P-Asserted-Identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    from_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    asserted_number: Option<String>,
}

pub async fn calls(cmd: &CallsCommand, cfg: &Config, store: &Store) -> Result<(), CliError> {
    match cmd {
        CallsCommand::List {
            since,
            phone,
            limit,
            json,
        } => {
            let filter = CallsFilter {
                since: since
                    .as_deref()
                    .map(|s| parse_instant("--since", s))
                    .transpose()?,
                phone: phone
                    .as_deref()
                    .map(|p| phone::normalize(p, cfg.company.default_region))
                    .transpose()?,
                limit: *limit,
                ..Default::default()
            };
            let out: Vec<CallOut> = store
                .list_calls(&filter)
                .await?
                .into_iter()
                .map(|c| CallOut {
                    id: c.id,
                    phone: c.phone,
                    started_at: ts(c.started_at),
                    answered_at: c.answered_at.map(ts),
                    ended_at: c.ended_at.map(ts),
                    outcome: c.outcome,
                    agent: c.agent,
                    recording: c.recording,
                    digits: c.digits,
                    from_number: c.from_number,
                    asserted_number: c.asserted_number,
                })
                .collect();
            if *json {
                return print_json(&out);
            }
            for c in out {
                println!(
                    "{}  {:<16} {}  {:<22} {:<10} {}",
                    c.id,
                    c.phone.unwrap_or_else(|| "-".into()),
                    c.started_at,
                    c.outcome.unwrap_or_else(|| "in progress".into()),
                    c.agent.unwrap_or_else(|| "-".into()),
                    c.recording.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
