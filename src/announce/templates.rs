//! Announcements whose words depend on the configuration, filled in from the `[templates]`
//! table of `prompts/<lang>/prompts.toml`: the greeting and the callback intro say the company
//! name, the after-hours message the real weekly hours and, on a holiday, that today is one.
//!
//! Placeholders: `{company}`, `{hours}` (the weekly hours in words), `{holiday}` (the
//! template's `holiday` sentence on a company holiday, else nothing). Day names come from
//! chrono's locale data.

use crate::flow::Lang;
use crate::schedule::hours::{DAY_MINUTES, WeeklyHours};
use chrono::{Datelike, Locale, NaiveDate, Weekday};
use serde::Deserialize;

/// The rendered prompts, by the name the flow plays them under.
pub const RENDERED: [&str; 3] = ["greeting", "after_hours", "callback_intro"];

/// One language's `[templates]` table.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    pub greeting: String,
    pub after_hours: String,
    pub callback_intro: String,
    /// Said in place of `{holiday}` on a company holiday.
    pub holiday: String,
}

/// What the texts are filled from.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub company: &'a str,
    pub hours: &'a WeeklyHours,
    pub holiday_today: bool,
}

impl Templates {
    /// Every rendered prompt's text, in [`RENDERED`] order.
    pub fn fill(&self, lang: Lang, f: &Facts<'_>) -> [(&'static str, String); 3] {
        let fill = |t: &str| {
            let holiday = if f.holiday_today {
                format!("{} ", self.holiday.trim())
            } else {
                String::new()
            };
            t.replace("{company}", f.company)
                .replace("{hours}", &hours_in_words(lang, f.hours))
                .replace("{holiday}", &holiday)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        [
            (RENDERED[0], fill(&self.greeting)),
            (RENDERED[1], fill(&self.after_hours)),
            (RENDERED[2], fill(&self.callback_intro)),
        ]
    }
}

struct HourWords {
    locale: Locale,
    /// `{first}`, `{last}`: a run of days with the same hours.
    days: &'static str,
    /// `{from}`, `{to}`.
    range: &'static str,
    always: &'static str,
    closed: &'static str,
}

fn hour_words(lang: Lang) -> HourWords {
    match lang {
        Lang::En => HourWords {
            locale: Locale::en_GB,
            days: "{first} to {last}",
            range: "{from} to {to}",
            always: "around the clock",
            closed: "by appointment only",
        },
        Lang::Ru => HourWords {
            locale: Locale::ru_RU,
            days: "{first} — {last}",
            range: "с {from} до {to}",
            always: "круглосуточно",
            closed: "только по договорённости",
        },
        Lang::Uk => HourWords {
            locale: Locale::uk_UA,
            days: "{first} — {last}",
            range: "з {from} до {to}",
            always: "цілодобово",
            closed: "лише за домовленістю",
        },
        Lang::Lt => HourWords {
            locale: Locale::lt_LT,
            days: "{first} — {last}",
            range: "nuo {from} iki {to}",
            always: "visą parą",
            closed: "tik susitarus",
        },
    }
}

fn day_name(lang: Lang, day: Weekday) -> String {
    // 1 January 2024 was a Monday.
    let date = NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(day.num_days_from_monday()))))
        .unwrap_or_default();
    let name = date
        .format_localized("%A", hour_words(lang).locale)
        .to_string();
    if lang == Lang::En {
        name
    } else {
        name.to_lowercase()
    }
}

fn time(minutes: u16) -> String {
    let m = minutes % DAY_MINUTES;
    format!("{}:{:02}", m / 60, m % 60)
}

/// "Monday to Friday, 9:00 to 18:00; Saturday, 10:00 to 14:00", per language; runs of
/// consecutive days with the same hours are joined.
pub fn hours_in_words(lang: Lang, hours: &WeeklyHours) -> String {
    let w = hour_words(lang);
    if hours.is_empty() {
        return w.closed.into();
    }
    let days: Vec<Weekday> = (0..7)
        .filter_map(|i| Weekday::try_from(i as u8).ok())
        .collect();
    if days
        .iter()
        .all(|d| matches!(hours.ranges(*d), [r] if r.start == 0 && r.end == DAY_MINUTES))
    {
        return w.always.into();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        let ranges = hours.ranges(days[i]);
        let mut j = i;
        while j + 1 < 7 && hours.ranges(days[j + 1]) == ranges {
            j += 1;
        }
        if !ranges.is_empty() {
            let run = if i == j {
                day_name(lang, days[i])
            } else {
                w.days
                    .replace("{first}", &day_name(lang, days[i]))
                    .replace("{last}", &day_name(lang, days[j]))
            };
            let times: Vec<String> = ranges
                .iter()
                .map(|r| {
                    w.range
                        .replace("{from}", &time(r.start))
                        .replace("{to}", &time(r.end))
                })
                .collect();
            parts.push(format!("{run}, {}", times.join(", ")));
        }
        i = j + 1;
    }
    debug_assert!(days.iter().all(|d| d.num_days_from_monday() < 7));
    parts.join("; ")
}

/// Whether `today` (the company's local date) is a holiday of the configured list.
pub fn is_holiday(holidays: &[NaiveDate], today: NaiveDate) -> bool {
    holidays
        .iter()
        .any(|h| *h == today && h.year() == today.year())
}

#[cfg(test)]
mod tests;
