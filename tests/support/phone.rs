//! A SIPp UAS phone on its own loopback port, for tests that need an agent's or a supervisor's
//! phone: answers `calls` calls with `scenario` (from tests/sipp), echoes RTP, and keeps a trace
//! to check afterwards.

use super::{Service, free_media_port, free_udp_port, repo};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// What the phone's trace holds.
#[derive(Debug, Clone, Copy)]
pub enum Trace {
    /// The scenario's own `<log>` lines (`-trace_logs`).
    Log,
    /// Every SIP message sent and received (`-trace_msg`).
    Messages,
}

pub struct Phone {
    child: Child,
    pub port: u16,
    trace_file: PathBuf,
    err: PathBuf,
}

impl Phone {
    pub fn start(svc: &Service, scenario: &str, calls: u32, trace: Trace) -> Phone {
        let port = free_udp_port();
        let log = svc.dir.path().join(format!("{scenario}-{port}.log"));
        let err = svc.dir.path().join(format!("{scenario}-{port}.err"));
        let flags = match trace {
            Trace::Log => ["-trace_logs", "-log_file"],
            Trace::Messages => ["-trace_msg", "-message_file"],
        };
        let child = Command::new("timeout")
            .args(["120", "sipp", "-sf"])
            .arg(repo().join("tests/sipp").join(scenario))
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-mp", &free_media_port().to_string()])
            .args(["-m", &calls.to_string(), "-rtp_echo"])
            .args(["-timeout", "110s", "-timeout_error", "-nostdin"])
            .args(["-trace_err", "-error_file"])
            .arg(&err)
            .args(flags)
            .arg(&log)
            .current_dir(svc.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Phone {
            child,
            port,
            trace_file: log,
            err,
        }
    }

    /// The trace so far.
    pub fn trace(&self) -> String {
        std::fs::read_to_string(&self.trace_file).unwrap_or_default()
    }

    /// Waits for its calls; panics with SIPp's errors if one failed. Returns the trace.
    pub fn wait_ok(mut self, what: &str, svc: &Service) -> String {
        let status = self.child.wait().unwrap();
        let trace = self.trace();
        assert!(
            status.success(),
            "{what} failed: {status:?}\nerrors:\n{}\ntrace:\n{trace}\nservice:\n{}",
            std::fs::read_to_string(&self.err).unwrap_or_default(),
            svc.log()
        );
        trace
    }
}
