//! The slice of SDP (RFC 4566) a G.711 endpoint needs: read an audio offer, choose a codec by the
//! caller's preference (RFC 3264), write the answer. Small, pure and fuzzed (fuzz/).
//!
//! RFC 3264 as far as it concerns us: the answer has one m= line per offered m= line, in order, with
//! port 0 for every stream we refuse (video, a second audio stream, SRTP); the o= line keeps one
//! session id per call leg and its version moves only when what we describe changes ([`Origin`]).
//! We have no SRTP, so `RTP/SAVP` (and the other secure profiles) are refused: an offer whose only
//! audio is secure gets [`SdpError::SrtpOnly`], which the call answers with 488.

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
    #[error("only SRTP (RTP/SAVP) audio offered; SRTP is not supported")]
    SrtpOnly,
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

/// One m= line as offered, kept so the answer can mirror it (RFC 3264 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaLine {
    pub kind: String,
    pub port: u16,
    pub proto: String,
    /// The format tokens as offered (payload types, for RTP).
    pub formats: Vec<String>,
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
    /// Every m= line of the offer, in order; the audio stream above is `lines[audio_line]`.
    pub lines: Vec<MediaLine>,
    pub audio_line: usize,
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

/// Reads an offer (or an answer to our offer). The audio stream is the first `m=audio` line with
/// a port and a plain RTP profile; every m= line is kept for the answer.
pub fn parse_offer(body: &[u8]) -> Result<AudioOffer, SdpError> {
    let text = std::str::from_utf8(body).map_err(|_| SdpError::NotText)?;
    let mut session_addr: Option<String> = None;
    let mut session_dir = Direction::SendRecv;
    let mut lines: Vec<MediaLine> = Vec::new();
    let mut audio_line: Option<usize> = None;
    let mut secure_audio = false;
    let mut audio_addr: Option<String> = None;
    let mut audio_dir: Option<Direction> = None;
    let mut rtpmaps = Vec::new();
    let mut section = Section::Session;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let Some((kind, value)) = line.split_once('=') else {
            continue;
        };
        match (kind, &section) {
            ("m", _) => {
                let media = parse_media(value)?;
                let usable = media.kind == "audio" && media.port != 0;
                section = if usable && audio_line.is_none() && plain_rtp(&media.proto) {
                    audio_line = Some(lines.len());
                    Section::Audio
                } else {
                    secure_audio |= usable && media.proto.contains("SAVP");
                    Section::Other
                };
                lines.push(media);
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
    let Some(audio_line) = audio_line else {
        return Err(if secure_audio {
            SdpError::SrtpOnly
        } else {
            SdpError::NoAudio
        });
    };
    let audio = &lines[audio_line];
    let formats = audio
        .formats
        .iter()
        .filter_map(|f| f.parse::<u8>().ok())
        .filter(|pt| *pt < 128)
        .collect();
    let addr_text = audio_addr.or(session_addr).ok_or(SdpError::NoConnection)?;
    let addr = addr_text
        .parse()
        .map_err(|_| SdpError::BadConnection(addr_text.clone()))?;
    Ok(AudioOffer {
        addr,
        port: audio.port,
        formats,
        rtpmaps,
        direction: audio_dir.unwrap_or(session_dir),
        audio_line,
        lines,
    })
}

enum Section {
    Session,
    Audio,
    Other,
}

/// RTP without security: what we can answer. `RTP/AVPF` is AVP plus feedback we never ask for.
fn plain_rtp(proto: &str) -> bool {
    matches!(proto, "RTP/AVP" | "RTP/AVPF")
}

/// `audio 4000 RTP/AVP 0 8 101` → the line; `port/count` keeps the port.
fn parse_media(value: &str) -> Result<MediaLine, SdpError> {
    let bad = || SdpError::BadMedia(value.to_string());
    let mut it = value.split_ascii_whitespace();
    let kind = it.next().ok_or_else(bad)?;
    let port = it.next().ok_or_else(bad)?;
    let port: u16 = port
        .split('/')
        .next()
        .unwrap_or(port)
        .parse()
        .map_err(|_| bad())?;
    let proto = it.next().ok_or_else(bad)?;
    Ok(MediaLine {
        kind: kind.to_string(),
        port,
        proto: proto.to_string(),
        formats: it.map(str::to_string).collect(),
    })
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

/// The o= line of one call leg (RFC 3264 §5, §8). The session id stays for the leg's life; the
/// version goes up by one exactly when the description changes, so the far end can tell a
/// re-INVITE answered with nothing new (a refresh) from one that moves or holds the media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    id: u64,
    version: u64,
    /// Everything after the o= line, as last sent.
    last: Option<String>,
}

impl Origin {
    /// `id` should be unique per leg; a random number is what RFC 4566 asks for in practice.
    pub fn new(id: u64) -> Origin {
        Origin {
            id,
            version: id,
            last: None,
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// The full description: our o= line (version moved on if `rest` differs from last time)
    /// followed by `rest`.
    fn stamp(&mut self, addr: IpAddr, rest: String) -> Vec<u8> {
        match &self.last {
            Some(last) if *last == rest => {}
            last => {
                if last.is_some() {
                    self.version = self.version.wrapping_add(1);
                }
                self.last = Some(rest.clone());
            }
        }
        format!(
            "v=0\r\no=frontdesk {} {} IN {} {addr}\r\n{rest}",
            self.id,
            self.version,
            ip_kind(addr)
        )
        .into_bytes()
    }
}

fn ip_kind(addr: IpAddr) -> &'static str {
    match addr {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

/// The telephone-event payload type we offer on outgoing legs.
pub const OFFER_DTMF_PT: u8 = 101;

/// Our offer for an outgoing leg (an agent): PCMU, PCMA and telephone-event, so any G.711 phone can
/// answer and keys can be relayed in band.
pub fn write_offer(addr: IpAddr, port: u16, origin: &mut Origin) -> Vec<u8> {
    let ip = ip_kind(addr);
    let dt = OFFER_DTMF_PT;
    let rest = format!(
        "s=frontdesk\r\nc=IN {ip} {addr}\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 8 {dt}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:{dt} telephone-event/8000\r\na=fmtp:{dt} 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
    );
    origin.stamp(addr, rest)
}

/// Our answer to `offer`: one m= line per offered line, the audio stream at `addr:port` with the
/// negotiated codec, every other line refused with port 0. Without an offer (our own offer in the
/// 200 to an offerless re-INVITE, or our hold re-INVITE) it is the audio line alone.
pub fn write_answer(
    addr: IpAddr,
    port: u16,
    offer: Option<&AudioOffer>,
    n: &Negotiated,
    direction: Direction,
    origin: &mut Origin,
) -> Vec<u8> {
    let ip = ip_kind(addr);
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
    let dir = direction.as_attr();
    let audio =
        |proto: &str| format!("m=audio {port} {proto} {fmts}\r\n{attrs}a=ptime:20\r\na={dir}\r\n");
    let mut rest = format!("s=frontdesk\r\nc=IN {ip} {addr}\r\nt=0 0\r\n");
    match offer {
        Some(offer) => {
            for (i, line) in offer.lines.iter().enumerate() {
                if i == offer.audio_line {
                    rest.push_str(&audio(&line.proto));
                } else {
                    // Refused: port 0, and the offered formats (an m= line needs at least one).
                    let formats = if line.formats.is_empty() {
                        "0".to_string()
                    } else {
                        line.formats.join(" ")
                    };
                    rest.push_str(&format!("m={} 0 {} {formats}\r\n", line.kind, line.proto));
                }
            }
        }
        None => rest.push_str(&audio("RTP/AVP")),
    }
    origin.stamp(addr, rest)
}

#[cfg(test)]
mod tests;
