//! Stateless responses: answers built from the request alone, sent by the door without a
//! transaction (RFC 3261 §8.2.6, §8.2.7).

use super::super::admission;
use super::super::gate::Answer;
use super::super::validate::Rejection;
use super::ALLOW;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Request, Response, StatusCode, Version};
use sha2::Digest;

/// A final response built from the request alone: its Vias, From, Call-ID and CSeq, its To with a
/// tag derived from the request (so a retransmission gets the same one), and no body.
pub fn stateless_response(req: &Request, answer: Answer, user_agent: &str) -> Response {
    let (status, extra): (StatusCode, Vec<Header>) = match answer {
        Answer::Alive => (
            StatusCode::OK,
            vec![
                Header::Other("Allow".into(), ALLOW.into()),
                Header::Other("Accept".into(), "application/sdp".into()),
            ],
        ),
        Answer::Forbidden => (StatusCode::Forbidden, vec![]),
        Answer::Busy(refusal) => (
            StatusCode::ServiceUnavailable,
            vec![Header::Other(
                "Retry-After".into(),
                admission::retry_after(refusal).as_secs().to_string(),
            )],
        ),
        Answer::NoSuchCall => (StatusCode::CallTransactionDoesNotExist, vec![]),
        Answer::NotAllowed => (
            StatusCode::MethodNotAllowed,
            vec![Header::Other("Allow".into(), ALLOW.into())],
        ),
    };
    reply(req, status, None, extra, user_agent)
}

/// 501 + Allow: a method nobody here implements (RFC 3261 §8.2.1).
pub fn not_implemented(req: &Request, user_agent: &str) -> Response {
    let allow = Header::Other("Allow".into(), ALLOW.into());
    reply(
        req,
        StatusCode::NotImplemented,
        None,
        vec![allow],
        user_agent,
    )
}

/// The stateless answer to a request `sip::validate` refuses: its status, a reason phrase saying
/// what is wrong for a 400, and the header fields the status calls for.
pub fn rejection_response(req: &Request, rejection: &Rejection, user_agent: &str) -> Response {
    let (status, reason) = (rejection.status(), rejection.reason());
    reply(req, status, reason, rejection.headers(), user_agent)
}

/// The response itself. Of a field the request repeats (it may be malformed), only the first is
/// echoed: one Call-ID, From and CSeq, every Via. Always SIP/2.0, whatever the request spoke.
fn reply(
    req: &Request,
    status: StatusCode,
    reason: Option<String>,
    extra: Vec<Header>,
    user_agent: &str,
) -> Response {
    let mut seen = [false; 3];
    let mut headers: Vec<Header> = req
        .headers
        .iter()
        .filter(|h| {
            let once = match h {
                Header::Via(_) => return true,
                Header::From(_) => &mut seen[0],
                Header::CallId(_) => &mut seen[1],
                Header::CSeq(_) => &mut seen[2],
                _ => return false,
            };
            !std::mem::replace(once, true)
        })
        .cloned()
        .collect();
    if let Ok(to) = req.to_header() {
        let to = match to.tag() {
            Ok(Some(_)) => to.clone(),
            _ => to.with_tag(rsipstack::sip::param::Tag::new(local_tag(req))),
        };
        headers.push(Header::To(to));
    }
    headers.extend(extra);
    headers.push(Header::Other("Server".into(), user_agent.into()));
    headers.push(Header::ContentLength(0u32.into()));
    // rsipstack writes the standard phrase of a code it knows: a phrase of our own rides in Other.
    let status_code = match reason {
        Some(phrase) => StatusCode::Other(status.code(), phrase),
        None => status,
    };
    Response {
        status_code,
        wire_reason: None,
        version: Version::V2,
        headers: headers.into(),
        body: Vec::new(),
    }
}

/// A To tag that depends only on the request's transaction (Call-ID, From tag, top Via branch).
fn local_tag(req: &Request) -> String {
    let mut h = sha2::Sha256::new();
    if let Ok(c) = req.call_id_header() {
        h.update(c.value().as_bytes());
    }
    if let Ok(Some(tag)) = req.from_header().and_then(|f| f.tag()) {
        h.update(tag.to_string().as_bytes());
    }
    if let Ok(via) = req.top_via_header() {
        h.update(via.value().as_bytes());
    }
    hex::encode(&h.finalize()[..6])
}
