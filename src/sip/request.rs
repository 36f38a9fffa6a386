//! What we read off an incoming request: who is calling, from where, and with what body.

use crate::phone::{self, Region};
use ipnet::IpNet;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Request};
use rsipstack::transaction::transaction::Transaction;
use std::net::{IpAddr, SocketAddr};

/// The address a request really came from: the socket's peer, as the transport saw it. Never a
/// header (a Via's `received` or sent-by is whatever the sender wrote).
pub fn peer_of(tx: &Transaction) -> Option<SocketAddr> {
    // For UDP the stack hands each transaction a connection bound to the datagram's sender;
    // for TCP and TLS it is the accepted stream. Either way the remote end, never `get_addr`
    // (which is our own side of a stream).
    tx.connection
        .as_ref()?
        .get_remote_addr()?
        .get_socketaddr()
        .ok()
}

/// Trunk mode: only the PBX's addresses may send us calls.
pub fn source_allowed(ip: Option<IpAddr>, allowed: &[IpNet]) -> bool {
    ip.is_some_and(|ip| allowed.iter().any(|net| net.contains(&ip)))
}

/// Whose word on the caller's number we take: P-Asserted-Identity only from the sources in
/// `[pbx] trust_identity_from` (by default the trunk), the From user part from everyone else.
#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    pub trust: Vec<IpNet>,
    pub region: Region,
}

/// Who called, as far as we can tell, and what they claimed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// The number we believe (PAI from a trusted source, else From), as presented.
    pub number: Option<String>,
    /// `number` in E.164, when it is a phone number.
    pub phone: Option<String>,
    pub from: Option<String>,
    pub asserted: Option<String>,
    pub source: Option<SocketAddr>,
}

impl IdentityPolicy {
    pub fn caller(&self, req: &Request, source: Option<SocketAddr>) -> Caller {
        let from = from_user(req);
        let asserted = asserted_identity(req);
        let trusted = source.is_some_and(|s| self.trust.iter().any(|n| n.contains(&s.ip())));
        let number = if trusted {
            asserted.clone().or_else(|| from.clone())
        } else {
            from.clone()
        };
        let phone = number
            .as_deref()
            .and_then(|n| phone::normalize(n, self.region).ok());
        Caller {
            number,
            phone,
            from,
            asserted,
            source,
        }
    }
}

/// The first identity of P-Asserted-Identity (several may be listed; sip or tel).
pub fn asserted_identity(req: &Request) -> Option<String> {
    req.headers.iter().find_map(|h| match h {
        Header::PAssertedIdentity(pai) => {
            let value = pai.value();
            user_of(value.split(',').next().unwrap_or(value))
        }
        _ => None,
    })
}

/// The From header's user part.
pub fn from_user(req: &Request) -> Option<String> {
    req.from_header()
        .ok()?
        .uri()
        .ok()?
        .auth
        .map(|a| a.user)
        .filter(|u| !u.is_empty())
}

/// `"Name" <sip:+3706…@host>`, `<tel:+3706…>` or a bare URI → the user part / telephone number.
fn user_of(value: &str) -> Option<String> {
    let inner = match (value.find('<'), value.rfind('>')) {
        (Some(a), Some(b)) if b > a => &value[a + 1..b],
        _ => value.trim(),
    };
    let rest = inner
        .strip_prefix("sip:")
        .or_else(|| inner.strip_prefix("sips:"))
        .or_else(|| inner.strip_prefix("tel:"))?;
    let user = rest.split(['@', ';']).next()?.trim();
    (!user.is_empty()).then(|| user.to_string())
}

/// The request's Content-Type, lower-cased without parameters, if any.
pub fn content_type(req: &Request) -> Option<String> {
    req.headers.iter().find_map(|h| match h {
        Header::ContentType(ct) => Some(ct.value().to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Request {
        let msg =
            rsipstack::sip::SipMessage::try_from(text.replace('\n', "\r\n").as_str()).unwrap();
        match msg {
            rsipstack::sip::SipMessage::Request(r) => r,
            _ => panic!("not a request"),
        }
    }

    const INVITE: &str = "INVITE sip:frontdesk@127.0.0.1:5060 SIP/2.0
Via: SIP/2.0/UDP 10.1.2.3:5070;branch=z9hG4bK-1;received=127.0.0.1
From: \"Jonas\" <sip:861234567@pbx.example>;tag=a
To: <sip:frontdesk@127.0.0.1>
Call-ID: c1
CSeq: 1 INVITE
Contact: <sip:861234567@10.1.2.3:5070>
Content-Length: 0

";

    fn policy() -> IdentityPolicy {
        IdentityPolicy {
            trust: vec!["127.0.0.2/32".parse().unwrap()],
            region: "LT".parse().unwrap(),
        }
    }

    fn at(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 5060))
    }

    #[test]
    fn the_source_list_is_checked_by_address() {
        let nets: Vec<IpNet> = vec!["127.0.0.2/32".parse().unwrap()];
        assert!(source_allowed(Some("127.0.0.2".parse().unwrap()), &nets));
        assert!(!source_allowed(Some("127.0.0.1".parse().unwrap()), &nets));
        assert!(!source_allowed(None, &nets));
    }

    #[test]
    fn pai_is_believed_only_from_trusted_sources() {
        let with_pai = INVITE.replace(
            "Contact:",
            "P-Asserted-Identity: \"Jonas\" <sip:+37069999999@pbx.example>, <tel:+37069999999>\nContact:",
        );
        let req = parse(&with_pai);
        let trusted = policy().caller(&req, at("127.0.0.2"));
        assert_eq!(trusted.number.as_deref(), Some("+37069999999"));
        assert_eq!(trusted.phone.as_deref(), Some("+37069999999"));
        assert_eq!(trusted.from.as_deref(), Some("861234567"));
        assert_eq!(trusted.asserted.as_deref(), Some("+37069999999"));
        // The same request from anyone else: the From number, with the claim kept as evidence.
        let stranger = policy().caller(&req, at("127.0.0.1"));
        assert_eq!(stranger.number.as_deref(), Some("861234567"));
        assert_eq!(stranger.phone.as_deref(), Some("+37061234567"));
        assert_eq!(stranger.asserted.as_deref(), Some("+37069999999"));
        let unknown = policy().caller(&req, None);
        assert_eq!(unknown.number.as_deref(), Some("861234567"));
        // Without PAI a trusted source is taken at its From.
        let plain = policy().caller(&parse(INVITE), at("127.0.0.2"));
        assert_eq!(plain.number.as_deref(), Some("861234567"));
        assert_eq!(plain.asserted, None);
        assert_eq!(
            user_of("<tel:+1415555;phone-context=x>").as_deref(),
            Some("+1415555")
        );
        assert_eq!(user_of("garbage"), None);
    }
}
