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
    /// Acts as soon as the code is complete.
    ToggleRecording,
}

/// What a complete code asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feature {
    /// Blind transfer to the keyed target (an agent id, a queue name, a number).
    Transfer(String),
    ToggleRecording,
}

/// A target longer than this is cut short and taken as typed.
pub const MAX_TARGET: usize = 32;

#[derive(Debug, Clone)]
pub struct Keys {
    codes: Vec<Code>,
    timeout_ms: u64,
    typed: String,
    /// Keying a transfer's target (after its code).
    target: Option<String>,
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
            last: 0,
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
        (!target.is_empty()).then_some(Feature::Transfer(target))
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
                    return (!target.is_empty()).then_some(Feature::Transfer(target));
                }
                // `*` abandons the transfer (Asterisk users expect a way back).
                '*' => self.target = None,
                _ => {
                    target.push(key);
                    if target.len() >= MAX_TARGET {
                        let target = std::mem::take(target);
                        self.target = None;
                        return Some(Feature::Transfer(target));
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
                        None
                    }
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
}
