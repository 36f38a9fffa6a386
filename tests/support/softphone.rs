//! A real softphone (baresip 1.0, headless) for call tests: its microphone a sine tone, what it
//! hears dumped to WAV, driven over its UDP console. Config lines as in the peers notes.

use super::free_udp_port;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Softphone {
    child: Child,
    pub dir: PathBuf,
    /// Its SIP port (UDP and TCP); TLS listens on the next one when a certificate is given.
    pub sip_port: u16,
    console: u16,
}

/// baresip must be installed (`.ci/run` installs baresip-core); elsewhere the test is skipped.
pub fn baresip_available() -> bool {
    super::peer_installed("baresip", "-h", false)
}

impl Softphone {
    /// Starts baresip in `dir` as `user`, sending a `tone_hz` sine for 60 s and answering calls
    /// at once. `config` is added to its config, `account` after its account line.
    pub fn start(dir: &Path, user: &str, tone_hz: u32, config: &str, account: &str) -> Softphone {
        std::fs::create_dir_all(dir).unwrap();
        let mic = dir.join("mic.wav");
        let sox = Command::new("sox")
            .args(["-n", "-r", "8000", "-c", "1", "-b", "16"])
            .arg(&mic)
            .args(["synth", "60", "sine", &tone_hz.to_string(), "vol", "0.5"])
            .status()
            .unwrap();
        assert!(sox.success());
        // A port free for UDP when we pick it can still be taken for TCP or TLS (the SIP port + 1)
        // by a connection in TIME_WAIT from an earlier test: pick again and restart when baresip
        // says so.
        for _ in 0..5 {
            if let Some(phone) = Self::try_start(dir, user, &mic, config, account) {
                return phone;
            }
        }
        panic!("baresip found no free SIP port in 5 tries");
    }

    /// One start on freshly picked ports; `None` when baresip could not bind them.
    fn try_start(
        dir: &Path,
        user: &str,
        mic: &Path,
        config: &str,
        account: &str,
    ) -> Option<Softphone> {
        // baresip also listens on the SIP port + 1 (TLS): keep the console away from both.
        let sip_port = free_udp_port();
        let mut console = free_udp_port();
        while console.abs_diff(sip_port) <= 1 {
            console = free_udp_port();
        }
        std::fs::write(
            dir.join("config"),
            format!(
                "poll_method epoll\nsip_listen 127.0.0.1:{sip_port}\nnet_interface 127.0.0.1\n\
                 module_path /usr/lib/baresip/modules\naudio_player alsa,null\naudio_alert alsa,null\naudio_source aufile,{mic}\n\
                 module g711.so\nmodule aufile.so\nmodule sndfile.so\nmodule cons.so\nmodule_app account.so\nmodule_app menu.so\n\
                 cons_listen 127.0.0.1:{console}\nsnd_path {snd}\n{config}",
                mic = mic.display(),
                snd = dir.display()
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("accounts"),
            format!("<sip:{user}@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU{account}\n"),
        )
        .unwrap();
        let child = Command::new("timeout")
            .args(["60", "baresip", "-f"])
            .arg(dir)
            .args(["-t", "55"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("out.log")).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let phone = Softphone {
            child,
            dir: dir.to_path_buf(),
            sip_port,
            console,
        };
        // Generous: a loaded machine has been seen to take well over 10 s.
        let up = Instant::now() + Duration::from_secs(30);
        loop {
            let log = phone.log();
            if log.contains("baresip is ready") {
                return Some(phone);
            }
            if log.contains("Address already in use") {
                return None; // dropped: killed and reaped
            }
            assert!(Instant::now() < up, "baresip did not start:\n{log}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A console command (`/dial sip:...`, `/sndcode 9`, `/hangup`).
    pub fn command(&self, line: &str) {
        let console = UdpSocket::bind("127.0.0.1:0").unwrap();
        console
            .send_to(format!("{line}\n").as_bytes(), ("127.0.0.1", self.console))
            .unwrap();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("out.log")).unwrap_or_default()
    }

    /// What it heard (its `-dec.wav` dump), once a call has ended.
    pub fn heard(&self) -> Vec<i16> {
        heard_in(&self.dir)
    }
}

/// What the softphone that ran in `dir` heard.
pub fn heard_in(dir: &Path) -> Vec<i16> {
    {
        let path = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().ends_with("-dec.wav"))
            })
            .expect("baresip wrote what it heard");
        let mut r = hound::WavReader::open(&path).unwrap();
        r.samples::<i16>().map(|s| s.unwrap()).collect()
    }
}

impl Drop for Softphone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
