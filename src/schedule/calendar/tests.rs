use super::*;
use chrono_tz::{America, Asia, Australia, Europe, Pacific};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn cal(tz: Tz, hours: &str) -> Calendar {
    Calendar::new(tz, hours.parse().unwrap())
}

fn iv(start: &str, end: &str) -> Interval {
    Interval {
        start: utc(start),
        end: utc(end),
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const YEAR: Duration = Duration::days(366);

/// Every interval returned must agree with the wall-clock check at its edges.
fn assert_edges(c: &Calendar, i: Interval) {
    assert!(c.contains(i.start), "start {} not contained", i.start);
    assert!(
        c.contains(i.end - Duration::seconds(1)),
        "end-1s {} not contained",
        i.end
    );
    assert!(!c.contains(i.end), "end {} contained", i.end);
}

#[test]
fn friday_evening_opens_monday_morning() {
    let c = cal(Europe::Vilnius, "Mon-Fri 09:00-18:00");
    // Fri 2025-03-07 19:00 EET
    let got = c.next_open(utc("2025-03-07T17:00:00Z"), YEAR).unwrap();
    assert_eq!(got, iv("2025-03-10T07:00:00Z", "2025-03-10T16:00:00Z"));
    assert_edges(&c, got);
    assert!(!c.contains(utc("2025-03-08T10:00:00Z")), "Saturday");
    // Inside hours: the interval containing t.
    let inside = c.next_open(utc("2025-03-10T12:00:00Z"), YEAR).unwrap();
    assert_eq!(inside.end, utc("2025-03-10T16:00:00Z"));
    assert!(inside.contains(utc("2025-03-10T12:00:00Z")));
}

#[test]
fn holidays_skip_days_including_runs() {
    let base = cal(Europe::Vilnius, "Mon-Fri 09:00-18:00");
    let one = base.clone().with_holidays([date("2025-03-10")]);
    let got = one.next_open(utc("2025-03-07T17:00:00Z"), YEAR).unwrap();
    assert_eq!(got.start, utc("2025-03-11T07:00:00Z"));
    assert!(!one.contains(utc("2025-03-10T10:00:00Z")));
    assert!(one.is_holiday(date("2025-03-10")));

    let run = base.with_holidays((0..10).map(|i| date("2025-12-24") + Duration::days(i)));
    let got = run.next_open(utc("2025-12-23T17:00:00Z"), YEAR).unwrap();
    assert_eq!(
        got.start,
        utc("2026-01-05T07:00:00Z"),
        "first Monday after the run"
    );
    assert_edges(&run, got);
}

#[test]
fn horizon_limits_the_search() {
    let c = cal(Europe::Vilnius, "Mon 09:00-10:00");
    let friday = utc("2025-03-07T12:00:00Z");
    assert!(c.next_open(friday, Duration::days(2)).is_none());
    assert!(c.next_open(friday, Duration::days(3)).is_some());
    assert!(
        cal(Europe::Vilnius, "closed")
            .next_open(friday, YEAR)
            .is_none()
    );
}

#[test]
fn spring_forward_gap_boundaries_vilnius() {
    // 2025-03-30: 03:00 EET jumps to 04:00 EEST (01:00Z).
    let start_in_gap = cal(Europe::Vilnius, "Sun 03:30-05:00");
    let got = start_in_gap
        .next_open(utc("2025-03-29T12:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(got, iv("2025-03-30T01:00:00Z", "2025-03-30T02:00:00Z"));
    assert_edges(&start_in_gap, got);

    let end_in_gap = cal(Europe::Vilnius, "Sun 01:00-03:30");
    let got = end_in_gap
        .next_open(utc("2025-03-29T12:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(got, iv("2025-03-29T23:00:00Z", "2025-03-30T01:00:00Z"));
    assert_edges(&end_in_gap, got);

    let inside_gap = cal(Europe::Vilnius, "Sun 03:10-03:40");
    let got = inside_gap
        .next_open(utc("2025-03-29T12:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(
        got.start,
        utc("2025-04-06T00:10:00Z"),
        "empty on the DST day, next Sunday EEST"
    );
}

#[test]
fn fall_back_overlap_is_conservative_vilnius() {
    // 2025-10-26: 04:00 EEST falls back to 03:00 EET (01:00Z); 03:xx happens twice.
    let start_amb = cal(Europe::Vilnius, "Sun 03:30-06:00");
    let got = start_amb
        .next_open(utc("2025-10-25T12:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(
        got,
        iv("2025-10-26T01:30:00Z", "2025-10-26T04:00:00Z"),
        "later 03:30"
    );
    assert_edges(&start_amb, got);
    assert!(
        !start_amb.contains(utc("2025-10-26T00:45:00Z")),
        "first 03:45 excluded"
    );

    let end_amb = cal(Europe::Vilnius, "Sun 01:00-03:30");
    let got = end_amb
        .next_open(utc("2025-10-25T12:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(
        got,
        iv("2025-10-25T22:00:00Z", "2025-10-26T00:30:00Z"),
        "earlier 03:30"
    );
    assert_edges(&end_amb, got);
    assert!(
        !end_amb.contains(utc("2025-10-26T01:15:00Z")),
        "second 03:15 excluded"
    );
}

#[test]
fn new_york_transitions() {
    // 2025-03-09 02:00 EST -> 03:00 EDT; 2025-11-02 02:00 EDT -> 01:00 EST.
    let gap = cal(America::New_York, "Sun 02:30-04:00");
    let got = gap.next_open(utc("2025-03-08T12:00:00Z"), YEAR).unwrap();
    assert_eq!(got, iv("2025-03-09T07:00:00Z", "2025-03-09T08:00:00Z"));
    assert_edges(&gap, got);

    let overlap = cal(America::New_York, "Sun 01:30-03:00");
    let got = overlap
        .next_open(utc("2025-11-01T12:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(got, iv("2025-11-02T06:30:00Z", "2025-11-02T08:00:00Z"));
    assert_edges(&overlap, got);
    assert!(
        !overlap.contains(utc("2025-11-02T05:40:00Z")),
        "01:40 EDT is the earlier fold"
    );
    assert!(overlap.contains(utc("2025-11-02T06:40:00Z")));

    let plain = cal(America::New_York, "Mon-Fri 09:00-17:00");
    let summer = plain.next_open(utc("2025-07-01T00:00:00Z"), YEAR).unwrap();
    let winter = plain.next_open(utc("2025-12-01T00:00:00Z"), YEAR).unwrap();
    assert_eq!(summer.start, utc("2025-07-01T13:00:00Z"));
    assert_eq!(winter.start, utc("2025-12-01T14:00:00Z"));
}

#[test]
fn half_hour_zones() {
    let kolkata = cal(Asia::Kolkata, "Mon-Fri 09:00-18:00");
    let got = kolkata
        .next_open(utc("2025-06-02T00:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(got, iv("2025-06-02T03:30:00Z", "2025-06-02T12:30:00Z"));
    assert_edges(&kolkata, got);

    let adelaide = cal(Australia::Adelaide, "Mon-Fri 09:00-18:00");
    // Winter ACST +09:30, summer ACDT +10:30.
    let winter = adelaide
        .next_open(utc("2025-06-01T12:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(winter.start, utc("2025-06-01T23:30:00Z"));
    let summer = adelaide
        .next_open(utc("2025-12-07T12:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(summer.start, utc("2025-12-07T22:30:00Z"));
    assert_edges(&adelaide, summer);
}

#[test]
fn lord_howe_half_hour_shift() {
    // 2025-10-05 02:00 +10:30 jumps to 02:30 +11:00 (15:30Z on the 4th).
    let gap = cal(Australia::Lord_Howe, "Sun 02:15-05:00");
    let got = gap.next_open(utc("2025-10-04T00:00:00Z"), YEAR).unwrap();
    assert_eq!(got, iv("2025-10-04T15:30:00Z", "2025-10-04T18:00:00Z"));
    assert_edges(&gap, got);

    // 2025-04-06 02:00 +11:00 falls back to 01:30 +10:30 (15:00Z on the 5th).
    let overlap = cal(Australia::Lord_Howe, "Sun 01:45-03:00");
    let got = overlap
        .next_open(utc("2025-04-05T00:00:00Z"), YEAR)
        .unwrap();
    assert_eq!(got, iv("2025-04-05T15:15:00Z", "2025-04-05T16:30:00Z"));
    assert_edges(&overlap, got);
    assert!(
        !overlap.contains(utc("2025-04-05T14:50:00Z")),
        "01:50 +11 is the earlier fold"
    );
}

#[test]
fn crossing_midnight_and_merging() {
    let night = cal(Europe::Vilnius, "Fri 22:00-02:00");
    let got = night.next_open(utc("2025-06-06T12:00:00Z"), YEAR).unwrap();
    assert_eq!(got, iv("2025-06-06T19:00:00Z", "2025-06-06T23:00:00Z"));
    assert!(
        night.contains(utc("2025-06-06T22:30:00Z")),
        "Sat 01:30 EEST"
    );
    // The overnight range belongs to Friday: a Saturday holiday keeps it.
    let sat_holiday = night.clone().with_holidays([date("2025-06-07")]);
    assert!(sat_holiday.contains(utc("2025-06-06T22:30:00Z")));
    let fri_holiday = night.with_holidays([date("2025-06-06")]);
    assert!(!fri_holiday.contains(utc("2025-06-06T22:30:00Z")));

    // Touching ranges of consecutive days form one window.
    let split = cal(Europe::Vilnius, "Fri 20:00-24:00; Sat 00:00-03:00");
    let got = split.next_open(utc("2025-06-06T18:00:00Z"), YEAR).unwrap();
    assert_eq!(got, iv("2025-06-06T17:00:00Z", "2025-06-07T00:00:00Z"));

    // Always open: windows are finite (capped) and contiguous.
    let always = Calendar::new(Europe::Vilnius, WeeklyHours::always());
    let t = utc("2025-06-06T18:00:00Z");
    let w = always.next_open(t, YEAR).unwrap();
    assert!(w.contains(t) && w.end - t >= Duration::days(6));
}

#[test]
fn common_window_of_three_zones() {
    let company = cal(Europe::Vilnius, "Mon-Fri 09:00-18:00");
    let client = cal(America::New_York, "Mon-Fri 09:00-18:00");
    let legal = cal(America::New_York, "08:00-21:00");
    let w = first_common_window(
        &[&company, &client, &legal],
        utc("2025-06-02T05:00:00Z"),
        YEAR,
    )
    .unwrap();
    // New York 09:00 EDT = 13:00Z; Vilnius closes at 18:00 EEST = 15:00Z.
    assert_eq!(w, iv("2025-06-02T13:00:00Z", "2025-06-02T15:00:00Z"));
    for c in [&company, &client, &legal] {
        assert!(c.contains(w.start) && c.contains(w.end - Duration::seconds(1)));
    }
    assert!(first_common_window(&[], utc("2025-06-02T05:00:00Z"), YEAR).is_none());
}

#[test]
fn common_window_never_overlapping_is_none_and_fast() {
    let late = cal(Europe::Vilnius, "22:00-23:00");
    let legal = cal(Europe::Vilnius, "08:00-21:00");
    let started = std::time::Instant::now();
    assert!(
        first_common_window(
            &[&late, &legal],
            utc("2025-06-02T05:00:00Z"),
            Duration::days(400)
        )
        .is_none()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn gap_scan_fallback_matches_zone_data() {
    let cases = [
        (Europe::Vilnius, "2025-03-30T03:20:00"),
        (America::New_York, "2025-03-09T02:00:00"),
        (Australia::Lord_Howe, "2025-10-05T02:10:00"),
        (chrono_tz::Pacific::Apia, "2011-12-30T12:00:00"),
    ];
    for (tz, local) in cases {
        let local: NaiveDateTime = local.parse().unwrap();
        assert!(
            tz.from_local_datetime(&local).earliest().is_none(),
            "{tz} {local} is in a gap"
        );
        let expected = GapInfo::new(&local, &tz)
            .unwrap()
            .end
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(scan_gap_end(tz, local), Some(expected), "{tz} {local}");
    }
}

#[test]
fn extreme_instants_do_not_panic() {
    let cals = [
        cal(Pacific::Kiritimati, "Mon-Fri 09:00-18:00"),
        cal(Pacific::Niue, "22:00-02:00"),
        Calendar::new(Tz::UTC, WeeklyHours::always()),
    ];
    for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        for c in &cals {
            let _ = c.next_open(t, YEAR);
            let _ = c.next_open(t, Duration::MAX);
            let _ = c.contains(t);
        }
        let refs: Vec<&Calendar> = cals.iter().collect();
        let _ = first_common_window(&refs, t, YEAR);
        let _ = first_common_window(&refs, t, Duration::MIN);
    }
}
