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

/// The RFC 4733 event code of a DTMF key (the inverse of [`event_digit`]).
pub fn digit_event(digit: char) -> Option<u8> {
    match digit {
        '0'..='9' => Some(digit as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(digit as u8 - b'A' + 12),
        _ => None,
    }
}

/// How many 20 ms ticks a relayed key is held down (100 ms, well above the 40 ms receivers need).
const PRESS_TICKS: u16 = 5;
/// The end packet is sent three times (RFC 4733 §2.5.1.4), one per tick.
const END_REPEATS: u16 = 3;
/// Audio ticks between two relayed keys, so the far end sees two presses.
const GAP_TICKS: u16 = 2;

/// One telephone-event packet to send this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToneTick {
    pub code: u8,
    /// First packet of the press: new RTP timestamp, marker bit set.
    pub start: bool,
    pub end: bool,
    /// In timestamp units (8 kHz) since the press began.
    pub duration: u16,
}

impl ToneTick {
    /// The 4-byte payload (volume 10 dBm0 below full scale).
    pub fn payload(&self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [self.code, if self.end { 0x80 | 10 } else { 10 }, d[0], d[1]]
    }
}

/// Relays keys as RFC 4733 events, sans-IO: asked once per 20 ms tick what to send instead of
/// audio. Keys queue, so a fast typist's digits all arrive in order.
#[derive(Debug, Default)]
pub struct Rfc4733Sender {
    queue: std::collections::VecDeque<u8>,
    /// Code of the press under way and ticks spent on it (press, end packets, gap).
    current: Option<(u8, u16)>,
}

impl Rfc4733Sender {
    pub fn push(&mut self, digit: char) {
        if let Some(code) = digit_event(digit) {
            self.queue.push_back(code);
        }
    }

    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.queue.is_empty()
    }

    /// What this tick carries: an event packet, or `None` for audio.
    pub fn tick(&mut self) -> Option<ToneTick> {
        if self.current.is_none() {
            self.current = self.queue.pop_front().map(|c| (c, 0));
        }
        let (code, n) = self.current?;
        let total = PRESS_TICKS + END_REPEATS + GAP_TICKS;
        self.current = (n + 1 < total).then_some((code, n + 1));
        if n >= PRESS_TICKS + END_REPEATS {
            return None;
        }
        let end = n >= PRESS_TICKS;
        let held = if end { PRESS_TICKS } else { n + 1 };
        Some(ToneTick {
            code,
            start: n == 0,
            end,
            duration: held * 160,
        })
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
    fn relayed_keys_are_read_back_once_each_in_order() {
        let mut tx = Rfc4733Sender::default();
        for d in ['1', '#', '1', 'x'] {
            tx.push(d);
        }
        let mut rx = Rfc4733Receiver::default();
        let mut ts = 0u32;
        let mut start_ts = 0u32;
        let mut got = Vec::new();
        let mut ends = 0;
        for _ in 0..100 {
            ts += 160;
            if let Some(t) = tx.tick() {
                if t.start {
                    start_ts = ts;
                }
                ends += usize::from(t.end);
                got.extend(rx.on_packet(start_ts, &t.payload()).map(|d| d.digit));
            }
        }
        assert_eq!(got, ['1', '#', '1'], "the unknown key is dropped");
        assert_eq!(ends, 9, "three end packets per press");
        assert!(tx.is_idle());
        assert_eq!(rx.duration, 800);
    }

    #[test]
    fn event_codes_round_trip() {
        for code in 0..16 {
            let d = event_digit(code).unwrap();
            assert_eq!(digit_event(d), Some(code));
        }
        assert_eq!(digit_event('x'), None);
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
