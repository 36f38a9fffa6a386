//! The media engine: a few worker threads (one per core by default) that each own many calls and
//! drive them all from one 20 ms clock, reading sockets in batches at the tick. It replaces one
//! tokio task per call, whose cost was a timer wakeup per call per tick and a reactor wakeup per
//! datagram; here a worker wakes fifty times a second whatever the number of calls, and a call's
//! cost is the packets it moves.
//!
//! Like the tokio runtime's threads, the workers belong to the process: [`Engine::shared`] starts
//! them on first use, sized to the machine, and every server in the process (tests start several)
//! puts its calls on them. A worker with no calls blocks and costs nothing.
//!
//! Design notes and figures: docs/media-engine.md.

pub mod call;
pub mod clock;
pub mod mix;
pub mod priority;
pub mod record;
pub mod recv;
pub mod worker;

use crate::media::session::{MediaEvent, MediaSession};
use crate::media::task::{Leg, MediaTask};
use crate::metrics::NodeMetrics;
use call::CallMedia;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use worker::{Control, WorkerStats};

static SHARED: OnceLock<Engine> = OnceLock::new();

#[derive(Clone)]
pub struct Engine {
    workers: Arc<[Worker]>,
}

struct Worker {
    control: Sender<Control>,
    stats: Arc<WorkerStats>,
}

/// The engine's counters, summed over its workers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EngineStats {
    pub workers: usize,
    pub calls: usize,
    pub ticks: u64,
    pub late: u64,
    pub skipped: u64,
    pub busy_us: u64,
}

impl Engine {
    /// Starts `workers` threads (at least one), named `media-N`, each at nice value `nice`
    /// ([`priority`]).
    pub fn start(workers: usize, nice: i32) -> std::io::Result<Engine> {
        let workers = (0..workers.max(1))
            .map(|n| {
                let (control, rx) = std::sync::mpsc::channel();
                let stats = Arc::new(WorkerStats::default());
                let theirs = stats.clone();
                std::thread::Builder::new()
                    .name(format!("media-{n}"))
                    .spawn(move || {
                        priority::apply_to_this_thread(nice);
                        worker::run(rx, theirs)
                    })?;
                Ok(Worker { control, stats })
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Engine {
            workers: workers.into(),
        })
    }

    /// The process's engine, one worker per core, started on first use.
    pub fn shared() -> std::io::Result<Engine> {
        if let Some(engine) = SHARED.get() {
            return Ok(engine.clone());
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let engine = Engine::start(cores, priority::configured())?;
        // Two first calls at once: the loser's workers see their channel close and exit.
        Ok(SHARED.get_or_init(|| engine).clone())
    }

    /// Puts a call's media on the least loaded worker. Its clock starts at once: silence flows
    /// until something is played, which keeps NAT bindings open and lets symmetric RTP latch.
    /// The call's decisions are logged in the caller's tracing span.
    pub fn spawn(
        &self,
        socket: std::net::UdpSocket,
        session: MediaSession,
        events: mpsc::UnboundedSender<MediaEvent>,
        stop: CancellationToken,
        metrics: Arc<NodeMetrics>,
    ) -> std::io::Result<MediaTask> {
        let local = socket.local_addr()?;
        let (commands, commands_rx) = std::sync::mpsc::channel();
        let (done, done_rx) = oneshot::channel();
        let main = Leg {
            socket,
            session,
            events,
            updates: None,
        };
        let call = CallMedia::new(
            main,
            commands_rx,
            stop.clone(),
            done,
            metrics,
            tracing::Span::current(),
        )?;
        let worker = self
            .workers
            .iter()
            .min_by_key(|w| w.stats.calls.load(Ordering::Relaxed))
            .ok_or_else(|| std::io::Error::other("media engine without workers"))?;
        // Counted at once, so calls started in the same tick spread over the workers.
        worker.stats.calls.fetch_add(1, Ordering::Relaxed);
        let sent = worker.control.send(Control::Add(Box::new(call)));
        if sent.is_err() {
            worker.stats.calls.fetch_sub(1, Ordering::Relaxed);
            return Err(std::io::Error::other("media worker gone"));
        }
        Ok(MediaTask::new(local, commands, stop, done_rx))
    }

    /// The process's engine if a call has started it (for the metrics, which must not start it).
    pub fn running() -> Option<Engine> {
        SHARED.get().cloned()
    }

    pub fn stats(&self) -> EngineStats {
        let mut total = EngineStats {
            workers: self.workers.len(),
            ..EngineStats::default()
        };
        for w in self.workers.iter() {
            total.calls += w.stats.calls.load(Ordering::Relaxed);
            total.ticks += w.stats.ticks.load(Ordering::Relaxed);
            total.late += w.stats.late.load(Ordering::Relaxed);
            total.skipped += w.stats.skipped.load(Ordering::Relaxed);
            total.busy_us += w.stats.busy_us.load(Ordering::Relaxed);
        }
        total
    }
}

#[cfg(test)]
mod tests;
