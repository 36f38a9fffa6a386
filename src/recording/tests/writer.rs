use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::super::{
    Finished, Recorder, RecordingError, RepairOutcome, SAMPLE_RATE, repair, sha256_file,
};

/// 20 ms at 8 kHz, the usual RTP packet size.
const BLOCK: usize = 160;

fn tone(freq: f64, amplitude: f64, frames: usize) -> Vec<i16> {
    (0..frames)
        .map(|n| {
            let t = n as f64 / f64::from(SAMPLE_RATE);
            (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
        })
        .collect()
}

fn push_all(handle: &super::super::RecordingHandle, left: &[i16], right: &[i16]) {
    for (l, r) in left.chunks(BLOCK).zip(right.chunks(BLOCK)) {
        assert!(handle.push(l, r), "block dropped with a roomy queue");
    }
}

/// Reads a recording back as (left, right) after checking its format.
fn read_stereo(path: &Path) -> (Vec<i16>, Vec<i16>) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.channels, 2);
    assert_eq!(spec.sample_rate, 8000);
    assert_eq!(spec.bits_per_sample, 16);
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    assert_eq!(samples.len() % 2, 0);
    let left = samples.iter().step_by(2).copied().collect();
    let right = samples.iter().skip(1).step_by(2).copied().collect();
    (left, right)
}

fn sha_of_bytes(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// Runs `f` on its own thread and fails the test if it takes longer than
/// `limit`, so a blocking push shows up as a failure instead of a hang.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .expect("operation blocked past its time limit")
}

fn wait(rx: tokio::sync::oneshot::Receiver<Result<Finished, RecordingError>>) -> Finished {
    rx.blocking_recv().unwrap().unwrap()
}

#[test]
fn three_seconds_round_trip_keeps_channels_and_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls/2024/call-1.wav");
    let (recorder, thread) = Recorder::start(4096).unwrap();
    let frames = 3 * SAMPLE_RATE as usize;
    let left = tone(440.0, 12_000.0, frames);
    let right = tone(1000.0, 3_000.0, frames);

    let handle = recorder.open(path.clone()).unwrap();
    push_all(&handle, &left, &right);
    let finished = wait(handle.finish());

    assert_eq!(finished.path, path);
    assert_eq!(finished.frames, frames as u64);
    assert_eq!(finished.dropped_blocks, 0);
    assert_eq!(finished.duration(), Duration::from_secs(3));
    let (got_left, got_right) = read_stereo(&path);
    assert_eq!(got_left.len(), frames);
    assert!(
        got_left == left,
        "left channel differs from the caller audio"
    );
    assert!(
        got_right == right,
        "right channel differs from the heard audio"
    );
    assert_eq!(finished.sha256, sha_of_bytes(&path));
    assert_eq!(finished.sha256.len(), 64);
    assert!(
        finished
            .sha256
            .chars()
            .all(|c| matches!(c, '0'..='9' | 'a'..='f'))
    );
    assert_eq!(repair(&path).unwrap(), RepairOutcome::Intact);

    drop(recorder);
    thread.join();
}

#[test]
fn concurrent_recordings_stay_separate() {
    let dir = tempfile::tempdir().unwrap();
    let (recorder, thread) = Recorder::start(4096).unwrap();
    let calls: Vec<(PathBuf, Vec<i16>, Vec<i16>)> = (0..4)
        .map(|i| {
            let path = dir.path().join(format!("call-{i}.wav"));
            let frames = 8000 + i * 1234;
            let left = tone(300.0 + 100.0 * i as f64, 10_000.0, frames);
            let right = vec![(i as i16 + 1) * -111; frames];
            (path, left, right)
        })
        .collect();

    let workers: Vec<_> = calls
        .iter()
        .cloned()
        .map(|(path, left, right)| {
            let handle = recorder.open(path).unwrap();
            thread::spawn(move || {
                push_all(&handle, &left, &right);
                wait(handle.finish())
            })
        })
        .collect();
    let results: Vec<Finished> = workers.into_iter().map(|w| w.join().unwrap()).collect();

    for ((path, left, right), finished) in calls.iter().zip(&results) {
        assert_eq!(&finished.path, path);
        assert_eq!(finished.frames, left.len() as u64);
        let (got_left, got_right) = read_stereo(path);
        assert!(&got_left == left, "{} left mixed up", path.display());
        assert!(&got_right == right, "{} right mixed up", path.display());
        assert_eq!(finished.sha256, sha_of_bytes(path));
    }
    drop(recorder);
    thread.join();
}

