//! The console's words in English, Lithuanian, Russian and Ukrainian, as Fluent messages
//! (`src/i18n/<lang>.ftl`, embedded in the binary). A page is shown in the user's chosen language
//! (stored on the user), else the first of the browser's `Accept-Language` we have, else English.
//! A message missing in a language falls back to English at run time, and a unit test fails when
//! any language lacks a key another has, or a template asks for a key that does not exist.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::Serialize;
use std::sync::OnceLock;

/// The languages the console speaks (the same four the call flow speaks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Lt,
    Ru,
    Uk,
}

pub const ALL: [Lang; 4] = [Lang::En, Lang::Lt, Lang::Ru, Lang::Uk];

/// Longest `Accept-Language` header read (anything longer is a client we need not please).
const MAX_ACCEPT: usize = 512;

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Lt => "lt",
            Lang::Ru => "ru",
            Lang::Uk => "uk",
        }
    }

    /// `en`, `lt`, `ru`, `uk`, with or without a region (`lt-LT`), any case.
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        ALL.into_iter().find(|l| l.as_str() == primary)
    }

    /// The language's own name, for the chooser.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Lt => "Lietuvių",
            Lang::Ru => "Русский",
            Lang::Uk => "Українська",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("en.ftl"),
            Lang::Lt => include_str!("lt.ftl"),
            Lang::Ru => include_str!("ru.ftl"),
            Lang::Uk => include_str!("uk.ftl"),
        }
    }
}

/// The first language of an `Accept-Language` header we speak, by the browser's weights.
pub fn negotiate(accept: &str) -> Option<Lang> {
    if accept.len() > MAX_ACCEPT {
        return None;
    }
    let mut offers: Vec<(u16, usize, Lang)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut bits = part.split(';');
            let lang = Lang::parse(bits.next()?)?;
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                .unwrap_or(1.0);
            (q > 0.0).then_some(((q.clamp(0.0, 1.0) * 1000.0) as u16, i, lang))
        })
        .collect();
    offers.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    offers.first().map(|o| o.2)
}

struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog {
        bundles: ALL.into_iter().map(|lang| (lang, bundle(lang))).collect(),
    })
}

fn bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang
        .as_str()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // The messages go into HTML, where Unicode isolation marks would only be noise.
    bundle.set_use_isolating(false);
    let resource = match FluentResource::try_new(lang.source().to_string()) {
        Ok(r) => r,
        Err((r, errors)) => {
            // The files are part of the binary and a unit test parses them: development only.
            tracing::error!(
                lang = lang.as_str(),
                ?errors,
                "console messages do not parse"
            );
            r
        }
    };
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang = lang.as_str(), ?errors, "console messages clash");
    }
    bundle
}

/// The message `key` in `lang` (English when that language lacks it; the key itself when no
/// language has it), with `args` filled in.
pub fn text(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    lookup(lang, key, args).unwrap_or_else(|| key.to_string())
}

/// The message `key` in `lang`, else in English; None when no language has it.
pub fn lookup(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> Option<String> {
    let cat = catalog();
    let find = |l: Lang| {
        cat.bundles
            .iter()
            .find(|(bl, _)| *bl == l)
            .and_then(|(_, b)| b.get_message(key).and_then(|m| m.value()).map(|p| (b, p)))
    };
    let (bundle, pattern) = find(lang).or_else(|| find(Lang::En))?;
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, v.clone());
    }
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, Some(&fa), &mut errors)
            .into_owned(),
    )
}

/// Every message id of `lang`'s file (a line `id = ...` at the start of a line).
pub fn ids(lang: Lang) -> std::collections::BTreeSet<String> {
    lang.source()
        .lines()
        .filter_map(|l| l.split_once(" ="))
        .map(|(id, _)| id)
        .filter(|id| {
            id.starts_with(|c: char| c.is_ascii_alphabetic())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests;
