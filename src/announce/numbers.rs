//! Numbers 0–999 as the prompts that say them, and "N minutes" with the right noun form.
//!
//! Every language composes a number the same way from its recordings: the hundred
//! (`number_100` … `number_900`, recorded whole because ru/uk/lt inflect them: двести,
//! двісті, du šimtai), then 0–19 whole or the ten and the unit. A unit before a feminine
//! noun takes its feminine recording (`number_1_f`: одна, одна, viena; lt has one for every
//! unit: dvi, keturios, …); teens and tens have no gender in these languages.

use super::plural::{Plural, plural};
use crate::flow::Lang;

/// The largest number announcements say; a longer queue is told only its wait.
pub const MAX_SPOKEN: u32 = 999;

/// The grammatical gender of the noun a number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    /// Also the form a number takes alone ("you are number five").
    Masculine,
    Feminine,
}

/// The number prompts that say `n`, or nothing above [`MAX_SPOKEN`].
pub fn number(n: u32, gender: Gender) -> Vec<String> {
    if n > MAX_SPOKEN {
        return Vec::new();
    }
    if n == 0 {
        return vec!["number_0".into()];
    }
    let mut names = Vec::new();
    let (hundreds, rest) = (n / 100, n % 100);
    if hundreds > 0 {
        names.push(format!("number_{}", hundreds * 100));
    }
    let unit = |u: u32| match gender {
        Gender::Masculine => format!("number_{u}"),
        Gender::Feminine => format!("number_{u}_f"),
    };
    match rest {
        0 => {}
        1..=9 => names.push(unit(rest)),
        10..=19 => names.push(format!("number_{rest}")),
        _ => {
            names.push(format!("number_{}", rest / 10 * 10));
            if rest % 10 > 0 {
                names.push(unit(rest % 10));
            }
        }
    }
    names
}

/// "N minutes" (after `estimated_wait`): the feminine number in ru/uk/lt (минута, хвилина,
/// minutė are feminine) and `estimated_wait_minutes_<category>`.
pub fn minutes(lang: Lang, n: u32) -> Vec<String> {
    let mut names = number(n, Gender::Feminine);
    if names.is_empty() {
        return names;
    }
    names.push(minutes_prompt(plural(lang, n)));
    names
}

fn minutes_prompt(form: Plural) -> String {
    format!("estimated_wait_minutes_{}", form.as_str())
}

/// Every prompt [`number`] and [`minutes`] may ask for, so a deployment can check its
/// recordings before taking calls.
pub const PROMPTS: [&str; 50] = [
    "number_0",
    "number_1",
    "number_2",
    "number_3",
    "number_4",
    "number_5",
    "number_6",
    "number_7",
    "number_8",
    "number_9",
    "number_10",
    "number_11",
    "number_12",
    "number_13",
    "number_14",
    "number_15",
    "number_16",
    "number_17",
    "number_18",
    "number_19",
    "number_20",
    "number_30",
    "number_40",
    "number_50",
    "number_60",
    "number_70",
    "number_80",
    "number_90",
    "number_100",
    "number_200",
    "number_300",
    "number_400",
    "number_500",
    "number_600",
    "number_700",
    "number_800",
    "number_900",
    "number_1_f",
    "number_2_f",
    "number_3_f",
    "number_4_f",
    "number_5_f",
    "number_6_f",
    "number_7_f",
    "number_8_f",
    "number_9_f",
    "estimated_wait_minutes_one",
    "estimated_wait_minutes_few",
    "estimated_wait_minutes_many",
    "estimated_wait_minutes_other",
];

#[cfg(test)]
mod tests;
