//! What a UAS must check before it acts on a request (RFC 3261 §8.2), for the faults rsipstack's
//! parser lets through: the invalid messages of RFC 4475 §3.1.2, §3.2 and §3.3.
//!
//! rsipstack parses leniently: it keeps the last of two Content-Length headers, cuts a body short
//! of its Content-Length without a word, keeps both of two CSeqs, and reads From, To and Via only
//! when asked. Left alone, such a request starts a call or gets 200. [`check`] names the answer
//! RFC 3261 gives instead; it only reads the parsed request, and the door (`sip::edge`) decides
//! when to ask and sends the answer.
//!
//! Liberal where RFC 4475 allows it: Max-Forwards above 255 or absent (RFC 2543), line folding,
//! escaped URIs, unknown header fields, parameters and Via transports all pass. So does
//! Max-Forwards 0 (§3.3.11: an endpoint processes the request as if the value were positive):
//! every request that reaches frontdesk ends here — an INVITE is answered by the service itself
//! and agent legs are calls of their own — so there is never a request to forward and no 483.

mod syntax;

pub use syntax::address;

use rsipstack::sip::{Header, Host, Method, Request, Scheme, StatusCode, Uri, Version};
use std::fmt;

/// Option tags we implement, for `Require` (RFC 3261 §8.2.2.3). None yet: no reliable
/// provisionals (100rel), no session timers (timer), no preconditions.
const SUPPORTED: &[&str] = &[];

/// The only body type we read (the SDP offer of an INVITE or UPDATE), for `Accept` in a 415.
pub const ACCEPT: &str = "application/sdp";

/// Why a request is refused, and the status that says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// 400: the request breaks RFC 3261's grammar or rules.
    #[error("400 {0}")]
    Malformed(#[from] Malformed),
    /// 505: not SIP/2.0.
    #[error("505 SIP version {0} not supported")]
    Version(String),
    /// 416: a Request-URI scheme we do not serve (RFC 3261 §8.2.2.1).
    #[error("416 unsupported Request-URI scheme {0:?}")]
    Scheme(String),
    /// 420 + Unsupported: `Require` names extensions we do not implement (§8.2.2.3).
    #[error("420 unsupported extensions {}", .0.join(", "))]
    Extensions(Vec<String>),
    /// 415 + Accept: a body we cannot read (§8.2.3).
    #[error("415 unsupported body type {0:?}")]
    MediaType(String),
    /// 406: `Accept` rules out the SDP our answer would carry (RFC 4475 §3.3.15).
    #[error("406 Accept {0:?} rules out {ACCEPT}")]
    NotAcceptable(String),
}

/// What is wrong with a malformed request; its text is the reason phrase of the 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("Missing {0}")]
    Missing(Field),
    #[error("Duplicate {0}")]
    Duplicate(Field),
    #[error("Bad {0}")]
    Bad(Field),
    #[error("Content-Length Larger Than Body")]
    Truncated,
    #[error("CSeq Method Does Not Match")]
    CSeqMethod,
    #[error("Missing From Tag")]
    FromTag,
    #[error("Via Branch Without Transaction Identifier")]
    EmptyBranch,
    #[error("Bad Request-URI")]
    RequestUri,
    #[error("Headers In Request-URI")]
    UriHeaders,
    #[error("IPv6 Reference Without Brackets")]
    Ipv6,
}

/// The header fields checked here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Via,
    From,
    To,
    CallId,
    CSeq,
    MaxForwards,
    ContentLength,
    ContentType,
    Contact,
    Date,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Via => "Via",
            Field::From => "From",
            Field::To => "To",
            Field::CallId => "Call-ID",
            Field::CSeq => "CSeq",
            Field::MaxForwards => "Max-Forwards",
            Field::ContentLength => "Content-Length",
            Field::ContentType => "Content-Type",
            Field::Contact => "Contact",
            Field::Date => "Date",
        }
    }

    /// rsipstack has already mapped compact forms (`f`, `l`, `v`...) to these variants.
    fn is(self, h: &Header) -> bool {
        matches!(
            (self, h),
            (Field::Via, Header::Via(_))
                | (Field::From, Header::From(_))
                | (Field::To, Header::To(_))
                | (Field::CallId, Header::CallId(_))
                | (Field::CSeq, Header::CSeq(_))
                | (Field::MaxForwards, Header::MaxForwards(_))
                | (Field::ContentLength, Header::ContentLength(_))
                | (Field::ContentType, Header::ContentType(_))
                | (Field::Contact, Header::Contact(_))
                | (Field::Date, Header::Date(_))
        )
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Rejection {
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::Malformed(_) => StatusCode::BadRequest,
            Rejection::Version(_) => StatusCode::VersionNotSupported,
            Rejection::Scheme(_) => StatusCode::UnsupportedUriScheme,
            Rejection::Extensions(_) => StatusCode::BadExtension,
            Rejection::MediaType(_) => StatusCode::UnsupportedMediaType,
            Rejection::NotAcceptable(_) => StatusCode::NotAcceptable,
        }
    }

    /// A 400 says what is wrong in its reason phrase; the others keep the standard one.
    pub fn reason(&self) -> Option<String> {
        match self {
            Rejection::Malformed(m) => Some(m.to_string()),
            _ => None,
        }
    }

    /// The header fields the status calls for (RFC 3261 §8.2.2.3, §8.2.3, §21.4.7).
    pub fn headers(&self) -> Vec<Header> {
        match self {
            Rejection::Extensions(tags) => {
                vec![Header::Other("Unsupported".into(), tags.join(", "))]
            }
            Rejection::MediaType(_) => vec![Header::Other("Accept".into(), ACCEPT.into())],
            Rejection::NotAcceptable(_) => vec![Header::Other(
                "Warning".into(),
                format!("399 frontdesk \"answers carry {ACCEPT} only\""),
            )],
            _ => vec![],
        }
    }
}

