//! Callback planning: the earliest slot inside the company's hours (minus holidays),
//! the client's local hours and the legal 08:00–21:00 client-local window, at or after
//! `requested_at + min_delay`; plus the SLA deadline and an explanation of the choice.
//!
//! * `slot_end` is `slot_start + slot_minutes`, cut at the end of the common window.
//! * `at_risk` means the slot does not start before the SLA deadline.
//! * The search looks 400 days ahead and fails with [`PlanError::NoCommonWindow`]
//!   rather than looping when the windows never meet.
//!
//! Time-zone boundary rules are those of the calendar module (DST gaps map to the
//! gap's end; ambiguous starts take the later instant, ambiguous ends the earlier).

use std::fmt::{self, Write};
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize, Serializer};

use super::calendar::{CalRef, Calendar, Interval, common_window};
use super::hours::WeeklyHours;
use super::zones::zone_for_e164;

/// How far ahead slots and deadlines are searched before giving up.
pub const SEARCH_HORIZON_DAYS: i64 = 400;
const SEARCH_HORIZON: Duration = Duration::days(SEARCH_HORIZON_DAYS);

/// Legal calling window, client-local, every day: 08:00 inclusive to 21:00 exclusive.
pub const LEGAL_START_MINUTE: u16 = 8 * 60;
pub const LEGAL_END_MINUTE: u16 = 21 * 60;
static LEGAL_HOURS: LazyLock<WeeklyHours> =
    LazyLock::new(|| WeeklyHours::every_day(LEGAL_START_MINUTE, LEGAL_END_MINUTE));
static DEFAULT_CLIENT_HOURS: LazyLock<WeeklyHours> =
    LazyLock::new(|| WeeklyHours::every_day(9 * 60, 18 * 60).without_weekend());

/// Where the client's time zone came from; shown to agents so they can judge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneSource {
    Card,
    Number,
    Company,
}

impl fmt::Display for ZoneSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ZoneSource::Card => "client card",
            ZoneSource::Number => "phone number",
            ZoneSource::Company => "company default",
        })
    }
}

/// The client's side of the search: their zone and their own working hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientWindow {
    pub tz: Tz,
    pub zone_source: ZoneSource,
    pub hours: WeeklyHours,
}

impl ClientWindow {
    /// Hours assumed when the card has none: Mon-Fri 09:00-18:00.
    pub fn default_hours() -> WeeklyHours {
        DEFAULT_CLIENT_HOURS.clone()
    }

    /// Picks the zone from the card, else from the E.164 number, else the company's,
    /// and defaults the hours when none are given.
    pub fn resolve(
        card_tz: Option<Tz>,
        phone_e164: Option<&str>,
        company_tz: Tz,
        hours: Option<WeeklyHours>,
    ) -> Self {
        let (tz, zone_source) = match (card_tz, phone_e164.and_then(zone_for_e164)) {
            (Some(tz), _) => (tz, ZoneSource::Card),
            (None, Some(tz)) => (tz, ZoneSource::Number),
            (None, None) => (company_tz, ZoneSource::Company),
        };
        Self {
            tz,
            zone_source,
            hours: hours.unwrap_or_else(Self::default_hours),
        }
    }
}

/// Tunables of the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Time agents need before a callback; negative values count as zero.
    pub min_delay: Duration,
    /// Working hours of the company calendar within which a request is due.
    pub sla_working_hours: u32,
    /// Length of a slot; zero counts as one minute so a slot is never empty.
    pub slot_minutes: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            min_delay: Duration::minutes(5),
            sla_working_hours: 8,
            slot_minutes: 30,
        }
    }
}

/// How the SLA deadline is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaRule {
    /// Due within N working hours of the company calendar.
    WorkingHours,
    /// Passed to a named person: due by the end of the company's working day.
    SameWorkingDay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub requested_at: DateTime<Utc>,
    pub sla: SlaRule,
}

/// A constraint that decided where the slot starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    MinimumDelay,
    CompanyHours,
    Holiday,
    ClientHours,
    LegalWindow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub sla_deadline: DateTime<Utc>,
    /// The slot does not start before the SLA deadline.
    pub at_risk: bool,
    #[serde(serialize_with = "serialize_tz")]
    pub client_tz: Tz,
    pub constrained_by: Vec<Constraint>,
    pub reason: String,
}

fn serialize_tz<S: Serializer>(tz: &Tz, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(tz.name())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "the company calendar has no working hours; set company hours before planning callbacks"
    )]
    NoCompanyHours,
    #[error(
        "the client has no working hours; set client hours (e.g. \"Mon-Fri 09:00-18:00\") or leave them unset for the default"
    )]
    NoClientHours,
    #[error("no callback slot within {SEARCH_HORIZON_DAYS} days: {detail}")]
    NoCommonWindow { detail: String },
    #[error(
        "the SLA deadline lies more than {SEARCH_HORIZON_DAYS} days ahead ({detail}); check company hours, holidays and the SLA setting"
    )]
    SlaBeyondHorizon { detail: String },
    #[error("time {at} is outside the supported range (years 1900 to 9999)")]
    OutOfRange { at: DateTime<Utc> },
}

