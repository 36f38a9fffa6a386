//! Property tests: planned slots must lie in every window, nothing earlier may, and
//! SLA deadlines must contain exactly the promised working time. The checks use
//! `Calendar::contains`, which reads the wall clock instead of enumerating intervals.

use super::*;
use chrono::{NaiveDate, Timelike};
use proptest::prelude::*;

const ZONES: &[Tz] = &[
    Tz::UTC,
    Tz::Europe__Vilnius,
    Tz::Europe__London,
    Tz::Europe__Dublin,
    Tz::America__New_York,
    Tz::America__Los_Angeles,
    Tz::America__St_Johns,
    Tz::America__Santiago,
    Tz::America__Havana,
    Tz::America__Sao_Paulo,
    Tz::Asia__Kolkata,
    Tz::Asia__Kathmandu,
    Tz::Asia__Tehran,
    Tz::Asia__Tokyo,
    Tz::Australia__Adelaide,
    Tz::Australia__Lord_Howe,
    Tz::Pacific__Auckland,
    Tz::Pacific__Chatham,
    Tz::Africa__Casablanca,
];

const BUSINESS_HOURS: &[&str] = &[
    "Mon-Fri 09:00-18:00",
    "Mon-Sat 08:00-20:00",
    "Mon-Fri 09:00-12:00,13:00-17:30",
    "Sun-Thu 08:00-17:00",
    "22:00-06:00",
    "00:00-24:00",
    "Mon-Fri 01:30-03:30; Sat,Sun 02:00-04:00",
    "Fri-Mon 23:30-02:15",
];

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn time(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Wall-clock times where DST switches happen somewhere, to hit gaps and overlaps.
const SWITCH_MINUTES: &[u16] = &[0, 30, 60, 90, 105, 120, 135, 150, 165, 180, 210, 240, 1410];

fn minute() -> impl Strategy<Value = u16> {
    prop_oneof![0u16..1440, proptest::sample::select(SWITCH_MINUTES)]
}

fn range() -> impl Strategy<Value = String> {
    let len = prop_oneof![
        1u16..1440,
        proptest::sample::select(&[15u16, 30, 45, 60, 90][..])
    ];
    (minute(), len, 0u8..20).prop_map(|(start, len, whole)| {
        if whole == 0 {
            return "00:00-24:00".to_string();
        }
        let end = start + len;
        let end = if end > 1440 { end - 1440 } else { end };
        format!("{}-{}", time(start), time(end))
    })
}

fn random_hours() -> impl Strategy<Value = String> {
    let part = (
        proptest::collection::vec(any::<bool>(), 7),
        proptest::collection::vec(range(), 1..=2),
    )
        .prop_map(|(days, ranges)| {
            let names: Vec<&str> = (0..7).filter(|&i| days[i]).map(|i| DAYS[i]).collect();
            format!("{} {}", names.join(","), ranges.join(","))
        });
    proptest::collection::vec(part, 1..=3).prop_map(|parts| parts.join("; "))
}

fn hours() -> impl Strategy<Value = WeeklyHours> {
    prop_oneof![
        proptest::sample::select(BUSINESS_HOURS).prop_map(str::to_string),
        random_hours(),
    ]
    .prop_map(|s| s.parse().unwrap())
}

/// Instants over 2024–2027, half of them in the week before a common DST switch.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let switch_days = [
        "03-08", "03-28", "10-24", "10-31", "04-03", "10-02", "09-24", "11-01",
    ];
    (2024i32..2028, 0usize..16, 0i64..366 * 86_400).prop_map(move |(year, pick, secs)| {
        let base = if pick < switch_days.len() {
            NaiveDate::parse_from_str(&format!("{year}-{}", switch_days[pick]), "%Y-%m-%d").unwrap()
        } else {
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap()
        };
        let span = if pick < switch_days.len() {
            7 * 86_400
        } else {
            365 * 86_400
        };
        base.and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::seconds(secs % span)
    })
}

fn company() -> impl Strategy<Value = Calendar> {
    (
        proptest::sample::select(ZONES),
        hours(),
        proptest::collection::vec(0i64..30, 0..4),
        instant(),
    )
        .prop_map(|(tz, hours, offsets, near)| {
            let day = near.date_naive();
            Calendar::new(tz, hours)
                .with_holidays(offsets.into_iter().map(|d| day + Duration::days(d)))
        })
}

fn client() -> impl Strategy<Value = ClientWindow> {
    (proptest::sample::select(ZONES), hours()).prop_map(|(tz, hours)| ClientWindow {
        tz,
        zone_source: ZoneSource::Card,
        hours,
    })
}

