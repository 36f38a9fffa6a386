//! Numbers and minutes as the caller hears them: the prompt names resolved to the texts of
//! the shipped `prompts/<lang>/prompts.toml`, so a wrong recording text fails here too.

use super::*;
use std::collections::HashMap;
use std::path::Path;

fn texts(lang: Lang) -> HashMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("prompts")
        .join(lang.as_str())
        .join("prompts.toml");
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    table
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
        .collect()
}

/// What is heard: the texts joined, the closing full stop dropped.
fn heard(lang: Lang, names: &[String]) -> String {
    let t = texts(lang);
    names
        .iter()
        .map(|n| {
            t.get(n)
                .unwrap_or_else(|| panic!("{lang} has no text for {n}"))
                .clone()
        })
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches('.')
        .to_string()
}

fn says_minutes(lang: Lang, cases: &[(u32, &str)]) {
    for (n, want) in cases {
        assert_eq!(heard(lang, &minutes(lang, *n)), *want, "{lang} {n}");
    }
}

#[test]
fn russian_minutes_agree_with_the_number() {
    says_minutes(
        Lang::Ru,
        &[
            (1, "одна минута"),
            (2, "две минуты"),
            (4, "четыре минуты"),
            (5, "пять минут"),
            (11, "одиннадцать минут"),
            (12, "двенадцать минут"),
            (21, "двадцать одна минута"),
            (22, "двадцать две минуты"),
            (100, "сто минут"),
            (111, "сто одиннадцать минут"),
            (202, "двести две минуты"),
            (999, "девятьсот девяносто девять минут"),
        ],
    );
}

#[test]
fn ukrainian_minutes_agree_with_the_number() {
    says_minutes(
        Lang::Uk,
        &[
            (1, "одна хвилина"),
            (2, "дві хвилини"),
            (5, "п'ять хвилин"),
            (11, "одинадцять хвилин"),
            (21, "двадцять одна хвилина"),
            (34, "тридцять чотири хвилини"),
            (111, "сто одинадцять хвилин"),
            (200, "двісті хвилин"),
            (501, "п'ятсот одна хвилина"),
        ],
    );
}

#[test]
fn lithuanian_minutes_agree_with_the_number() {
    says_minutes(
        Lang::Lt,
        &[
            (1, "viena minutė"),
            (2, "dvi minutės"),
            (9, "devynios minutės"),
            (10, "dešimt minučių"),
            (11, "vienuolika minučių"),
            (20, "dvidešimt minučių"),
            (21, "dvidešimt viena minutė"),
            (24, "dvidešimt keturios minutės"),
            (111, "šimtas vienuolika minučių"),
            (302, "trys šimtai dvi minutės"),
        ],
    );
}

#[test]
fn english_minutes() {
    says_minutes(
        Lang::En,
        &[
            (1, "one minute"),
            (2, "two minutes"),
            (21, "twenty one minutes"),
            (101, "one hundred one minutes"),
            (999, "nine hundred ninety nine minutes"),
        ],
    );
}

#[test]
fn positions_are_said_in_the_plain_form() {
    let n = |n| heard(Lang::Ru, &number(n, Gender::Masculine));
    assert_eq!(n(1), "один");
    assert_eq!(n(21), "двадцать один");
    assert_eq!(n(70), "семьдесят");
    assert_eq!(n(305), "триста пять");
    assert_eq!(
        heard(Lang::Lt, &number(42, Gender::Masculine)),
        "keturiasdešimt du"
    );
    assert_eq!(heard(Lang::Uk, &number(0, Gender::Masculine)), "нуль");
}

#[test]
fn every_number_up_to_999_has_recordings_in_every_language() {
    let all = PROMPTS;
    for lang in Lang::ALL {
        let t = texts(lang);
        for name in all {
            assert!(t.contains_key(name), "{lang} lacks {name}");
        }
        for n in 0..=MAX_SPOKEN {
            for names in [number(n, Gender::Masculine), minutes(lang, n)] {
                assert!(!names.is_empty(), "{lang} {n}");
                for name in names {
                    assert!(all.contains(&name.as_str()), "{name} is not listed");
                }
            }
        }
    }
    assert!(number(1000, Gender::Masculine).is_empty());
    assert!(minutes(Lang::Ru, 1000).is_empty());
}
