//! Recordings removed by an erasure or by retention are deleted from object storage too, against
//! a real S3-compatible server (moto_server) on loopback: the object exists after the call and is
//! gone afterwards, its upload row (the last reference to it) dropped only then. While the storage
//! is down the deletion fails, is counted and logged, keeps the row, and succeeds once it is back.

mod support;

use frontdesk::store::Store;
use std::time::{Duration, Instant};
use support::s3::{
    S3Server, free_tcp_port, moto_available, object_exists, recorded_call, storage_table,
    upload_row, wait_stored,
};
use support::{Service, sipp_available};

/// (object key, delete attempts, delete error) of the call's upload row, if it is still there.
async fn deletion_row(store: &Store, call: &str) -> Option<(String, i64, Option<String>)> {
    sqlx::query_as::<_, (String, i64, Option<String>)>(
        "SELECT object_key, delete_attempts, delete_error FROM recording_uploads WHERE call_id = $1",
    )
    .bind(call)
    .fetch_optional(store.pool())
    .await
    .unwrap()
}

/// Waits until the call's upload row is gone (its object deleted).
async fn wait_gone(store: &Store, call: &str, why: &dyn Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while upload_row(store, call).await.is_some() {
        assert!(Instant::now() < deadline, "not deleted: {}", why());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A recorded call from `phone`, stored; returns its id and object key, checked present.
async fn stored_call(svc: &Service, store: &Store, port: u16, phone: &str) -> (String, String) {
    let call = recorded_call(svc, phone);
    wait_stored(store, &call, &|| svc.log()).await;
    let (key, _, _) = deletion_row(store, &call).await.unwrap();
    assert!(object_exists(port, &key).await, "{key} stored");
    (call, key)
}

async fn scrape(svc: &Service) -> String {
    reqwest::get(format!("http://{}/metrics", svc.http))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn metric(text: &str, name: &str, labels: &str) -> u64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(labels))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[test]
fn erased_and_expired_recordings_leave_object_storage() {
    if !sipp_available() || !moto_available() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let s3 = S3Server::start(free_tcp_port(), scratch.path());
    let port = s3.port;
    let svc = Service::start(&format!(
        "{}\n[retention]\nrecordings_days = 30\n",
        storage_table(port)
    ));
    let (erased, expired, outage) = ("+37061234501", "+37061234502", "+37061234503");
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(
        &csv,
        format!("phone,name,language\n{erased},A,en\n{expired},B,en\n{outage},C,en\n"),
    )
    .unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );

    rt.block_on(async {
        let store = Store::connect(&svc.db_url()).await.unwrap();
        let (first, first_key) = stored_call(&svc, &store, port, erased).await;
        let (second, second_key) = stored_call(&svc, &store, port, expired).await;

        // Erasure: the object goes, then its row.
        let out = svc.cli(&["clients", "erase", erased, "--reason", "request 17"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        wait_gone(&store, &first, &|| svc.log()).await;
        assert!(!object_exists(port, &first_key).await);
        assert!(object_exists(port, &second_key).await, "others stay");

        // Retention: the second call is made 40 days old; a run removes its recording.
        sqlx::query("UPDATE calls SET started_at = started_at - $1 WHERE id = $2")
            .bind(40i64 * 86_400_000)
            .bind(&second)
            .execute(store.pool())
            .await
            .unwrap();
        let out = svc.cli(&["retention", "run"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        wait_gone(&store, &second, &|| svc.log()).await;
        assert!(!object_exists(port, &second_key).await);
        assert!(
            metric(
                &scrape(&svc).await,
                "frontdesk_recording_deletions_total",
                "result=\"deleted\""
            ) >= 2
        );

        // The storage is down at the erasure: the deletion fails, is counted, the row stays.
        let (third, _) = stored_call(&svc, &store, port, outage).await;
        let port = s3.stop();
        let out = svc.cli(&["clients", "erase", outage, "--reason", "request 18"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some((_, attempts, Some(error))) = deletion_row(&store, &third).await
                && attempts >= 2
            {
                assert!(!error.is_empty());
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no failed deletion: {}",
                svc.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let text = scrape(&svc).await;
        assert!(
            metric(
                &text,
                "frontdesk_recording_deletions_total",
                "result=\"failed\""
            ) >= 2,
            "{text}"
        );
        assert_eq!(
            metric(&text, "frontdesk_recordings_undeleted", "state=\"failing\""),
            1,
            "{text}"
        );
        assert!(svc.log().contains("stored recording not deleted"));

        // Back: deleted on a later attempt, the row gone.
        let _s3 = S3Server::start(port, scratch.path());
        wait_gone(&store, &third, &|| svc.log()).await;
        store.close().await;
    });
}
