//! Music on hold while queued, with real phones: a caller (SIPp) presses 1 while the only agent's
//! phone (SIPp) rings without answering, waits 14 s and hangs up. What the caller heard (our recording's right channel) holds
//! the music sample for sample from its start, after the "connecting" announcement and between
//! the queue announcements; the call is `abandoned`.

mod support;

use std::path::Path;
use std::time::Duration;
use support::{Service, read_stereo, repo, rms, sipp_available};

const CALLER: &str = "+37061234575";

/// Where `needle` starts in `hay`, sample for sample.
fn find(hay: &[i16], needle: &[i16]) -> Option<usize> {
    (0..hay.len().saturating_sub(needle.len())).find(|&i| &hay[i..i + needle.len()] == needle)
}

#[test]
fn a_queued_caller_hears_music_on_hold_between_the_announcements() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("[flow]\nsurvey = false\n[routing]\nring_timeout_seconds = 60\n");
    let csv = svc.dir.path().join("clients.csv");
    std::fs::write(&csv, format!("phone,name,language\n{CALLER},Jonas,en\n")).unwrap();
    assert!(
        svc.cli(&["clients", "import", csv.to_str().unwrap()])
            .status
            .success()
    );
    let port = support::free_udp_port();
    let mut anna = svc.sipp_phone("agent_noanswer.xml", port, 1);
    let uri = format!("sip:anna@127.0.0.1:{port}");
    let out = svc.cli(&["agents", "add", "anna", "--uri", &uri, "--languages", "en"]);
    assert!(out.status.success());
    let out = svc.sipp("queue_hangup.xml", CALLER, &["-d", "14000"]);
    assert!(
        out.status.success(),
        "caller: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        svc.log()
    );
    let mut call = serde_json::Value::Null;
    for _ in 0..100 {
        call = svc.cli_json(&["calls", "list", "--json"])[0].clone();
        if call["ended_at"].is_string() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(call["outcome"], "abandoned", "{call}");
    let status = anna.wait().unwrap();
    assert!(status.success(), "Anna's phone: {status:?}\n{}", svc.log());
    let mut music = hound::WavReader::open(repo().join("prompts/music_on_hold.wav")).unwrap();
    let music: Vec<i16> = music.samples::<i16>().map(|s| s.unwrap()).collect();
    let (_, _, right) = read_stereo(Path::new(call["recording"].as_str().unwrap()));
    let start = find(&right, &music[..8000]).unwrap_or_else(|| {
        panic!(
            "the music's first second is not in what the caller heard\n{}",
            svc.log()
        )
    });
    // Something was said before it (the connecting announcement), and the music went on
    // after its first second, sample for sample, until an announcement or the end.
    assert!(rms(&right[..start]) > 300.0, "an announcement came first");
    let played = right[start..]
        .iter()
        .zip(&music)
        .take_while(|(a, b)| a == b)
        .count();
    assert!(
        played >= 2 * 8000,
        "the music played on ({} ms) once started",
        played / 8
    );
}
