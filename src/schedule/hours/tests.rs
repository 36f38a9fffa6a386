use super::*;

fn parse(s: &str) -> WeeklyHours {
    s.parse().unwrap()
}

fn mins(h: u16, m: u16) -> u16 {
    h * 60 + m
}

fn r(start: u16, end: u16) -> DayRange {
    DayRange { start, end }
}

#[test]
fn weekday_range_and_single_day() {
    let h = parse("Mon-Fri 09:00-18:00; Sat 10:00-14:00");
    for d in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ] {
        assert_eq!(h.ranges(d), &[r(mins(9, 0), mins(18, 0))]);
    }
    assert_eq!(h.ranges(Weekday::Sat), &[r(mins(10, 0), mins(14, 0))]);
    assert!(h.ranges(Weekday::Sun).is_empty());
}

#[test]
fn multiple_ranges_lists_and_wrapping_spans() {
    let h = parse("mon-wed,FRI 09:00-12:00, 13:00-18:00");
    assert_eq!(h.ranges(Weekday::Mon).len(), 2);
    assert_eq!(h.ranges(Weekday::Fri)[1], r(mins(13, 0), mins(18, 0)));
    assert!(h.ranges(Weekday::Thu).is_empty());

    let wrap = parse("Fri-Mon 10:00-11:00");
    let open: Vec<bool> = (0..7).map(|i| !wrap.days[i].is_empty()).collect();
    assert_eq!(open, [true, false, false, false, true, true, true]);

    let list = parse("Mon,Wed,Fri 08:00-09:00");
    assert!(!list.ranges(Weekday::Wed).is_empty());
    assert!(list.ranges(Weekday::Tue).is_empty());
}

#[test]
fn part_without_days_means_every_day() {
    let h = parse("07:30-08:15");
    for i in 0..7 {
        assert_eq!(h.days[i], vec![r(mins(7, 30), mins(8, 15))]);
    }
}

#[test]
fn crossing_midnight_and_24_00() {
    let h = parse("Fri 22:00-02:00");
    assert_eq!(
        h.ranges(Weekday::Fri),
        &[r(mins(22, 0), DAY_MINUTES + mins(2, 0))]
    );
    assert!(
        h.ranges(Weekday::Sat).is_empty(),
        "belongs to the day it starts"
    );
    assert_eq!(
        parse("Mon 20:00-24:00").ranges(Weekday::Mon),
        &[r(1200, 1440)]
    );
    assert_eq!(parse("Mon 20:00-00:00"), parse("Mon 20:00-24:00"));
    assert_eq!(WeeklyHours::always(), parse("00:00-24:00"));
    assert_eq!(
        parse("Tue 9:05-17:00").ranges(Weekday::Tue),
        &[r(545, 1020)]
    );
}

#[test]
fn closed_forms() {
    for s in ["", "  ", "closed", "CLOSED", "none", " None "] {
        let h = parse(s);
        assert!(h.is_empty(), "{s:?}");
        assert_eq!(h, WeeklyHours::closed());
    }
    assert!(!WeeklyHours::always().is_empty());
}

#[test]
fn overlapping_ranges_merge() {
    assert_eq!(
        parse("Mon 09:00-12:00,11:00-18:00"),
        parse("Mon 09:00-18:00")
    );
    assert_eq!(
        parse("Mon 09:00-12:00; Mon 12:00-13:00"),
        parse("Mon 09:00-13:00")
    );
    // A merge that would reach 24 hours is kept as two ranges.
    let h = parse("Mon 10:00-22:00,22:00-10:00");
    assert_eq!(h.ranges(Weekday::Mon).len(), 2);
    assert_eq!(parse(&h.to_string()), h);
}

fn error(s: &str) -> HoursError {
    s.parse::<WeeklyHours>().unwrap_err()
}

