//! Reports (`/reports`, `/reports.csv`): per day, hour or agent over a chosen period (default the
//! last 7 days, at most 92): offered, answered, abandoned, service level, average wait, handle
//! time and NPS; the same lines as CSV for a spreadsheet. Supervisors only.

use super::format::{input_value, parse_input};
use super::page::{PageError, Viewer};
use crate::http::HttpState;
use crate::store::{GroupBy, Role, report, report_csv};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use minijinja::{Value, context};
use serde::Deserialize;

/// The longest period one report covers (its cost grows with it).
const MAX_DAYS: i64 = 92;

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    since: Option<String>,
    until: Option<String>,
    /// day (default), hour or agent.
    by: Option<String>,
}

struct Asked {
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    by: GroupBy,
    by_name: String,
}

fn read(state: &HttpState, q: &ReportQuery) -> Result<Asked, PageError> {
    let tz = state.time_zone;
    let until = parse_input(q.until.as_deref(), tz)
        .map_err(PageError::bad_request)?
        .unwrap_or_else(Utc::now);
    let since = parse_input(q.since.as_deref(), tz)
        .map_err(PageError::bad_request)?
        .unwrap_or(until - Duration::days(7));
    if since >= until || until - since > Duration::days(MAX_DAYS) {
        return Err(PageError::bad_request(format!(
            "the period must start before it ends and span at most {MAX_DAYS} days"
        )));
    }
    let by_name = q.by.clone().unwrap_or_else(|| "day".into());
    let by = GroupBy::parse(&by_name)
        .ok_or_else(|| PageError::bad_request("group by day, hour or agent"))?;
    Ok(Asked {
        since,
        until,
        by,
        by_name,
    })
}

pub async fn page(
    State(state): State<HttpState>,
    viewer: Viewer,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let a = read(&state, &q)?;
    let calls = state.store.report_calls(a.since, a.until).await?;
    let rows = report(
        &calls,
        a.by,
        state.time_zone,
        state.workspace.service_level_seconds,
    );
    let since = input_value(Some(a.since), state.time_zone);
    let until = input_value(Some(a.until), state.time_zone);
    let csv = super::format::query(&[("since", &since), ("until", &until), ("by", &a.by_name)]);
    let ctx = context! {
        rows => Value::from_serialize(&rows),
        by => a.by_name,
        since => since,
        until => until,
        csv_link => format!("/reports.csv?{csv}"),
        sl => state.workspace.service_level_seconds,
    };
    Ok(viewer.page(&state, "reports", "reports.html", ctx))
}

pub async fn csv(
    State(state): State<HttpState>,
    viewer: Viewer,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    viewer.require(Role::Supervisor)?;
    let a = read(&state, &q)?;
    let calls = state.store.report_calls(a.since, a.until).await?;
    let rows = report(
        &calls,
        a.by,
        state.time_zone,
        state.workspace.service_level_seconds,
    );
    let name = format!(
        "attachment; filename=\"frontdesk-report-{}-{}.csv\"",
        a.by_name,
        a.since.with_timezone(&state.time_zone).format("%Y%m%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        report_csv(a.by, &rows),
    )
        .into_response())
}