#[test]
fn push_never_blocks_and_counts_drops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("burst.wav");
    let (recorder, thread) = Recorder::start(4).unwrap();
    let handle = recorder.open(path.clone()).unwrap();
    let resume = recorder.pause();

    let (handle, accepted, elapsed) = within(Duration::from_secs(10), move || {
        let block = vec![7i16; BLOCK];
        let start = Instant::now();
        let accepted = (0..10_000).filter(|_| handle.push(&block, &block)).count();
        (handle, accepted, start.elapsed())
    });
    drop(resume);

    assert!(elapsed < Duration::from_secs(5), "burst took {elapsed:?}");
    assert_eq!(accepted, 4, "exactly the queue capacity fits");
    let finished = wait(handle.finish());
    assert_eq!(finished.dropped_blocks, 10_000 - 4);
    assert_eq!(finished.frames, 4 * BLOCK as u64);
    let (left, right) = read_stereo(&path);
    assert_eq!(left.len(), 4 * BLOCK);
    assert!(left.iter().chain(&right).all(|&s| s == 7));
    drop(recorder);
    thread.join();
}

#[test]
fn finish_is_not_lost_when_the_queue_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.wav");
    let (recorder, thread) = Recorder::start(2).unwrap();
    let handle = recorder.open(path.clone()).unwrap();
    let resume = recorder.pause();
    let answer = within(Duration::from_secs(10), move || {
        let block = vec![1i16; BLOCK];
        let accepted = (0..3).filter(|_| handle.push(&block, &block)).count();
        assert_eq!(accepted, 2);
        handle.finish()
    });
    drop(resume);
    let finished = wait(answer);
    assert_eq!(finished.frames, 2 * BLOCK as u64);
    assert_eq!(finished.dropped_blocks, 1);
    drop(recorder);
    thread.join();
}

#[test]
fn dropping_handles_and_recorder_finalises_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.wav");
    let (recorder, thread) = Recorder::start(4096).unwrap();
    let handle = recorder.open(path.clone()).unwrap();
    drop(recorder);
    let left = tone(440.0, 8_000.0, 12_345);
    let right = vec![0i16; 12_345];
    push_all(&handle, &left, &right);
    drop(handle);
    thread.join();

    assert_eq!(repair(&path).unwrap(), RepairOutcome::Intact);
    let (got_left, got_right) = read_stereo(&path);
    assert!(got_left == left);
    assert!(got_right == right);
}

#[test]
fn uneven_sides_are_padded_with_silence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uneven.wav");
    let (recorder, thread) = Recorder::start(16).unwrap();
    let handle = recorder.open(path.clone()).unwrap();
    assert!(handle.push(&[1, 2, 3], &[9]));
    assert!(handle.push(&[], &[]));
    assert!(handle.push(&[4], &[5, 6]));
    let finished = wait(handle.finish());
    assert_eq!(finished.frames, 5);
    let (left, right) = read_stereo(&path);
    assert_eq!(left, [1, 2, 3, 4, 0]);
    assert_eq!(right, [9, 0, 0, 5, 6]);
    drop(recorder);
    thread.join();
}

#[test]
fn open_errors_are_reported_to_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let (recorder, thread) = Recorder::start(16).unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();

    let err = recorder.open(blocker.join("call.wav")).err().unwrap();
    assert!(matches!(err, RecordingError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("not-a-dir"), "{err}");

    let existing = dir.path().join("existing.wav");
    std::fs::write(&existing, b"keep me").unwrap();
    let err = recorder.open(existing.clone()).err().unwrap();
    assert!(matches!(err, RecordingError::Io { .. }), "{err:?}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");

    let ok = recorder.open(dir.path().join("fine.wav")).unwrap();
    assert!(ok.push(&[1; BLOCK], &[2; BLOCK]));
    assert_eq!(wait(ok.finish()).frames, BLOCK as u64);
    drop(recorder);
    thread.join();
}

