use super::*;
use chrono::TimeZone;

const VILNIUS: Tz = chrono_tz::Europe::Vilnius;

fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    // November 2026 in Vilnius is UTC+2.
    VILNIUS
        .with_ymd_and_hms(2026, 11, d, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn say(lang: Lang, now: DateTime<Utc>, start: DateTime<Utc>, why: &[Constraint]) -> String {
    promise(&PromiseFacts {
        lang,
        now,
        slot_start: start,
        slot_end: start + chrono::Duration::minutes(30),
        client_tz: VILNIUS,
        company_tz: VILNIUS,
        constrained_by: why,
        dnc_consent: false,
    })
}

/// Saturday 28 November 2026 → Monday 30 November 9:00–9:30, because of the weekend.
#[test]
fn a_weekend_request_is_promised_for_monday_with_the_reason() {
    let (sat, mon) = (at(28, 15, 0), at(30, 9, 0));
    let why = [Constraint::CompanyHours];
    assert_eq!(
        say(Lang::En, sat, mon, &why),
        "We will call you back on Monday, 30 November, between 9:00 and 9:30. We do not work at weekends."
    );
    assert_eq!(
        say(Lang::Ru, sat, mon, &why),
        "Мы перезвоним вам 30 ноября, понедельник, с 9:00 до 9:30. В выходные мы не работаем."
    );
    assert_eq!(
        say(Lang::Uk, sat, mon, &why),
        "Ми передзвонимо вам 30 листопада, понеділок, з 9:00 до 9:30. У вихідні ми не працюємо."
    );
    assert_eq!(
        say(Lang::Lt, sat, mon, &why),
        "Perskambinsime jums lapkričio 30 d., pirmadienis, nuo 9:00 iki 9:30. Savaitgaliais nedirbame."
    );
}

#[test]
fn today_and_tomorrow_are_named_so() {
    let wed = at(25, 10, 0);
    assert_eq!(
        say(Lang::Ru, wed, at(25, 14, 30), &[Constraint::MinimumDelay]),
        "Мы перезвоним вам сегодня, с 14:30 до 15:00."
    );
    assert_eq!(
        say(
            Lang::En,
            at(25, 19, 0),
            at(26, 9, 0),
            &[Constraint::CompanyHours]
        ),
        "We will call you back tomorrow, Thursday, 26 November, between 9:00 and 9:30. We are closed for the rest of today."
    );
    assert_eq!(
        say(
            Lang::Lt,
            at(25, 19, 0),
            at(26, 9, 0),
            &[Constraint::CompanyHours]
        ),
        "Perskambinsime jums rytoj, lapkričio 26 d., nuo 9:00 iki 9:30. Šiandien jau nedirbame."
    );
}

#[test]
fn a_holiday_and_the_clients_hours_are_given_as_reasons() {
    let why = [Constraint::Holiday, Constraint::CompanyHours];
    assert!(say(Lang::Uk, at(24, 10, 0), at(25, 9, 0), &why).ends_with("Сьогодні святковий день."),);
    assert!(
        say(
            Lang::En,
            at(24, 10, 0),
            at(27, 17, 0),
            &[Constraint::ClientHours]
        )
        .ends_with("We call you only within your calling hours.")
    );
}

/// The client in Moscow (UTC+3) hears Moscow times, and that they are theirs.
#[test]
fn times_are_in_the_clients_zone_and_say_so() {
    let s = promise(&PromiseFacts {
        lang: Lang::Ru,
        now: at(25, 10, 0),
        slot_start: at(25, 14, 0),
        slot_end: at(25, 14, 30),
        client_tz: chrono_tz::Europe::Moscow,
        company_tz: VILNIUS,
        constrained_by: &[],
        dnc_consent: true,
    });
    assert_eq!(
        s,
        "Мы перезвоним вам сегодня, с 15:00 до 15:30 по вашему времени. \
         Это единственный звонок, на который вы согласились; других звонков не будет."
    );
}
