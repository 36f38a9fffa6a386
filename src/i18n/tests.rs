use super::*;
use std::collections::BTreeSet;

#[test]
fn every_file_parses() {
    for lang in ALL {
        if let Err((_, errors)) = FluentResource::try_new(lang.source().to_string()) {
            panic!("{}.ftl does not parse: {errors:?}", lang.as_str());
        }
    }
}

#[test]
fn every_language_has_every_key() {
    let en = ids(Lang::En);
    assert!(en.len() > 100, "{}", en.len());
    for lang in ALL {
        let these = ids(lang);
        let missing: Vec<_> = en.difference(&these).collect();
        let extra: Vec<_> = these.difference(&en).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{}.ftl: missing {missing:?}, not in en.ftl {extra:?}",
            lang.as_str()
        );
    }
}

/// Keys the templates build from a prefix and a value.
fn built_keys() -> Vec<String> {
    let defaults = crate::config::Workspace::default();
    let mut keys = Vec::new();
    let mut with = |prefix: &str, values: &[&str]| {
        keys.extend(values.iter().map(|v| format!("{prefix}{v}")));
    };
    with(
        "state-",
        &["available", "away", "ringing", "in_call", "wrap_up"],
    );
    with("role-", &["agent", "supervisor", "admin"]);
    with("sla-", &["on-time", "at-risk", "breached"]);
    with(
        "ws-done-",
        &["presence", "disposition", "ready", "more-time"],
    );
    with("rp-by-", &["day", "hour", "agent"]);
    with(
        "complaints-tab-",
        &["working", "open", "assigned", "resolved", "all"],
    );
    let reasons: Vec<&str> = defaults.away_reasons.iter().map(String::as_str).collect();
    with("reason-", &reasons);
    let codes: Vec<&str> = defaults
        .disposition_codes
        .iter()
        .map(String::as_str)
        .collect();
    with("code-", &codes);
    keys
}

#[test]
fn every_key_the_templates_ask_for_exists() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut asked = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let html = std::fs::read_to_string(&path).unwrap();
        for piece in html.split("t(\"").skip(1) {
            let key: String = piece
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            // `t("state-" ~ x)`: a prefix, checked with its values below.
            if !key.ends_with('-') && piece[key.len()..].starts_with('"') {
                asked.insert(key);
            }
        }
    }
    assert!(asked.len() > 100, "{}", asked.len());
    asked.extend(built_keys());
    for lang in ALL {
        let have = ids(lang);
        let missing: Vec<_> = asked.iter().filter(|k| !have.contains(*k)).collect();
        assert!(
            missing.is_empty(),
            "{}.ftl lacks {missing:?}",
            lang.as_str()
        );
    }
}

#[test]
fn messages_take_arguments_and_fall_back() {
    assert_eq!(
        text(
            Lang::En,
            "call-from",
            &[("phone", FluentValue::from("+370"))]
        ),
        "Call from +370"
    );
    assert_eq!(
        text(Lang::Lt, "cb-left", &[("h", 2.into()), ("m", 5.into())]),
        "liko 2 val. 5 min."
    );
    assert_eq!(text(Lang::Ru, "nav-calls", &[]), "Звонки");
    assert_eq!(text(Lang::Uk, "no-such-key", &[]), "no-such-key");
    assert_eq!(lookup(Lang::Uk, "no-such-key", &[]), None);
    assert_eq!(
        text(Lang::En, "live-missed", &[]),
        "{n} updates were missed; reload the page to see everything."
    );
}

#[test]
fn the_browser_language_is_negotiated() {
    assert_eq!(negotiate("lt-LT,lt;q=0.9,en;q=0.8"), Some(Lang::Lt));
    assert_eq!(negotiate("de-DE, ru;q=0.5, en;q=0.7"), Some(Lang::En));
    assert_eq!(negotiate("uk"), Some(Lang::Uk));
    assert_eq!(negotiate("de, fr;q=0.9"), None);
    assert_eq!(negotiate("ru;q=0, en;q=0.1"), Some(Lang::En));
    assert_eq!(negotiate(&"x,".repeat(400)), None);
    assert_eq!(Lang::parse("RU_ru"), Some(Lang::Ru));
}
