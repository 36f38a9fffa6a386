//! The `[flow]` table: which prompts open the call, what each key means, how patient menus are.
//!
//! The defaults are the contract's call flow; a deployment changes keys to match its recorded
//! prompts. Read with serde alone, a `[flow.keys]` or `[flow.language_keys]` table replaces the
//! default map; a loader that merges tables over serialized defaults (figment) adds to it instead.

use super::prompt;
use super::types::{Choice, Lang};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

/// Keys a phone can send that menus may use.
pub const MENU_KEYS: &str = "0123456789*#";
/// Shorter than this and callers cannot reach the keypad after the prompt ends.
pub const MIN_MENU_TIMEOUT_MS: u64 = 500;
/// Longer than this and a silent line holds a port for minutes.
pub const MAX_MENU_TIMEOUT_MS: u64 = 60_000;
/// Bounds the time a silent caller spends in one menu.
pub const MAX_MENU_RETRIES: u32 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowConfig {
    /// Spoken before the language is known, and when the caller does not pick one.
    pub default_language: Lang,
    /// How long a menu waits for a key after its prompt ends.
    pub menu_timeout_ms: u64,
    /// How many times a menu is repeated (after no input or an invalid key) before giving up.
    pub menu_retries: u32,
    /// What the main menu does for a caller who never chooses.
    pub no_input: Choice,
    /// Main-menu keys.
    #[serde(serialize_with = "string_keys")]
    pub keys: BTreeMap<char, Choice>,
    /// Language-menu keys.
    #[serde(serialize_with = "string_keys")]
    pub language_keys: BTreeMap<char, Lang>,
    /// Prompts played at answer, in order; must include `recording_notice`.
    pub greeting: Vec<String>,
    /// How often a queued caller is told their position and wait (only when it changed).
    pub queue_announce_ms: u64,
    /// Above this estimated wait the caller is offered, once, a callback that keeps their place.
    pub queue_offer_wait_secs: u32,
    /// Ask for a 0–10 rating after the agent hangs up.
    pub survey: bool,
}

impl Default for FlowConfig {
    fn default() -> FlowConfig {
        FlowConfig {
            default_language: Lang::En,
            menu_timeout_ms: 5_000,
            menu_retries: 2,
            no_input: Choice::Agent,
            keys: BTreeMap::from([
                ('1', Choice::Agent),
                ('2', Choice::Callback),
                ('3', Choice::Complaint),
                ('9', Choice::Dnc),
                ('*', Choice::Repeat),
            ]),
            language_keys: BTreeMap::from([
                ('1', Lang::En),
                ('2', Lang::Ru),
                ('3', Lang::Uk),
                ('4', Lang::Lt),
            ]),
            greeting: vec![
                prompt::GREETING.to_string(),
                prompt::RECORDING_NOTICE.to_string(),
            ],
            queue_announce_ms: 30_000,
            queue_offer_wait_secs: 120,
            survey: true,
        }
    }
}

/// TOML and figment only take string keys, so `'1'` is written as `"1"`.
fn string_keys<S: Serializer, V: Serialize>(
    map: &BTreeMap<char, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter().map(|(key, value)| (key.to_string(), value)))
}

/// A bad `[flow]` setting; `key` is the dotted path an operator would edit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct FlowConfigError {
    pub key: String,
    pub message: String,
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> FlowConfigError {
    FlowConfigError {
        key: key.into(),
        message: message.into(),
    }
}

fn check_key(table: &str, key: char) -> Result<(), FlowConfigError> {
    if MENU_KEYS.contains(key) {
        Ok(())
    } else {
        Err(invalid(
            format!("flow.{table}.\"{}\"", key.escape_default()),
            format!("not a phone key (use one of {MENU_KEYS})"),
        ))
    }
}

impl FlowConfig {
    /// Checks types cannot express, so a bad flow stops the service at start, not mid-call.
    pub fn validate(&self) -> Result<(), FlowConfigError> {
        if !(MIN_MENU_TIMEOUT_MS..=MAX_MENU_TIMEOUT_MS).contains(&self.menu_timeout_ms) {
            return Err(invalid(
                "flow.menu_timeout_ms",
                format!("must be between {MIN_MENU_TIMEOUT_MS} and {MAX_MENU_TIMEOUT_MS}"),
            ));
        }
        if !(MIN_MENU_TIMEOUT_MS..=600_000).contains(&self.queue_announce_ms) {
            return Err(invalid(
                "flow.queue_announce_ms",
                format!("must be between {MIN_MENU_TIMEOUT_MS} and 600000"),
            ));
        }
        if self.menu_retries > MAX_MENU_RETRIES {
            return Err(invalid(
                "flow.menu_retries",
                format!("must be at most {MAX_MENU_RETRIES}"),
            ));
        }
        match self.no_input {
            Choice::Repeat => {
                return Err(invalid(
                    "flow.no_input",
                    "must not be \"repeat\": a silent caller would never leave the menu",
                ));
            }
            Choice::Dnc => {
                return Err(invalid(
                    "flow.no_input",
                    "must not be \"dnc\": opting out needs the caller's key press",
                ));
            }
            Choice::Agent | Choice::Callback | Choice::Complaint => {}
        }
        for &key in self.keys.keys() {
            check_key("keys", key)?;
        }
        for choice in [
            Choice::Agent,
            Choice::Callback,
            Choice::Complaint,
            Choice::Dnc,
        ] {
            if !self.keys.values().any(|c| *c == choice) {
                return Err(invalid(
                    "flow.keys",
                    format!("no key for \"{choice}\" (every choice of the flow must be reachable)"),
                ));
            }
        }
        for &key in self.language_keys.keys() {
            check_key("language_keys", key)?;
        }
        if self.language_keys.is_empty() {
            return Err(invalid(
                "flow.language_keys",
                "must offer at least one language",
            ));
        }
        for (i, name) in self.greeting.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(invalid(
                    format!("flow.greeting[{i}]"),
                    "prompt name must not be empty",
                ));
            }
        }
        if !self.greeting.iter().any(|p| p == prompt::RECORDING_NOTICE) {
            return Err(invalid(
                "flow.greeting",
                format!(
                    "must include \"{}\": the call is recorded only after it",
                    prompt::RECORDING_NOTICE
                ),
            ));
        }
        Ok(())
    }

    /// Every prompt this flow may play, to check the recordings exist before taking calls.
    pub fn prompt_names(&self) -> BTreeSet<&str> {
        self.greeting
            .iter()
            .map(String::as_str)
            .chain(prompt::FIXED)
            .chain(crate::announce::numbers::PROMPTS)
            .collect()
    }
}
