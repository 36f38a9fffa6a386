//! Callback dispatch: the pure rules (what follows an attempt, time through an injectable clock);
//! the claims themselves are in `store::dispatch`.

pub mod clock;
pub mod policy;

pub use clock::{Clock, ManualClock, SystemClock};
pub use policy::{DialResult, after_attempt};
