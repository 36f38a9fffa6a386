//! How instants, durations and form inputs look on the console: instants in the company's zone
//! (the template's `tz`), durations as m:ss, `datetime-local` inputs read in that same zone.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use minijinja::{Environment, State};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("dt", dt);
    env.add_filter("duration", duration);
    env.add_function("t", t);
}

/// `{{ t("key", n=3) }}`: the message in the page's language (`lang`), see `crate::i18n`.
/// `or=` is what to show for a key no language has (a configured code without a translation).
fn t(
    state: &State,
    key: &str,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, minijinja::Error> {
    use fluent_bundle::FluentValue;
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(crate::i18n::Lang::parse))
        .unwrap_or(crate::i18n::Lang::En);
    let mut args: Vec<(&str, FluentValue)> = Vec::new();
    let mut fallback = None;
    for name in kwargs.args() {
        if name == "or" {
            fallback = Some(kwargs.get::<minijinja::Value>(name)?.to_string());
            continue;
        }
        let v: minijinja::Value = kwargs.get(name)?;
        let fv = match v.as_i64() {
            Some(n) => FluentValue::from(n),
            None => FluentValue::from(v.to_string()),
        };
        args.push((name, fv));
    }
    Ok(crate::i18n::lookup(lang, key, &args)
        .or(fallback)
        .unwrap_or_else(|| key.to_string()))
}

fn zone(state: &State) -> Tz {
    state
        .lookup("tz")
        .and_then(|v| v.as_str().and_then(|s| s.parse::<Tz>().ok()))
        .unwrap_or(Tz::UTC)
}

fn instant(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `{{ call.started_at|dt }}`: "2026-11-23 10:00:05" in the company zone; empty for none.
fn dt(state: &State, value: Option<String>) -> String {
    value
        .as_deref()
        .and_then(instant)
        .map(|t| local(t, zone(state)))
        .unwrap_or_default()
}

pub fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `{{ start|duration(end) }}`: "2:05", "1:02:03"; an en dash while there is no end.
fn duration(start: Option<String>, end: Option<String>) -> String {
    match (
        start.as_deref().and_then(instant),
        end.as_deref().and_then(instant),
    ) {
        (Some(s), Some(e)) if e >= s => clock((e - s).num_seconds()),
        _ => "\u{2013}".to_string(),
    }
}

fn clock(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A form's instant: a browser's `datetime-local` value (company zone) or RFC 3339; empty is none.
pub fn parse_input(raw: Option<&str>, tz: Tz) -> Result<Option<DateTime<Utc>>, String> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Some(t) = instant(raw) {
        return Ok(Some(t));
    }
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .ok_or_else(|| format!("{raw:?} is not a date and time"))?;
    // In a DST gap the local time does not exist; take the first instant after it.
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| format!("{raw:?} does not exist in {tz}"))
}

/// The value a `datetime-local` input shows for `t`.
pub fn input_value(t: Option<DateTime<Utc>>, tz: Tz) -> String {
    t.map(|t| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `k=v&…` of the pairs whose value is not empty.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Vilnius;

    #[test]
    fn local_inputs_are_read_in_the_company_zone() {
        let t = parse_input(Some("2026-11-23T10:00"), Vilnius).unwrap();
        assert_eq!(
            t,
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap())
        );
        assert_eq!(input_value(t, Vilnius), "2026-11-23T10:00");
        let t = parse_input(Some("2026-11-23T10:00:00Z"), Vilnius).unwrap();
        assert_eq!(
            t,
            Some(Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap())
        );
        assert_eq!(parse_input(Some("  "), Vilnius), Ok(None));
        assert!(parse_input(Some("yesterday"), Vilnius).is_err());
        // 03:30 on the spring-forward night does not exist in Vilnius: the next hour is taken.
        let gap = parse_input(Some("2026-03-29T03:30"), Vilnius).unwrap();
        assert_eq!(
            gap,
            Some(Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap())
        );
    }

    #[test]
    fn durations_read_as_a_clock() {
        let s = Some("2026-11-23T08:00:00Z".to_string());
        assert_eq!(
            duration(s.clone(), Some("2026-11-23T08:02:05Z".into())),
            "2:05"
        );
        assert_eq!(
            duration(s.clone(), Some("2026-11-23T09:01:02Z".into())),
            "1:01:02"
        );
        assert_eq!(duration(s, None), "\u{2013}");
    }

    #[test]
    fn queries_are_escaped_and_skip_empty_values() {
        assert_eq!(
            query(&[
                ("phone", "+37061234567"),
                ("agent", ""),
                ("cursor", "1:a b")
            ]),
            "phone=%2B37061234567&cursor=1%3Aa%20b"
        );
    }
}
