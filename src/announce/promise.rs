//! The callback promise: the one sentence that tells the caller, in their language and their own
//! time zone, on which day and between which times we will call, and why not sooner.
//!
//! Day and month names come from CLDR/glibc locale data through chrono's `unstable-locales`
//! (genitive months: 30 ноября, 30 листопада, lapkričio 30 d.); the sentence frames are per
//! language here. The weekday is set off by commas rather than governed by a preposition, so no
//! case of it has to be invented (ru "в среду" would need the accusative no locale data has).

use crate::flow::Lang;
use crate::schedule::planner::Constraint;
use chrono::{DateTime, Datelike, Locale, Utc, Weekday};
use chrono_tz::Tz;

/// Everything the sentence depends on; nothing is looked up.
#[derive(Debug, Clone)]
pub struct PromiseFacts<'a> {
    pub lang: Lang,
    pub now: DateTime<Utc>,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    /// The client's own zone: every time is said in it.
    pub client_tz: Tz,
    /// The company's zone: when it differs, the sentence says the times are the client's.
    pub company_tz: Tz,
    /// What moved the slot later than asked (the planner's finding).
    pub constrained_by: &'a [Constraint],
    /// A DNC caller agreed to this one call.
    pub dnc_consent: bool,
}

/// Why the call is not today, the strongest reason first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Holiday,
    Weekend,
    ClosedToday,
    ClientHours,
    LegalHours,
}

struct Words {
    locale: Locale,
    /// `{when}`, `{from}`, `{to}`.
    frame: &'static str,
    today: &'static str,
    tomorrow: &'static str,
    /// chrono format of a date further away (weekday, day and month).
    date: &'static str,
    your_time: &'static str,
    why: fn(Why) -> &'static str,
    dnc: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            locale: Locale::en_GB,
            frame: "We will call you back {when}, between {from} and {to}",
            today: "today",
            tomorrow: "tomorrow, %A, %-d %B",
            date: "on %A, %-d %B",
            your_time: ", your time",
            why: |w| match w {
                Why::Holiday => "Today is a public holiday.",
                Why::Weekend => "We do not work at weekends.",
                Why::ClosedToday => "We are closed for the rest of today.",
                Why::ClientHours => "We call you only within your calling hours.",
                Why::LegalHours => "Calls are allowed only at permitted hours.",
            },
            dnc: "This is the one call you agreed to; we will not call you otherwise.",
        },
        Lang::Ru => Words {
            locale: Locale::ru_RU,
            frame: "Мы перезвоним вам {when}, с {from} до {to}",
            today: "сегодня",
            tomorrow: "завтра, %-d %B",
            date: "%-d %B, %A",
            your_time: " по вашему времени",
            why: |w| match w {
                Why::Holiday => "Сегодня праздничный день.",
                Why::Weekend => "В выходные мы не работаем.",
                Why::ClosedToday => "Сегодня мы уже не работаем.",
                Why::ClientHours => "Мы звоним вам только в ваши часы для звонков.",
                Why::LegalHours => "Звонки разрешены только в установленные часы.",
            },
            dnc: "Это единственный звонок, на который вы согласились; других звонков не будет.",
        },
        Lang::Uk => Words {
            locale: Locale::uk_UA,
            frame: "Ми передзвонимо вам {when}, з {from} до {to}",
            today: "сьогодні",
            tomorrow: "завтра, %-d %B",
            date: "%-d %B, %A",
            your_time: " за вашим часом",
            why: |w| match w {
                Why::Holiday => "Сьогодні святковий день.",
                Why::Weekend => "У вихідні ми не працюємо.",
                Why::ClosedToday => "Сьогодні ми вже не працюємо.",
                Why::ClientHours => "Ми дзвонимо вам лише у ваші години для дзвінків.",
                Why::LegalHours => "Дзвінки дозволені лише у встановлені години.",
            },
            dnc: "Це єдиний дзвінок, на який ви погодилися; інших дзвінків не буде.",
        },
        Lang::Lt => Words {
            locale: Locale::lt_LT,
            frame: "Perskambinsime jums {when}, nuo {from} iki {to}",
            today: "šiandien",
            tomorrow: "rytoj, %B %-d d.",
            date: "%B %-d d., %A",
            your_time: " jūsų laiku",
            why: |w| match w {
                Why::Holiday => "Šiandien šventinė diena.",
                Why::Weekend => "Savaitgaliais nedirbame.",
                Why::ClosedToday => "Šiandien jau nedirbame.",
                Why::ClientHours => "Skambiname jums tik jūsų skambučių valandomis.",
                Why::LegalHours => "Skambinti leidžiama tik nustatytomis valandomis.",
            },
            dnc: "Tai vienintelis skambutis, kuriam sutikote; daugiau neskambinsime.",
        },
    }
}

/// The promise, as said and as stored on the callback.
pub fn promise(f: &PromiseFacts<'_>) -> String {
    let w = words(f.lang);
    let start = f.slot_start.with_timezone(&f.client_tz);
    let end = f.slot_end.with_timezone(&f.client_tz);
    let today = f.now.with_timezone(&f.client_tz).date_naive();
    let day = start.date_naive();
    let when = if day == today {
        w.today.to_string()
    } else {
        let pattern = if today.succ_opt() == Some(day) {
            w.tomorrow
        } else {
            w.date
        };
        // Locale data capitalises some weekday names (Понедельник, Pirmadienis); mid-sentence
        // they are lower case in every language but English.
        let text = start.format_localized(pattern, w.locale).to_string();
        if f.lang == Lang::En {
            text
        } else {
            text.to_lowercase()
        }
    };
    let mut s = w
        .frame
        .replace("{when}", &when)
        .replace("{from}", &start.format("%-H:%M").to_string())
        .replace("{to}", &end.format("%-H:%M").to_string());
    if f.client_tz != f.company_tz {
        s.push_str(w.your_time);
    }
    s.push('.');
    if day != today
        && let Some(why) = why_not_today(f.constrained_by, today.weekday())
    {
        s.push(' ');
        s.push_str((w.why)(why));
    }
    if f.dnc_consent {
        s.push(' ');
        s.push_str(w.dnc);
    }
    s
}

/// The subject of the e-mail that repeats the promise.
pub fn email_subject(lang: Lang, company: &str) -> String {
    match lang {
        Lang::En => format!("{company}: when we will call you back"),
        Lang::Ru => format!("{company}: когда мы вам перезвоним"),
        Lang::Uk => format!("{company}: коли ми вам передзвонимо"),
        Lang::Lt => format!("{company}: kada jums perskambinsime"),
    }
}

fn why_not_today(constraints: &[Constraint], today: Weekday) -> Option<Why> {
    let has = |c| constraints.contains(&c);
    if has(Constraint::Holiday) {
        Some(Why::Holiday)
    } else if has(Constraint::CompanyHours) && matches!(today, Weekday::Sat | Weekday::Sun) {
        Some(Why::Weekend)
    } else if has(Constraint::CompanyHours) {
        Some(Why::ClosedToday)
    } else if has(Constraint::ClientHours) {
        Some(Why::ClientHours)
    } else if has(Constraint::LegalWindow) {
        Some(Why::LegalHours)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
