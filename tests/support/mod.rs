//! A real `frontdesk serve` on ephemeral ports with its own data directory, and real SIPp callers.
#![allow(dead_code)]

pub mod api;
pub mod live;
pub mod phone;
pub mod s3;
pub mod smtp;
pub mod softphone;
pub mod webhook;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Service {
    pub child: Option<Child>,
    pub sip: SocketAddr,
    /// SIP over TCP and TLS, when the service listens for them.
    pub sip_tcp: Option<SocketAddr>,
    pub sip_tls: Option<SocketAddr>,
    pub http: SocketAddr,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

/// A free UDP port on loopback (bound, read back, released).
pub fn free_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap().port()
}

/// An even loopback port for SIPp's `-mp`, with the port two above it free as well: SIPp binds
/// both (audio and video) and exits 254 when either is taken.
pub fn free_media_port() -> u16 {
    loop {
        let port = free_udp_port() & !1;
        let audio = std::net::UdpSocket::bind(("127.0.0.1", port));
        let video = std::net::UdpSocket::bind(("127.0.0.1", port.wrapping_add(2)));
        if audio.is_ok() && video.is_ok() && port < u16::MAX - 2 {
            return port;
        }
    }
}

/// SIPp's exit code when a port it was given is taken (between our check and its bind).
const SIPP_BIND_CONFLICT: i32 = 254;

