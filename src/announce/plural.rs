//! The CLDR plural category of a whole number, per language, through ICU4X's compiled rules.
//!
//! Slavic and Baltic languages choose the noun's form by rules no one should hand-write
//! (ru: 1 минута, 2 минуты, 5 минут, 21 минута, 111 минут; lt: 1 minutė, 2 minutės,
//! 10 minučių, 21 minutė); the rules are data from the Unicode CLDR.

use crate::flow::Lang;
use icu_plurals::{PluralCategory, PluralRules};

/// A plural category, named as the prompt suffix (`estimated_wait_minutes_few`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    One,
    Few,
    Many,
    Other,
}

impl Plural {
    pub fn as_str(self) -> &'static str {
        match self {
            Plural::One => "one",
            Plural::Few => "few",
            Plural::Many => "many",
            Plural::Other => "other",
        }
    }

    pub const ALL: [Plural; 4] = [Plural::One, Plural::Few, Plural::Many, Plural::Other];
}

thread_local! {
    /// Cardinal rules of each language, built once per thread (ICU4X data payloads are not
    /// `Sync`; compiled-in data, no I/O).
    static RULES: [PluralRules; 4] = Lang::ALL.map(rules);
}

fn rules(lang: Lang) -> PluralRules {
    let id = match lang {
        Lang::En => icu_locale_core::langid!("en"),
        Lang::Ru => icu_locale_core::langid!("ru"),
        Lang::Uk => icu_locale_core::langid!("uk"),
        Lang::Lt => icu_locale_core::langid!("lt"),
    };
    // Cannot fail for these four locales: the CLDR data is compiled into the crate.
    #[allow(clippy::expect_used)]
    PluralRules::try_new_cardinal(id.into()).expect("compiled CLDR plural data for en/ru/uk/lt")
}

/// The category of `n` in `lang`. Zero and two are folded into `Many`/`Other` as CLDR says
/// for these languages (none of them has `zero` or `two` for integers).
pub fn plural(lang: Lang, n: u32) -> Plural {
    let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
    match RULES.with(|rules| rules[index].category_for(n)) {
        PluralCategory::One => Plural::One,
        PluralCategory::Few => Plural::Few,
        PluralCategory::Many => Plural::Many,
        PluralCategory::Zero | PluralCategory::Two | PluralCategory::Other => Plural::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(lang: Lang, ns: &[u32]) -> Vec<&'static str> {
        ns.iter().map(|n| plural(lang, *n).as_str()).collect()
    }

    #[test]
    fn english_has_one_and_other() {
        assert_eq!(
            cats(Lang::En, &[0, 1, 2, 5, 11, 21, 101]),
            ["other", "one", "other", "other", "other", "other", "other"]
        );
    }

    #[test]
    fn russian_and_ukrainian_have_one_few_many() {
        for lang in [Lang::Ru, Lang::Uk] {
            assert_eq!(
                cats(
                    lang,
                    &[
                        0, 1, 2, 4, 5, 11, 12, 14, 20, 21, 22, 25, 101, 111, 112, 122
                    ]
                ),
                [
                    "many", "one", "few", "few", "many", "many", "many", "many", "many", "one",
                    "few", "many", "one", "many", "many", "few"
                ],
                "{lang}"
            );
        }
    }

    #[test]
    fn lithuanian_has_one_few_other() {
        assert_eq!(
            cats(
                Lang::Lt,
                &[0, 1, 2, 9, 10, 11, 19, 20, 21, 29, 30, 101, 111, 999]
            ),
            [
                "other", "one", "few", "few", "other", "other", "other", "other", "one", "few",
                "other", "one", "other", "few"
            ]
        );
    }
}
