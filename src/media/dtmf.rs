//! DTMF from both paths into one digit stream: RFC 4733 telephone-events (sans-IO receiver that
//! deduplicates the repeated and retransmitted packets of one key press) and SIP INFO bodies.

/// The digit for an RFC 4733 event code (0–9, *, #, A–D).
pub fn event_digit(code: u8) -> Option<char> {
    match code {
        0..=9 => Some(char::from(b'0' + code)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + code - 12)),
        _ => None,
    }
}

/// One key press, reported once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digit {
    pub digit: char,
    /// RTP timestamp of the event start: identifies the press.
    pub started_at: u32,
}

/// Turns telephone-event payloads into key presses.
///
/// Every packet of a press carries the same RTP timestamp (RFC 4733 §2.5.1.2), with a growing
/// duration, and the end packet is sent three times. The first packet with a new timestamp is the
/// press; everything else with that timestamp is the same press. Reporting at the first packet lets a
/// prompt stop as soon as the key goes down, and a lost end packet never loses the digit.
#[derive(Debug, Default)]
pub struct Rfc4733Receiver {
    last: Option<(u32, u8)>,
    /// Duration (in timestamp units) of the current press, updated until its end packet.
    pub duration: u16,
    pub ended: bool,
}

impl Rfc4733Receiver {
    /// Feeds one telephone-event payload with its RTP timestamp; returns the digit of a new press.
    pub fn on_packet(&mut self, timestamp: u32, payload: &[u8]) -> Option<Digit> {
        if payload.len() < 4 {
            return None;
        }
        let code = payload[0];
        let end = payload[1] & 0x80 != 0;
        let duration = u16::from_be_bytes([payload[2], payload[3]]);
        if self.last == Some((timestamp, code)) {
            self.duration = self.duration.max(duration);
            self.ended |= end;
            return None;
        }
        self.last = Some((timestamp, code));
        self.duration = duration;
        self.ended = end;
        event_digit(code).map(|digit| Digit {
            digit,
            started_at: timestamp,
        })
    }
}

/// The digit carried by a SIP INFO body of `content_type` (`application/dtmf-relay`:
/// `Signal=5\r\nDuration=160`; `application/dtmf`: `5`).
pub fn info_digit(content_type: &str, body: &[u8]) -> Option<char> {
    let ct = content_type.split(';').next()?.trim().to_ascii_lowercase();
    let text = std::str::from_utf8(body).ok()?;
    let signal = match ct.as_str() {
        "application/dtmf-relay" => text.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("signal")
                .then(|| value.trim())
        })?,
        "application/dtmf" => text.trim(),
        _ => return None,
    };
    match signal {
        "10" => Some('*'),
        "11" => Some('#'),
        s if s.len() == 1 => {
            let c = s.chars().next()?.to_ascii_uppercase();
            matches!(c, '0'..='9' | '*' | '#' | 'A'..='D').then_some(c)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(code: u8, end: bool, duration: u16) -> [u8; 4] {
        let d = duration.to_be_bytes();
        [code, if end { 0x80 | 10 } else { 10 }, d[0], d[1]]
    }

    #[test]
    fn one_press_is_one_digit_despite_repeats_and_retransmitted_ends() {
        let mut r = Rfc4733Receiver::default();
        let mut digits = Vec::new();
        for (ts, p) in [
            (1000, pkt(5, false, 160)),
            (1000, pkt(5, false, 320)),
            (1000, pkt(5, false, 480)),
            (1000, pkt(5, true, 640)),
            (1000, pkt(5, true, 640)),
            (1000, pkt(5, true, 640)),
            (2000, pkt(11, false, 160)),
            (2000, pkt(11, true, 320)),
            (2000, pkt(11, true, 320)),
            // The same key again is a new press: new timestamp.
            (3000, pkt(11, true, 320)),
        ] {
            digits.extend(r.on_packet(ts, &p).map(|d| d.digit));
        }
        assert_eq!(digits, ['5', '#', '#']);
        assert!(r.ended);
        assert_eq!(r.duration, 320);
    }

    #[test]
    fn a_press_whose_start_was_lost_still_counts() {
        let mut r = Rfc4733Receiver::default();
        assert_eq!(
            r.on_packet(42, &pkt(0, true, 800)).map(|d| d.digit),
            Some('0')
        );
        assert_eq!(r.on_packet(42, &pkt(0, true, 800)), None);
    }

    #[test]
    fn short_or_unknown_payloads_are_ignored() {
        let mut r = Rfc4733Receiver::default();
        assert_eq!(r.on_packet(1, &[1, 2]), None);
        assert_eq!(
            r.on_packet(2, &pkt(16, false, 160)),
            None,
            "flash is not a digit"
        );
        assert_eq!(
            r.on_packet(3, &pkt(10, false, 160)).map(|d| d.digit),
            Some('*')
        );
    }

    #[test]
    fn info_bodies() {
        assert_eq!(
            info_digit("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n"),
            Some('5')
        );
        assert_eq!(
            info_digit("Application/DTMF-Relay; x=y", b"signal = #\nDuration=100"),
            Some('#')
        );
        assert_eq!(
            info_digit("application/dtmf-relay", b"Signal=11\r\n"),
            Some('#')
        );
        assert_eq!(info_digit("application/dtmf", b"9\r\n"), Some('9'));
        assert_eq!(info_digit("application/dtmf", b"x"), None);
        assert_eq!(info_digit("text/plain", b"Signal=5"), None);
        assert_eq!(info_digit("application/dtmf-relay", b"Duration=160"), None);
        assert_eq!(info_digit("application/dtmf-relay", &[0xFF, 0xFE]), None);
    }
}
