//! A media worker: one OS thread that owns many calls and runs them all on one 20 ms clock. At
//! each tick it reads every call's sockets (batched, see [`recv`](super::recv)), runs the
//! sessions and sends their packets; between ticks it sleeps. No per-call timer, no wakeup per
//! datagram: the cost follows the packets, not the number of tasks.
//!
//! A worker with no calls blocks on its control channel and costs nothing. A panic in one call
//! ends that call only (its `finish` then gets empty counters); the worker and its other calls
//! go on.

use super::call::{CallMedia, Turn};
use super::clock::{Clock, TICK};
use super::recv::RecvBuffers;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};
use tracing::error;

/// A tick that starts later than this after its deadline counts as late.
pub const LATE: Duration = Duration::from_millis(5);

/// Counters of one worker, read by [`Engine::stats`](super::Engine::stats).
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Calls on the worker now: counted when handed to it, uncounted when they end.
    pub calls: AtomicUsize,
    pub ticks: AtomicU64,
    /// Ticks that started more than [`LATE`] after their deadline.
    pub late: AtomicU64,
    /// Ticks dropped after a long stall (see [`Clock`]).
    pub skipped: AtomicU64,
    /// Time spent running calls, in microseconds.
    pub busy_us: AtomicU64,
}

pub enum Control {
    Add(Box<CallMedia>),
}

pub fn run(control: Receiver<Control>, stats: Arc<WorkerStats>) {
    let mut calls: Vec<CallMedia> = Vec::new();
    let mut io = RecvBuffers::default();
    let mut clock: Option<Clock> = None;
    let mut open = true;
    loop {
        if calls.is_empty() {
            if !open {
                return;
            }
            clock = None;
            match control.recv() {
                Ok(Control::Add(call)) => calls.push(*call),
                Err(_) => return,
            }
        }
        while open {
            match control.try_recv() {
                Ok(Control::Add(call)) => calls.push(*call),
                Err(TryRecvError::Empty) => break,
                // The engine is gone: finish the calls there are, take no more.
                Err(TryRecvError::Disconnected) => open = false,
            }
        }
        let now = Instant::now();
        let clock = clock.get_or_insert_with(|| Clock::new(now));
        let due = clock.due(now);
        if due.ticks == 0 {
            std::thread::sleep(clock.deadline().saturating_duration_since(now).min(TICK));
            continue;
        }
        stats
            .ticks
            .fetch_add(u64::from(due.ticks), Ordering::Relaxed);
        if due.late > LATE {
            stats.late.fetch_add(1, Ordering::Relaxed);
        }
        if due.skipped > 0 {
            stats
                .skipped
                .fetch_add(u64::from(due.skipped), Ordering::Relaxed);
        }
        for _ in 0..due.ticks {
            tick(&mut calls, &mut io, now, &stats);
        }
        stats
            .busy_us
            .fetch_add(now.elapsed().as_micros() as u64, Ordering::Relaxed);
    }
}

/// One tick of every call; ended calls are removed (and uncounted before their `finish` hears
/// of it) and told.
fn tick(calls: &mut Vec<CallMedia>, io: &mut RecvBuffers, now: Instant, stats: &WorkerStats) {
    let mut i = 0;
    while i < calls.len() {
        let turn = catch_unwind(AssertUnwindSafe(|| calls[i].turn(now, io)));
        match turn {
            Ok(Turn::Continue) => i += 1,
            Ok(Turn::End) => {
                stats.calls.fetch_sub(1, Ordering::Relaxed);
                calls.swap_remove(i).end();
            }
            Err(_) => {
                stats.calls.fetch_sub(1, Ordering::Relaxed);
                error!("a call's media failed (panic): the call loses its media, others go on");
                // Dropped without `end`: its handle's `finish` gets empty counters.
                drop(calls.swap_remove(i));
            }
        }
    }
}
