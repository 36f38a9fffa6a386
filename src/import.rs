//! CSV imports. Every row is parsed and checked before anything is written; the first bad row stops
//! the import with its line number and field, so nothing is ever half-imported.

use crate::phone::{self, Region};
use crate::schedule::hours::WeeklyHours;
use crate::store::{Client, DncImportRow};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::io::Read;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}, field {field}: {message}")]
    Row {
        line: u64,
        field: String,
        message: String,
    },
    #[error("header: missing column {0:?}")]
    MissingColumn(&'static str),
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
}

/// Languages the prompts exist in.
pub const LANGUAGES: &[&str] = &["en", "ru", "uk", "lt"];
/// A card's queue priority is 0 (everyone) to this (first after VIP callers).
pub const MAX_PRIORITY: i64 = 9;
/// Longest special-needs note on a card (it is read out on the screen pop, not an essay).
pub const MAX_NEEDS: usize = 500;

/// Reads a CSV with a header; maps each data row through `row` with its 1-based file line.
fn read_rows<T>(
    input: impl Read,
    required: &[&'static str],
    mut row: impl FnMut(u64, &Fields<'_>) -> Result<T, ImportError>,
) -> Result<Vec<T>, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(input);
    let headers = rdr
        .headers()
        .map_err(|e| ImportError::Csv {
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let index: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.to_ascii_lowercase(), i))
        .collect();
    for col in required {
        if !index.contains_key(*col) {
            return Err(ImportError::MissingColumn(col));
        }
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ImportError::Csv {
            line: e.position().map(|p| p.line()).unwrap_or(0),
            message: e.to_string(),
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(str::is_empty) {
            continue;
        }
        out.push(row(
            line,
            &Fields {
                index: &index,
                rec: &rec,
            },
        )?);
    }
    Ok(out)
}

/// One record's fields by column name.
struct Fields<'a> {
    index: &'a HashMap<String, usize>,
    rec: &'a csv::StringRecord,
}

impl Fields<'_> {
    /// The trimmed value, `None` when the column is absent or the cell empty.
    fn get(&self, name: &str) -> Option<&str> {
        self.index
            .get(name)
            .and_then(|&i| self.rec.get(i))
            .filter(|v| !v.is_empty())
    }
}

fn bad(line: u64, field: &str, message: impl Into<String>) -> ImportError {
    ImportError::Row {
        line,
        field: field.to_string(),
        message: message.into(),
    }
}

fn phone_field(line: u64, f: &Fields<'_>, region: Region) -> Result<String, ImportError> {
    let raw = f.get("phone").ok_or_else(|| bad(line, "phone", "empty"))?;
    phone::normalize(raw, region).map_err(|e| bad(line, "phone", e.to_string()))
}

/// Rejects a number that appears twice, naming both lines.
fn no_duplicates<T>(rows: &[(u64, T)], phone: impl Fn(&T) -> &str) -> Result<(), ImportError> {
    let mut seen: HashMap<&str, u64> = HashMap::with_capacity(rows.len());
    for (line, row) in rows {
        if let Some(first) = seen.insert(phone(row), *line) {
            return Err(bad(
                *line,
                "phone",
                format!("{} already appears on line {first}", phone(row)),
            ));
        }
    }
    Ok(())
}

/// `phone,name,language,time_zone,hours` plus optional `email,notes,needs,priority`.
pub fn clients(
    input: impl Read,
    region: Region,
    now: DateTime<Utc>,
) -> Result<Vec<Client>, ImportError> {
    let rows = read_rows(input, &["phone"], |line, f| {
        let mut c = Client::new(phone_field(line, f, region)?, now);
        c.name = f.get("name").map(str::to_string);
        if let Some(lang) = f.get("language") {
            let lang = lang.to_ascii_lowercase();
            if !LANGUAGES.contains(&lang.as_str()) {
                return Err(bad(
                    line,
                    "language",
                    format!("{lang:?} is not one of en, ru, uk, lt"),
                ));
            }
            c.language = Some(lang);
        }
        if let Some(tz) = f.get("time_zone") {
            let tz: Tz = tz
                .parse()
                .map_err(|_| bad(line, "time_zone", format!("unknown time zone {tz:?}")))?;
            c.time_zone = Some(tz.name().to_string());
        }
        if let Some(hours) = f.get("hours") {
            let h: WeeklyHours = hours
                .parse()
                .map_err(|e| bad(line, "hours", format!("{e}")))?;
            c.hours = Some(h.to_string());
        }
        c.email = f.get("email").map(str::to_string);
        c.notes = f.get("notes").map(str::to_string);
        if let Some(needs) = f.get("needs") {
            if needs.chars().count() > MAX_NEEDS {
                return Err(bad(
                    line,
                    "needs",
                    format!("longer than {MAX_NEEDS} characters"),
                ));
            }
            c.needs = Some(needs.to_string());
        }
        if let Some(p) = f.get("priority") {
            c.priority = p
                .parse::<i64>()
                .ok()
                .filter(|p| (0..=MAX_PRIORITY).contains(p))
                .ok_or_else(|| {
                    bad(
                        line,
                        "priority",
                        format!("{p:?} is not 0 to {MAX_PRIORITY}"),
                    )
                })?;
        }
        Ok((line, c))
    })?;
    no_duplicates(&rows, |c: &Client| c.phone.as_str())?;
    Ok(rows.into_iter().map(|(_, c)| c).collect())
}

/// `phone` plus optional `reason`.
pub fn dnc(input: impl Read, region: Region) -> Result<Vec<DncImportRow>, ImportError> {
    let rows = read_rows(input, &["phone"], |line, f| {
        Ok((
            line,
            DncImportRow {
                phone: phone_field(line, f, region)?,
                reason: f.get("reason").map(str::to_string),
            },
        ))
    })?;
    no_duplicates(&rows, |r: &DncImportRow| r.phone.as_str())?;
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

/// `phone,agent`: returns (phone, agent id, line) so an unknown agent can be named with its line.
pub fn vip(input: impl Read, region: Region) -> Result<Vec<(u64, String, String)>, ImportError> {
    let rows = read_rows(input, &["phone", "agent"], |line, f| {
        let phone = phone_field(line, f, region)?;
        let agent = f.get("agent").ok_or_else(|| bad(line, "agent", "empty"))?;
        Ok((line, (phone, agent.to_string())))
    })?;
    no_duplicates(&rows, |r: &(String, String)| r.0.as_str())?;
    Ok(rows.into_iter().map(|(l, (p, a))| (l, p, a)).collect())
}

#[cfg(test)]
mod tests;
