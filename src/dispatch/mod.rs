//! Callback dispatch: the pure rules (who takes a claimed request, what follows an attempt, time
//! through an injectable clock) and the node's dispatcher task that applies them. The claims
//! themselves are in `store::dispatch`; the call each job becomes is in `sip::callback`.

pub mod clock;
pub mod pick;
pub mod policy;
pub mod task;

pub use clock::{Clock, ManualClock, SystemClock};
pub use pick::{Pick, pick};
pub use policy::{DialResult, after_attempt};
pub use task::{DispatchSettings, Dispatcher, InFlight, Job};
