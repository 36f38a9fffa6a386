//! The node's uploader: moves every finished recording of this node into object storage.
//!
//! The store is the queue. A finished recording is registered (`recording_uploads`) before the
//! first attempt, so a failed upload, a storage outage or a restart never loses one; each attempt
//! uploads, reads the stored copy back and compares its SHA-256 with the call's, and only then is
//! the row marked stored and the local file removed. Failures are logged, counted
//! (`frontdesk_recording_uploads_total{result="failed"}`) and tried again later with a doubling
//! delay, never given up. At start, calls of this node whose recording was never registered (a
//! crash in between, or recordings made before object storage was configured) are registered too.
//!
//! The same task deletes stored copies that retention or an erasure removed (store-wide: any node
//! with the storage may), dropping each upload row only once its object is gone.

use super::{RecordingStorage, object_name};
use crate::metrics::NodeMetrics;
use crate::recording::Finished;
use crate::store::{PendingUpload, Store};
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// Finished recordings told to the uploader and not yet taken; past it the notice is dropped and
/// the next round looks the recording up in the store instead.
const NOTICES: usize = 1024;

/// How often due uploads are looked for when nothing new arrived.
const TICK: Duration = Duration::from_secs(1);

/// Rows taken per round.
const BATCH: i64 = 16;

/// How the uploader is told about a finished recording (the recorder's hook); never blocks.
#[derive(Clone, Debug)]
pub struct Notices {
    tx: mpsc::Sender<Finished>,
    missed: Arc<AtomicBool>,
}

impl Notices {
    /// Passes a finished recording on; when the uploader is behind, the store is read instead.
    pub fn finished(&self, done: &Finished) {
        if self.tx.try_send(done.clone()).is_err() {
            self.missed.store(true, Ordering::Relaxed);
        }
    }
}

/// The delay before attempt `failures + 1`: `min` doubled per failure, at most `max`.
pub fn retry_delay(failures: i64, min: Duration, max: Duration) -> Duration {
    let doublings = failures.clamp(0, 30) as u32;
    min.saturating_mul(1u32 << doublings).min(max)
}

pub struct Uploader {
    store: Store,
    storage: Arc<dyn RecordingStorage>,
    node: String,
    recordings_dir: PathBuf,
    prefix: String,
    retry_min: Duration,
    retry_max: Duration,
    metrics: Arc<NodeMetrics>,
    rx: mpsc::Receiver<Finished>,
    missed: Arc<AtomicBool>,
}

/// What the uploader needs besides the storage.
pub struct Settings {
    pub node: String,
    pub recordings_dir: PathBuf,
    pub prefix: String,
    pub retry_min: Duration,
    pub retry_max: Duration,
}

impl Uploader {
    pub fn new(
        store: Store,
        storage: Arc<dyn RecordingStorage>,
        settings: Settings,
        metrics: Arc<NodeMetrics>,
    ) -> (Uploader, Notices) {
        let (tx, rx) = mpsc::channel(NOTICES);
        // Start with a look at the store: whatever the last run left unregistered.
        let missed = Arc::new(AtomicBool::new(true));
        let notices = Notices {
            tx,
            missed: missed.clone(),
        };
        let up = Uploader {
            store,
            storage,
            node: settings.node,
            recordings_dir: settings.recordings_dir,
            prefix: settings.prefix,
            retry_min: settings.retry_min,
            retry_max: settings.retry_max,
            metrics,
            rx,
            missed,
        };
        (up, notices)
    }

    /// Runs until `token` is cancelled; an upload in progress is abandoned (it is tried again at
    /// the next start; the local file is still there).
    pub async fn run(mut self, token: CancellationToken) {
        loop {
            if self.missed.swap(false, Ordering::Relaxed) {
                self.register_unqueued().await;
            }
            tokio::select! {
                _ = token.cancelled() => return,
                () = self.round() => {}
            }
            tokio::select! {
                _ = token.cancelled() => return,
                got = self.rx.recv() => match got {
                    Some(done) => {
                        self.register(&done.path, &done.sha256).await;
                        // Take whatever else arrived meanwhile before the next round.
                        while let Ok(more) = self.rx.try_recv() {
                            self.register(&more.path, &more.sha256).await;
                        }
                    }
                    None => return,
                },
                _ = tokio::time::sleep(TICK) => {}
            }
        }
    }

    /// Registers one finished recording; its file name is `<call id>.wav`.
    async fn register(&self, path: &Path, sha256: &str) {
        let Some(call_id) = path.file_stem().and_then(|s| s.to_str()) else {
            warn!(path = %path.display(), "recording without a call id in its name: not uploaded");
            return;
        };
        let key = match object_name(&self.prefix, &self.recordings_dir, path) {
            Ok(key) => key,
            Err(e) => {
                warn!(path = %path.display(), error = %e, "recording not uploaded");
                return;
            }
        };
        let shown = path.display().to_string();
        if let Err(e) = self
            .store
            .queue_upload(call_id, &self.node, &shown, sha256, &key, Utc::now())
            .await
        {
            // The store is the queue; the next look at it registers the recording.
            warn!(call = call_id, error = %e, "cannot register the recording for upload");
            self.missed.store(true, Ordering::Relaxed);
        }
    }

