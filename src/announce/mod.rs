//! What the caller is told, in words that are true and grammatical in their language.
//!
//! Pure: numbers as prompt names with the plural form CLDR gives each language
//! ([`numbers`], [`plural`]), and the callback promise as a sentence ([`promise`]).

pub mod numbers;
pub mod plural;
pub mod promise;
pub mod templates;

pub use self::numbers::{Gender, MAX_SPOKEN, minutes, number};
pub use self::plural::{Plural, plural};
pub use self::promise::{PromiseFacts, promise};
