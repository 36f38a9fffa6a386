//! espeak-ng run as a program, one process per text.
//!
//! Why the program and not libespeak-ng: the library keeps one global synthesiser (one text at a
//! time per process, not thread-safe) and needs unsafe FFI; a process per text renders in
//! parallel on every core, can be killed on a deadline, and a crash in the engine cannot take a
//! call down. The cost is a process start (a few ms) beside the synthesis itself (about 30 ms for
//! a sentence); see scripts/bench-speech.sh for the figures.

use super::{MAX_TEXT, Speech, SpeechError, audio};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Words per minute: the default 175 is a little fast on a phone line (as in generate.sh).
pub const SPEED: u32 = 160;
const DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct Espeak {
    program: String,
    version: String,
}

impl Espeak {
    /// Finds the program and its version (`espeak-ng --version`); an error means no engine.
    pub fn detect(program: &str) -> Result<Espeak, SpeechError> {
        let out = Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|source| SpeechError::Spawn {
                program: program.into(),
                source,
            })?;
        if !out.status.success() {
            return Err(SpeechError::Failed {
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).into(),
            });
        }
        // "eSpeak NG text-to-speech: 1.51  Data at: ..."
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text
            .split("Data at")
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        Ok(Espeak {
            program: program.into(),
            version,
        })
    }
}

impl Speech for Espeak {
    fn version(&self) -> &str {
        &self.version
    }

    fn render(&self, voice: &str, text: &str) -> Result<Vec<i16>, SpeechError> {
        if text.chars().count() > MAX_TEXT {
            return Err(SpeechError::TooLong(text.chars().count()));
        }
        // The text after `--` and as one argument: never read as an option.
        let mut child = Command::new(&self.program)
            .args([
                "-v",
                voice,
                "-s",
                &SPEED.to_string(),
                "--stdout",
                "--",
                text,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| SpeechError::Spawn {
                program: self.program.clone(),
                source,
            })?;
        let mut stdout = child.stdout.take().ok_or_else(|| SpeechError::Failed {
            status: "no stdout".into(),
            stderr: String::new(),
        })?;
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            stdout.read_to_end(&mut buf).map(|_| buf)
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > DEADLINE => {
                    // Best effort: the process may have just ended.
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(SpeechError::Timeout(DEADLINE.as_millis() as u64));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(source) => {
                    return Err(SpeechError::Spawn {
                        program: self.program.clone(),
                        source,
                    });
                }
            }
        };
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        let wav = reader
            .join()
            .map_err(|_| SpeechError::Format("reader thread panicked".into()))?
            .map_err(|source| SpeechError::Spawn {
                program: self.program.clone(),
                source,
            })?;
        if !status.success() {
            return Err(SpeechError::Failed {
                status: status.to_string(),
                stderr,
            });
        }
        let (rate, pcm) = parse_wav(&wav)?;
        Ok(audio::for_phone(&pcm, rate))
    }
}

/// espeak-ng's `--stdout` WAV has placeholder sizes in its header (it cannot seek a pipe): read
/// the format from the header and take every sample after the `data` chunk's header.
fn parse_wav(wav: &[u8]) -> Result<(u32, Vec<i16>), SpeechError> {
    let bad = |what: &str| SpeechError::Format(what.into());
    if wav.len() < 44 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return Err(bad("not a RIFF WAVE stream"));
    }
    let mut at = 12;
    let mut format = None;
    while at + 8 <= wav.len() {
        let id = &wav[at..at + 4];
        let size =
            u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        let body = at + 8;
        if id == b"fmt " {
            if body + 16 > wav.len() {
                return Err(bad("short fmt chunk"));
            }
            let f = &wav[body..body + 16];
            let (tag, channels) = (
                u16::from_le_bytes([f[0], f[1]]),
                u16::from_le_bytes([f[2], f[3]]),
            );
            let rate = u32::from_le_bytes([f[4], f[5], f[6], f[7]]);
            let bits = u16::from_le_bytes([f[14], f[15]]);
            if tag != 1 || channels != 1 || bits != 16 {
                return Err(SpeechError::Format(format!(
                    "format {tag}, {channels} channel(s), {bits} bit"
                )));
            }
            format = Some(rate);
        } else if id == b"data" {
            let rate = format.ok_or_else(|| bad("data before fmt"))?;
            let pcm = wav[body..]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
            return Ok((rate, pcm));
        }
        at = body.saturating_add(size + (size & 1));
    }
    Err(bad("no data chunk"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the real program when it is installed (it is in CI: `.ci/run`).
    #[test]
    fn renders_a_sentence_at_eight_kilohertz() {
        let Ok(engine) = Espeak::detect("espeak-ng") else {
            assert!(
                std::env::var("CI").is_err(),
                "CI=true and espeak-ng is missing"
            );
            eprintln!("NOTICE: espeak-ng not installed; skipping");
            return;
        };
        assert!(
            engine.version().contains("eSpeak NG"),
            "{}",
            engine.version()
        );
        let pcm = engine.render("ru", "Мы перезвоним вам сегодня.").unwrap();
        let seconds = pcm.len() as f64 / 8000.0;
        assert!((0.8..5.0).contains(&seconds), "{seconds} s");
        assert!(pcm.iter().any(|s| i32::from(*s).abs() > 20000));
        // An option-looking text is spoken, not obeyed.
        assert!(engine.render("en", "--version").unwrap().len() > 4000);
        assert!(matches!(
            engine.render("en", &"a".repeat(MAX_TEXT + 1)),
            Err(SpeechError::TooLong(_))
        ));
    }

    #[test]
    fn a_stream_header_with_placeholder_sizes_is_read() {
        let mut wav = b"RIFF\xff\xff\xff\x7fWAVEfmt \x10\0\0\0\x01\0\x01\0\x22\x56\0\0\x44\xac\0\0\x02\0\x10\0data\xff\xff\xff\x7f".to_vec();
        wav.extend([1, 0, 0xff, 0xff]);
        assert_eq!(parse_wav(&wav).unwrap(), (22050, vec![1, -1]));
        assert!(parse_wav(b"garbage").is_err());
    }
}
