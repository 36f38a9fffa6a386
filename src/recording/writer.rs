//! The writer thread and the handles that feed it.
//!
//! Audio goes through a bounded channel with `try_send` only, so a slow disk
//! costs dropped audio instead of stalled calls. Open/finish/close go through
//! an unbounded control channel (followed by a best-effort wake-up on the data
//! channel) so they are never lost when audio floods the bounded one.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use hound::WavWriter;
use tokio::sync::oneshot;

use super::{Finished, RecordingError, SAMPLE_RATE, sha256_file, wav_spec};

/// Flushing rewrites the header, so a crash loses at most this much audio.
const FLUSH_EVERY_FRAMES: u64 = SAMPLE_RATE as u64;

/// After this long without any message, pending audio is checkpointed anyway.
const IDLE_FLUSH: Duration = Duration::from_secs(1);

/// hound keeps sizes in u32; stop before the header (at most 60 bytes) overflows.
const MAX_FRAMES: u64 = (u32::MAX as u64 - 64) / 4;

type FinishReply = oneshot::Sender<Result<Finished, RecordingError>>;

enum Msg {
    /// Interleaved samples (left, right, left, right, ...).
    Push { id: u64, samples: Vec<i16> },
    /// Tells the writer the control channel has something.
    Wake,
    /// Holds the writer still so tests can fill the queue deterministically.
    #[cfg(test)]
    Pause {
        paused: SyncSender<()>,
        resume: Receiver<()>,
    },
}

enum Control {
    Open {
        path: PathBuf,
        reply: SyncSender<Result<u64, RecordingError>>,
    },
    /// `pushed` lets the writer wait for audio still queued behind it on the
    /// other channel; `reply` is None when the handle was just dropped.
    Finish {
        id: u64,
        pushed: u64,
        dropped: u64,
        reply: Option<FinishReply>,
    },
}

/// Cheap to clone; every clone feeds the same writer thread.
#[derive(Clone)]
pub struct Recorder {
    data: SyncSender<Msg>,
    control: Sender<Control>,
    on_finished: Option<FinishedHook>,
}

/// Told about every call recording once it is finalised and hashed (`recording::finished`), e.g.
/// to move it to object storage. Must not block: it runs on the call's task.
pub type FinishedHook = std::sync::Arc<dyn Fn(&Finished) + Send + Sync>;

/// The writer thread; join it at shutdown so every file is finalised.
pub struct WriterThread {
    handle: JoinHandle<()>,
}

/// One open recording. Dropping it without `finish` still finalises the file.
pub struct RecordingHandle {
    id: u64,
    pub(super) on_finished: Option<FinishedHook>,
    path: PathBuf,
    data: SyncSender<Msg>,
    control: Sender<Control>,
    pushed: AtomicU64,
    dropped: AtomicU64,
    warned: AtomicBool,
    done: bool,
    /// While set, pushed frames are written as silence (a paused recording).
    paused: super::pause::PauseSwitch,
}

impl Recorder {
    /// Spawns the writer thread named "recording-writer"; `capacity` = channel
    /// slots (e.g. 4096, one per pushed block; 0 is treated as 1).
    pub fn start(capacity: usize) -> Result<(Recorder, WriterThread), RecordingError> {
        let (data, data_rx) = mpsc::sync_channel(capacity.max(1));
        let (control, control_rx) = mpsc::channel();
        let handle = thread::Builder::new()
            .name("recording-writer".into())
            .spawn(move || run(data_rx, control_rx))
            .map_err(RecordingError::Spawn)?;
        Ok((
            Recorder {
                data,
                control,
                on_finished: None,
            },
            WriterThread { handle },
        ))
    }

    /// Calls `hook` for every recording finished through `recording::finished` from now on.
    pub fn on_finished(&mut self, hook: FinishedHook) {
        self.on_finished = Some(hook);
    }

    /// [`open`](Self::open) from async code: the wait for the writer thread stays off the runtime.
    pub async fn open_async(&self, path: PathBuf) -> Result<RecordingHandle, RecordingError> {
        let recorder = self.clone();
        tokio::task::spawn_blocking(move || recorder.open(path))
            .await
            .unwrap_or(Err(RecordingError::WriterGone))
    }

    /// Creates `path` (parent dirs too) and returns a handle. The file is
    /// created on the writer thread; this waits for its answer so creation
    /// errors surface here. Refuses to overwrite an existing file.
    pub fn open(&self, path: PathBuf) -> Result<RecordingHandle, RecordingError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let open = Control::Open {
            path: path.clone(),
            reply,
        };
        send_control(&self.control, &self.data, open)?;
        let id = answer.recv().map_err(|_| RecordingError::WriterGone)??;
        Ok(RecordingHandle {
            id,
            on_finished: self.on_finished.clone(),
            path,
            data: self.data.clone(),
            control: self.control.clone(),
            pushed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            warned: AtomicBool::new(false),
            done: false,
            paused: super::pause::PauseSwitch::default(),
        })
    }

    /// Blocks until the writer has handled everything queued before it, then
    /// holds the writer until the returned sender is dropped or sent to.
    #[cfg(test)]
    pub(super) fn pause(&self) -> SyncSender<()> {
        let (paused, paused_rx) = mpsc::sync_channel(1);
        let (resume, resume_rx) = mpsc::sync_channel(1);
        let msg = Msg::Pause {
            paused,
            resume: resume_rx,
        };
        if self.data.send(msg).is_ok() {
            let _ = paused_rx.recv();
        }
        resume
    }
}

