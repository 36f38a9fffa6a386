//! Each check against a message built on the RFC 4475 / RFC 5118 case it stands for, parsed by
//! rsipstack and stamped by its UDP transport exactly as the door receives it.

use super::*;
use rsipstack::sip::{SipMessage, Transport};
use rsipstack::transport::SipConnection;

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
                   m=audio 4000 RTP/AVP 0\r\n";

/// A request as the door sees it: `\n` line ends become CRLF, and the transport adds
/// `received`/`rport` to the top Via.
fn arrived(text: &str) -> Request {
    let wire = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let msg = SipMessage::try_from(wire.as_bytes()).expect("rsipstack parses it");
    let from = "127.0.0.1:5099".parse().expect("address");
    match SipConnection::update_msg_received(msg, from, Transport::Udp) {
        Ok(SipMessage::Request(req)) => req,
        other => panic!("not a request: {other:?}"),
    }
}

/// A well-formed INVITE with SDP whose header lines are `headers` (the request line, Via, From,
/// To, Call-ID, CSeq and Content-Length are added unless `headers` has its own).
fn invite(headers: &str) -> Request {
    request("INVITE sip:frontdesk@192.0.2.1 SIP/2.0", headers, SDP)
}

fn request(start: &str, headers: &str, body: &str) -> Request {
    let has = |name: &str| {
        headers
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
    };
    let method = start.split(' ').next().unwrap_or("INVITE");
    let mut text = format!("{start}\n");
    let defaults = [
        (
            "via",
            "Via: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bK-1".to_string(),
        ),
        (
            "from",
            "From: \"Caller\" <sip:+37060000000@pbx.example>;tag=f1".into(),
        ),
        ("to", "To: <sip:frontdesk@192.0.2.1>".into()),
        ("call-id", "Call-ID: c1@pbx.example".into()),
        ("cseq", format!("CSeq: 1 {method}")),
        ("max-forwards", "Max-Forwards: 70".into()),
    ];
    for (name, line) in defaults {
        if !has(name) {
            text.push_str(&line);
            text.push('\n');
        }
    }
    if !body.is_empty() && !has("content-type") {
        text.push_str("Content-Type: application/sdp\n");
    }
    text.push_str(headers);
    if !has("content-length") && !has("l") {
        text.push_str(&format!("Content-Length: {}\n", body.len()));
    }
    arrived(&format!("{text}\n{body}"))
}

fn options(headers: &str) -> Request {
    request("OPTIONS sip:frontdesk@192.0.2.1 SIP/2.0", headers, "")
}