#[test]
fn a_failing_file_does_not_disturb_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (recorder, thread) = Recorder::start(256).unwrap();
    let doomed_path = dir.path().join("doomed.wav");
    let doomed = recorder.open(doomed_path.clone()).unwrap();
    let healthy_path = dir.path().join("healthy.wav");
    let healthy = recorder.open(healthy_path.clone()).unwrap();
    let block = vec![3i16; BLOCK];
    assert!(doomed.push(&block, &block));
    assert!(healthy.push(&block, &block));
    std::fs::remove_file(&doomed_path).unwrap();

    let err = doomed.finish().blocking_recv().unwrap().err().unwrap();
    assert!(matches!(err, RecordingError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("doomed.wav"), "{err}");

    assert!(healthy.push(&block, &block));
    let finished = wait(healthy.finish());
    assert_eq!(finished.frames, 2 * BLOCK as u64);
    assert_eq!(finished.sha256, sha_of_bytes(&healthy_path));
    drop(recorder);
    thread.join();
}

#[test]
fn crash_copy_mid_recording_is_repairable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.wav");
    let (recorder, thread) = Recorder::start(4096).unwrap();
    let handle = recorder.open(path.clone()).unwrap();
    let frames = 20_000;
    let left = tone(440.0, 9_000.0, frames);
    let right = tone(250.0, 4_000.0, frames);
    push_all(&handle, &left, &right);
    let resume = recorder.pause();
    // What a SIGKILL would leave: the bytes on disk while the file is open.
    let crashed = dir.path().join("crashed.wav");
    std::fs::copy(&path, &crashed).unwrap();
    drop(resume);

    let outcome = repair(&crashed).unwrap();
    let RepairOutcome::Repaired {
        frames_before,
        frames_after,
    } = outcome
    else {
        panic!("stale header not detected: {outcome:?}");
    };
    assert_eq!(frames_before, 16_000, "last checkpoint was at 2 s");
    assert!(frames_after >= frames_before && frames_after <= frames as u64);
    let (got_left, got_right) = read_stereo(&crashed);
    assert_eq!(got_left.len() as u64, frames_after);
    assert!(got_left[..] == left[..got_left.len()]);
    assert!(got_right[..] == right[..got_right.len()]);
    assert_eq!(repair(&crashed).unwrap(), RepairOutcome::Intact);

    let finished = wait(handle.finish());
    assert_eq!(finished.frames, frames as u64);
    drop(recorder);
    thread.join();
}

#[test]
fn sha256_file_matches_known_vector() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("abc");
    std::fs::write(&path, b"abc").unwrap();
    assert_eq!(
        sha256_file(&path).unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let missing = dir.path().join("missing");
    let err = sha256_file(&missing).err().unwrap();
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn duration_counts_partial_seconds() {
    let finished = Finished {
        path: PathBuf::from("x.wav"),
        sha256: String::new(),
        frames: 12_000,
        dropped_blocks: 0,
    };
    assert_eq!(finished.duration(), Duration::from_millis(1500));
}

#[test]
fn idle_writer_answers_open_and_finish_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let (recorder, thread) = Recorder::start(16).unwrap();
    let start = Instant::now();
    for i in 0..5 {
        let handle = recorder
            .open(dir.path().join(format!("quick-{i}.wav")))
            .unwrap();
        wait(handle.finish());
    }
    // Without the wake-up the writer would only notice each request on its
    // one-second idle tick.
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    drop(recorder);
    thread.join();
}

#[test]
fn handles_can_be_shared_across_tasks() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Recorder>();
    shareable::<super::super::RecordingHandle>();
    shareable::<RecordingError>();
}

/// A pause takes effect at the next frame pushed: that span is silence in both channels, the
/// file keeps its length, and the audio after it is intact.
#[test]
fn a_paused_span_is_silence_in_both_channels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paused.wav");
    let (recorder, thread) = Recorder::start(4096).unwrap();
    let second = SAMPLE_RATE as usize;
    let left = tone(440.0, 12_000.0, 3 * second);
    let right = tone(1000.0, 3_000.0, 3 * second);
    let handle = recorder.open(path.clone()).unwrap();
    let switch = handle.pause_switch();
    push_all(&handle, &left[..second], &right[..second]);
    switch.set(true);
    push_all(
        &handle,
        &left[second..2 * second],
        &right[second..2 * second],
    );
    switch.set(false);
    push_all(&handle, &left[2 * second..], &right[2 * second..]);
    let finished = wait(handle.finish());
    assert_eq!(finished.frames, 3 * second as u64);
    let (l, r) = read_stereo(&path);
    assert!(l[second..2 * second].iter().all(|&s| s == 0));
    assert!(r[second..2 * second].iter().all(|&s| s == 0));
    assert_eq!(l[..second], left[..second]);
    assert_eq!(l[2 * second..], left[2 * second..]);
    assert_eq!(r[2 * second..], right[2 * second..]);
    drop(recorder);
    thread.join();
}
