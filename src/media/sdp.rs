//! The slice of SDP (RFC 4566) a G.711 endpoint needs: read an audio offer, choose a codec by the
//! caller's preference (RFC 3264), write the answer. Small, pure and fuzzed (fuzz/).

use super::g711::Law;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("SDP is not UTF-8")]
    NotText,
    #[error("no audio stream in the offer")]
    NoAudio,
    #[error("bad m= line {0:?}")]
    BadMedia(String),
    #[error("no connection address for the audio stream")]
    NoConnection,
    #[error("bad connection address {0:?}")]
    BadConnection(String),
}

/// Media direction (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    fn as_attr(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// What we answer to an offer with this direction.
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }
}

/// The audio stream of an offer, as far as we care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioOffer {
    pub addr: IpAddr,
    pub port: u16,
    /// Payload types in the caller's order of preference.
    pub formats: Vec<u8>,
    /// (payload type, encoding name lower-case, clock rate) from a=rtpmap.
    pub rtpmaps: Vec<(u8, String, u32)>,
    pub direction: Direction,
}

impl AudioOffer {
    /// Held when the caller stops sending to us (sendonly/inactive) or uses the old 0.0.0.0 form.
    pub fn is_hold(&self) -> bool {
        matches!(self.direction, Direction::SendOnly | Direction::Inactive)
            || self.addr.is_unspecified()
    }

    fn name_of(&self, pt: u8) -> Option<(&str, u32)> {
        self.rtpmaps
            .iter()
            .find(|(p, _, _)| *p == pt)
            .map(|(_, n, r)| (n.as_str(), *r))
    }
}

/// What we agreed to use for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub law: Law,
    pub payload_type: u8,
    /// The caller's telephone-event payload type, if offered at 8 kHz.
    pub dtmf_pt: Option<u8>,
}

pub fn parse_offer(body: &[u8]) -> Result<AudioOffer, SdpError> {
    let text = std::str::from_utf8(body).map_err(|_| SdpError::NotText)?;
    let mut session_addr: Option<String> = None;
    let mut session_dir = Direction::SendRecv;
    let mut audio: Option<(u16, Vec<u8>)> = None;
    let mut audio_addr: Option<String> = None;
    let mut audio_dir: Option<Direction> = None;
    let mut rtpmaps = Vec::new();
    // Only the first audio m= section counts; later sections are skipped.
    let mut section = Section::Session;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let Some((kind, value)) = line.split_once('=') else {
            continue;
        };
        match (kind, &section) {
            ("m", _) => {
                if audio.is_some() || !value.starts_with("audio ") {
                    section = Section::Other;
                    continue;
                }
                audio = Some(parse_media(value)?);
                section = Section::Audio;
            }
            ("c", Section::Session) => session_addr = Some(conn_addr(value)?),
            ("c", Section::Audio) => audio_addr = Some(conn_addr(value)?),
            ("a", Section::Session) => {
                if let Some(d) = direction_attr(value) {
                    session_dir = d;
                }
            }
            ("a", Section::Audio) => {
                if let Some(d) = direction_attr(value) {
                    audio_dir = Some(d);
                } else if let Some(map) = value.strip_prefix("rtpmap:")
                    && let Some(m) = parse_rtpmap(map)
                {
                    rtpmaps.push(m);
                }
            }
            _ => {}
        }
    }
    let (port, formats) = audio.ok_or(SdpError::NoAudio)?;
    let addr_text = audio_addr.or(session_addr).ok_or(SdpError::NoConnection)?;
    let addr = addr_text
        .parse()
        .map_err(|_| SdpError::BadConnection(addr_text.clone()))?;
    Ok(AudioOffer {
        addr,
        port,
        formats,
        rtpmaps,
        direction: audio_dir.unwrap_or(session_dir),
    })
}

enum Section {
    Session,
    Audio,
    Other,
}

fn parse_media(value: &str) -> Result<(u16, Vec<u8>), SdpError> {
    let bad = || SdpError::BadMedia(value.to_string());
    let mut it = value.split_ascii_whitespace();
    let _media = it.next().ok_or_else(bad)?;
    let port = it.next().ok_or_else(bad)?;
    let port: u16 = port
        .split('/')
        .next()
        .unwrap_or(port)
        .parse()
        .map_err(|_| bad())?;
    let proto = it.next().ok_or_else(bad)?;
    if !proto.starts_with("RTP/") {
        return Err(bad());
    }
    let formats = it
        .filter_map(|f| f.parse::<u8>().ok())
        .filter(|pt| *pt < 128)
        .collect();
    Ok((port, formats))
}