fn malformed(req: &Request) -> Malformed {
    match check(req) {
        Err(Rejection::Malformed(m)) => m,
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[test]
fn a_plain_invite_and_options_pass() {
    assert_eq!(check(&invite("")), Ok(()));
    assert_eq!(check(&options("")), Ok(()));
}

/// §3.1.1.1 wsinv: folding, LWS around every separator, compact and oddly cased names.
#[test]
fn a_tortuous_but_valid_invite_passes() {
    let req = arrived(&format!(
        "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\n\
         TO :\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\n\
         from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\n  ;\n  tag = 98asjd8\n\
         MaX-fOrWaRdS: 0068\nCall-ID: wsinv.ndaksdj@192.0.2.1\nContent-Length   : {}\n\
         cseq: 0009\n  INVITE\nVia  : SIP  /   2.0\n /UDP\n    192.0.2.2;branch=390skdjuw\ns :\n\
         NewFangledHeader:   newfangled value\n continued newfangled value\n\
         UnknownHeaderWithUnusualValue: ;;,,;;,;\nContent-Type: application/sdp\n\
         Route:\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\n\
         v:  SIP  / 2.0  / TCP     spindle.example.com   ;\n  branch  =   z9hG4bK9ikj8  ,\n \
         SIP  /    2.0   / UDP  192.168.255.111   ; branch=\n z9hG4bK30239\n\
         m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\n      newvalue ;\n  \
         secondparam ; q = 0.33\n\n{SDP}",
        SDP.len()
    ));
    assert_eq!(check(&req), Ok(()));
}

/// §3.1.2.2 clerr, §3.1.2.3 ncl, §3.3.9 mcl01.
#[test]
fn content_length_must_frame_the_body() {
    let long = invite("Content-Length: 9999\n");
    assert_eq!(malformed(&long), Malformed::Truncated);
    let negative = invite("Content-Length: -999\n");
    assert_eq!(malformed(&negative), Malformed::Bad(Field::ContentLength));
    let twice = request(
        "OPTIONS sip:frontdesk@192.0.2.1 SIP/2.0",
        "Content-Length: 13\nContent-Type: text/plain\nl: 5\n",
        "There's no way to know",
    );
    assert_eq!(
        malformed(&twice),
        Malformed::Duplicate(Field::ContentLength)
    );
    // Shorter than the datagram is fine over UDP: the rest is discarded (RFC 3261 §18.3).
    assert_eq!(check(&invite(&format!("l: {}\n", SDP.len() - 2))), Ok(()));
}

/// §3.3.8 multi01: one value each for the fields that take one.
#[test]
fn single_value_fields_given_twice_are_malformed() {
    for (line, field) in [
        ("CSeq: 59 INVITE", Field::CSeq),
        ("Call-ID: other@pbx.example", Field::CallId),
        ("From: <sip:caller@example.net>;tag=2", Field::From),
        ("To: <sip:other@example.net>", Field::To),
        ("Max-Forwards: 5", Field::MaxForwards),
        ("Content-Type: application/sdp", Field::ContentType),
    ] {
        let req = request(
            "INVITE sip:frontdesk@192.0.2.1 SIP/2.0",
            &format!("{line}\n{line}\n"),
            SDP,
        );
        let got = check(&req);
        let want = Err(Rejection::Malformed(Malformed::Duplicate(field)));
        assert_eq!(got, want, "{line}");
    }
}

/// §3.3.1 insuf: no To, From, Call-ID or Max-Forwards.
#[test]
fn mandatory_fields_must_be_there() {
    let wire = format!(
        "INVITE sip:user@example.com SIP/2.0\nCSeq: 193942 INVITE\n\
         Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\nContent-Type: application/sdp\n\
         l: {}\n\n{SDP}",
        SDP.len()
    );
    assert_eq!(malformed(&arrived(&wire)), Malformed::Missing(Field::From));
    let no_call_id = wire.replace("CSeq:", "From: <sip:a@b>;tag=1\nTo: <sip:c@d>\nCSeq:");
    assert_eq!(
        malformed(&arrived(&no_call_id)),
        Malformed::Missing(Field::CallId)
    );
}

/// §3.1.2.17 mismatch01, §3.1.2.4 scalar02.
#[test]
fn cseq_must_name_the_method_and_fit_32_bits() {
    assert_eq!(
        malformed(&options("CSeq: 8 INVITE\n")),
        Malformed::CSeqMethod
    );
    let big = options("CSeq: 36893488147419103232 OPTIONS\n");
    assert_eq!(malformed(&big), Malformed::Bad(Field::CSeq));
    assert_eq!(check(&options("CSeq: 4294967295 OPTIONS\n")), Ok(()));
}

/// §3.1.2.4 (Max-Forwards alone may be treated as absent), §3.3.11 zeromf (an endpoint
/// processes it), RFC 2543 (no Max-Forwards at all).
#[test]
fn max_forwards_is_read_liberally() {
    assert_eq!(check(&options("Max-Forwards: 300\n")), Ok(()));
    assert_eq!(check(&options("Max-Forwards: 0\n")), Ok(()));
    assert_eq!(check(&invite("Max-Forwards: 0\n")), Ok(()));
    let absent = arrived(
        "OPTIONS sip:u@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n\
         From: <sip:a@b>;tag=1\nTo: <sip:u@example.com>\nCall-ID: x\nCSeq: 1 OPTIONS\n\n",
    );
    assert_eq!(check(&absent), Ok(()));
    assert_eq!(
        malformed(&options("Max-Forwards: seventy\n")),
        Malformed::Bad(Field::MaxForwards)
    );
}

/// §3.1.2.15 baddn, §3.1.2.6 quotbal, §3.1.2.14 badaspec; §3.1.1.6 lwsdisp is valid.
#[test]
fn display_names_and_addresses_must_be_well_formed() {
    let comma = options("From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43\n");
    assert_eq!(malformed(&comma), Malformed::Bad(Field::From));
    let unbalanced = invite("To: \"Mr. J. User <sip:j.user@example.com>\n");
    assert_eq!(malformed(&unbalanced), Malformed::Bad(Field::To));
    let spaces = options("To: \"Watson, Thomas\" < sip:t.watson@example.org >\n");
    assert_eq!(malformed(&spaces), Malformed::Bad(Field::To));
    for ok in [
        "From: caller<sip:caller@example.com>;tag=323",
        "From: A. Bell <sip:a.g.bell@example.com>;tag=q",
        "From: \"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=433423",
        "From: Jūratė Kazlauskienė <sip:juratė@example.com>;tag=1",
        "From: sip:caller@example.net;tag=134161461246",
        "From: <http://www.example.com>;tag=3234233",
    ] {
        assert_eq!(check(&options(&format!("{ok}\n"))), Ok(()), "{ok}");
    }
}

/// §3.4.1 inv2543: an RFC 2543 From has no tag, which RFC 3261 requires.
#[test]
fn a_from_without_tag_is_refused() {
    let req = invite("From: <sip:+13035551111@ift.client.example.net;user=phone>\n");
    assert_eq!(malformed(&req), Malformed::FromTag);
}

/// §3.1.2.1 badinv01, §3.2.1 badbranch; §3.1.1.10 transports is valid.
#[test]
fn via_must_be_well_formed_with_a_real_branch() {
    let empty = invite("Via: SIP/2.0/UDP 192.0.2.15;;,;,,\n");
    assert_eq!(malformed(&empty), Malformed::Bad(Field::Via));
    let cookie = options("Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK\n");
    assert_eq!(malformed(&cookie), Malformed::EmptyBranch);
    let transports = options(
        "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\n\
         Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\n\
         Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\n\
         Via: SIP/2.0/TCP [2001:db8::9:255]:6050;branch=z9hG4bK451jj;received=192.0.2.200\n",
    );
    assert_eq!(check(&transports), Ok(()));
    let no_host = options("Via: SIP/2.0/UDP h;branch=z9hG4bK1\nVia: SIP/2.0/UDP\n");
    assert_eq!(malformed(&no_host), Malformed::Bad(Field::Via));
}

/// §3.1.2.13 regbadct, §3.3.14 regescrt, §3.1.2.1 (empty Contact parameters).
#[test]
fn contact_uris_with_headers_need_angle_brackets() {
    let bare = options("Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E\n");
    assert_eq!(malformed(&bare), Malformed::Bad(Field::Contact));
    let enclosed = options("Contact: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>\n");
    assert_eq!(check(&enclosed), Ok(()));
    let empty = invite("Contact: \"Joe\" <sip:joe@example.org>;;;;\n");
    assert_eq!(malformed(&empty), Malformed::Bad(Field::Contact));
    let list = options("Contact: <sip:a@h1>, \"B, C\" <sip:b@h2>;q=0.5, sip:c@h3\n");
    assert_eq!(check(&list), Ok(()));
    assert_eq!(check(&options("Contact: *\n")), Ok(()));
}

/// §3.1.2.12 baddate.
#[test]
fn dates_must_be_in_gmt() {
    let est = invite("Date: Fri, 01 Jan 2010 16:00:00 EST\n");
    assert_eq!(malformed(&est), Malformed::Bad(Field::Date));
    assert_eq!(
        check(&invite("Date: Sat, 15 Oct 2005 04:44:56 GMT\n")),
        Ok(())
    );
}

/// §3.1.2.16 badvers.
#[test]
fn only_sip_2_0_is_spoken() {
    let req = arrived(
        "OPTIONS sip:t.watson@example.org SIP/7.0\nVia: SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\n\
         From: A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\nTo: T. Watson <sip:t.watson@example.org>\n\
         Call-ID: badvers.31417@c.example.com\nCSeq: 1 OPTIONS\nl: 0\n\n",
    );
    let rejection = check(&req).expect_err("505");
    assert_eq!(rejection.status(), StatusCode::VersionNotSupported);
}

/// §3.3.2 unkscm, §3.3.3 novelsc, §3.1.2.11 escruri; RFC 5118 §4.2 ipv6-bad, §4.1, §4.3.
#[test]
fn request_uris_are_checked() {
    let scheme = |start: &str| check(&request(start, "", "")).expect_err(start);
    let unknown = scheme("OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0");
    assert_eq!(unknown, Rejection::Scheme("nobodyKnowsThisScheme".into()));
    assert_eq!(unknown.status(), StatusCode::UnsupportedUriScheme);
    let novel = scheme("OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0");
    assert_eq!(novel, Rejection::Scheme("soap.beep".into()));
    let headers = scheme("INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0");
    assert_eq!(headers, Malformed::UriHeaders.into());
    let v6 = scheme("OPTIONS sip:2001:db8::10 SIP/2.0");
    assert_eq!(v6, Malformed::Ipv6.into());
    for ok in [
        "OPTIONS sip:[2001:db8::10] SIP/2.0",
        "OPTIONS sip:[2001:db8::10:5070] SIP/2.0",
        "OPTIONS sip:[2001:db8::10]:5070 SIP/2.0",
        "OPTIONS sips:user@example.com SIP/2.0",
        "OPTIONS tel:+37060000000 SIP/2.0",
        "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0",
        "OPTIONS sip:sips%3Auser%40example.com@example.net SIP/2.0",
    ] {
        assert_eq!(check(&request(ok, "", "")), Ok(()), "{ok}");
    }
}

/// §3.3.5 bext01: Require is the UAS's, Proxy-Require is not.
#[test]
fn unknown_required_extensions_get_420_listing_them() {
    let req = options(
        "Require: nothingSupportsThis, nothingSupportsThisEither\n\
         Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\n",
    );
    let rejection = check(&req).expect_err("420");
    assert_eq!(rejection.status(), StatusCode::BadExtension);
    let unsupported = rejection.headers();
    assert_eq!(
        unsupported,
        vec![Header::Other(
            "Unsupported".into(),
            "nothingSupportsThis, nothingSupportsThisEither".into()
        )]
    );
    assert_eq!(check(&options("Proxy-Require: foo\n")), Ok(()));
    let cancel = request(
        "CANCEL sip:frontdesk@192.0.2.1 SIP/2.0",
        "Require: foo\n",
        "",
    );
    assert_eq!(check(&cancel), Ok(()));
}

/// §3.3.6 invut, §3.3.15 sdp01; §3.1.1.11 mpart01 (a body we do not read, on a method we do not
/// serve, is the method's problem, not the body's).
#[test]
fn bodies_must_be_sdp_and_answers_acceptable() {
    let xml = "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n";
    let unknown = request(
        "INVITE sip:frontdesk@192.0.2.1 SIP/2.0",
        "Content-Type: application/unknownformat\n",
        xml,
    );
    let rejection = check(&unknown).expect_err("415");
    assert_eq!(rejection.status(), StatusCode::UnsupportedMediaType);
    assert_eq!(
        rejection.headers(),
        vec![Header::Other("Accept".into(), "application/sdp".into())]
    );
    let message = request(
        "MESSAGE sip:frontdesk@192.0.2.1 SIP/2.0",
        "Content-Type: text/plain\n",
        "Hello",
    );
    assert_eq!(check(&message), Ok(()));

    let accept = invite("Accept: text/nobodyKnowsThis\n");
    assert_eq!(
        check(&accept).map_err(|r| r.status()),
        Err(StatusCode::NotAcceptable)
    );
    assert_eq!(
        check(&invite("Accept: application/sdp, text/plain\n")),
        Ok(())
    );
    assert_eq!(check(&invite("Accept: */*\n")), Ok(()));
    assert_eq!(check(&options("Accept: text/nobodyKnowsThis\n")), Ok(()));
}

#[test]
fn a_body_needs_a_content_type() {
    let wire = format!(
        "INVITE sip:u@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n\
         From: <sip:a@b>;tag=1\nTo: <sip:u@example.com>\nCall-ID: x\nCSeq: 1 INVITE\n\
         Content-Length: {}\n\n{SDP}",
        SDP.len()
    );
    assert_eq!(
        malformed(&arrived(&wire)),
        Malformed::Missing(Field::ContentType)
    );
}

/// The reason phrase of a 400 says what is wrong; other statuses keep the standard text.
#[test]
fn rejections_name_their_status_and_reason() {
    let r = Rejection::Malformed(Malformed::Duplicate(Field::CSeq));
    assert_eq!(r.status(), StatusCode::BadRequest);
    assert_eq!(r.reason().as_deref(), Some("Duplicate CSeq"));
    assert_eq!(r.to_string(), "400 Duplicate CSeq");
    assert_eq!(Rejection::Scheme("x".into()).reason(), None);
}

#[test]
fn an_address_with_lws_around_its_parameters_is_rewritten_without_it() {
    // RFC 4475 §3.1.1.1 (wsinv), after rsipstack has joined the folded lines.
    let from = r#""J Rosenberg \\\""       <sip:jdrosen@example.com> ; tag = 98asjd8"#;
    let a = address(from).expect("valid");
    assert_eq!(a.tag(), Some("98asjd8"));
    assert_eq!(
        a.canonical(),
        r#""J Rosenberg \\\""       <sip:jdrosen@example.com>;tag=98asjd8"#
    );
    let to = "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n";
    assert_eq!(
        address(to).expect("valid").canonical(),
        "sip:vivekg@chair-dnrc.example.com;tag=1918181833n"
    );
    let plain = "<sip:a@example.com>;tag=1;lr";
    assert_eq!(address(plain).expect("valid").canonical(), plain);
}
