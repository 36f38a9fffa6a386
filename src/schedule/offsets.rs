//! When a zone's UTC offset changes. chrono-tz does not expose its transition list, so each
//! (zone, year) is scanned once and cached per thread; the window search uses the result to skip
//! stretches where calendars with fixed offsets provably never meet.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

/// Cached (zone, year) entries per thread before the cache is reset; bounds memory
/// when callers wander over many years.
const MAX_CACHED_YEARS: usize = 4096;

/// Offset changes (Unix seconds) per zone and UTC year.
type ChangeCache = HashMap<(Tz, i32), Rc<[i64]>>;

thread_local! {
    static OFFSET_CHANGES: RefCell<ChangeCache> = RefCell::new(HashMap::new());
}

fn utc_offset_at(tz: Tz, secs: i64) -> Option<i32> {
    let t = DateTime::from_timestamp(secs, 0)?;
    Some(
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

fn year_start(year: i32) -> Option<i64> {
    Some(
        NaiveDate::from_ymd_opt(year, 1, 1)?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
            .timestamp(),
    )
}

/// Unix seconds within UTC `year` at which `tz` changes its UTC offset. The zone data
/// is not exposed by chrono-tz, so it is sampled hourly (no zone changes offset twice
/// within an hour) and each change narrowed to the second.
fn scan_offset_changes(tz: Tz, year: i32) -> Vec<i64> {
    let (Some(mut t), Some(end)) = (year_start(year), year_start(year + 1)) else {
        return Vec::new();
    };
    let mut changes = Vec::new();
    let mut offset = utc_offset_at(tz, t);
    while t < end {
        let next = (t + 3600).min(end);
        let next_offset = utc_offset_at(tz, next);
        if next_offset != offset {
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if utc_offset_at(tz, mid) == offset {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            changes.push(hi);
        }
        t = next;
        offset = next_offset;
    }
    changes
}

fn offset_changes(tz: Tz, year: i32) -> Rc<[i64]> {
    OFFSET_CHANGES.with(|cache| {
        if let Some(found) = cache.borrow().get(&(tz, year)) {
            return Rc::clone(found);
        }
        let changes: Rc<[i64]> = scan_offset_changes(tz, year).into();
        let mut cache = cache.borrow_mut();
        if cache.len() >= MAX_CACHED_YEARS {
            cache.clear();
        }
        cache.insert((tz, year), Rc::clone(&changes));
        changes
    })
}

/// First instant (Unix seconds) in `(after, until]` at which `tz` changes its UTC
/// offset. Memoized per thread and year, so repeated searches cost a hash lookup.
pub(super) fn next_offset_change(tz: Tz, after: i64, until: i64) -> Option<i64> {
    let year_of = |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.year());
    for year in year_of(after)?..=year_of(until)? {
        let changes = offset_changes(tz, year);
        if let Some(&change) = changes.get(changes.partition_point(|&c| c <= after)) {
            return (change <= until).then_some(change);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{Asia, Australia, Europe, Pacific};

    #[test]
    fn offset_changes_are_found_to_the_second() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
        let vilnius = |from: &str, to: &str| next_offset_change(Europe::Vilnius, at(from), at(to));
        let spring = at("2025-03-30T01:00:00Z");
        assert_eq!(
            vilnius("2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
            Some(spring)
        );
        assert_eq!(
            vilnius("2025-03-30T01:00:00Z", "2026-01-01T00:00:00Z"),
            Some(at("2025-10-26T01:00:00Z"))
        );
        assert_eq!(
            vilnius("2025-01-01T00:00:00Z", "2025-03-30T00:59:59Z"),
            None
        );
        assert_eq!(
            vilnius("2025-10-27T00:00:00Z", "2026-12-31T00:00:00Z"),
            Some(at("2026-03-29T01:00:00Z"))
        );
        let kolkata = next_offset_change(
            Asia::Kolkata,
            at("2024-01-01T00:00:00Z"),
            at("2026-01-01T00:00:00Z"),
        );
        assert_eq!(kolkata, None);
        let lord_howe = next_offset_change(
            Australia::Lord_Howe,
            at("2025-05-01T00:00:00Z"),
            at("2026-01-01T00:00:00Z"),
        );
        assert_eq!(lord_howe, Some(at("2025-10-04T15:30:00Z")));
    }

    #[test]
    fn offset_change_scan_matches_brute_force() {
        let cases = [
            (chrono_tz::Africa::Casablanca, 2025),
            (Australia::Lord_Howe, 2025),
            (Europe::Vilnius, 2024),
            (Pacific::Apia, 2011),
        ];
        for (tz, year) in cases {
            let start = year_start(year).unwrap();
            let end = year_start(year + 1).unwrap();
            let brute: Vec<i64> = (start..end)
                .step_by(900)
                .filter(|&t| t > start && utc_offset_at(tz, t) != utc_offset_at(tz, t - 900))
                .collect();
            let found = scan_offset_changes(tz, year);
            assert_eq!(found.len(), brute.len(), "{tz} {year}: {found:?}");
            for (&f, &b) in found.iter().zip(&brute) {
                assert!(b - 900 < f && f <= b, "{tz}: change {f} near {b}");
                assert_ne!(utc_offset_at(tz, f - 1), utc_offset_at(tz, f));
            }
        }
    }
}
