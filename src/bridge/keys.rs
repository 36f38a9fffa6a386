//! Feature codes an agent keys on their phone during a call, as Asterisk's `features.conf` has
//! them: a code (`#1`) followed by a target and `#` (or a pause) for a blind transfer, or a code
//! that acts at once (pausing the recording). Pure, with the time passed in.
//!
//! Keys that start no code are dropped; a code typed half-way and left is forgotten after the
//! digit timeout, so a stray key never waits for ever.

/// A code and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub keys: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Followed by the target's keys, then `#` or a pause.
    Transfer,
    /// Outside a consultation: followed by the target's keys (a consultation starts); during
    /// one: completes it at once.
    Attended,
    /// During a consultation: ends it (the agent has the caller back).
    AbortConsult,
    /// Acts as soon as the code is complete.
    ToggleRecording,
}

/// What a complete code asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feature {
    /// Blind transfer to the keyed target (an agent id, a queue name, a number).
    Transfer(String),
    /// Consult the keyed target first (attended transfer).
    Consult(String),
    /// Complete the consultation under way: the target takes the caller.
    CompleteConsult,
    /// End the consultation under way: the agent has the caller back.
    AbortConsult,
    ToggleRecording,
}

/// A target longer than this is cut short and taken as typed.
pub const MAX_TARGET: usize = 32;

#[derive(Debug, Clone)]
pub struct Keys {
    codes: Vec<Code>,
    timeout_ms: u64,
    typed: String,
    /// Keying a transfer's target (after its code), and whether it is for a consultation.
    target: Option<String>,
    attended: bool,
    /// A consultation is under way: the attended code completes it.
    consulting: bool,
    last: u64,
}

impl Keys {
    /// Empty codes are left out (a feature turned off).
    pub fn new(codes: Vec<Code>, timeout_ms: u64) -> Keys {
        Keys {
            codes: codes.into_iter().filter(|c| !c.keys.is_empty()).collect(),
            timeout_ms,
            typed: String::new(),
            target: None,
            attended: false,
            consulting: false,
            last: 0,
        }
    }

    /// Whether a consultation is under way (the bridge says so before each key).
    pub fn set_consulting(&mut self, on: bool) {
        self.consulting = on;
    }

    fn keyed(&self, target: String) -> Feature {
        if self.attended {
            Feature::Consult(target)
        } else {
            Feature::Transfer(target)
        }
    }

    /// When [`Keys::tick`] has something to do.
    pub fn deadline(&self) -> Option<u64> {
        (self.target.is_some() || !self.typed.is_empty()).then_some(self.last + self.timeout_ms)
    }

    /// Time passed: a target keyed and left is taken; a half-typed code is forgotten.
    pub fn tick(&mut self, now: u64) -> Option<Feature> {
        if self.deadline().is_none_or(|d| now < d) {
            return None;
        }
        self.typed.clear();
        let target = self.target.take()?;
        (!target.is_empty()).then(|| self.keyed(target))
    }

