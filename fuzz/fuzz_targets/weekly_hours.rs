//! The weekly-hours syntax: never panic; whatever parses prints back to the same value.
#![no_main]
use frontdesk::schedule::hours::WeeklyHours;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(h) = text.parse::<WeeklyHours>() {
            let again: WeeklyHours = h.to_string().parse().expect("canonical form parses");
            assert_eq!(again, h);
        }
    }
});
