use super::hours::WeeklyHours;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}
#[derive(Debug, Clone)]
pub struct Calendar {
    pub tz: Tz,
    pub hours: WeeklyHours,
    pub holidays: BTreeSet<NaiveDate>,
}
impl Calendar {
    pub fn new(tz: Tz, hours: WeeklyHours) -> Self {
        Calendar {
            tz,
            hours,
            holidays: BTreeSet::new(),
        }
    }
    pub fn with_holidays(mut self, h: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(h);
        self
    }
}