/// `IN IP4 192.0.2.1` → the address (multicast TTL suffixes dropped).
fn conn_addr(value: &str) -> Result<String, SdpError> {
    let mut it = value.split_ascii_whitespace();
    match (it.next(), it.next(), it.next()) {
        (Some("IN"), Some("IP4" | "IP6"), Some(addr)) => {
            Ok(addr.split('/').next().unwrap_or(addr).to_string())
        }
        _ => Err(SdpError::BadConnection(value.to_string())),
    }
}

fn direction_attr(value: &str) -> Option<Direction> {
    match value.trim() {
        "sendrecv" => Some(Direction::SendRecv),
        "sendonly" => Some(Direction::SendOnly),
        "recvonly" => Some(Direction::RecvOnly),
        "inactive" => Some(Direction::Inactive),
        _ => None,
    }
}

fn parse_rtpmap(map: &str) -> Option<(u8, String, u32)> {
    let (pt, rest) = map.split_once(' ')?;
    let pt: u8 = pt.trim().parse().ok()?;
    let mut parts = rest.trim().split('/');
    let name = parts.next()?.to_ascii_lowercase();
    let rate = parts.next()?.parse().ok()?;
    Some((pt, name, rate))
}

/// Picks the first G.711 format in the caller's order; `None` means 488 Not Acceptable Here.
pub fn negotiate(offer: &AudioOffer) -> Option<Negotiated> {
    let law = offer.formats.iter().find_map(|&pt| {
        let law = match offer.name_of(pt) {
            Some(("pcmu", 8000)) => Some(Law::Ulaw),
            Some(("pcma", 8000)) => Some(Law::Alaw),
            Some(_) => None,
            // Static payload types need no rtpmap.
            None if pt == 0 => Some(Law::Ulaw),
            None if pt == 8 => Some(Law::Alaw),
            None => None,
        };
        law.map(|l| (l, pt))
    })?;
    let dtmf_pt = offer
        .formats
        .iter()
        .copied()
        .find(|&pt| offer.name_of(pt) == Some(("telephone-event", 8000)));
    Some(Negotiated {
        law: law.0,
        payload_type: law.1,
        dtmf_pt,
    })
}

/// The telephone-event payload type we offer on outgoing legs.
pub const OFFER_DTMF_PT: u8 = 101;

/// Our offer for an outgoing leg (an agent): PCMU, PCMA and telephone-event, so any G.711 phone can
/// answer and keys can be relayed in band.
pub fn write_offer(addr: IpAddr, port: u16, session_id: u64) -> Vec<u8> {
    let ip = match addr {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    };
    let dt = OFFER_DTMF_PT;
    format!(
        "v=0\r\no=frontdesk {session_id} {session_id} IN {ip} {addr}\r\ns=frontdesk\r\nc=IN {ip} {addr}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 8 {dt}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:{dt} telephone-event/8000\r\na=fmtp:{dt} 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
    )
    .into_bytes()
}

/// Our answer (or offer, for outgoing legs): one audio stream at `addr:port`.
pub fn write_answer(
    addr: IpAddr,
    port: u16,
    n: &Negotiated,
    direction: Direction,
    session_id: u64,
) -> Vec<u8> {
    let ip = match addr {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    };
    let name = match n.law {
        Law::Ulaw => "PCMU",
        Law::Alaw => "PCMA",
    };
    let mut fmts = n.payload_type.to_string();
    let mut attrs = format!("a=rtpmap:{} {name}/8000\r\n", n.payload_type);
    if let Some(dt) = n.dtmf_pt {
        fmts.push_str(&format!(" {dt}"));
        attrs.push_str(&format!(
            "a=rtpmap:{dt} telephone-event/8000\r\na=fmtp:{dt} 0-15\r\n"
        ));
    }
    format!(
        "v=0\r\no=frontdesk {session_id} {session_id} IN {ip} {addr}\r\ns=frontdesk\r\nc=IN {ip} {addr}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP {fmts}\r\n{attrs}a=ptime:20\r\na={}\r\n",
        direction.as_attr()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests;
