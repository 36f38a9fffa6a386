//! The media workers' scheduling priority. A worker owns hundreds of calls and must run every
//! 20 ms; when the machine is busy, the kernel shares the cores out by priority, and a tick that
//! waits behind SIP parsing or a store write is late for every call on the worker at once (a late
//! tick past the burst limit is skipped: audio lost). So a worker raises its own priority (nice
//! -10 unless `[media] worker_nice` says otherwise), as rtpengine does for its media threads: a
//! busy node then delays a call's setup, which SIP's retransmissions absorb, rather than its
//! packets.
//!
//! Raising a priority needs root or `CAP_SYS_NICE`. Without it a worker runs at the process's
//! own priority, and the first one to fail says so, once (at start: the server starts the
//! process's engine). A nice value orders threads only within their cgroup (or autogroup): it puts the
//! workers ahead of the service's other threads, not of other services on the machine.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use tracing::{debug, warn};

/// The nice value new workers take: the configuration's, set at start.
static NICE: AtomicI32 = AtomicI32::new(crate::config::DEFAULT_WORKER_NICE);
static WARNED: AtomicBool = AtomicBool::new(false);

/// The nice value of workers started from now on.
pub fn configure(nice: i32) {
    NICE.store(nice, Ordering::Relaxed);
}

pub fn configured() -> i32 {
    NICE.load(Ordering::Relaxed)
}

/// Sets the calling thread's nice value (on Linux a nice value belongs to a thread); 0 leaves it
/// as it is.
#[cfg(target_os = "linux")]
pub fn apply_to_this_thread(nice: i32) {
    if nice == 0 {
        return;
    }
    let tid = rustix::thread::gettid();
    match rustix::process::setpriority_process(Some(tid), nice) {
        Ok(()) => debug!(nice, "media worker priority set"),
        Err(e) if !WARNED.swap(true, Ordering::Relaxed) => warn!(
            nice,
            error = %e,
            "cannot raise the media workers' priority (needs root or CAP_SYS_NICE, or set \
             [media] worker_nice = 0); they run at the process's own, and a busy machine may \
             make their 20 ms clock late"
        ),
        Err(_) => {}
    }
}

/// Elsewhere a thread's nice value is not its own: the workers keep the process's priority.
#[cfg(not(target_os = "linux"))]
pub fn apply_to_this_thread(nice: i32) {
    if nice != 0 && !WARNED.swap(true, Ordering::Relaxed) {
        warn!(nice, "the media workers' priority is only set on Linux");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    fn nice_of(tid: rustix::process::Pid) -> i32 {
        rustix::process::getpriority_process(Some(tid)).expect("own thread")
    }

    #[test]
    fn a_thread_takes_the_nice_value_it_is_given() {
        let own = nice_of(rustix::thread::gettid());
        // Lowering a priority needs no privilege, so this runs anywhere but at the lowest.
        let lower = own + 1;
        if lower > 19 {
            return;
        }
        let nice = std::thread::spawn(move || {
            apply_to_this_thread(lower);
            nice_of(rustix::thread::gettid())
        })
        .join()
        .expect("thread");
        assert_eq!(nice, lower);
        // Only that thread: this one keeps its own.
        assert_eq!(nice_of(rustix::thread::gettid()), own);
    }

    #[test]
    fn zero_leaves_the_thread_as_it_is() {
        let (before, after) = std::thread::spawn(|| {
            let tid = rustix::thread::gettid();
            let lower = (nice_of(tid) + 1).min(19);
            apply_to_this_thread(lower);
            let before = nice_of(tid);
            apply_to_this_thread(0);
            (before, nice_of(tid))
        })
        .join()
        .expect("thread");
        assert_eq!(before, after);
    }
}