/// A random RTP range well away from other tests' ranges.
fn rtp_range() -> String {
    let base = 30000 + (rand::random::<u16>() % 250) * 100;
    format!("{}-{}", base, base + 99)
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether a real peer the tests start is installed: `program arg` runs (and, with
/// `must_succeed`, exits 0). Under CI=true a missing peer fails the test (`.ci/run` installs them
/// all); elsewhere the test is skipped with a notice.
pub fn peer_installed(program: &str, arg: &str, must_succeed: bool) -> bool {
    let status = Command::new(program)
        .arg(arg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let ok = status.is_ok_and(|s| s.success() || !must_succeed);
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true and {program} is not installed");
        }
        eprintln!("NOTICE: {program} not installed; skipping");
    }
    ok
}

/// SIPp must be installed (`.ci/run` installs sip-tester); elsewhere the test is skipped.
pub fn sipp_available() -> bool {
    peer_installed("sipp", "-v", false)
}

impl Service {
    /// Starts the service; `extra` is appended to a config that keeps the company always open.
    pub fn start(extra: &str) -> Service {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, extra)
    }

    /// Like `start`, with `top` placed before the first table (top-level keys such as database_url).
    pub fn start_with_top(top: &str, extra: &str) -> Service {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in_with(dir, top, extra)
    }

    pub fn start_in(dir: tempfile::TempDir, extra: &str) -> Service {
        Self::start_in_with(dir, "", extra)
    }

    fn start_in_with(dir: tempfile::TempDir, top: &str, extra: &str) -> Service {
        let config = dir.path().join("frontdesk.toml");
        if !config.exists() {
            // A test running several nodes on one database names each in `top`.
            let node = if top.contains("node_id") {
                ""
            } else {
                "node_id = \"test-node\""
            };
            let text = format!(
                r#"
{top}
data_dir = "{data}"
prompts_dir = "{prompts}"
sip_listen = "127.0.0.1:0"
http_listen = "127.0.0.1:0"
rtp_ports = "{rtp}"
{node}
[company]
name = "Example Ltd"
time_zone = "Europe/Vilnius"
default_region = "LT"
hours = "00:00-24:00"
{extra}
"#,
                data = dir.path().join("data").display(),
                prompts = repo().join("prompts").display(),
                rtp = rtp_range(),
            );
            std::fs::write(&config, text).unwrap();
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_frontdesk"));
        // The shipped WAVs, as the other tests expect them, unless a test sets [speech] itself
        // (rendering every announcement at each start would slow every test).
        let text = std::fs::read_to_string(&config).unwrap_or_default();
        if !text.contains("[speech]") {
            command.env("FRONTDESK_SPEECH__ENGINE", "none");
        }
        // SIPp phones answer only their scenario's messages, and an OPTIONS they do not expect
        // fails their call: phones are checked only where a test asks for it.
        if !text.contains("phone_check_seconds") {
            command.env("FRONTDESK_WORKSPACE__PHONE_CHECK_SECONDS", "0");
        }
        let mut child = command
            .args(["--config", config.to_str().unwrap(), "serve"])
            .env_remove("FRONTDESK_DATABASE_URL")
            // TEST_FRONTDESK_LOG (e.g. `info,rsipstack=debug`) to see a failing test's SIP traffic.
            .env(
                "FRONTDESK_LOG",
                std::env::var("TEST_FRONTDESK_LOG")
                    .unwrap_or_else(|_| "info,rsipstack=warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("serve.log")).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let field = |name: &str| -> SocketAddr {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .unwrap_or_else(|| {
                    let log =
                        std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
                    panic!("no {name} in {line:?}; log:\n{log}")
                })
                .parse()
                .unwrap()
        };
        let (http, sip) = (field("http="), field("sip="));
        let optional = |name: &str| -> Option<SocketAddr> {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .and_then(|a| a.parse().ok())
        };
        Service {
            child: Some(child),
            sip,
            sip_tcp: optional("sip_tcp="),
            sip_tls: optional("sip_tls="),
            http,
            dir,
            config,
        }
    }

    /// Starts a new process on the same configuration and data (after `stop`).
    pub fn restart(mut self) -> Service {
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        drop(self);
        Service::start_in(dir, "")
    }

    /// Starts SIPp without waiting for it.
    pub fn sipp_spawn(&self, scenario: &str, caller: &str) -> Child {
        self.sipp_spawn_with(scenario, caller, &[])
    }

    /// Starts SIPp with extra arguments (e.g. `-d`) without waiting for it.
    /// A port taken between choosing it and SIPp's bind is retried with fresh ports: SIPp
    /// binds at once, so a bind conflict shows within the first moments.
    pub fn sipp_spawn_with(&self, scenario: &str, caller: &str, extra: &[&str]) -> Child {
        for _ in 0..5 {
            let mut child = self
                .sipp_command(scenario, caller)
                .args(extra)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let started = Instant::now();
            let conflict = loop {
                match child.try_wait().unwrap() {
                    Some(status) => break status.code() == Some(SIPP_BIND_CONFLICT),
                    None if started.elapsed() >= Duration::from_millis(200) => break false,
                    None => std::thread::sleep(Duration::from_millis(20)),
                }
            };
            if !conflict {
                return child;
            }
        }
        panic!("SIPp could not bind its ports five times running");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default()
    }

    pub fn db_url_or(&self, explicit: Option<&str>) -> String {
        explicit
            .map(str::to_string)
            .unwrap_or_else(|| self.db_url())
    }

    pub fn db_url(&self) -> String {
        format!(
            "sqlite://{}",
            self.dir.path().join("data/frontdesk.db").display()
        )
    }

    /// Runs a CLI command against this service's configuration.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .args(["--config", self.config.to_str().unwrap()])
            .args(args)
            .env_remove("FRONTDESK_DATABASE_URL")
            .output()
            .unwrap()
    }

    /// Runs a CLI command with `input` on its stdin (`--password-stdin`).
    pub fn cli_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .args(["--config", self.config.to_str().unwrap()])
            .args(args)
            .env_remove("FRONTDESK_DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn cli_json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// One SIPp call of `scenario` (from tests/sipp) from `caller`, on free loopback ports, bounded
    /// in time; errors are traced to `<scenario>.err` in the data directory.
    fn sipp_command(&self, scenario: &str, caller: &str) -> Command {
        let inf = self
            .dir
            .path()
            .join(format!("callers-{}.csv", rand::random::<u32>()));
        std::fs::write(&inf, format!("SEQUENTIAL\n{caller};\n")).unwrap();
        let sf = repo().join("tests/sipp").join(scenario);
        let trace = self.dir.path().join(format!("{scenario}.err"));
        let mut cmd = Command::new("timeout");
        cmd.args(["100", "sipp", &self.sip.to_string()])
            .arg("-sf")
            .arg(&sf)
            .arg("-inf")
            .arg(&inf)
            .args(["-m", "1", "-l", "1", "-i", "127.0.0.1"])
            .args(["-p", &free_udp_port().to_string()])
            .args(["-mp", &free_media_port().to_string()])
            .args([
                "-timeout",
                "90s",
                "-timeout_error",
                "-nostdin",
                "-trace_err",
                "-error_file",
            ])
            .arg(&trace)
            .current_dir(self.dir.path());
        cmd
    }

    /// A SIPp UAS on loopback `port` running `scenario` (from tests/sipp) for `calls` calls: a
    /// phone the service rings or checks. Bounded in time; errors traced beside the log.
    pub fn sipp_phone(&self, scenario: &str, port: u16, calls: u32) -> Child {
        self.sipp_phone_with(scenario, port, calls, &[])
    }

    /// [`Service::sipp_phone`] with more SIPp arguments (`-rtp_echo`...).
    pub fn sipp_phone_with(&self, scenario: &str, port: u16, calls: u32, extra: &[&str]) -> Child {
        let trace = self.dir.path().join(format!("phone-{port}-{scenario}.err"));
        Command::new("timeout")
            .args(["100", "sipp", "-sf"])
            .arg(repo().join("tests/sipp").join(scenario))
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-mp", &free_media_port().to_string()])
            .args(["-m", &calls.to_string(), "-d", "0"])
            .args(extra)
            .args(["-timeout", "90s", "-timeout_error", "-nostdin"])
            .args(["-trace_err", "-error_file"])
            .arg(&trace)
            .current_dir(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Runs one SIPp scenario from tests/sipp as a single call from `caller`.
    /// Retried with fresh ports when SIPp could not bind the ones it was given.
    pub fn sipp(&self, scenario: &str, caller: &str, extra: &[&str]) -> Output {
        let mut out = self.sipp_once(scenario, caller, extra);
        for _ in 0..4 {
            if out.status.code() != Some(SIPP_BIND_CONFLICT) {
                break;
            }
            out = self.sipp_once(scenario, caller, extra);
        }
        out
    }

    fn sipp_once(&self, scenario: &str, caller: &str, extra: &[&str]) -> Output {
        self.sipp_command(scenario, caller)
            .args(extra)
            .output()
            .unwrap()
    }

    /// Sends `signal` (`-STOP`, `-CONT`…) without waiting for anything.
    pub fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let pid = child.id().to_string();
            Command::new("kill").args([signal, &pid]).status().unwrap();
        }
    }

    /// Sends `signal` and waits (bounded) for the process to end.
    pub fn stop(&mut self, signal: &str) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        Command::new("kill").args([signal, &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not stop after {signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads a stereo recording: (left, right) samples.
pub fn read_stereo(path: &Path) -> (hound::WavSpec, Vec<i16>, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
    let left = samples.iter().step_by(2).copied().collect();
    let right = samples.iter().skip(1).step_by(2).copied().collect();
    (spec, left, right)
}

/// Root mean square of a channel: silence is ~0, speech hundreds or more.
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64).sqrt()
}

/// Power of `freq` in `samples` (Goertzel), relative to the total power: ~0.5 for a pure tone.
pub fn tone_share(samples: &[i16], freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / 8000.0;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    let total: f64 = samples.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    if total == 0.0 {
        0.0
    } else {
        power / (total * samples.len() as f64 / 2.0)
    }
}

/// A TCP connection from the loopback address `ip` (a distinct source).
/// A TCP connection from the loopback address `ip` (a distinct source), reads timing out after 5 s.
pub fn connect_from(ip: &str, to: SocketAddr) -> std::net::TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: SocketAddr = format!("{ip}:0").parse().unwrap();
    socket.bind(&local.into()).unwrap();
    socket.connect(&to.into()).unwrap();
    let stream: std::net::TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}
