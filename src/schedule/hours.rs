// placeholder until the real parser lands
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours(String);
#[derive(Debug, thiserror::Error)]
#[error("bad hours {0}")]
pub struct HoursError(String);
impl WeeklyHours {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn always() -> Self {
        WeeklyHours("00:00-24:00".into())
    }
}
impl std::str::FromStr for WeeklyHours {
    type Err = HoursError;
    fn from_str(s: &str) -> Result<Self, HoursError> {
        if s.contains("bad") {
            Err(HoursError(s.into()))
        } else {
            Ok(WeeklyHours(s.into()))
        }
    }
}
impl std::fmt::Display for WeeklyHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
