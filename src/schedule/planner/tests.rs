use super::*;
use chrono::NaiveDate;
use chrono_tz::{America, Europe};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn company(tz: Tz, hours: &str) -> Calendar {
    Calendar::new(tz, hours.parse().unwrap())
}

fn vilnius() -> Calendar {
    company(Europe::Vilnius, "Mon-Fri 09:00-18:00")
}

fn client(tz: Tz, hours: &str) -> ClientWindow {
    ClientWindow {
        tz,
        zone_source: ZoneSource::Card,
        hours: hours.parse().unwrap(),
    }
}

fn local_client() -> ClientWindow {
    client(Europe::Vilnius, "Mon-Fri 09:00-18:00")
}

fn req(at: &str) -> Request {
    Request {
        requested_at: utc(at),
        sla: SlaRule::WorkingHours,
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn plan_ok(co: &Calendar, cl: &ClientWindow, at: &str) -> Plan {
    plan(co, cl, &Policy::default(), &req(at)).unwrap()
}

#[test]
fn during_hours_the_minimum_delay_binds() {
    // Mon 2025-06-02 10:00 EEST
    let p = plan_ok(&vilnius(), &local_client(), "2025-06-02T07:00:00Z");
    assert_eq!(p.slot_start, utc("2025-06-02T07:05:00Z"));
    assert_eq!(p.slot_end, utc("2025-06-02T07:35:00Z"));
    assert_eq!(p.constrained_by, vec![Constraint::MinimumDelay]);
    assert_eq!(
        p.sla_deadline,
        utc("2025-06-02T15:00:00Z"),
        "10:00 + 8h = 18:00"
    );
    assert!(!p.at_risk);
    assert_eq!(p.client_tz, Europe::Vilnius);
    assert!(p.reason.contains("minimum delay"), "{}", p.reason);
}

#[test]
fn request_at_night_goes_to_next_morning() {
    // Tue 02:00 EEST
    let p = plan_ok(&vilnius(), &local_client(), "2025-06-02T23:00:00Z");
    assert_eq!(p.slot_start, utc("2025-06-03T06:00:00Z"));
    assert_eq!(
        p.constrained_by,
        vec![Constraint::CompanyHours, Constraint::ClientHours]
    );
    assert!(p.reason.contains("company hours") && p.reason.contains("client hours"));
    assert!(p.reason.contains("2025-06-03 09:00 EEST"), "{}", p.reason);
}

#[test]
fn weekend_goes_to_monday() {
    // Sat 2025-06-07 12:00 EEST
    let p = plan_ok(&vilnius(), &local_client(), "2025-06-07T09:00:00Z");
    assert_eq!(p.slot_start, utc("2025-06-09T06:00:00Z"));
}

#[test]
fn company_holidays_skip_days() {
    let co = vilnius().with_holidays([date("2025-06-09")]);
    let p = plan_ok(&co, &local_client(), "2025-06-06T16:00:00Z"); // Fri 19:00
    assert_eq!(p.slot_start, utc("2025-06-10T06:00:00Z"));
    assert!(p.constrained_by.contains(&Constraint::Holiday));
    assert!(p.reason.contains("holiday (2025-06-09)"), "{}", p.reason);

    let run = vilnius().with_holidays((9..=13).map(|d| date(&format!("2025-06-{d:02}"))));
    let p = plan_ok(&run, &local_client(), "2025-06-06T16:00:00Z");
    assert_eq!(p.slot_start, utc("2025-06-16T06:00:00Z"));
    assert!(p.constrained_by.contains(&Constraint::Holiday));

    // A holiday on a day the client could not take calls anyway does not bind.
    let weekend_holiday = vilnius().with_holidays([date("2025-06-07")]);
    let p = plan_ok(&weekend_holiday, &local_client(), "2025-06-06T16:00:00Z");
    assert!(!p.constrained_by.contains(&Constraint::Holiday));
}

#[test]
fn minimum_delay_pushes_past_closing_and_slot_is_cut_at_window_end() {
    let late = Policy {
        min_delay: Duration::minutes(30),
        ..Policy::default()
    };
    // Mon 17:50 EEST + 30 min is after closing.
    let p = plan(
        &vilnius(),
        &local_client(),
        &late,
        &req("2025-06-02T14:50:00Z"),
    )
    .unwrap();
    assert_eq!(p.slot_start, utc("2025-06-03T06:00:00Z"));
    // Mon 17:40 + 5 min leaves 15 minutes before closing.
    let p = plan_ok(&vilnius(), &local_client(), "2025-06-02T14:40:00Z");
    assert_eq!(p.slot_start, utc("2025-06-02T14:45:00Z"));
    assert_eq!(p.slot_end, utc("2025-06-02T15:00:00Z"));
}

#[test]
fn legal_window_binds_for_early_clients() {
    let co = Calendar::new(Europe::Vilnius, WeeklyHours::always());
    let cl = client(Europe::Vilnius, "06:00-23:00");
    let p = plan_ok(&co, &cl, "2025-06-02T03:30:00Z"); // 06:30 EEST
    assert_eq!(p.slot_start, utc("2025-06-02T05:00:00Z"), "08:00 EEST");
    assert_eq!(p.constrained_by, vec![Constraint::LegalWindow]);
    assert!(p.reason.contains("legal 08:00-21:00"), "{}", p.reason);
    // 20:50 local: the legal window cuts the slot at 21:00.
    let p = plan_ok(&co, &cl, "2025-06-02T17:45:00Z");
    assert_eq!(p.slot_end, utc("2025-06-02T18:00:00Z"));
}

#[test]
fn dst_changes_the_overlap_between_zones() {
    let ny = client(America::New_York, "Mon-Fri 09:00-18:00");
    // 2025-03-17: New York already on EDT, Vilnius still on EET: overlap 13:00-16:00Z.
    let p = plan_ok(&vilnius(), &ny, "2025-03-17T06:00:00Z");
    assert_eq!(p.slot_start, utc("2025-03-17T13:00:00Z"));
    assert_eq!(p.constrained_by, vec![Constraint::ClientHours]);
    let p = plan_ok(&vilnius(), &ny, "2025-03-17T15:50:00Z");
    assert_eq!(
        p.slot_end,
        utc("2025-03-17T16:00:00Z"),
        "Vilnius closes 18:00 EET"
    );
    // A week later both are on summer time: Vilnius closes at 15:00Z.
    let p = plan_ok(&vilnius(), &ny, "2025-03-31T15:10:00Z");
    assert_eq!(p.slot_start, utc("2025-04-01T13:00:00Z"));
}

#[test]
fn company_boundary_inside_a_dst_gap() {
    // New York 2025-03-09: 02:30 does not exist; the window opens at 03:00 EDT (07:00Z).
    let co = company(America::New_York, "Sun 02:30-06:00");
    let cl = client(Europe::Vilnius, "00:00-24:00");
    let p = plan_ok(&co, &cl, "2025-03-09T05:00:00Z");
    assert_eq!(p.slot_start, utc("2025-03-09T07:00:00Z"));
    assert_eq!(p.constrained_by, vec![Constraint::CompanyHours]);
    assert!(p.reason.contains("03:00 EDT"), "{}", p.reason);
}

#[test]
fn company_hours_crossing_midnight_serve_a_daytime_client() {
    // Vilnius 22:00-02:00 EEST is 12:00-16:00 PDT.
    let co = company(Europe::Vilnius, "22:00-02:00");
    let cl = client(America::Los_Angeles, "Mon-Fri 09:00-18:00");
    let p = plan_ok(&co, &cl, "2025-06-02T12:00:00Z");
    assert_eq!(p.slot_start, utc("2025-06-02T19:00:00Z"));
    assert_eq!(p.constrained_by, vec![Constraint::CompanyHours]);
    assert!(p.reason.contains("2025-06-02 12:00 PDT"), "{}", p.reason);
    // After local midnight in Vilnius the Monday-night shift is still open.
    let p = plan_ok(&co, &cl, "2025-06-02T22:30:00Z");
    assert_eq!(p.slot_start, utc("2025-06-02T22:35:00Z"));
    assert_eq!(p.slot_end, utc("2025-06-02T23:00:00Z"));
}

#[test]
fn never_overlapping_windows_fail_fast() {
    let started = std::time::Instant::now();
    let late = client(Europe::Vilnius, "22:00-23:00");
    let err = plan(
        &vilnius(),
        &late,
        &Policy::default(),
        &req("2025-06-02T07:00:00Z"),
    )
    .unwrap_err();
    assert!(matches!(err, PlanError::NoCommonWindow { .. }), "{err}");
    assert!(err.to_string().contains("\"22:00-23:00\""), "{err}");

    let lisbon = company(Europe::Lisbon, "Mon-Fri 09:00-10:00");
    let auckland = client(chrono_tz::Pacific::Auckland, "Mon-Fri 09:00-18:00");
    let err = plan(
        &lisbon,
        &auckland,
        &Policy::default(),
        &req("2025-06-02T07:00:00Z"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("Pacific/Auckland"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn empty_hours_are_errors() {
    let closed = client(Europe::Vilnius, "closed");
    let err = plan(
        &vilnius(),
        &closed,
        &Policy::default(),
        &req("2025-06-02T07:00:00Z"),
    );
    assert_eq!(err.unwrap_err(), PlanError::NoClientHours);
    let none = company(Europe::Vilnius, "");
    let err = plan(
        &none,
        &local_client(),
        &Policy::default(),
        &req("2025-06-02T07:00:00Z"),
    );
    assert_eq!(err.unwrap_err(), PlanError::NoCompanyHours);
}

fn deadline(co: &Calendar, at: &str, rule: SlaRule, hours: u32) -> DateTime<Utc> {
    sla_deadline(co, utc(at), rule, hours).unwrap()
}

#[test]
fn sla_working_hours_span_weekend_and_holiday() {
    let co = vilnius().with_holidays([date("2025-06-09")]);
    // Fri 14:00 EEST: 4h Friday, Monday is a holiday, 4h Tuesday.
    let d = deadline(&co, "2025-06-06T11:00:00Z", SlaRule::WorkingHours, 8);
    assert_eq!(d, utc("2025-06-10T10:00:00Z"));
    // From Saturday the clock starts on Monday morning.
    let d = deadline(&vilnius(), "2025-06-07T09:00:00Z", SlaRule::WorkingHours, 8);
    assert_eq!(d, utc("2025-06-09T14:00:00Z"));
}

#[test]
fn sla_same_working_day() {
    let co = vilnius();
    let rule = SlaRule::SameWorkingDay;
    let monday_close = utc("2025-06-02T15:00:00Z");
    assert_eq!(
        deadline(&co, "2025-06-02T04:00:00Z", rule, 8),
        monday_close,
        "before hours"
    );
    assert_eq!(
        deadline(&co, "2025-06-02T09:00:00Z", rule, 8),
        monday_close,
        "during"
    );
    assert_eq!(
        deadline(&co, "2025-06-02T16:00:00Z", rule, 8),
        utc("2025-06-03T15:00:00Z"),
        "after"
    );
    assert_eq!(
        deadline(&co, "2025-06-06T16:00:00Z", rule, 8),
        utc("2025-06-09T15:00:00Z"),
        "Fri evening"
    );
    assert_eq!(
        deadline(&co, "2025-06-07T09:00:00Z", rule, 8),
        utc("2025-06-09T15:00:00Z"),
        "Saturday"
    );
    let co = vilnius().with_holidays([date("2025-06-09")]);
    assert_eq!(
        deadline(&co, "2025-06-07T09:00:00Z", rule, 8),
        utc("2025-06-10T15:00:00Z")
    );
    // Inside an overnight shift the working day is the one the shift started on.
    let night = company(Europe::Vilnius, "Mon-Fri 22:00-02:00");
    assert_eq!(
        deadline(&night, "2025-06-02T22:00:00Z", rule, 8),
        utc("2025-06-02T23:00:00Z")
    );
}

#[test]
fn at_risk_when_no_slot_fits_before_the_deadline() {
    let ny = client(America::New_York, "Mon-Fri 09:00-18:00");
    let same_day = |at: &str| Request {
        requested_at: utc(at),
        sla: SlaRule::SameWorkingDay,
    };
    // Mon 10:00 EDT: slot at once, Vilnius day ends 15:00Z.
    let p = plan(
        &vilnius(),
        &ny,
        &Policy::default(),
        &same_day("2025-06-02T14:00:00Z"),
    )
    .unwrap();
    assert!(!p.at_risk);
    let slow = Policy {
        min_delay: Duration::minutes(90),
        ..Policy::default()
    };
    let p = plan(&vilnius(), &ny, &slow, &same_day("2025-06-02T14:00:00Z")).unwrap();
    assert_eq!(p.sla_deadline, utc("2025-06-02T15:00:00Z"));
    assert_eq!(p.slot_start, utc("2025-06-03T13:00:00Z"));
    assert!(p.at_risk);
    assert!(
        p.reason.contains("AT RISK") && p.reason.contains("named person"),
        "{}",
        p.reason
    );

    let one_hour = Policy {
        sla_working_hours: 1,
        ..Policy::default()
    };
    let p = plan(&vilnius(), &ny, &one_hour, &req("2025-06-02T06:00:00Z")).unwrap();
    assert_eq!(p.sla_deadline, utc("2025-06-02T07:00:00Z"));
    assert!(p.at_risk);
}

#[test]
fn next_slot_reuses_the_windows() {
    let ny = client(America::New_York, "Mon-Fri 09:00-18:00");
    let s = next_slot(
        &vilnius(),
        &ny,
        &Policy::default(),
        utc("2025-06-02T14:50:00Z"),
    )
    .unwrap();
    assert_eq!(
        (s.start, s.end),
        (utc("2025-06-02T14:50:00Z"), utc("2025-06-02T15:00:00Z"))
    );
    let s = next_slot(
        &vilnius(),
        &ny,
        &Policy::default(),
        utc("2025-06-02T15:00:00Z"),
    )
    .unwrap();
    assert_eq!(s.start, utc("2025-06-03T13:00:00Z"));
}

#[test]
fn zone_resolution_order_and_reason() {
    let hours = Some("Mon-Fri 10:00-16:00".parse().unwrap());
    let card = ClientWindow::resolve(
        Some(Europe::Riga),
        Some("+12125550100"),
        Europe::Vilnius,
        None,
    );
    assert_eq!(
        (card.tz, card.zone_source),
        (Europe::Riga, ZoneSource::Card)
    );
    assert_eq!(card.hours, ClientWindow::default_hours());
    let number = ClientWindow::resolve(None, Some("+12125550100"), Europe::Vilnius, hours.clone());
    assert_eq!(
        (number.tz, number.zone_source),
        (America::New_York, ZoneSource::Number)
    );
    let fallback = ClientWindow::resolve(None, Some("+19995550100"), Europe::Vilnius, hours);
    assert_eq!(
        (fallback.tz, fallback.zone_source),
        (Europe::Vilnius, ZoneSource::Company)
    );

    let p = plan_ok(&vilnius(), &number, "2025-06-02T06:00:00Z");
    assert!(
        p.reason
            .contains("America/New_York, zone from phone number"),
        "{}",
        p.reason
    );
    assert_eq!(
        ClientWindow::default_hours().to_string(),
        "Mon-Fri 09:00-18:00"
    );
}

#[test]
fn absurd_instants_are_rejected() {
    let far = DateTime::<Utc>::MAX_UTC;
    let r = Request {
        requested_at: far,
        sla: SlaRule::WorkingHours,
    };
    let err = plan(&vilnius(), &local_client(), &Policy::default(), &r).unwrap_err();
    assert!(matches!(err, PlanError::OutOfRange { .. }));
}