    /// Registers this node's recordings that were never registered, a batch at a time.
    async fn register_unqueued(&self) {
        loop {
            let batch = match self.store.unqueued_recordings(&self.node, 200).await {
                Ok(batch) => batch,
                Err(e) => {
                    warn!(error = %e, "cannot look for recordings to upload");
                    self.missed.store(true, Ordering::Relaxed);
                    return;
                }
            };
            if batch.is_empty() {
                return;
            }
            let n = batch.len();
            for (call_id, path, sha256) in batch {
                let key = match object_name(&self.prefix, &self.recordings_dir, Path::new(&path)) {
                    Ok(key) => key,
                    Err(_) => format!("{}{call_id}.wav", self.prefix),
                };
                if let Err(e) = self
                    .store
                    .queue_upload(&call_id, &self.node, &path, &sha256, &key, Utc::now())
                    .await
                {
                    warn!(call = %call_id, error = %e, "cannot register the recording for upload");
                    self.missed.store(true, Ordering::Relaxed);
                    return;
                }
            }
            info!(recordings = n, "recordings registered for upload");
            if n < 200 {
                return;
            }
        }
    }

    /// Every upload due now, one after the other.
    async fn round(&self) {
        let due = match self.store.due_uploads(&self.node, Utc::now(), BATCH).await {
            Ok(due) => due,
            Err(e) => {
                warn!(error = %e, "cannot read the uploads due");
                return;
            }
        };
        for job in due {
            self.attempt(job).await;
        }
        self.deletions().await;
    }

    /// Deletes the stored objects retention and erasures removed (any node's), each row dropped
    /// only once its object is gone; a failure is counted
    /// (`frontdesk_recording_deletions_total{result="failed"}`), logged and tried again later.
    async fn deletions(&self) {
        let due = match self.store.due_deletions(Utc::now(), BATCH).await {
            Ok(due) => due,
            Err(e) => {
                warn!(error = %e, "cannot read the deletions due");
                return;
            }
        };
        for job in due {
            match self.storage.delete(&job.object_key).await {
                Ok(()) => {
                    if let Err(e) = self.store.object_deleted(&job.call_id).await {
                        // Deleted again next time (a missing object counts as deleted).
                        warn!(call = %job.call_id, error = %e, "recording deleted; cannot record it yet");
                        continue;
                    }
                    self.metrics.uploads.deleted.fetch_add(1, Ordering::Relaxed);
                    info!(call = %job.call_id, key = %job.object_key, "stored recording deleted");
                }
                Err(e) => {
                    self.metrics
                        .uploads
                        .delete_failed
                        .fetch_add(1, Ordering::Relaxed);
                    let delay = retry_delay(job.attempts, self.retry_min, self.retry_max);
                    warn!(
                        call = %job.call_id,
                        key = %job.object_key,
                        attempts = job.attempts + 1,
                        retry_in_s = delay.as_secs(),
                        error = %e,
                        "stored recording not deleted; tried again later"
                    );
                    let next = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                    if let Err(e) = self
                        .store
                        .deletion_failed(&job.call_id, &e.to_string(), next)
                        .await
                    {
                        warn!(call = %job.call_id, error = %e, "cannot record the failed deletion");
                    }
                }
            }
        }
    }

    /// An object stored for a recording that was removed meanwhile: nothing refers to it.
    async fn delete_unreferenced(&self, key: &str) {
        match self.storage.delete(key).await {
            Ok(()) => {
                self.metrics.uploads.deleted.fetch_add(1, Ordering::Relaxed);
                info!(
                    key,
                    "recording removed while uploading: stored copy deleted"
                );
            }
            Err(e) => {
                self.metrics
                    .uploads
                    .delete_failed
                    .fetch_add(1, Ordering::Relaxed);
                tracing::error!(key, error = %e, "recording removed while uploading: stored copy left behind, delete it by hand");
            }
        }
    }

    async fn attempt(&self, job: PendingUpload) {
        let local = PathBuf::from(&job.local_path);
        let result = self
            .storage
            .store_verified(&job.object_key, &local, &job.sha256)
            .await;
        let now = Utc::now();
        match result {
            Ok(()) => {
                match self.store.upload_stored(&job.call_id, now).await {
                    Ok(true) => {}
                    Ok(false) => {
                        // Removed (retention, erasure) while it was being uploaded.
                        self.delete_unreferenced(&job.object_key).await;
                        return;
                    }
                    Err(e) => {
                        // Stored, but not yet known to be: keep the file; the next attempt stores
                        // the same bytes again and records it.
                        warn!(call = %job.call_id, error = %e, "recording stored; cannot record it yet");
                        return;
                    }
                }
                self.metrics.uploads.stored.fetch_add(1, Ordering::Relaxed);
                info!(call = %job.call_id, key = %job.object_key, "recording stored and checked");
                match tokio::fs::remove_file(&local).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        warn!(path = %local.display(), error = %e, "stored recording's local copy not removed")
                    }
                }
            }
            Err(e) => {
                self.metrics.uploads.failed.fetch_add(1, Ordering::Relaxed);
                let delay = retry_delay(job.attempts, self.retry_min, self.retry_max);
                warn!(
                    call = %job.call_id,
                    attempts = job.attempts + 1,
                    retry_in_s = delay.as_secs(),
                    error = %e,
                    "recording upload failed; tried again later"
                );
                let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
                if let Err(e) = self
                    .store
                    .upload_failed(&job.call_id, &e.to_string(), next)
                    .await
                {
                    warn!(call = %job.call_id, error = %e, "cannot record the failed upload");
                }
            }
        }
    }
}