#[test]
fn errors_name_the_offending_part() {
    let e = error("Mon-Fri 09:00-25:00");
    assert_eq!(
        e.to_string(),
        r#"bad time "25:00" in "Mon-Fri 09:00-25:00""#
    );
    assert_eq!(e.problem, HoursProblem::BadTime("25:00".into()));

    let e = error("Mon-Fri 09:00-18:00; Sat 10:00-10:00");
    assert_eq!(e.part, "Sat 10:00-10:00");
    assert_eq!(e.problem, HoursProblem::EmptyRange("10:00-10:00".into()));

    assert!(
        matches!(error("Mon-Fry 09:00-10:00").problem, HoursProblem::BadDay(d) if d == "Mon-Fry")
    );
    assert!(matches!(
        error("Mon 09:00").problem,
        HoursProblem::BadRange(_)
    ));
    assert_eq!(error("Mon").problem, HoursProblem::MissingRange);
    assert!(matches!(
        error("Mon 24:00-02:00").problem,
        HoursProblem::StartsAtDayEnd(_)
    ));
    assert!(matches!(
        error("00:00-00:00").problem,
        HoursProblem::EmptyRange(_)
    ));
    for bad in [
        "9-18",
        "09:60-10:00",
        "24:30-01:00",
        "123:00-13:00",
        "09:0-10:00",
        "Mon, 09:00-10:00",
    ] {
        assert!(bad.parse::<WeeklyHours>().is_err(), "{bad}");
    }
}

#[test]
fn display_is_canonical_and_round_trips() {
    let cases = [
        (
            "Mon-Fri 09:00-18:00; Sat 10:00-14:00",
            "Mon-Fri 09:00-18:00; Sat 10:00-14:00",
        ),
        (
            "sat 10:00-14:00 ; mon-fri 9:00-18:00",
            "Mon-Fri 09:00-18:00; Sat 10:00-14:00",
        ),
        ("Fri-Mon 22:00-02:00", "Mon,Fri-Sun 22:00-02:00"),
        ("00:00-24:00", "00:00-24:00"),
        (
            "Mon,Wed 08:00-12:00,13:00-17:00",
            "Mon,Wed 08:00-12:00,13:00-17:00",
        ),
        ("none", "closed"),
    ];
    for (input, canonical) in cases {
        let h = parse(input);
        assert_eq!(h.to_string(), canonical, "{input}");
        assert_eq!(parse(&h.to_string()), h, "{input}");
    }
}

#[test]
fn serde_uses_the_string_form() {
    use serde::de::value::{Error, StrDeserializer};
    let ok = StrDeserializer::<Error>::new("Mon-Fri 09:00-18:00");
    assert_eq!(
        WeeklyHours::deserialize(ok).unwrap(),
        parse("Mon-Fri 09:00-18:00")
    );
    let bad = StrDeserializer::<Error>::new("Mon 25:00-26:00");
    let message = WeeklyHours::deserialize(bad).unwrap_err().to_string();
    assert!(message.contains("bad time \"25:00\""), "{message}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn time(m: u16) -> String {
        format!("{:02}:{:02}", m / 60, m % 60)
    }

    fn part() -> impl Strategy<Value = String> {
        let range = (0u16..1440, 1u16..1440).prop_map(|(start, len)| {
            let end = start + len;
            let end = if end > 1440 { end - 1440 } else { end };
            format!("{}-{}", time(start), time(end))
        });
        (
            proptest::collection::vec(any::<bool>(), 7),
            proptest::collection::vec(range, 1..4),
        )
            .prop_map(|(days, ranges)| {
                let names: Vec<&str> = (0..7).filter(|&i| days[i]).map(|i| DAY_NAMES[i]).collect();
                format!("{} {}", names.join(","), ranges.join(","))
            })
    }

    proptest! {
        #[test]
        fn display_round_trips(parts in proptest::collection::vec(part(), 0..4)) {
            let hours: WeeklyHours = parts.join("; ").parse().unwrap();
            let text = hours.to_string();
            prop_assert_eq!(text.parse::<WeeklyHours>().unwrap(), hours.clone(), "{}", text);
            prop_assert_eq!(text.parse::<WeeklyHours>().unwrap().to_string(), text);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}", noise in "[MonTueFri0-9:;, -]{0,30}") {
            let _ = text.parse::<WeeklyHours>();
            let _ = noise.parse::<WeeklyHours>();
        }
    }
}
