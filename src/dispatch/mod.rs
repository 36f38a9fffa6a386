//! Callback dispatch: the pure rules (who takes a claimed request, what follows an attempt, time
//! through an injectable clock). The claims themselves are in `store::dispatch`; the dialling
//! task that uses both is still to come.

pub mod clock;
pub mod pick;
pub mod policy;

pub use clock::{Clock, ManualClock, SystemClock};
pub use pick::{Pick, pick};
pub use policy::{DialResult, after_attempt};
