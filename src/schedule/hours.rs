//! Weekly working hours: parsing, canonical printing and the in-memory form.
//!
//! Syntax: `"Mon-Fri 09:00-18:00; Sat 10:00-14:00"`. Parts are separated by `;`;
//! each part is an optional day spec (`Mon`, `Mon-Fri`, `Fri-Mon`, `Mon,Wed,Fri`,
//! `Mon-Wed,Fri`; case-insensitive) followed by one or more `HH:MM-HH:MM` ranges
//! separated by `,`. A part without a day spec applies to every day. A range whose
//! end is not after its start crosses midnight and belongs to the day it starts on.
//! `24:00` is accepted as an end; `00:00-24:00` is the whole day. An empty string,
//! `closed` or `none` means no hours at all.

use std::fmt;
use std::str::FromStr;

use chrono::Weekday;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Minutes in a day; range ends may go up to (but not reach) twice this.
pub const DAY_MINUTES: u16 = 1440;

const WEEK_SECONDS: i64 = 7 * 86_400;

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// One working range of a day, in minutes from the owning day's local midnight.
///
/// `end` may exceed [`DAY_MINUTES`]: such a range runs past midnight into the next
/// day but still belongs to the day it starts on (so a holiday on that day drops it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DayRange {
    pub start: u16,
    pub end: u16,
}

impl DayRange {
    /// Keeps the invariant that makes the canonical text form parse back unchanged:
    /// non-empty, shorter than a day unless it is exactly `00:00-24:00`.
    fn is_valid(self) -> bool {
        self.start < DAY_MINUTES
            && self.end > self.start
            && (self.end - self.start < DAY_MINUTES || (self.start == 0 && self.end == DAY_MINUTES))
    }
}

/// Working hours for each weekday (index 0 = Monday), sorted and merged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct WeeklyHours {
    days: [Vec<DayRange>; 7],
}

/// What went wrong inside one part of an hours string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursProblem {
    #[error("bad time \"{0}\"")]
    BadTime(String),
    #[error("unknown day \"{0}\" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")]
    BadDay(String),
    #[error("bad range \"{0}\" (expected HH:MM-HH:MM)")]
    BadRange(String),
    #[error("range \"{0}\" is empty or ambiguous (use 00:00-24:00 for a whole day)")]
    EmptyRange(String),
    #[error("range \"{0}\" starts at 24:00 (24:00 can only end a range)")]
    StartsAtDayEnd(String),
    #[error("no time range")]
    MissingRange,
}

/// An hours string that could not be parsed; names the offending `;`-separated part
/// so the user can find it in a long specification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} in \"{part}\"")]
pub struct HoursError {
    pub problem: HoursProblem,
    pub part: String,
}

impl WeeklyHours {
    /// No working hours at all (a calendar with these never opens).
    pub fn closed() -> Self {
        Self::default()
    }

    /// `00:00-24:00` every day.
    pub fn always() -> Self {
        Self::every_day(0, DAY_MINUTES)
    }

    /// The same single range every day; used for fixed windows such as the legal one.
    /// Invalid ranges yield closed hours rather than a panic.
    pub(super) fn every_day(start: u16, end: u16) -> Self {
        let range = DayRange { start, end };
        let mut hours = Self::default();
        if range.is_valid() {
            for day in &mut hours.days {
                day.push(range);
            }
        }
        hours
    }

    /// Drops Saturday and Sunday; used to build the default client hours.
    pub(super) fn without_weekend(mut self) -> Self {
        self.days[5].clear();
        self.days[6].clear();
        self
    }

    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }

    /// Ranges of `day`, sorted by start.
    pub fn ranges(&self, day: Weekday) -> &[DayRange] {
        &self.days[day.num_days_from_monday() as usize]
    }

    /// Sorts, de-duplicates and merges overlapping or touching ranges of each day
    /// while the merged range stays valid, so equal schedules compare equal.
    fn normalize(&mut self) {
        for day in &mut self.days {
            day.sort_unstable();
            let mut merged: Vec<DayRange> = Vec::with_capacity(day.len());
            for &r in day.iter() {
                if let Some(last) = merged.last_mut() {
                    let joined = DayRange {
                        start: last.start,
                        end: last.end.max(r.end),
                    };
                    if r.start <= last.end && joined.is_valid() {
                        *last = joined;
                        continue;
                    }
                }
                merged.push(r);
            }
            *day = merged;
        }
    }
}

impl WeeklyHours {
    /// The hours as sorted, merged spans of seconds since Monday 00:00 UTC, for a zone
    /// at a fixed `offset_secs` east of UTC. Lets the search prove that windows in
    /// different zones cannot meet while offsets stay fixed.
    pub(super) fn utc_week_spans(&self, offset_secs: i32) -> Vec<(i64, i64)> {
        let mut spans = Vec::new();
        for (weekday, ranges) in (0i64..).zip(&self.days) {
            for r in ranges {
                let base = weekday * 86_400 - i64::from(offset_secs);
                let start = (base + i64::from(r.start) * 60).rem_euclid(WEEK_SECONDS);
                let end = start + i64::from(r.end - r.start) * 60;
                if end > WEEK_SECONDS {
                    spans.push((start, WEEK_SECONDS));
                    spans.push((0, end - WEEK_SECONDS));
                } else {
                    spans.push((start, end));
                }
            }
        }
        spans.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }
}

