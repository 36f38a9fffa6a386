//! A crash mid-call (SIGKILL) leaves a repairable recording and a call row that the next start
//! closes.

mod support;

use frontdesk::store::Store;
use std::time::{Duration, Instant};
use support::{Service, sipp_available};

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_call_is_repaired_at_next_start() {
    if !sipp_available() {
        return;
    }
    let caller = "+37061234569";
    let mut svc = Service::start("");
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{caller},Ona,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let mut sipp = svc.sipp_spawn("dtmf_rfc2833.xml", caller);

    // Wait until the recording has run for a while (past a header flush), then kill -9.
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let call_id = loop {
        assert!(
            Instant::now() < deadline,
            "the call never started recording:\n{}",
            svc.log()
        );
        let calls = store.list_calls(&Default::default()).await.unwrap();
        if let Some(c) = calls.first()
            && c.recording.is_some()
        {
            break c.id.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    store.close().await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let status = svc.stop("-KILL");
    assert!(!status.success());
    let _ = sipp.kill();
    let _ = sipp.wait();

    let svc = svc.restart();
    let store = Store::connect(&svc.db_url()).await.unwrap();
    let row = store.call(&call_id).await.unwrap().unwrap();
    store.close().await;
    assert!(row.ended_at.is_some(), "the row is closed at start");
    assert_eq!(row.hangup_by.as_deref(), Some("crash"));
    assert_eq!(row.outcome.as_deref(), Some("failed"));
    let path = row.recording.expect("recording path");
    let mut reader = hound::WavReader::open(&path).expect("the repaired WAV opens");
    let frames = reader.duration();
    assert!(
        frames >= 8000,
        "at least a second survived the crash ({frames} frames)"
    );
    assert_eq!(
        reader.samples::<i16>().filter(|s| s.is_ok()).count() as u32,
        frames * 2
    );
    let sha = frontdesk::recording::sha256_file(std::path::Path::new(&path)).unwrap();
    assert_eq!(row.recording_sha256.as_deref(), Some(sha.as_str()));
}
