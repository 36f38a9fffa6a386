//! Working-hours calendars in a real time zone, and the search for common windows.
//!
//! # Local boundaries and DST
//!
//! Hours are wall-clock ranges; turning a boundary into an instant follows one rule
//! everywhere (search, containment checks, SLA arithmetic):
//!
//! * a boundary inside a DST gap (a wall-clock time that never happens) maps to the
//!   instant the gap ends, i.e. the first instant that exists after it;
//! * an ambiguous boundary (a wall-clock time that happens twice) is resolved
//!   conservatively so that every instant of the resulting interval shows a wall-clock
//!   time inside the range: a range *start* takes the later instant, a range *end*
//!   the earlier one;
//! * intervals that become empty this way are dropped.
//!
//! A range belongs to the day it starts on, including one that crosses midnight, so
//! a holiday removes the ranges starting that day and leaves the previous evening's
//! overnight range intact.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Duration, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};
use chrono_tz::{GapInfo, Tz};
use serde::Serialize;

use super::hours::{DAY_MINUTES, DayRange, WeeklyHours, spans_intersect};
use super::offsets::next_offset_change;

/// Adjacent intervals are merged into one window, but never beyond this length, so
/// an always-open calendar still yields finite windows.
const MERGE_CAP: Duration = Duration::days(7);

/// Longest search accepted; larger horizons are clamped so date arithmetic cannot
/// overflow on absurd inputs.
const MAX_HORIZON: Duration = Duration::days(3660);

/// Fruitless scanning allowed before trying to prove whole offset epochs empty,
/// and between later attempts; keeps the common case free of that work.
const SCAN_BEFORE_SKIP: Duration = Duration::days(2);
const SCAN_BETWEEN_SKIPS: Duration = Duration::days(8);

/// Longest DST gap searched when the time-zone data cannot name the gap's end
/// (Pacific/Apia skipped a whole day in 2011).
const MAX_GAP_MINUTES: i64 = 48 * 60;

/// Half-open interval `[start, end)` of instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

/// A time zone, weekly hours and company-local holiday dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub tz: Tz,
    pub hours: WeeklyHours,
    pub holidays: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn new(tz: Tz, hours: WeeklyHours) -> Self {
        Self {
            tz,
            hours,
            holidays: BTreeSet::new(),
        }
    }

    pub fn with_holidays(mut self, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(holidays);
        self
    }

    /// First interval with end > t (the interval containing t, or the next one), looking
    /// at most `horizon` ahead. Touching intervals are merged (up to a week), so a
    /// window is not cut at midnight when one day's hours run into the next day's.
    pub fn next_open(&self, t: DateTime<Utc>, horizon: Duration) -> Option<Interval> {
        self.view().next_open(t, horizon)
    }

    /// Independent check used by tests: is instant t inside working hours (by wall clock)?
    /// Works from the wall-clock time at `t` rather than by enumerating intervals, and
    /// applies the same conservative rule for ambiguous boundaries.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.view().contains(t)
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date)
    }

    /// Borrowed form, so the planner can search a client's hours without cloning them.
    pub(super) fn view(&self) -> CalRef<'_> {
        CalRef {
            tz: self.tz,
            hours: &self.hours,
            holidays: Some(&self.holidays),
        }
    }
}

/// Earliest instant >= from that lies in all calendars, and the common window [start, end)
/// containing it (`start` is that instant). `None` when there is none within `horizon`
/// or when `cals` is empty.
pub fn first_common_window(
    cals: &[&Calendar],
    from: DateTime<Utc>,
    horizon: Duration,
) -> Option<Interval> {
    let views: Vec<CalRef<'_>> = cals.iter().map(|c| c.view()).collect();
    common_window(&views, from, horizon)
}

/// A calendar borrowed piecewise; holidays are optional because client and legal
/// windows have none.
#[derive(Debug, Clone, Copy)]
pub(super) struct CalRef<'a> {
    pub tz: Tz,
    pub hours: &'a WeeklyHours,
    pub holidays: Option<&'a BTreeSet<NaiveDate>>,
}

