use super::*;
use futures_util::StreamExt;
use std::time::Duration;

async fn collect(mut s: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = s.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

#[test]
fn object_names_follow_the_recordings_tree() {
    let dir = Path::new("/data/recordings");
    assert_eq!(
        object_name(
            "recordings/",
            dir,
            Path::new("/data/recordings/2026-11-27/abc.wav")
        )
        .unwrap(),
        "recordings/2026-11-27/abc.wav"
    );
    assert_eq!(
        object_name("", dir, Path::new("/elsewhere/abc.wav")).unwrap(),
        "abc.wav"
    );
    assert!(object_name("p/", dir, Path::new("/data/recordings")).is_err());
    assert!(object_name("p/", dir, Path::new("/data/recordings/../x.wav")).is_err());
}

#[test]
fn retries_double_up_to_the_ceiling() {
    use upload::retry_delay;
    let (min, max) = (Duration::from_secs(5), Duration::from_secs(300));
    assert_eq!(retry_delay(0, min, max), Duration::from_secs(5));
    assert_eq!(retry_delay(1, min, max), Duration::from_secs(10));
    assert_eq!(retry_delay(3, min, max), Duration::from_secs(40));
    assert_eq!(retry_delay(10, min, max), max);
    assert_eq!(retry_delay(i64::MAX, min, max), max);
    assert_eq!(retry_delay(-1, min, max), min);
}

#[tokio::test]
async fn the_local_directory_serves_ranges_and_checks_copies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.wav");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    std::fs::write(&file, &bytes).unwrap();
    let sha = crate::recording::sha256_file(&file).unwrap();
    let local = LocalDir::new(dir.path());
    assert_eq!(local.len("a.wav").await.unwrap(), 10_000);
    let all = collect(local.read("a.wav", None).await.unwrap()).await;
    assert_eq!(all, bytes);
    let part = local
        .read("a.wav", Some(ByteRange { start: 10, end: 19 }))
        .await
        .unwrap();
    assert_eq!(collect(part).await, bytes[10..20].to_vec());
    assert!(matches!(
        local.len("missing.wav").await,
        Err(StorageError::NotFound(_))
    ));

    // A copy elsewhere is checked; one that does not match is removed and refused.
    let other = LocalDir::new(dir.path().join("copies"));
    other.store_verified("x/a.wav", &file, &sha).await.unwrap();
    assert_eq!(other.len("x/a.wav").await.unwrap(), 10_000);
    let wrong = "0".repeat(64);
    let e = other
        .store_verified("x/b.wav", &file, &wrong)
        .await
        .unwrap_err();
    assert!(matches!(e, StorageError::Mismatch { .. }), "{e}");
    assert!(!dir.path().join("copies/x/b.wav").exists());
}