/// DST switches of the test zones in 2024–2027, found by scanning offsets and then
/// narrowing to the second, so the tests do not trust any table of their own.
fn transitions() -> &'static [(Tz, DateTime<Utc>)] {
    static CACHE: std::sync::OnceLock<Vec<(Tz, DateTime<Utc>)>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        let offset = |tz: Tz, t: DateTime<Utc>| t.with_timezone(&tz).offset().fix();
        let start = NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        let mut found = Vec::new();
        for &tz in ZONES {
            let mut t = start;
            while t.year() < 2028 {
                let next = t + Duration::hours(6);
                if offset(tz, t) != offset(tz, next) {
                    let (mut lo, mut hi) = (t.timestamp(), next.timestamp());
                    while hi - lo > 1 {
                        let mid = lo + (hi - lo) / 2;
                        let at = DateTime::from_timestamp(mid, 0).unwrap();
                        if offset(tz, at) == offset(tz, t) {
                            lo = mid
                        } else {
                            hi = mid
                        }
                    }
                    found.push((tz, DateTime::from_timestamp(hi, 0).unwrap()));
                }
                t = next;
            }
        }
        found
    })
}

/// The three windows rebuilt as plain calendars, checked only through `contains`.
struct Windows(Calendar, Calendar, Calendar);

impl Windows {
    fn new(co: &Calendar, cl: &ClientWindow) -> Self {
        let legal = "08:00-21:00".parse().unwrap();
        Self(
            co.clone(),
            Calendar::new(cl.tz, cl.hours.clone()),
            Calendar::new(cl.tz, legal),
        )
    }