impl WriterThread {
    /// Waits for the thread to finish. It exits once every `Recorder` clone
    /// and every `RecordingHandle` is dropped, finalising all open files.
    pub fn join(self) {
        if self.handle.join().is_err() {
            tracing::error!("recording writer thread panicked");
        }
    }
}

impl RecordingHandle {
    /// Appends one block of audio: `left` and `right` of equal length (mono
    /// 16-bit samples, 8 kHz); a shorter side is padded with silence so the
    /// channels stay aligned. Never blocks; returns false when the block had
    /// to be dropped.
    pub fn push(&self, left: &[i16], right: &[i16]) -> bool {
        let frames = left.len().max(right.len());
        if frames == 0 {
            return true;
        }
        let mut samples = Vec::with_capacity(frames * 2);
        if self.paused.is_paused() {
            samples.resize(frames * 2, 0);
        } else {
            for i in 0..frames {
                samples.push(left.get(i).copied().unwrap_or(0));
                samples.push(right.get(i).copied().unwrap_or(0));
            }
        }
        self.push_interleaved(samples)
    }

    /// Appends a block already interleaved (left, right, left, right, ...), as the media workers
    /// batch it; the pause switch is theirs to apply frame by frame ([`is_paused`](Self::is_paused)).
    /// Never blocks; returns false when the block had to be dropped.
    pub fn push_interleaved(&self, samples: Vec<i16>) -> bool {
        if samples.is_empty() {
            return true;
        }
        match self.data.try_send(Msg::Push {
            id: self.id,
            samples,
        }) {
            Ok(()) => {
                self.pushed.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(err) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                if !self.warned.swap(true, Ordering::Relaxed) {
                    let reason = match err {
                        TrySendError::Full(_) => "writer queue full",
                        TrySendError::Disconnected(_) => "writer thread gone",
                    };
                    tracing::warn!(path = %self.path.display(), reason, "dropping recorded audio");
                }
                false
            }
        }
    }

    /// Whether the recording is paused now (frames are written as silence).
    pub fn is_paused(&self) -> bool {
        self.paused.is_paused()
    }

    /// The switch that pauses this recording (silence in both channels from the next frame on).
    pub fn pause_switch(&self) -> super::pause::PauseSwitch {
        self.paused.clone()
    }

    /// Finalises the file (header sizes), computes SHA-256, and reports.
    /// Returns at once; the work happens on the writer thread.
    pub fn finish(mut self) -> oneshot::Receiver<Result<Finished, RecordingError>> {
        self.done = true;
        let (reply, answer) = oneshot::channel();
        let finish = Control::Finish {
            id: self.id,
            pushed: self.pushed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            reply: Some(reply),
        };
        if let Err(err) = send_control(&self.control, &self.data, finish) {
            let (reply, answer) = oneshot::channel();
            let _ = reply.send(Err(err));
            return answer;
        }
        answer
    }
}

impl Drop for RecordingHandle {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let close = Control::Finish {
            id: self.id,
            pushed: self.pushed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            reply: None,
        };
        if send_control(&self.control, &self.data, close).is_err() {
            tracing::warn!(path = %self.path.display(), "recording writer gone; file not finalised");
        }
    }
}

/// Queues a control message and wakes the writer. If the data channel is
/// full the writer is busy and will drain the control channel after its next
/// message anyway, so a failed wake-up is harmless.
fn send_control(
    control: &Sender<Control>,
    data: &SyncSender<Msg>,
    msg: Control,
) -> Result<(), RecordingError> {
    control.send(msg).map_err(|_| RecordingError::WriterGone)?;
    match data.try_send(Msg::Wake) {
        Ok(()) | Err(TrySendError::Full(_)) => Ok(()),
        Err(TrySendError::Disconnected(_)) => Err(RecordingError::WriterGone),
    }
}

struct Pending {
    pushed: u64,
    dropped: u64,
    reply: Option<FinishReply>,
}

struct OpenFile {
    wav: WavWriter<BufWriter<File>>,
    path: PathBuf,
    frames: u64,
    since_flush: u64,
    received: u64,
    /// First failure; later audio is discarded and the error reported on finish.
    error: Option<RecordingError>,
    pending: Option<Pending>,
}

