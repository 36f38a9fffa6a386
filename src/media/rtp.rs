//! RTP packets (RFC 3550): parsing and building the fixed header, no I/O.

/// A parsed RTP packet borrowing its payload from the datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    #[error("datagram shorter than an RTP header")]
    TooShort,
    #[error("RTP version {0}, expected 2")]
    Version(u8),
    #[error("header extension or padding runs past the datagram")]
    Truncated,
}

const HEADER: usize = 12;

/// Parses a datagram. RTCP (payload types 72–76 with the marker bit: 200–204) is the caller's to
/// filter; see [`is_rtcp`].
pub fn parse(buf: &[u8]) -> Result<Packet<'_>, RtpError> {
    if buf.len() < HEADER {
        return Err(RtpError::TooShort);
    }
    let version = buf[0] >> 6;
    if version != 2 {
        return Err(RtpError::Version(version));
    }
    let padding = buf[0] & 0x20 != 0;
    let extension = buf[0] & 0x10 != 0;
    let csrc_count = usize::from(buf[0] & 0x0F);
    let mut start = HEADER + 4 * csrc_count;
    if buf.len() < start {
        return Err(RtpError::Truncated);
    }
    if extension {
        if buf.len() < start + 4 {
            return Err(RtpError::Truncated);
        }
        let words = usize::from(u16::from_be_bytes([buf[start + 2], buf[start + 3]]));
        start += 4 + 4 * words;
        if buf.len() < start {
            return Err(RtpError::Truncated);
        }
    }
    let mut end = buf.len();
    if padding {
        let pad = usize::from(buf[end - 1]);
        if pad == 0 || end - start < pad {
            return Err(RtpError::Truncated);
        }
        end -= pad;
    }
    Ok(Packet {
        marker: buf[1] & 0x80 != 0,
        payload_type: buf[1] & 0x7F,
        sequence: u16::from_be_bytes([buf[2], buf[3]]),
        timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
        ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
        payload: &buf[start..end],
    })
}

/// RTCP shares the port when rtcp-mux is used; its second byte is a packet type 200–204.
pub fn is_rtcp(buf: &[u8]) -> bool {
    buf.len() >= 2 && (200..=204).contains(&buf[1])
}

/// Writes a header and payload into `out` (cleared first).
pub fn build(out: &mut Vec<u8>, p: &Packet<'_>) {
    out.clear();
    out.reserve(HEADER + p.payload.len());
    out.push(0x80);
    out.push((u8::from(p.marker) << 7) | (p.payload_type & 0x7F));
    out.extend_from_slice(&p.sequence.to_be_bytes());
    out.extend_from_slice(&p.timestamp.to_be_bytes());
    out.extend_from_slice(&p.ssrc.to_be_bytes());
    out.extend_from_slice(p.payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let payload = [1u8, 2, 3, 4];
        let p = Packet {
            marker: true,
            payload_type: 101,
            sequence: 65535,
            timestamp: 0xDEAD_BEEF,
            ssrc: 0x1234_5678,
            payload: &payload,
        };
        let mut buf = Vec::new();
        build(&mut buf, &p);
        assert_eq!(buf.len(), 16);
        assert_eq!(parse(&buf).unwrap(), p);
    }

    #[test]
    fn csrc_extension_and_padding_are_skipped() {
        let mut buf = vec![0x80 | 0x20 | 0x10 | 1, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7];
        buf.extend_from_slice(&[9, 9, 9, 9]); // one CSRC
        buf.extend_from_slice(&[0xBE, 0xDE, 0, 1, 5, 5, 5, 5]); // one extension word
        buf.extend_from_slice(&[0xAA, 0xBB]); // payload
        buf.extend_from_slice(&[0, 0, 3]); // three bytes of padding
        let p = parse(&buf).unwrap();
        assert_eq!(p.payload, &[0xAA, 0xBB]);
        assert_eq!(p.timestamp, 160);
        assert_eq!(p.ssrc, 7);
    }

    #[test]
    fn malformed_datagrams_are_errors_not_panics() {
        assert_eq!(parse(&[0x80; 5]), Err(RtpError::TooShort));
        assert_eq!(parse(&[0x40; 12]), Err(RtpError::Version(1)));
        assert_eq!(
            parse(&[0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(RtpError::Truncated)
        );
        let mut padded = vec![0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        padded.push(200);
        assert_eq!(parse(&padded), Err(RtpError::Truncated));
        for len in 0..40 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 0x91) as u8).collect();
            let _ = parse(&junk);
        }
        assert!(is_rtcp(&[0x81, 200, 0, 6]));
    }
}