/// Which side of a range a boundary is on; decides how ambiguous times resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Edge {
    Start,
    End,
}

impl CalRef<'_> {
    fn is_holiday(&self, day: NaiveDate) -> bool {
        self.holidays
            .is_some_and(|h| !h.is_empty() && h.contains(&day))
    }

    pub(super) fn day_ranges(&self, day: NaiveDate) -> &[DayRange] {
        if self.is_holiday(day) {
            &[]
        } else {
            self.hours.ranges(day.weekday())
        }
    }

    /// Non-empty intervals of the ranges that belong to `day`, in start order.
    pub(super) fn day_intervals(&self, day: NaiveDate) -> impl Iterator<Item = Interval> + '_ {
        self.day_intervals_from(day, false)
    }

    fn day_intervals_from(
        &self,
        day: NaiveDate,
        overnight_only: bool,
    ) -> impl Iterator<Item = Interval> + '_ {
        let tz = self.tz;
        self.day_ranges(day)
            .iter()
            .filter(move |r| !overnight_only || r.end > DAY_MINUTES)
            .filter_map(move |r| range_interval(tz, day, *r))
    }

    /// Local date at `t`; `None` only at the very ends of the representable range.
    pub(super) fn local_date(&self, t: DateTime<Utc>) -> Option<NaiveDate> {
        local_time(self.tz, t).map(|l| l.date())
    }

    /// Walks days from the one before `t` (whose overnight ranges may still be open),
    /// picks the first interval ending after `t`, then merges following intervals
    /// that start before it ends. Interval starts are ordered across days because the
    /// boundary mapping is monotonic, so the walk can stop at the first gap.
    pub(super) fn next_open(&self, t: DateTime<Utc>, horizon: Duration) -> Option<Interval> {
        if self.hours.is_empty() || horizon < Duration::zero() {
            return None;
        }
        let limit = t.checked_add_signed(horizon.min(MAX_HORIZON))?;
        let first = self.local_date(t)?;
        // Local dates can run ahead of elapsed time by an offset jump (at most about
        // a day), so three days of slack bound the last day that can start by `limit`.
        let last_day = first.checked_add_signed(Duration::days((limit - t).num_days() + 3))?;
        let mut day = first.pred_opt()?;
        let mut found: Option<Interval> = None;
        let mut cap = t;
        let mut merge_until = day;
        loop {
            match found {
                None if day > last_day => return None,
                Some(c) if day > merge_until || c.end >= cap => return Some(c),
                _ => {}
            }
            // Of the day before `t`, only overnight ranges can still be open at `t`.
            let overnight_only = day < first;
            for iv in self.day_intervals_from(day, overnight_only) {
                match &mut found {
                    None if iv.end > t => {
                        if iv.start > limit {
                            return None;
                        }
                        cap = later(iv.start.max(t), MERGE_CAP);
                        found = Some(iv);
                    }
                    None => {}
                    Some(c) if iv.start > c.end => return Some(*c),
                    Some(c) => c.end = c.end.max(iv.end),
                }
            }
            if let Some(c) = found {
                merge_until = self.local_date(c.end).unwrap_or(day);
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => return found,
            }
        }
    }

    /// The instant by which `work` of working time has passed since `from`
    /// (time outside the hours does not count); `None` if that is after `limit`.
    pub(super) fn add_working_time(
        &self,
        from: DateTime<Utc>,
        work: Duration,
        limit: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let mut remaining = work;
        let mut t = from;
        loop {
            let iv = self.next_open(t, limit - t)?;
            let start = iv.start.max(t);
            if iv.end - start >= remaining {
                return Some(start + remaining);
            }
            remaining -= iv.end - start;
            t = iv.end;
        }
    }

    /// End of the last interval of the working day `t` falls in: the day whose
    /// overnight range contains `t`, else `t`'s local day if its hours are not over,
    /// else the next day with hours. `None` if no such day starts before `limit`.
    pub(super) fn working_day_end(
        &self,
        t: DateTime<Utc>,
        limit: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let day_end = |d: NaiveDate| self.day_intervals(d).map(|iv| iv.end).max();
        let today = self.local_date(t)?;
        if let Some(yesterday) = today.pred_opt()
            && self.day_intervals(yesterday).any(|iv| iv.contains(t))
        {
            return day_end(yesterday);
        }
        let last = self.local_date(limit)?;
        let mut day = today;
        while day <= last {
            if let Some(end) = day_end(day)
                && end > t
            {
                return Some(end);
            }
            day = day.succ_opt()?;
        }
        None
    }

    /// Wall-clock membership: the local time must fall inside a range of its own day
    /// or the previous day's overnight range; ambiguous boundaries additionally need
    /// the instant on the conservative side (later fold for starts, earlier for ends).
    /// Gap boundaries need no extra check: wall-clock order already matches.
    pub(super) fn contains(&self, t: DateTime<Utc>) -> bool {
        let Some(local) = local_time(self.tz, t) else {
            return false;
        };
        let date = local.date();
        for day in [date.pred_opt(), Some(date)].into_iter().flatten() {
            let base = day.and_time(NaiveTime::MIN);
            for r in self.day_ranges(day) {
                let (Some(s), Some(e)) = (add_minutes(base, r.start), add_minutes(base, r.end))
                else {
                    continue;
                };
                if local < s || local >= e {
                    continue;
                }
                if let MappedLocalTime::Ambiguous(a, b) = self.tz.from_local_datetime(&s)
                    && t < a.max(b)
                {
                    continue;
                }
                if let MappedLocalTime::Ambiguous(a, b) = self.tz.from_local_datetime(&e)
                    && t >= a.min(b)
                {
                    continue;
                }
                return true;
            }
        }
        false
    }
}

