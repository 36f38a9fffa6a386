//! Working-hours calendars and the callback planner: pure functions of time, no I/O.
//!
//! - [`hours`]: the weekly-hours syntax (`Mon-Fri 09:00-18:00; Sat 10:00-14:00`).
//! - [`calendar`]: a zone + weekly hours + holidays, turned into UTC intervals exactly across DST.
//! - [`planner`]: the earliest callback slot inside every window, the SLA deadline, and why.
//! - [`zones`]: a client's zone inferred from their number when the card has none.

pub mod calendar;
pub mod hours;
pub mod offsets;
pub mod planner;
pub mod zones;
