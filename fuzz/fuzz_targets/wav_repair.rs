//! Any file handed to the crash repair: never panic; a repaired file opens with hound.
#![no_main]
use frontdesk::recording;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("fd-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("x.wav");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(recording::RepairOutcome::Repaired { .. }) = recording::repair(&path) {
        let _ = hound::WavReader::open(&path);
    }
});