/// Core of [`first_common_window`]: advance `t` to the latest start among the
/// calendars' current intervals until all of them contain it. Each round strictly
/// advances `t` or finishes, and each calendar is only re-queried once its cached
/// interval has ended, so the cost is proportional to the intervals crossed; long
/// fruitless stretches are skipped epoch by epoch (see [`skip_empty_epochs`]).
pub(super) fn common_window(
    cals: &[CalRef<'_>],
    from: DateTime<Utc>,
    horizon: Duration,
) -> Option<Interval> {
    search(cals, from, horizon, true)
}

/// Reference search without epoch skipping, to check the skipping against.
#[cfg(test)]
pub(super) fn common_window_by_scanning(
    cals: &[CalRef<'_>],
    from: DateTime<Utc>,
    horizon: Duration,
) -> Option<Interval> {
    search(cals, from, horizon, false)
}

fn search(
    cals: &[CalRef<'_>],
    from: DateTime<Utc>,
    horizon: Duration,
    skip_epochs: bool,
) -> Option<Interval> {
    if cals.is_empty() {
        return None;
    }
    let limit = from.checked_add_signed(horizon.max(Duration::zero()).min(MAX_HORIZON))?;
    let mut inline = [None; 4];
    let mut heap;
    let current: &mut [Option<Interval>] = if cals.len() <= inline.len() {
        &mut inline[..cals.len()]
    } else {
        heap = vec![None; cals.len()];
        &mut heap
    };
    let mut t = from;
    let mut next_skip = later(from, SCAN_BEFORE_SKIP);
    loop {
        if t > limit {
            return None;
        }
        if skip_epochs && t >= next_skip {
            let resume = skip_empty_epochs(cals, t, limit)?;
            if resume > t {
                t = resume;
                current.fill(None);
            }
            next_skip = later(t, SCAN_BETWEEN_SKIPS);
        }
        let mut latest = t;
        for (cal, slot) in cals.iter().zip(current.iter_mut()) {
            let iv = match *slot {
                Some(iv) if iv.end > t => iv,
                _ => {
                    let iv = cal.next_open(t, limit - t)?;
                    *slot = Some(iv);
                    iv
                }
            };
            latest = latest.max(iv.start);
        }
        if latest == t {
            let end = current.iter().flatten().map(|iv| iv.end).min()?;
            return Some(Interval { start: t, end });
        }
        t = latest;
    }
}

/// Start of the first offset epoch at or after `t` whose weekly hours intersect:
/// `t` itself when its own epoch does. Within an epoch each zone keeps one UTC
/// offset, so the calendars repeat weekly and an empty intersection of their
/// weekly spans proves there is no common instant (holidays and the DST rules only
/// remove time). `None` when no such epoch starts by `limit`.
fn skip_empty_epochs(
    cals: &[CalRef<'_>],
    mut t: DateTime<Utc>,
    limit: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    while t <= limit {
        let weeks: Vec<Vec<(i64, i64)>> = cals
            .iter()
            .map(|c| c.hours.utc_week_spans(utc_offset(c.tz, t)))
            .collect();
        if spans_intersect(&weeks) {
            return Some(t);
        }
        let next = cals
            .iter()
            .filter_map(|c| next_offset_change(c.tz, t.timestamp(), limit.timestamp()))
            .min()?;
        t = DateTime::from_timestamp(next, 0)?;
    }
    None
}

/// Wall-clock time at `t`, without the panic chrono raises at the range's ends.
fn local_time(tz: Tz, t: DateTime<Utc>) -> Option<NaiveDateTime> {
    let offset = tz.offset_from_utc_datetime(&t.naive_utc()).fix();
    t.naive_utc().checked_add_offset(offset)
}

/// `t + d`, saturating so extreme inputs end the search instead of panicking.
fn later(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn utc_offset(tz: Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

fn add_minutes(base: NaiveDateTime, minutes: u16) -> Option<NaiveDateTime> {
    base.checked_add_signed(Duration::minutes(i64::from(minutes)))
}

/// The interval of range `r` on `day`, or `None` when DST resolution empties it.
pub(super) fn range_interval(tz: Tz, day: NaiveDate, r: DayRange) -> Option<Interval> {
    let base = day.and_time(NaiveTime::MIN);
    let start = boundary(tz, add_minutes(base, r.start)?, Edge::Start)?;
    let end = boundary(tz, add_minutes(base, r.end)?, Edge::End)?;
    (start < end).then_some(Interval { start, end })
}

/// Maps a wall-clock boundary to an instant using the rule in the module docs.
pub(super) fn boundary(tz: Tz, local: NaiveDateTime, edge: Edge) -> Option<DateTime<Utc>> {
    // Subtracting the offset directly skips building a `DateTime<Tz>`; this is the
    // hottest call of the search.
    let at = |offset: <Tz as TimeZone>::Offset| {
        local
            .checked_sub_offset(offset.fix())
            .map(|utc| utc.and_utc())
    };
    match tz.offset_from_local_datetime(&local) {
        MappedLocalTime::Single(o) => at(o),
        MappedLocalTime::Ambiguous(a, b) => {
            let (a, b) = (at(a)?, at(b)?);
            Some(match edge {
                Edge::Start => a.max(b),
                Edge::End => a.min(b),
            })
        }
        MappedLocalTime::None => gap_end(tz, local),
    }
}

/// First instant after the gap containing `local`. The zone data normally names it;
/// otherwise scan forward to the first existing minute and refine to the second.
fn gap_end(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    if let Some(end) = GapInfo::new(&local, &tz).and_then(|g| g.end) {
        return Some(end.with_timezone(&Utc));
    }
    scan_gap_end(tz, local)
}

/// Fallback for [`gap_end`]: the rare per-minute scan, refined by binary search.
fn scan_gap_end(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let exists = |n: NaiveDateTime| tz.from_local_datetime(&n).earliest();
    let found = (1..=MAX_GAP_MINUTES)
        .filter_map(|m| local.checked_add_signed(Duration::minutes(m)))
        .find_map(exists)?
        .with_timezone(&Utc);
    // The gap ended within the minute before `found`; binary search the second.
    let (mut lo, mut hi) = (found - Duration::seconds(60), found);
    while hi - lo > Duration::seconds(1) {
        let mid = lo + (hi - lo) / 2;
        if local_time(tz, mid).is_some_and(|m| m > local) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

#[cfg(test)]
mod tests;
