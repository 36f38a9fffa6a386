//! Requests rsipstack's parser refuses, read well enough to be answered.
//!
//! rsipstack drops, without a word, any request whose method it does not know (an extension
//! method, RFC 4475 §3.1.1.2 and §3.1.1.5, or §3.1.2.18's mismatched one) or whose Request-URI its
//! reader refuses (RFC 5118 §4.10's three-colon IPv6 reference). RFC 3261 wants those answered —
//! 501 for a method nobody here implements (§8.2.1), 400 for a malformed request, 200 to an
//! OPTIONS probe. This reads the request line the way the stack's parser will and, when the parser
//! would refuse it, reads the rest under a stand-in line, so the door (`sip::edge`) can answer
//! statelessly. The door's UDP socket (`sip::datagram`) asks before the stack sees a datagram; a
//! stream hands over the whole message the stack could not read (`TransportEvent::Unparsed`).

use rsipstack::sip::{Method, Request, SipMessage, Transport, Uri, Version};
use rsipstack::transport::SipConnection;
use std::net::SocketAddr;

/// The request line that stands in for one the stack cannot read, so the rest of the message
/// (Via, From, To, Call-ID, CSeq...) can be parsed for the answer.
const STAND_IN: &[u8] = b"OPTIONS sip:invalid SIP/2.0";

/// What the door makes of a message.
#[derive(Debug)]
pub enum Reading {
    /// For the stack: a response, a request it can parse, or bytes nobody can read (which the
    /// stack drops).
    Stack,
    /// A request the stack would drop, kept back for the door.
    Unreadable(Box<Unreadable>),
}

/// A request whose request line the stack cannot read.
#[derive(Debug)]
pub struct Unreadable {
    /// The method as sent (case kept: method names are case-sensitive, RFC 3261 §7.1).
    pub method: String,
    /// The method, when the stack knows it (so it was the Request-URI that could not be read).
    pub known: Option<Method>,
    /// The rest of the message, parsed under `OPTIONS sip:invalid` with the version as sent;
    /// its headers and body are the datagram's.
    pub request: Request,
}

/// Reads the request line of a message from `source` over `transport` the way rsipstack's
/// parser will, and when the parser would refuse it, reads the rest under a stand-in line.
pub fn read(packet: &[u8], source: SocketAddr, transport: Transport) -> Reading {
    let Some(end) = packet.windows(2).position(|w| w == b"\r\n") else {
        return Reading::Stack;
    };
    let Ok(line) = std::str::from_utf8(&packet[..end]) else {
        return Reading::Stack;
    };
    if line.starts_with("SIP/") {
        return Reading::Stack;
    }
    // As rsipstack splits it (`sip::parser`): method, URI, and the rest as the version.
    let mut parts = line.splitn(3, [' ', '\t']);
    let (Some(method), Some(uri), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Reading::Stack;
    };
    let known = method.parse::<Method>().ok();
    if known.is_some() && Uri::try_from(uri).is_ok() {
        return Reading::Stack;
    }
    if !is_token(method) {
        return Reading::Stack;
    }
    let Ok(version) = version.trim().parse::<Version>() else {
        return Reading::Stack;
    };
    let mut stand_in = Vec::with_capacity(packet.len());
    stand_in.extend_from_slice(STAND_IN);
    stand_in.extend_from_slice(&packet[end..]);
    let Ok(message) = SipMessage::try_from(stand_in.as_slice()) else {
        return Reading::Stack;
    };
    // The transport stamps `received`/`rport` on the top Via of what it reads; so do we.
    let Ok(SipMessage::Request(mut request)) =
        SipConnection::update_msg_received(message, source, transport)
    else {
        return Reading::Stack;
    };
    request.version = version;
    Reading::Unreadable(Box::new(Unreadable {
        method: method.to_string(),
        known,
        request,
    }))
}

/// `token` (RFC 3261 §25.1), the grammar of a method name.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c))
}

#[cfg(test)]
mod tests;