    fn all_contain(&self, t: DateTime<Utc>) -> bool {
        self.0.contains(t) && self.1.contains(t) && self.2.contains(t)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn slots_lie_in_every_window_and_nothing_earlier_does(
        co in company(),
        cl in client(),
        at in instant(),
        delay in 0i64..180,
        sla in prop_oneof![Just(SlaRule::WorkingHours), Just(SlaRule::SameWorkingDay)],
    ) {
        let policy = Policy { min_delay: Duration::minutes(delay), ..Policy::default() };
        let earliest = at + policy.min_delay;
        let w = Windows::new(&co, &cl);
        match plan(&co, &cl, &policy, &Request { requested_at: at, sla }) {
            Ok(p) => {
                prop_assert!(p.slot_start >= earliest);
                prop_assert!(p.slot_start < p.slot_end);
                prop_assert!(p.slot_end - p.slot_start <= Duration::minutes(30));
                prop_assert_eq!(p.at_risk, p.slot_start >= p.sla_deadline);
                prop_assert!(!p.constrained_by.is_empty());
                let len = p.slot_end - p.slot_start;
                for k in 0..8 {
                    let t = p.slot_start + len * k / 8;
                    prop_assert!(w.all_contain(t), "inside slot at {}: {:?}", t, p);
                }
                prop_assert!(w.all_contain(p.slot_end - Duration::seconds(1)));
                if len < Duration::minutes(30) {
                    prop_assert!(!w.all_contain(p.slot_end), "slot cut short at {}", p.slot_end);
                }
                let gap = p.slot_start - earliest;
                let mut probes: Vec<DateTime<Utc>> =
                    (0..gap.num_minutes().min(600)).map(|m| earliest + Duration::minutes(m)).collect();
                if gap > Duration::minutes(600) {
                    probes.extend((0..300).map(|k| earliest + gap * k / 300));
                }
                if gap >= Duration::seconds(1) {
                    probes.push(p.slot_start - Duration::seconds(1));
                }
                for t in probes {
                    prop_assert!(!w.all_contain(t), "earlier instant {} works: {:?}", t, p);
                }
            }
            Err(PlanError::NoCommonWindow { .. }) => {
                for k in 0..14 * 144 {
                    let t = earliest + Duration::minutes(10 * k);
                    prop_assert!(!w.all_contain(t), "window missed at {}", t);
                }
            }
            Err(PlanError::NoCompanyHours) => prop_assert!(co.hours.is_empty()),
            Err(PlanError::NoClientHours) => prop_assert!(cl.hours.is_empty()),
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    #[test]
    fn next_open_agrees_with_wall_clock_containment(co in company(), at in instant()) {
        let Some(iv) = co.next_open(at, Duration::days(400)) else {
            prop_assert!(co.hours.is_empty(), "no interval although there are hours");
            return Ok(());
        };
        prop_assert!(iv.start < iv.end && iv.end > at);
        for t in [iv.start.max(at), iv.end - Duration::seconds(1), iv.start.max(at) + (iv.end - iv.start.max(at)) / 2] {
            prop_assert!(co.contains(t), "{} not contained in {:?}", t, iv);
        }
        if iv.end - iv.start < Duration::days(7) {
            prop_assert!(!co.contains(iv.end), "window continues at {}", iv.end);
        }
        if iv.start > at {
            prop_assert!(!co.contains(iv.start - Duration::seconds(1)));
            let gap = iv.start - at;
            for k in 0..200 {
                let t = at + gap * k / 200;
                prop_assert!(!co.contains(t), "{} contained before {:?}", t, iv);
            }
        }
    }

    #[test]
    fn ranges_around_dst_switches_follow_the_wall_clock(
        pick in any::<usize>(),
        back in 0i64..36 * 3600,
        shift in -6i32..=6,
        quarters in 1i32..=16,
        use_after in any::<bool>(),
    ) {
        let all = transitions();
        let (tz, switch) = all[pick % all.len()];
        let pivot = if use_after {
            switch.with_timezone(&tz).naive_local()
        } else {
            (switch - Duration::seconds(1)).with_timezone(&tz).naive_local() + Duration::seconds(1)
        };
        let pivot = (pivot.hour() * 60 + pivot.minute()) as i32 / 15 * 15;
        let start = (pivot + shift * 15).rem_euclid(1440);
        let end = (start + quarters * 15) % 1440;
        let end = if end == 0 { "24:00".to_string() } else { time(end as u16) };
        let hours = format!("{}-{}", time(start as u16), end);
        let co = Calendar::new(tz, hours.parse().unwrap());
        let mut t = switch - Duration::seconds(back);
        for _ in 0..3 {
            let iv = co.next_open(t, Duration::days(10)).unwrap();
            let first = iv.start.max(t);
            for probe in [first, iv.end - Duration::seconds(1), first + (iv.end - first) / 2] {
                prop_assert!(co.contains(probe), "{} {}: {} not contained in {:?}", tz, hours, probe, iv);
            }
            prop_assert!(!co.contains(iv.end) || iv.end - iv.start >= Duration::days(7));
            let gap = (iv.start - t).num_minutes();
            for m in 0..gap.min(1500) {
                let probe = t + Duration::minutes(m);
                prop_assert!(!co.contains(probe), "{} {}: {} contained before {:?}", tz, hours, probe, iv);
            }
            if iv.start > t {
                prop_assert!(!co.contains(iv.start - Duration::seconds(1)));
            }
            t = iv.end;
        }
        let at = switch - Duration::seconds(back - back.rem_euclid(60));
        let n = 2;
        let deadline = sla_deadline(&co, at, SlaRule::WorkingHours, n).unwrap();
        let minutes = (0..(deadline - at).num_minutes())
            .filter(|m| co.contains(at + Duration::minutes(*m)))
            .count();
        prop_assert_eq!(minutes as i64, i64::from(n) * 60, "{} {} from {}", tz, hours, at);
    }

    #[test]
    fn epoch_skipping_matches_plain_scanning(co in company(), cl in client(), at in instant()) {
        let Ok(cals) = windows(&co, &cl) else {
            return Ok(());
        };
        let fast = common_window(&cals, at, SEARCH_HORIZON);
        let slow = super::super::calendar::common_window_by_scanning(&cals, at, SEARCH_HORIZON);
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn sla_deadline_holds_exactly_the_working_hours(
        co in company(),
        at in instant(),
        n in 0u32..12,
    ) {
        let at = at - Duration::seconds(at.timestamp().rem_euclid(60));
        let Ok(deadline) = sla_deadline(&co, at, SlaRule::WorkingHours, n) else {
            return Ok(());
        };
        prop_assert!(deadline >= at);
        let mut worked = Duration::zero();
        let mut t = at;
        while t < deadline {
            let iv = co.next_open(t, Duration::days(400)).unwrap();
            let (s, e) = (iv.start.max(t), iv.end.min(deadline));
            if s < e {
                worked += e - s;
            }
            t = iv.end;
        }
        prop_assert_eq!(worked, Duration::hours(i64::from(n)));
        if n > 0 {
            prop_assert!(co.contains(deadline - Duration::seconds(1)));
        }
        if deadline - at <= Duration::days(3) {
            let minutes = (0..(deadline - at).num_minutes())
                .filter(|m| co.contains(at + Duration::minutes(*m)))
                .count();
            prop_assert_eq!(minutes as i64, i64::from(n) * 60, "minute count");
        }
    }

    #[test]
    fn same_day_deadline_ends_a_working_interval(co in company(), at in instant()) {
        let Ok(deadline) = sla_deadline(&co, at, SlaRule::SameWorkingDay, 8) else {
            return Ok(());
        };
        prop_assert!(deadline > at);
        prop_assert!(co.contains(deadline - Duration::seconds(1)));
        prop_assert!(deadline - at <= Duration::days(401));
    }
}
