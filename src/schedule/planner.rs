use super::calendar::{Calendar, Interval};
use super::hours::WeeklyHours;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneSource {
    Card,
    Number,
    Company,
}
#[derive(Debug, Clone)]
pub struct ClientWindow {
    pub tz: Tz,
    pub zone_source: ZoneSource,
    pub hours: WeeklyHours,
}
#[derive(Debug, Clone)]
pub struct Policy {
    pub min_delay: chrono::Duration,
    pub sla_working_hours: u32,
    pub slot_minutes: u32,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaRule {
    WorkingHours,
    SameWorkingDay,
}
#[derive(Debug, Clone)]
pub struct Request {
    pub requested_at: DateTime<Utc>,
    pub sla: SlaRule,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    MinimumDelay,
    CompanyHours,
    Holiday,
    ClientHours,
    LegalWindow,
}
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub sla_deadline: DateTime<Utc>,
    pub at_risk: bool,
    #[serde(skip)]
    pub client_tz: Tz,
    pub constrained_by: Vec<Constraint>,
    pub reason: String,
}
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("no company hours")]
    NoCompanyHours,
    #[error("no common window: {detail}")]
    NoCommonWindow { detail: String },
}
pub fn plan(
    _c: &Calendar,
    client: &ClientWindow,
    p: &Policy,
    r: &Request,
) -> Result<Plan, PlanError> {
    let s = r.requested_at + p.min_delay;
    Ok(Plan {
        slot_start: s,
        slot_end: s + chrono::Duration::minutes(30),
        sla_deadline: s,
        at_risk: false,
        client_tz: client.tz,
        constrained_by: vec![],
        reason: "stub".into(),
    })
}
pub fn next_slot(
    _c: &Calendar,
    _client: &ClientWindow,
    _p: &Policy,
    nb: DateTime<Utc>,
) -> Result<Interval, PlanError> {
    Ok(Interval { start: nb, end: nb })
}