/// Plans the earliest callback slot for a request; see the module docs for the rules.
pub fn plan(
    company: &Calendar,
    client: &ClientWindow,
    policy: &Policy,
    req: &Request,
) -> Result<Plan, PlanError> {
    check_range(req.requested_at)?;
    let earliest = req
        .requested_at
        .checked_add_signed(policy.min_delay.max(Duration::zero()))
        .ok_or(PlanError::OutOfRange {
            at: req.requested_at,
        })?;
    check_range(earliest)?;
    let cals = windows(company, client)?;
    let window = search(&cals, company, client, earliest)?;
    let slot = slot_in(window, policy);
    let sla_deadline = sla_deadline(company, req.requested_at, req.sla, policy.sla_working_hours)?;
    let at_risk = slot.start >= sla_deadline;
    let constrained_by = binding_constraints(&cals, company, earliest, slot.start);
    let mut plan = Plan {
        slot_start: slot.start,
        slot_end: slot.end,
        sla_deadline,
        at_risk,
        client_tz: client.tz,
        constrained_by,
        reason: String::new(),
    };
    plan.reason = explain(company, client, policy, req, earliest, &plan);
    Ok(plan)
}

/// For retries: the next slot at or after `not_before` (same windows), reusing the same logic.
pub fn next_slot(
    company: &Calendar,
    client: &ClientWindow,
    policy: &Policy,
    not_before: DateTime<Utc>,
) -> Result<Interval, PlanError> {
    check_range(not_before)?;
    let cals = windows(company, client)?;
    let window = search(&cals, company, client, not_before)?;
    Ok(slot_in(window, policy))
}

/// The SLA deadline of a request made at `requested_at`.
///
/// `WorkingHours` counts `working_hours` of company working time from `requested_at`
/// (time outside company hours does not count). `SameWorkingDay` is the end of the
/// last working interval of the company-local day of the request — or of the day
/// whose overnight range the request falls in — and, when that day's hours are over
/// or it is not a working day, the end of the next working day.
pub fn sla_deadline(
    company: &Calendar,
    requested_at: DateTime<Utc>,
    rule: SlaRule,
    working_hours: u32,
) -> Result<DateTime<Utc>, PlanError> {
    check_range(requested_at)?;
    if company.hours.is_empty() {
        return Err(PlanError::NoCompanyHours);
    }
    let view = company.view();
    let limit = requested_at + SEARCH_HORIZON;
    let (deadline, detail) = match rule {
        SlaRule::WorkingHours => (
            view.add_working_time(
                requested_at,
                Duration::hours(i64::from(working_hours)),
                limit,
            ),
            format!("{working_hours} working hours"),
        ),
        SlaRule::SameWorkingDay => (
            view.working_day_end(requested_at, limit),
            "no working day ahead".to_string(),
        ),
    };
    deadline.ok_or(PlanError::SlaBeyondHorizon { detail })
}

/// Rejects instants so far out that date arithmetic could overflow.
fn check_range(t: DateTime<Utc>) -> Result<(), PlanError> {
    if (1900..=9999).contains(&t.year()) {
        Ok(())
    } else {
        Err(PlanError::OutOfRange { at: t })
    }
}

/// Company, client and legal calendars, in that order; borrowed to keep planning
/// allocation-free.
fn windows<'a>(
    company: &'a Calendar,
    client: &'a ClientWindow,
) -> Result<[CalRef<'a>; 3], PlanError> {
    if company.hours.is_empty() {
        return Err(PlanError::NoCompanyHours);
    }
    if client.hours.is_empty() {
        return Err(PlanError::NoClientHours);
    }
    let client_view = CalRef {
        tz: client.tz,
        hours: &client.hours,
        holidays: None,
    };
    let legal = CalRef {
        tz: client.tz,
        hours: &LEGAL_HOURS,
        holidays: None,
    };
    Ok([company.view(), client_view, legal])
}

