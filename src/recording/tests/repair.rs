use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use super::super::{RecordingError, RepairOutcome, repair, wav_spec};

/// A finalised file with `frames` known frames, as hound writes it.
fn write_wav(path: &Path, spec: hound::WavSpec, frames: u32) {
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..frames * u32::from(spec.channels) {
        writer.write_sample(sample(n)).unwrap();
    }
    writer.finalize().unwrap();
}

fn sample(n: u32) -> i16 {
    (n % 30_000) as i16 - 15_000
}

/// Appends raw little-endian samples behind hound's back, as the buffered
/// writer does between two header checkpoints.
fn append_raw(path: &Path, first: u32, count: u32) {
    let mut file = OpenOptions::new().append(true).open(path).unwrap();
    for n in first..first + count {
        file.write_all(&sample(n).to_le_bytes()).unwrap();
    }
}

fn read_all(path: &Path) -> (hound::WavSpec, Vec<i16>) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let samples = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    (reader.spec(), samples)
}

fn expected(count: u32) -> Vec<i16> {
    (0..count).map(sample).collect()
}

#[test]
fn stale_header_with_trailing_partial_frame_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.wav");
    write_wav(&path, wav_spec(), 1000);
    // 500 more frames plus a lone left sample of a frame that never finished.
    append_raw(&path, 2000, 1001);

    let outcome = repair(&path).unwrap();
    assert_eq!(
        outcome,
        RepairOutcome::Repaired {
            frames_before: 1000,
            frames_after: 1500
        }
    );
    let (spec, samples) = read_all(&path);
    assert_eq!(spec, wav_spec());
    assert_eq!(samples, expected(3000));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 44 + 1500 * 4);
    assert_eq!(repair(&path).unwrap(), RepairOutcome::Intact);
}

#[test]
fn header_claiming_more_than_the_file_holds_is_shrunk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.wav");
    write_wav(&path, wav_spec(), 1000);
    let len = std::fs::metadata(&path).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 3 * 4 - 1)
        .unwrap();

    let outcome = repair(&path).unwrap();
    assert_eq!(
        outcome,
        RepairOutcome::Repaired {
            frames_before: 1000,
            frames_after: 996
        }
    );
    assert_eq!(read_all(&path).1, expected(996 * 2));
    assert_eq!(repair(&path).unwrap(), RepairOutcome::Intact);
}

#[test]
fn header_never_updated_after_creation_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("early.wav");
    write_wav(&path, wav_spec(), 0);
    append_raw(&path, 0, 8000);
    let outcome = repair(&path).unwrap();
    assert_eq!(
        outcome,
        RepairOutcome::Repaired {
            frames_before: 0,
            frames_after: 4000
        }
    );
    assert_eq!(read_all(&path).1, expected(8000));
}

#[test]
fn extensible_header_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quad.wav");
    let spec = hound::WavSpec {
        channels: 4,
        ..wav_spec()
    };
    write_wav(&path, spec, 100);
    let header = std::fs::read(&path).unwrap();
    assert_eq!(&header[20..22], &0xFFFEu16.to_le_bytes(), "not extensible");
    append_raw(&path, 400, 4 * 50 + 3);

    let outcome = repair(&path).unwrap();
    assert_eq!(
        outcome,
        RepairOutcome::Repaired {
            frames_before: 100,
            frames_after: 150
        }
    );
    let (got_spec, samples) = read_all(&path);
    assert_eq!(got_spec.channels, 4);
    assert_eq!(samples, expected(600));
    assert_eq!(repair(&path).unwrap(), RepairOutcome::Intact);
}

#[test]
fn intact_file_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.wav");
    write_wav(&path, wav_spec(), 321);
    let before = std::fs::read(&path).unwrap();
    assert_eq!(repair(&path).unwrap(), RepairOutcome::Intact);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

fn assert_not_wav(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.wav");
    std::fs::write(&path, bytes).unwrap();
    let err = repair(&path).err().unwrap();
    assert!(matches!(err, RecordingError::NotWav { .. }), "{err:?}");
    assert!(err.to_string().contains("bad.wav"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "file was modified");
}

#[test]
fn non_wav_and_damaged_headers_are_errors() {
    assert_not_wav(b"");
    assert_not_wav(b"this is a text file, not audio at all");
    assert_not_wav(b"RIFF\0\0\0\0AVI LIST\0\0\0\0");

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.wav");
    write_wav(&good, wav_spec(), 10);
    let bytes = std::fs::read(&good).unwrap();
    // Every cut inside the header must fail cleanly.
    for cut in 0..44 {
        assert_not_wav(&bytes[..cut]);
    }
    // A chunk claiming to be far larger than the file.
    let mut huge = bytes.clone();
    huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_not_wav(&huge);
    // A compressed format can't be re-framed safely.
    let mut alaw = bytes.clone();
    alaw[20..22].copy_from_slice(&6u16.to_le_bytes());
    assert_not_wav(&alaw);
    // Zero frame size would make every length "aligned".
    let mut zero = bytes;
    zero[32..34].copy_from_slice(&0u16.to_le_bytes());
    assert_not_wav(&zero);
}

#[test]
fn missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = repair(&dir.path().join("gone.wav")).err().unwrap();
    assert!(matches!(err, RecordingError::Io { .. }), "{err:?}");
}