/// Checks a request in the order of RFC 3261 §8.2: its syntax (400, 505), then the Request-URI
/// scheme (416), `Require` (420), the body (415) and `Accept` (406). The method (405) is the
/// door's to judge.
pub fn check(req: &Request) -> Result<(), Rejection> {
    if req.version != Version::V2 {
        return Err(Rejection::Version(req.version.to_string()));
    }
    framing(req)?;
    fields(req, &req.method.to_string())?;
    request_uri(&req.uri)?;
    extensions(req)?;
    body(req)?;
    Ok(())
}

/// The same checks for a request whose method the SIP stack does not know (an extension method,
/// RFC 4475 §3.1.1.2): `req` is the rest of the message read under a stand-in request line, and
/// `method` the name it was sent with. Such a method offers no SDP, so any body only needs a type.
pub fn check_extension(method: &str, req: &Request) -> Result<(), Rejection> {
    if req.version != Version::V2 {
        return Err(Rejection::Version(req.version.to_string()));
    }
    framing(req)?;
    fields(req, method)?;
    extensions(req)?;
    if !req.body.is_empty() && values(req, Field::ContentType).next().is_none() {
        return Err(Malformed::Missing(Field::ContentType).into());
    }
    Ok(())
}

/// The values of every header field of one kind, in order.
fn values(req: &Request, field: Field) -> impl Iterator<Item = &str> {
    req.headers
        .iter()
        .filter(move |h| field.is(h))
        .map(|h| h.value())
}

/// The value of a field that must appear at most once.
fn single(req: &Request, field: Field) -> Result<Option<&str>, Malformed> {
    let mut all = values(req, field);
    let first = all.next();
    match all.next() {
        Some(_) => Err(Malformed::Duplicate(field)),
        None => Ok(first),
    }
}

/// Over UDP a Content-Length larger than the datagram's body (RFC 3261 §18.3), negative, or
/// given twice (RFC 4475 §3.3.9) leaves no way to know where the message ends.
fn framing(req: &Request) -> Result<(), Malformed> {
    let Some(value) = single(req, Field::ContentLength)? else {
        return Ok(());
    };
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Malformed::Bad(Field::ContentLength));
    }
    let length: u64 = value
        .parse()
        .map_err(|_| Malformed::Bad(Field::ContentLength))?;
    // rsipstack keeps at most Content-Length octets of the datagram, so fewer means it was short.
    if length > req.body.len() as u64 {
        return Err(Malformed::Truncated);
    }
    Ok(())
}

/// The mandatory fields (RFC 3261 §8.1.1) and the syntax of those a UAS relies on; `method` is
/// the request's, as its CSeq must name it.
fn fields(req: &Request, method: &str) -> Result<(), Malformed> {
    if values(req, Field::Via).next().is_none() {
        return Err(Malformed::Missing(Field::Via));
    }
    for via in values(req, Field::Via) {
        syntax::via(via)?;
    }
    let from = single(req, Field::From)?.ok_or(Malformed::Missing(Field::From))?;
    let from = syntax::address(from).ok_or(Malformed::Bad(Field::From))?;
    let to = single(req, Field::To)?.ok_or(Malformed::Missing(Field::To))?;
    syntax::address(to).ok_or(Malformed::Bad(Field::To))?;
    // RFC 3261 §8.1.1.3; RFC 2543 had none, and the stack cannot name a transaction without it.
    if from.tag().is_none() {
        return Err(Malformed::FromTag);
    }
    let call_id = single(req, Field::CallId)?.ok_or(Malformed::Missing(Field::CallId))?;
    if call_id.trim().is_empty() || call_id.trim().contains(char::is_whitespace) {
        return Err(Malformed::Bad(Field::CallId));
    }
    let cseq = single(req, Field::CSeq)?.ok_or(Malformed::Missing(Field::CSeq))?;
    cseq_matches(cseq, method)?;
    if let Some(mf) = single(req, Field::MaxForwards)? {
        let mf = mf.trim();
        if mf.is_empty() || !mf.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Malformed::Bad(Field::MaxForwards));
        }
    }
    for contact in values(req, Field::Contact) {
        if !syntax::contacts(contact) {
            return Err(Malformed::Bad(Field::Contact));
        }
    }
    single(req, Field::ContentType)?;
    if let Some(date) = single(req, Field::Date)? {
        // RFC 3261 §20.17: rfc1123-date, always in GMT (RFC 4475 §3.1.2.12).
        chrono::NaiveDateTime::parse_from_str(date.trim(), "%a, %d %b %Y %H:%M:%S GMT")
            .map_err(|_| Malformed::Bad(Field::Date))?;
    }
    Ok(())
}

