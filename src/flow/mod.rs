//! The call flow: greeting, screening, language, menus and what each choice asks for.
//!
//! A sans-IO state machine: the IO layer turns SIP, media and database results into [`Event`]s
//! and carries out the [`Action`]s that [`Flow::handle`] returns, so every call path is tested
//! synchronously as a script. The flow's shape is configuration ([`FlowConfig`], the `[flow]`
//! table), not code.

mod choices;
mod config;
mod machine;
mod menu;
pub mod prompt;
mod queue;
mod types;

pub use self::config::{
    FlowConfig, FlowConfigError, MAX_MENU_RETRIES, MAX_MENU_TIMEOUT_MS, MENU_KEYS,
    MIN_MENU_TIMEOUT_MS,
};
pub use self::machine::{Flow, SCREENING_TIMEOUT_MS};
pub use self::menu::CONSENT_KEY;
pub use self::types::{Action, Choice, Event, Lang, Outcome, Play, Screening, Step, UnknownLang};

#[cfg(test)]
mod tests;
