//! The slice of SDP (RFC 4566) a G.711 endpoint needs: read an audio offer, choose a codec by the
//! caller's preference (RFC 3264), write the answer. Small, pure and fuzzed (fuzz/).
//!
//! RFC 3264 as far as it concerns us: the answer has one m= line per offered m= line, in order, with
//! port 0 for every stream we refuse (video, a second audio stream, a profile we may not use); the
//! o= line keeps one session id per call leg and its version moves only when what we describe
//! changes ([`Origin`]).
//!
//! SRTP (RFC 4568 SDES) follows `[media] srtp` ([`SrtpPolicy`]): `off` takes only plain
//! `RTP/AVP(F)` streams and ignores keys; `offer` also takes `RTP/SAVP(F)` with a usable key and
//! uses the key of a plain stream that carries one (best-effort SRTP); `require` takes only a
//! stream with a usable key. The chosen stream's key is [`AudioOffer::crypto`]; the answer then
//! carries ours under the same tag.

mod origin;

use super::g711::Law;
use super::srtp::{self, Crypto, SrtpPolicy};
pub use origin::Origin;
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
    #[error("only SRTP (RTP/SAVP) audio offered and [media] srtp is off")]
    SrtpOnly,
    #[error("SRTP audio offered without a usable key (AES_CM_128_HMAC_SHA1_80 inline)")]
    SrtpNoKey,
    #[error("[media] srtp = \"require\" and no audio stream carries a usable key")]
    SrtpRequired,
    #[error("a re-offer may not turn SRTP on or off, or change its key, within a call")]
    SrtpChanged,
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
    /// The far end's SRTP key for the audio stream, when the call is to be encrypted.
    pub crypto: Option<Crypto>,
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
    /// The far end's key and its tag: the leg is SRTP (our key is the leg's [`Origin::key`]).
    pub srtp: Option<Crypto>,
}

impl Negotiated {
    /// The leg's SRTP when it was agreed: our key (the leg's) for sending, theirs for receiving.
    pub fn srtp_leg(&self, origin: &Origin) -> Result<Option<srtp::SrtpLeg>, srtp::SrtpError> {
        self.srtp
            .map(|theirs| srtp::SrtpLeg::new(origin.key(), &theirs.key))
            .transpose()
    }
}

impl Negotiated {
    /// What a re-offer inside the call is answered with: the codec chosen at the start, the
    /// offer's key tag. A re-offer that switches SRTP on or off or brings a new key is refused
    /// (488; the call goes on as it was): the media would need new keys mid-stream.
    pub fn reoffer(&self, offer: &AudioOffer) -> Result<Negotiated, SdpError> {
        match (&self.srtp, &offer.crypto) {
            (None, None) => Ok(*self),
            (Some(now), Some(new)) if now.key == new.key => Ok(Negotiated {
                srtp: Some(*new),
                ..*self
            }),
            _ => Err(SdpError::SrtpChanged),
        }
    }
}

/// Reads an offer (or an answer to our offer). The audio stream is the first `m=audio` line with
/// a port and a profile `policy` lets us use (see the module doc); every m= line is kept for the
/// answer.
pub fn parse_offer(body: &[u8], policy: SrtpPolicy) -> Result<AudioOffer, SdpError> {
    let text = std::str::from_utf8(body).map_err(|_| SdpError::NotText)?;
    let mut session_addr: Option<String> = None;
    let mut session_dir = Direction::SendRecv;
    let mut sections: Vec<Section> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let Some((kind, value)) = line.split_once('=') else {
            continue;
        };
        match (kind, sections.last_mut()) {
            ("m", _) => sections.push(Section::new(parse_media(value)?)),
            ("c", None) => session_addr = Some(conn_addr(value)?),
            ("c", Some(m)) => m.addr = Some(conn_addr(value)?),
            ("a", None) => {
                if let Some(d) = direction_attr(value) {
                    session_dir = d;
                }
            }
            ("a", Some(m)) => m.attribute(value),
            _ => {}
        }
    }
    let mut refusal = SdpError::NoAudio;
    let mut chosen = None;
    for (i, section) in sections.iter().enumerate() {
        match section.usable(policy) {
            Ok(crypto) => {
                chosen = Some((i, crypto));
                break;
            }
            Err(Some(why)) if refusal == SdpError::NoAudio => refusal = why,
            Err(_) => {}
        }
    }
    let Some((audio_line, crypto)) = chosen else {
        return Err(refusal);
    };
    let lines: Vec<MediaLine> = sections.iter().map(|s| s.line.clone()).collect();
    let audio = sections.swap_remove(audio_line);
    let formats = audio
        .line
        .formats
        .iter()
        .filter_map(|f| f.parse::<u8>().ok())
        .filter(|pt| *pt < 128)
        .collect();
    let addr_text = audio.addr.or(session_addr).ok_or(SdpError::NoConnection)?;
    let addr = addr_text
        .parse()
        .map_err(|_| SdpError::BadConnection(addr_text.clone()))?;
    Ok(AudioOffer {
        addr,
        port: audio.line.port,
        formats,
        rtpmaps: audio.rtpmaps,
        direction: audio.direction.unwrap_or(session_dir),
        audio_line,
        lines,
        crypto,
    })
}

