//! Plans 100,000 callbacks for clients spread over ~20 zones with varied hours and
//! request times spread over a year; one criterion iteration is the whole batch.

use std::hint::black_box;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{Criterion, criterion_group, criterion_main};
use frontdesk::schedule::calendar::Calendar;
use frontdesk::schedule::planner::{ClientWindow, Policy, Request, SlaRule, ZoneSource, plan};

const BATCH: usize = 100_000;

const ZONES: &[Tz] = &[
    Tz::Europe__Vilnius,
    Tz::Europe__London,
    Tz::Europe__Berlin,
    Tz::Europe__Kyiv,
    Tz::Europe__Istanbul,
    Tz::America__New_York,
    Tz::America__Chicago,
    Tz::America__Denver,
    Tz::America__Los_Angeles,
    Tz::America__Sao_Paulo,
    Tz::America__St_Johns,
    Tz::Asia__Kolkata,
    Tz::Asia__Kathmandu,
    Tz::Asia__Dubai,
    Tz::Asia__Shanghai,
    Tz::Asia__Tokyo,
    Tz::Australia__Sydney,
    Tz::Australia__Adelaide,
    Tz::Australia__Lord_Howe,
    Tz::Pacific__Auckland,
];

const CLIENT_HOURS: &[&str] = &[
    "Mon-Fri 09:00-18:00",
    "Mon-Sat 10:00-19:00",
    "Mon-Fri 08:00-12:00,14:00-18:00",
    "Sat,Sun 10:00-16:00",
    "07:00-22:00",
    "Tue,Thu 12:00-13:00",
];

/// Small deterministic generator so every run plans the same batch.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn companies() -> Vec<Calendar> {
    let holidays: Vec<NaiveDate> = [
        "2025-01-01",
        "2025-04-21",
        "2025-06-24",
        "2025-12-24",
        "2025-12-25",
    ]
    .iter()
    .map(|d| d.parse().unwrap())
    .collect();
    vec![
        Calendar::new(Tz::Europe__Vilnius, "Mon-Fri 09:00-18:00".parse().unwrap())
            .with_holidays(holidays),
        Calendar::new(
            Tz::America__New_York,
            "Mon-Sat 08:00-20:00".parse().unwrap(),
        ),
        Calendar::new(
            Tz::Asia__Kolkata,
            "Mon-Fri 22:00-06:00; Sat 10:00-14:00".parse().unwrap(),
        ),
    ]
}

fn batch() -> (Vec<Calendar>, Vec<(usize, ClientWindow, Request)>) {
    let mut rng = Lcg(42);
    let year_start: DateTime<Utc> = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let items = (0..BATCH)
        .map(|_| {
            let company = rng.next() as usize % 3;
            let client = ClientWindow {
                tz: ZONES[rng.next() as usize % ZONES.len()],
                zone_source: ZoneSource::Number,
                hours: CLIENT_HOURS[rng.next() as usize % CLIENT_HOURS.len()]
                    .parse()
                    .unwrap(),
            };
            let request = Request {
                requested_at: year_start + Duration::seconds((rng.next() % (365 * 86_400)) as i64),
                sla: if rng.next().is_multiple_of(5) {
                    SlaRule::SameWorkingDay
                } else {
                    SlaRule::WorkingHours
                },
            };
            (company, client, request)
        })
        .collect();
    (companies(), items)
}

fn bench_plan(c: &mut Criterion) {
    let (companies, items) = batch();
    let policy = Policy::default();
    let failures = items
        .iter()
        .filter(|(co, cl, r)| plan(&companies[*co], cl, &policy, r).is_err())
        .count();
    println!("batch of {BATCH}: {failures} without a common window");
    c.bench_function("plan_100k_callbacks", |b| {
        b.iter(|| {
            for (co, cl, r) in &items {
                let _ = black_box(plan(&companies[*co], black_box(cl), &policy, black_box(r)));
            }
        })
    });
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