    pub fn key(&mut self, now: u64, key: char) -> Option<Feature> {
        if let Some(f) = self.tick(now) {
            // The old target timed out just as a new key came: act on it, drop the key.
            return Some(f);
        }
        self.last = now;
        if let Some(target) = &mut self.target {
            match key {
                '#' => {
                    let target = std::mem::take(target);
                    self.target = None;
                    return (!target.is_empty()).then(|| self.keyed(target));
                }
                // `*` abandons the transfer (Asterisk users expect a way back).
                '*' => self.target = None,
                _ => {
                    target.push(key);
                    if target.len() >= MAX_TARGET {
                        let target = std::mem::take(target);
                        self.target = None;
                        return Some(self.keyed(target));
                    }
                }
            }
            return None;
        }
        self.typed.push(key);
        loop {
            if let Some(code) = self.codes.iter().find(|c| c.keys == self.typed) {
                self.typed.clear();
                return match code.kind {
                    Kind::Transfer => {
                        self.target = Some(String::new());
                        self.attended = false;
                        None
                    }
                    Kind::Attended if self.consulting => Some(Feature::CompleteConsult),
                    Kind::Attended => {
                        self.target = Some(String::new());
                        self.attended = true;
                        None
                    }
                    Kind::AbortConsult => Some(Feature::AbortConsult),
                    Kind::ToggleRecording => Some(Feature::ToggleRecording),
                };
            }
            if self.codes.iter().any(|c| c.keys.starts_with(&self.typed)) {
                return None;
            }
            // Not a code: drop the oldest key and see whether the rest starts one.
            self.typed.remove(0);
            if self.typed.is_empty() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new(
            vec![
                Code {
                    keys: "#1".into(),
                    kind: Kind::Transfer,
                },
                Code {
                    keys: "*1".into(),
                    kind: Kind::ToggleRecording,
                },
                Code {
                    keys: "#2".into(),
                    kind: Kind::Attended,
                },
                Code {
                    keys: "#0".into(),
                    kind: Kind::AbortConsult,
                },
                Code {
                    keys: String::new(),
                    kind: Kind::ToggleRecording,
                },
            ],
            3_000,
        )
    }

    fn typed(k: &mut Keys, start: u64, s: &str) -> Vec<Feature> {
        s.chars()
            .enumerate()
            .filter_map(|(i, c)| k.key(start + 100 * i as u64, c))
            .collect()
    }

    #[test]
    fn a_transfer_code_takes_the_target_up_to_the_hash() {
        let mut k = keys();
        assert_eq!(
            typed(&mut k, 0, "#1204#"),
            [Feature::Transfer("204".into())]
        );
        assert_eq!(k.deadline(), None);
        // Stray keys before the code do not matter.
        assert_eq!(typed(&mut k, 10_000, "55#1#"), [], "no target, nothing");
        assert_eq!(
            typed(&mut k, 20_000, "55#17#"),
            [Feature::Transfer("7".into())]
        );
    }

    #[test]
    fn a_pause_takes_what_was_keyed_and_star_abandons() {
        let mut k = keys();
        assert_eq!(typed(&mut k, 0, "#10"), []);
        assert_eq!(k.deadline(), Some(200 + 3_000));
        assert_eq!(k.tick(3_199), None);
        assert_eq!(k.tick(3_200), Some(Feature::Transfer("0".into())));
        assert_eq!(typed(&mut k, 10_000, "#12*"), []);
        assert_eq!(k.deadline(), None, "abandoned");
        // A code keyed and left with no target does nothing.
        typed(&mut k, 20_000, "#1");
        assert_eq!(k.tick(30_000), None);
        // A half-typed code is forgotten.
        typed(&mut k, 40_000, "#");
        assert_eq!(k.tick(50_000), None);
        assert_eq!(typed(&mut k, 60_000, "1"), []);
    }

    #[test]
    fn immediate_codes_act_at_once_and_long_targets_are_cut() {
        let mut k = keys();
        assert_eq!(typed(&mut k, 0, "9*1"), [Feature::ToggleRecording]);
        let long = format!("#1{}", "2".repeat(40));
        let got = typed(&mut k, 1_000, &long);
        assert_eq!(got, [Feature::Transfer("2".repeat(MAX_TARGET))]);
    }

    #[test]
    fn the_attended_code_consults_then_completes_and_the_abort_code_acts_at_once() {
        let mut k = keys();
        assert_eq!(typed(&mut k, 0, "#2204#"), [Feature::Consult("204".into())]);
        // A consult target left without `#` is taken after the pause, as a consultation.
        assert_eq!(typed(&mut k, 1_000, "#27"), []);
        assert_eq!(k.tick(1_200 + 3_000), Some(Feature::Consult("7".into())));
        k.set_consulting(true);
        assert_eq!(typed(&mut k, 10_000, "#2"), [Feature::CompleteConsult]);
        assert_eq!(typed(&mut k, 11_000, "#0"), [Feature::AbortConsult]);
        // A blind transfer after an attended one is blind again.
        k.set_consulting(false);
        assert_eq!(
            typed(&mut k, 20_000, "#15#"),
            [Feature::Transfer("5".into())]
        );
    }
}