/// One m= line and the attributes under it that we read.
struct Section<'a> {
    line: MediaLine,
    addr: Option<String>,
    direction: Option<Direction>,
    rtpmaps: Vec<(u8, String, u32)>,
    cryptos: Vec<&'a str>,
}

/// More `a=crypto` lines than any real offer has (one per suite and key) are not read.
const MAX_CRYPTO: usize = 8;

impl<'a> Section<'a> {
    fn new(line: MediaLine) -> Section<'a> {
        Section {
            line,
            addr: None,
            direction: None,
            rtpmaps: Vec::new(),
            cryptos: Vec::new(),
        }
    }

    fn attribute(&mut self, value: &'a str) {
        if let Some(d) = direction_attr(value) {
            self.direction = Some(d);
        } else if let Some(map) = value.strip_prefix("rtpmap:") {
            if let Some(m) = parse_rtpmap(map) {
                self.rtpmaps.push(m);
            }
        } else if let Some(c) = value.strip_prefix("crypto:")
            && self.cryptos.len() < MAX_CRYPTO
        {
            self.cryptos.push(c);
        }
    }

    /// Whether this stream can be the call's audio under `policy`, and with which key. `Err(None)`:
    /// not an audio stream at all; `Err(Some(why))`: audio we may not take.
    fn usable(&self, policy: SrtpPolicy) -> Result<Option<Crypto>, Option<SdpError>> {
        let line = &self.line;
        if line.kind != "audio" || line.port == 0 {
            return Err(None);
        }
        let secure = secure_rtp(&line.proto);
        if !secure && !plain_rtp(&line.proto) {
            return Err(None);
        }
        let key = match policy {
            SrtpPolicy::Off => None,
            SrtpPolicy::Offer | SrtpPolicy::Require => srtp::choose(self.cryptos.iter().copied()),
        };
        match (policy, secure, key) {
            (SrtpPolicy::Off, true, _) => Err(Some(SdpError::SrtpOnly)),
            (SrtpPolicy::Require, _, None) => Err(Some(SdpError::SrtpRequired)),
            (SrtpPolicy::Offer, true, None) => Err(Some(SdpError::SrtpNoKey)),
            (_, _, key) => Ok(key),
        }
    }
}

/// RTP without security: what we can answer. `RTP/AVPF` is AVP plus feedback we never ask for.
fn plain_rtp(proto: &str) -> bool {
    matches!(proto, "RTP/AVP" | "RTP/AVPF")
}

/// SRTP profiles (RFC 3711, RFC 5124): usable only with a key.
fn secure_rtp(proto: &str) -> bool {
    matches!(proto, "RTP/SAVP" | "RTP/SAVPF")
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
        srtp: offer.crypto,
    })
}

fn ip_kind(addr: IpAddr) -> &'static str {
    match addr {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

/// The telephone-event payload type we offer on outgoing legs.
pub const OFFER_DTMF_PT: u8 = 101;

/// The tag of the one `a=crypto` line in our offers.
pub const OFFER_CRYPTO_TAG: u32 = 1;

/// Our offer for an outgoing leg (an agent, a callback's client): PCMU, PCMA and telephone-event,
/// so any G.711 phone can answer and keys can be relayed in band. With `srtp = "offer"` the plain
/// profile carries our key (best-effort SRTP: a phone without SRTP ignores it and answers plain);
/// with `"require"` the profile is `RTP/SAVP`.
pub fn write_offer(addr: IpAddr, port: u16, origin: &mut Origin, policy: SrtpPolicy) -> Vec<u8> {
    let ip = ip_kind(addr);
    let dt = OFFER_DTMF_PT;
    let (proto, crypto) = match policy {
        SrtpPolicy::Off => ("RTP/AVP", String::new()),
        SrtpPolicy::Offer => ("RTP/AVP", crypto_attr(OFFER_CRYPTO_TAG, origin)),
        SrtpPolicy::Require => ("RTP/SAVP", crypto_attr(OFFER_CRYPTO_TAG, origin)),
    };
    let rest = format!(
        "s=frontdesk\r\nc=IN {ip} {addr}\r\nt=0 0\r\n\
         m=audio {port} {proto} 0 8 {dt}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:{dt} telephone-event/8000\r\na=fmtp:{dt} 0-15\r\na=ptime:20\r\n{crypto}a=sendrecv\r\n"
    );
    origin.stamp(addr, rest)
}

/// `a=crypto:` with our key of this leg under `tag`.
fn crypto_attr(tag: u32, origin: &Origin) -> String {
    let ours = Crypto {
        tag,
        key: *origin.key(),
    };
    format!("a=crypto:{}\r\n", ours.format())
}

/// Our answer to `offer`: one m= line per offered line, the audio stream at `addr:port` with the
/// negotiated codec (and our key, when the leg is SRTP), every other line refused with port 0. Without an offer (our own offer in the
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
    if let Some(theirs) = &n.srtp {
        attrs.push_str(&crypto_attr(theirs.tag, origin));
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
        // Our own offer inside the call (hold, an offerless re-INVITE): the profile that says
        // what the call is.
        None if n.srtp.is_some() => rest.push_str(&audio("RTP/SAVP")),
        None => rest.push_str(&audio("RTP/AVP")),
    }
    origin.stamp(addr, rest)
}

#[cfg(test)]
mod srtp_tests;
#[cfg(test)]
mod tests;