/// Whether sorted, merged half-open span lists share at least one point.
pub(super) fn spans_intersect(lists: &[Vec<(i64, i64)>]) -> bool {
    let Some((first, rest)) = lists.split_first() else {
        return false;
    };
    let mut common = first.clone();
    for list in rest {
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        while i < common.len() && j < list.len() {
            let (s, e) = (common[i].0.max(list[j].0), common[i].1.min(list[j].1));
            if s < e {
                out.push((s, e));
            }
            if common[i].1 < list[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        common = out;
    }
    !common.is_empty()
}

impl FromStr for WeeklyHours {
    type Err = HoursError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let mut hours = WeeklyHours::default();
        if text.is_empty()
            || text.eq_ignore_ascii_case("closed")
            || text.eq_ignore_ascii_case("none")
        {
            return Ok(hours);
        }
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            parse_part(part, &mut hours).map_err(|problem| HoursError {
                problem,
                part: part.to_string(),
            })?;
        }
        hours.normalize();
        Ok(hours)
    }
}

fn parse_part(part: &str, hours: &mut WeeklyHours) -> Result<(), HoursProblem> {
    let split = part
        .find(|c: char| c.is_ascii_digit())
        .ok_or(HoursProblem::MissingRange)?;
    let (spec, ranges) = part.split_at(split);
    let days = parse_day_spec(spec.trim())?;
    let mut parsed = Vec::new();
    for item in ranges.split(',').map(str::trim) {
        parsed.push(parse_range(item)?);
    }
    for (i, on) in days.iter().enumerate() {
        if *on {
            hours.days[i].extend_from_slice(&parsed);
        }
    }
    Ok(())
}

/// Returns which weekdays (Monday first) the spec selects; empty spec = every day.
fn parse_day_spec(spec: &str) -> Result<[bool; 7], HoursProblem> {
    if spec.is_empty() {
        return Ok([true; 7]);
    }
    let mut days = [false; 7];
    for item in spec.split(',').map(str::trim) {
        match item.split_once('-') {
            Some((a, b)) => {
                let (from, to) = (day_index(a.trim(), item)?, day_index(b.trim(), item)?);
                let mut d = from;
                loop {
                    days[d] = true;
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days[day_index(item, item)?] = true,
        }
    }
    Ok(days)
}

fn day_index(name: &str, item: &str) -> Result<usize, HoursProblem> {
    DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(name))
        .ok_or_else(|| HoursProblem::BadDay(item.to_string()))
}

fn parse_range(item: &str) -> Result<DayRange, HoursProblem> {
    let (a, b) = item
        .split_once('-')
        .ok_or_else(|| HoursProblem::BadRange(item.to_string()))?;
    let start = parse_time(a.trim())?;
    let end = parse_time(b.trim())?;
    if start == DAY_MINUTES {
        return Err(HoursProblem::StartsAtDayEnd(item.to_string()));
    }
    let end = match end {
        e if e == start => return Err(HoursProblem::EmptyRange(item.to_string())),
        e if e > start => e,
        e => e + DAY_MINUTES,
    };
    Ok(DayRange { start, end })
}

/// Parses `H:MM` / `HH:MM` into minutes; `24:00` gives [`DAY_MINUTES`].
fn parse_time(text: &str) -> Result<u16, HoursProblem> {
    let bad = || HoursProblem::BadTime(text.to_string());
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn write_time(f: &mut fmt::Formatter<'_>, minutes: u16) -> fmt::Result {
    write!(f, "{:02}:{:02}", minutes / 60, minutes % 60)
}

fn write_days(f: &mut fmt::Formatter<'_>, days: &[bool; 7]) -> fmt::Result {
    let mut first = true;
    let mut i = 0;
    while i < 7 {
        if !days[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < 7 && days[j + 1] {
            j += 1;
        }
        if !first {
            f.write_str(",")?;
        }
        first = false;
        f.write_str(DAY_NAMES[i])?;
        if j > i {
            write!(f, "-{}", DAY_NAMES[j])?;
        }
        i = j + 1;
    }
    Ok(())
}

/// Canonical form: days with identical ranges are grouped, groups ordered by their
/// first weekday; `closed` when there are no hours. Parses back to an equal value.
impl fmt::Display for WeeklyHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("closed");
        }
        let mut done = [false; 7];
        let mut first_part = true;
        for i in 0..7 {
            if done[i] || self.days[i].is_empty() {
                continue;
            }
            let mut group = [false; 7];
            for j in i..7 {
                if self.days[j] == self.days[i] {
                    group[j] = true;
                    done[j] = true;
                }
            }
            if !first_part {
                f.write_str("; ")?;
            }
            first_part = false;
            if group != [true; 7] {
                write_days(f, &group)?;
                f.write_str(" ")?;
            }
            for (k, r) in self.days[i].iter().enumerate() {
                if k > 0 {
                    f.write_str(",")?;
                }
                write_time(f, r.start)?;
                f.write_str("-")?;
                let end = if r.end > DAY_MINUTES {
                    r.end - DAY_MINUTES
                } else {
                    r.end
                };
                write_time(f, end)?;
            }
        }
        Ok(())
    }
}

impl Serialize for WeeklyHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WeeklyHours {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