/// `CSeq: <32-bit number> <the request's method>` (RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17).
fn cseq_matches(value: &str, method: &str) -> Result<(), Malformed> {
    let mut words = value.split_whitespace();
    let (Some(number), Some(name), None) = (words.next(), words.next(), words.next()) else {
        return Err(Malformed::Bad(Field::CSeq));
    };
    if !number.bytes().all(|b| b.is_ascii_digit()) || number.parse::<u32>().is_err() {
        return Err(Malformed::Bad(Field::CSeq));
    }
    // Method names are case-sensitive (RFC 3261 §7.1).
    if name != method {
        return Err(Malformed::CSeqMethod);
    }
    Ok(())
}

/// SIP, SIPS and tel are ours; any other scheme gets 416 (RFC 4475 §3.3.2, §3.3.3). URI headers
/// (§3.1.2.11) and an IPv6 address without brackets (RFC 5118 §4.2) are malformed.
fn request_uri(uri: &Uri) -> Result<(), Rejection> {
    match &uri.scheme {
        Some(Scheme::Sip | Scheme::Sips) => {}
        Some(Scheme::Other(s)) if s.eq_ignore_ascii_case("tel") => {}
        Some(Scheme::Other(s)) => return Err(Rejection::Scheme(s.clone())),
        // rsipstack reads a scheme only when it is all letters (not `soap.beep`).
        None => {
            let text = uri.to_string();
            return Err(match syntax::scheme_of(&text) {
                Some(scheme) => Rejection::Scheme(scheme.to_string()),
                None => Malformed::RequestUri.into(),
            });
        }
    }
    if !uri.headers.is_empty() {
        return Err(Malformed::UriHeaders.into());
    }
    if let Host::Domain(domain) = &uri.host_with_port.host
        && domain.0.contains(':')
    {
        return Err(Malformed::Ipv6.into());
    }
    Ok(())
}

/// `Require` of extensions we do not implement: 420 listing them. Not for ACK and CANCEL, which
/// cannot be refused for it (RFC 3261 §8.2.2.3); `Proxy-Require` is for proxies only.
fn extensions(req: &Request) -> Result<(), Rejection> {
    if matches!(req.method, Method::Ack | Method::Cancel) {
        return Ok(());
    }
    let unknown: Vec<String> = req
        .headers
        .iter()
        .filter(|h| matches!(h, Header::Require(_)))
        .flat_map(|h| h.value().split(','))
        .map(str::trim)
        .filter(|tag| !tag.is_empty() && !SUPPORTED.contains(tag))
        .map(str::to_string)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Rejection::Extensions(unknown))
    }
}

/// A body needs a Content-Type (RFC 3261 §7.4.1). The SDP of an INVITE or UPDATE is the only one
/// we read: another type gets 415 + Accept (RFC 4475 §3.3.6), and an INVITE whose `Accept` rules
/// out the SDP of our answer gets 406 (§3.3.15).
fn body(req: &Request) -> Result<(), Rejection> {
    let content_type = values(req, Field::ContentType).next();
    let offers = matches!(req.method, Method::Invite | Method::Update);
    if !req.body.is_empty() {
        let Some(content_type) = content_type else {
            return Err(Malformed::Missing(Field::ContentType).into());
        };
        let media = syntax::media_type(content_type);
        if offers && !media.eq_ignore_ascii_case(ACCEPT) {
            return Err(Rejection::MediaType(media.to_string()));
        }
    }
    if req.method != Method::Invite {
        return Ok(());
    }
    let mut accept = req
        .headers
        .iter()
        .filter(|h| matches!(h, Header::Accept(_)))
        .map(|h| h.value())
        .peekable();
    if accept.peek().is_none() {
        return Ok(());
    }
    let ranges: Vec<&str> = accept.collect();
    let sdp_ok = ranges
        .iter()
        .flat_map(|v| v.split(','))
        .map(syntax::media_type)
        .any(|m| {
            m.eq_ignore_ascii_case(ACCEPT) || m.eq_ignore_ascii_case("application/*") || m == "*/*"
        });
    if sdp_ok {
        Ok(())
    } else {
        Err(Rejection::NotAcceptable(ranges.join(", ")))
    }
}

#[cfg(test)]
mod tests;
