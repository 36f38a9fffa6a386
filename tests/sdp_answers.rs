//! SDP offer/answer (RFC 3264) against the real binary with SIPp: the answer mirrors every offered
//! m= line, the o= line keeps one session id per call and moves its version only when the answer
//! changes, and SRTP-only offers are refused.

mod support;

use support::{Service, sipp_available};

const CALLER: &str = "+37061234591";

/// The service's 200 OK answers to our INVITEs, by CSeq number, from a SIPp `-trace_msg` file.
fn answers(log: &str) -> Vec<(u32, String)> {
    log.split("message received")
        .filter_map(|chunk| {
            let msg = chunk.split_once("bytes :")?.1.trim_start();
            // Up to the next entry of the log (SIPp starts each with a line of dashes).
            let msg = msg.split("\n-----").next()?;
            if !msg.starts_with("SIP/2.0 200") {
                return None;
            }
            let cseq = msg
                .lines()
                .find_map(|l| l.strip_prefix("CSeq: "))?
                .strip_suffix(" INVITE")?
                .trim()
                .parse()
                .ok()?;
            let body = msg.split_once("\r\n\r\n")?.1;
            Some((cseq, body.to_string()))
        })
        .collect()
}

fn lines_of<'a>(body: &'a str, prefix: &str) -> Vec<&'a str> {
    body.lines()
        .filter_map(|l| l.trim_end().strip_prefix(prefix))
        .collect()
}

#[test]
fn answers_mirror_the_offer_and_version_only_changes() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("");
    let trace = svc.dir.path().join("sdp_mirror.msg");
    let out = svc.sipp(
        "sdp_mirror.xml",
        CALLER,
        &["-trace_msg", "-message_file", trace.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "sipp exited {:?}\nservice log:\n{}",
        out.status.code(),
        svc.log()
    );
    let log = std::fs::read_to_string(&trace).unwrap();
    let mut got = answers(&log);
    // Retransmitted 200s repeat an answer; one per transaction is enough.
    got.dedup_by_key(|(cseq, _)| *cseq);
    let cseqs: Vec<u32> = got.iter().map(|(c, _)| *c).collect();
    assert_eq!(cseqs, [1, 2, 3], "{log}");

    for (cseq, body) in &got {
        let m = lines_of(body, "m=");
        assert_eq!(m.len(), 2, "CSeq {cseq}: {body}");
        assert_eq!(
            m[0], "video 0 RTP/AVP 96",
            "the video stream is refused in place"
        );
        assert!(
            m[1].starts_with("audio ") && !m[1].starts_with("audio 0 "),
            "{body}"
        );
    }
    let origin = |i: usize| -> (String, u64) {
        let o = lines_of(&got[i].1, "o=")[0];
        let f: Vec<&str> = o.split_whitespace().collect();
        (f[1].to_string(), f[2].parse().unwrap())
    };
    let (first, second, third) = (origin(0), origin(1), origin(2));
    assert_eq!(first.0, second.0, "one session id for the call");
    assert_eq!(first.0, third.0);
    assert_eq!(
        second.1, first.1,
        "the refresh changed nothing: same version"
    );
    assert_eq!(third.1, first.1 + 1, "the hold answer is a new version");
    assert!(lines_of(&got[2].1, "a=").contains(&"recvonly"));
}

#[test]
fn an_srtp_only_offer_is_refused_with_488() {
    if !sipp_available() {
        return;
    }
    let svc = Service::start("");
    let out = svc.sipp("srtp_offer.xml", CALLER, &[]);
    assert!(
        out.status.success(),
        "sipp exited {:?}\nservice log:\n{}",
        out.status.code(),
        svc.log()
    );
    assert!(svc.log().contains("[media] srtp is off"), "{}", svc.log());
    let calls = svc.cli_json(&["calls", "list", "--json"]);
    assert_eq!(
        calls[0]["outcome"], "failed",
        "the refusal has its row: {calls}"
    );
}