impl OpenFile {
    fn create(path: PathBuf) -> Result<OpenFile, RecordingError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| RecordingError::io(parent, e))?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| RecordingError::io(&path, e))?;
        let mut wav = WavWriter::new(BufWriter::new(file), wav_spec())
            .map_err(|e| RecordingError::wav(&path, e))?;
        // Put the header on disk now so even an early crash leaves a repairable file.
        wav.flush().map_err(|e| RecordingError::wav(&path, e))?;
        Ok(OpenFile {
            wav,
            path,
            frames: 0,
            since_flush: 0,
            received: 0,
            error: None,
            pending: None,
        })
    }

    fn write(&mut self, samples: &[i16]) {
        self.received += 1;
        if self.error.is_some() {
            return;
        }
        let frames = (samples.len() / 2) as u64;
        if self.frames + frames > MAX_FRAMES {
            tracing::warn!(path = %self.path.display(), "recording reached the WAV size limit");
            self.error = Some(RecordingError::TooLarge {
                path: self.path.clone(),
            });
            return;
        }
        // The 16-bit writer fills one buffer and writes it once, instead of a checked write per
        // sample (the spec is always 16-bit integer: `wav_spec`).
        let mut block = self.wav.get_i16_writer(samples.len() as u32);
        for &sample in samples {
            block.write_sample(sample);
        }
        if let Err(e) = block.flush() {
            self.fail(e);
            return;
        }
        self.frames += frames;
        self.since_flush += frames;
        if self.since_flush >= FLUSH_EVERY_FRAMES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.error.is_some() || self.since_flush == 0 {
            return;
        }
        match self.wav.flush() {
            Ok(()) => self.since_flush = 0,
            Err(e) => self.fail(e),
        }
    }

    fn fail(&mut self, err: hound::Error) {
        tracing::warn!(path = %self.path.display(), error = %err, "recording write failed");
        self.error = Some(RecordingError::wav(&self.path, err));
    }

    fn ready(&self) -> bool {
        self.pending
            .as_ref()
            .is_some_and(|p| self.received >= p.pushed)
    }

    /// Finalises the header and, when someone waits for it, hashes the file.
    fn close(mut self, pending: Pending) {
        let finalized = self.wav.finalize();
        let result = match (self.error.take(), finalized) {
            (Some(err), _) => Err(err),
            (None, Err(e)) => Err(RecordingError::wav(&self.path, e)),
            (None, Ok(())) if pending.reply.is_none() => {
                tracing::debug!(path = %self.path.display(), "recording closed without finish");
                return;
            }
            (None, Ok(())) => sha256_file(&self.path).map(|sha256| Finished {
                path: self.path.clone(),
                sha256,
                frames: self.frames,
                dropped_blocks: pending.dropped,
            }),
        };
        match pending.reply {
            Some(reply) => {
                let _ = reply.send(result);
            }
            None => {
                if let Err(err) = result {
                    tracing::warn!(error = %err, "recording closed with an error");
                }
            }
        }
    }
}

#[derive(Default)]
struct Writer {
    files: HashMap<u64, OpenFile>,
    next_id: u64,
}

fn run(data: Receiver<Msg>, control: Receiver<Control>) {
    let mut writer = Writer::default();
    loop {
        match data.recv_timeout(IDLE_FLUSH) {
            Ok(msg) => writer.handle(msg),
            Err(RecvTimeoutError::Timeout) => writer.flush_all(),
            Err(RecvTimeoutError::Disconnected) => break,
        }
        writer.drain(&control);
    }
    writer.drain(&control);
    writer.shutdown();
}

impl Writer {
    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Push { id, samples } => {
                if let Some(file) = self.files.get_mut(&id) {
                    file.write(&samples);
                    if file.ready() {
                        self.close(id);
                    }
                }
            }
            Msg::Wake => {}
            #[cfg(test)]
            Msg::Pause { paused, resume } => {
                let _ = paused.send(());
                let _ = resume.recv();
            }
        }
    }

    fn drain(&mut self, control: &Receiver<Control>) {
        while let Ok(msg) = control.try_recv() {
            match msg {
                Control::Open { path, reply } => {
                    let result = self.open(path);
                    let _ = reply.send(result);
                }
                Control::Finish {
                    id,
                    pushed,
                    dropped,
                    reply,
                } => {
                    if let Some(file) = self.files.get_mut(&id) {
                        file.pending = Some(Pending {
                            pushed,
                            dropped,
                            reply,
                        });
                        if file.ready() {
                            self.close(id);
                        }
                    }
                }
            }
        }
    }

    fn open(&mut self, path: PathBuf) -> Result<u64, RecordingError> {
        let file = OpenFile::create(path)?;
        let id = self.next_id;
        self.next_id += 1;
        self.files.insert(id, file);
        Ok(id)
    }

    fn close(&mut self, id: u64) {
        if let Some(mut file) = self.files.remove(&id)
            && let Some(pending) = file.pending.take()
        {
            file.close(pending);
        }
    }

    fn flush_all(&mut self) {
        for file in self.files.values_mut() {
            file.flush();
        }
    }

    /// Every sender is gone, so no more audio can arrive: finalise everything.
    fn shutdown(&mut self) {
        for (_, mut file) in self.files.drain() {
            let pending = file.pending.take().unwrap_or(Pending {
                pushed: 0,
                dropped: 0,
                reply: None,
            });
            file.close(pending);
        }
    }
}
