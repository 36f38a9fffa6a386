//! What we read off an incoming request: who is calling, from where, and with what body.

use ipnet::IpNet;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Header, Request};
use std::net::IpAddr;

/// The network address the request really came from: the top Via's `received` (the transport adds
/// it whenever the source differs from the Via's sent-by), else its sent-by host.
pub fn source_ip(req: &Request) -> Option<IpAddr> {
    let via = req.top_via_header().ok()?.typed().ok()?;
    if let Some(Ok(ip)) = via.received() {
        return Some(ip);
    }
    via.sent_by().host.to_string().parse().ok()
}

/// Trunk mode: only the PBX's addresses may send us calls.
pub fn source_allowed(ip: Option<IpAddr>, allowed: &[IpNet]) -> bool {
    ip.is_some_and(|ip| allowed.iter().any(|net| net.contains(&ip)))
}

/// The caller's number as presented: P-Asserted-Identity, else the From user part.
pub fn caller_user(req: &Request) -> Option<String> {
    let pai = req.headers.iter().find_map(|h| match h {
        Header::PAssertedIdentity(pai) => {
            // Several identities may be listed; the first (sip or tel) is the caller.
            let value = pai.value();
            user_of(value.split(',').next().unwrap_or(value))
        }
        _ => None,
    });
    pai.or_else(|| {
        req.from_header()
            .ok()?
            .uri()
            .ok()?
            .auth
            .map(|a| a.user)
            .filter(|u| !u.is_empty())
    })
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

    #[test]
    fn source_is_where_it_came_from() {
        let req = parse(INVITE);
        assert_eq!(source_ip(&req), Some("127.0.0.1".parse().unwrap()));
        let without = parse(&INVITE.replace(";received=127.0.0.1", ""));
        assert_eq!(source_ip(&without), Some("10.1.2.3".parse().unwrap()));
        let nets: Vec<IpNet> = vec!["127.0.0.0/8".parse().unwrap()];
        assert!(source_allowed(source_ip(&req), &nets));
        assert!(!source_allowed(source_ip(&without), &nets));
        assert!(!source_allowed(None, &nets));
    }

    #[test]
    fn caller_comes_from_pai_else_from() {
        assert_eq!(caller_user(&parse(INVITE)).as_deref(), Some("861234567"));
        let with_pai = INVITE.replace(
            "Contact:",
            "P-Asserted-Identity: \"Jonas\" <sip:+37061234567@pbx.example>, <tel:+37061234567>\nContact:",
        );
        assert_eq!(
            caller_user(&parse(&with_pai)).as_deref(),
            Some("+37061234567")
        );
        assert_eq!(
            user_of("<tel:+1415555;phone-context=x>").as_deref(),
            Some("+1415555")
        );
        assert_eq!(user_of("garbage"), None);
    }
}