fn search(
    cals: &[CalRef<'_>; 3],
    company: &Calendar,
    client: &ClientWindow,
    from: DateTime<Utc>,
) -> Result<Interval, PlanError> {
    common_window(cals, from, SEARCH_HORIZON).ok_or_else(|| PlanError::NoCommonWindow {
        detail: format!(
            "company hours \"{}\" ({}{}), client hours \"{}\" ({}, zone from {}) and the legal \
             08:00-21:00 client-local window never overlap between {} UTC and {} UTC; widen \
             the client or company hours, or check the client's time zone",
            company.hours,
            company.tz,
            if company.holidays.is_empty() {
                ""
            } else {
                ", minus holidays"
            },
            client.hours,
            client.tz,
            client.zone_source,
            from.format("%Y-%m-%d %H:%M"),
            (from + SEARCH_HORIZON).format("%Y-%m-%d %H:%M"),
        ),
    })
}

fn slot_in(window: Interval, policy: &Policy) -> Interval {
    let length = Duration::minutes(i64::from(policy.slot_minutes.max(1)));
    Interval {
        start: window.start,
        end: (window.start + length).min(window.end),
    }
}

/// The calendars that were closed just before the slot opened, i.e. the ones that
/// pushed it past `earliest`; a holiday counts when dropping the holidays would
/// have allowed an earlier slot.
fn binding_constraints(
    cals: &[CalRef<'_>; 3],
    company: &Calendar,
    earliest: DateTime<Utc>,
    slot_start: DateTime<Utc>,
) -> Vec<Constraint> {
    if slot_start <= earliest {
        return vec![Constraint::MinimumDelay];
    }
    let mut found = Vec::with_capacity(3);
    if !holidays_in_span(company, earliest, slot_start).is_empty() {
        let no_holidays = [
            CalRef {
                holidays: None,
                ..cals[0]
            },
            cals[1],
            cals[2],
        ];
        if common_window(&no_holidays, earliest, slot_start - earliest)
            .is_some_and(|w| w.start < slot_start)
        {
            found.push(Constraint::Holiday);
        }
    }
    let probe = (slot_start - Duration::seconds(1)).max(earliest);
    let kinds = [
        Constraint::CompanyHours,
        Constraint::ClientHours,
        Constraint::LegalWindow,
    ];
    for (cal, kind) in cals.iter().zip(kinds) {
        if !cal.contains(probe) {
            found.push(kind);
        }
    }
    found.sort_unstable();
    found
}

/// Company holidays with working hours between the day before `from` (its overnight
/// range may reach `from`) and the day of `to`, company-local.
fn holidays_in_span(
    company: &Calendar,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<chrono::NaiveDate> {
    if company.holidays.is_empty() {
        return Vec::new();
    }
    let view = company.view();
    let (Some(first), Some(last)) = (view.local_date(from), view.local_date(to)) else {
        return Vec::new();
    };
    let first = first.pred_opt().unwrap_or(first);
    company
        .holidays
        .range(first..=last)
        .filter(|d| !company.hours.ranges(d.weekday()).is_empty())
        .copied()
        .collect()
}

/// Writes e.g. `2025-03-10 09:00 EET (+02:00)`.
fn stamp(out: &mut String, t: DateTime<Utc>, tz: Tz) {
    let local = tz.from_utc_datetime(&t.naive_utc());
    let offset = local.offset();
    let _ = write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02} {} ({})",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        offset,
        offset.fix()
    );
}

fn explain(
    company: &Calendar,
    client: &ClientWindow,
    policy: &Policy,
    req: &Request,
    earliest: DateTime<Utc>,
    plan: &Plan,
) -> String {
    let mut s = String::with_capacity(400);
    s.push_str("Callback at ");
    stamp(&mut s, plan.slot_start, company.tz);
    let _ = write!(s, " company time ({}) = ", company.tz);
    stamp(&mut s, plan.slot_start, client.tz);
    let _ = write!(
        s,
        " client time ({}, zone from {}). Starts here because of ",
        client.tz, client.zone_source
    );
    for (i, c) in plan.constrained_by.iter().enumerate() {
        if i > 0 {
            s.push_str(if i + 1 == plan.constrained_by.len() {
                " and "
            } else {
                ", "
            });
        }
        let _ = match c {
            Constraint::MinimumDelay => write!(
                s,
                "the minimum delay (requested + {} min; no other constraint pushed it later)",
                policy.min_delay.num_minutes().max(0)
            ),
            Constraint::CompanyHours => {
                write!(s, "company hours (\"{}\", {})", company.hours, company.tz)
            }
            Constraint::Holiday => {
                s.push_str("a company holiday (");
                for (k, d) in holidays_in_span(company, earliest, plan.slot_start)
                    .iter()
                    .enumerate()
                {
                    let _ = write!(s, "{}{d}", if k > 0 { ", " } else { "" });
                }
                s.push(')');
                Ok(())
            }
            Constraint::ClientHours => {
                write!(s, "client hours (\"{}\", {})", client.hours, client.tz)
            }
            Constraint::LegalWindow => {
                s.push_str("the legal 08:00-21:00 client-local calling window");
                Ok(())
            }
        };
    }
    s.push_str(". SLA: ");
    match req.sla {
        SlaRule::WorkingHours => {
            let _ = write!(
                s,
                "due within {} working hours of company time, by ",
                policy.sla_working_hours
            );
        }
        SlaRule::SameWorkingDay => {
            s.push_str("passed to a named person, due by the end of the company working day, ")
        }
    }
    stamp(&mut s, plan.sla_deadline, company.tz);
    s.push_str(if plan.at_risk {
        "; AT RISK: no slot fits before the deadline."
    } else {
        "; the slot is before the deadline."
    });
    s
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
