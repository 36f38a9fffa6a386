//! What each torture message must get from frontdesk, with the RFC section that says so.
//! `GAP:` marks where frontdesk falls short of the RFC (see docs/sip-conformance.md).

/// The answer a message must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// This final status (after at most provisional ones).
    Final(u16),
    /// A valid INVITE that starts a call: it rings (the test's service answers after 10 s) and
    /// the test CANCELs it, which must end it with 487.
    Rings,
    /// No answer at all: the message cannot be parsed, or it is a response (nothing answers one).
    Dropped,
}

use Expect::{Dropped, Final, Rings};

/// RFC 4475, "SIP Torture Test Messages": §3.1.1 and §3.3 are valid and must be handled, §3.1.2
/// and §3.2 invalid (400, or dropped when unparseable); a UAS answers 416/420/415/406 where §3.3
/// says so.
pub const RFC4475: &[(&str, Expect)] = &[
    // §3.1.1.1 A Short Tortuous INVITE: valid. Its To has a tag (`tag    = 1918181833n`), so
    // it is a re-INVITE for a dialog that does not exist here: 481.
    ("wsinv.dat", Final(481)),
    // §3.1.1.2 Wide Range of Valid Characters: an unknown method, answered 501.
    ("intmeth.dat", Final(501)),
    // §3.1.1.3 Valid Use of the % Escaping Mechanism: a call.
    ("esc01.dat", Rings),
    // §3.1.1.4 Escaped Nulls in URIs: valid; REGISTER is not served here.
    ("escnull.dat", Final(405)),
    // §3.1.1.5 Use of % When It Is Not an Escape: RE%47IST%45R is an unknown method: 501.
    ("esc02.dat", Final(501)),
    // §3.1.1.6 Message with No LWS between Display Name and <.
    ("lwsdisp.dat", Final(200)),
    // §3.1.1.7 Long Values in Header Fields: a call.
    ("longreq.dat", Rings),
    // §3.1.1.8 Extra Trailing Octets in a UDP Datagram: the REGISTER is handled (not served
    // here), the INVITE after it ignored.
    ("dblreq.dat", Final(405)),
    // §3.1.1.9 Semicolon-Separated Parameters in URI User Part.
    ("semiuri.dat", Final(200)),
    // §3.1.1.10 Varied and Unknown Transport Types.
    ("transports.dat", Final(200)),
    // §3.1.1.11 Multipart MIME Message: valid; MESSAGE is not served here.
    ("mpart01.dat", Final(405)),
    // §3.1.1.12 Unusual Reason Phrase, §3.1.1.13 Empty Reason Phrase: responses to nothing.
    ("unreason.dat", Dropped),
    ("noreason.dat", Dropped),
    // §3.1.2.1 Extraneous Header Field Separators.
    ("badinv01.dat", Final(400)),
    // §3.1.2.2 Content Length Larger Than Message.
    ("clerr.dat", Final(400)),
    // §3.1.2.3 Negative Content-Length.
    ("ncl.dat", Final(400)),
    // §3.1.2.4 Request Scalar Fields with Overlarge Values: 400 for the CSeq.
    ("scalar02.dat", Final(400)),
    // §3.1.2.5 Response Scalar Fields with Overlarge Values: a response.
    ("scalarlg.dat", Dropped),
    // §3.1.2.6 Unterminated Quoted String in Display Name.
    ("quotbal.dat", Final(400)),
    // §3.1.2.7 <> Enclosing Request-URI: 400, or a liberal element ignores the brackets.
    // rsipstack's parser strips them before the door sees the request: a call.
    ("ltgtruri.dat", Rings),
    // §3.1.2.8 Malformed SIP Request-URI (embedded LWS), §3.1.2.9 Multiple SP Separating
    // Request-Line Elements: unparseable, dropped.
    ("lwsruri.dat", Dropped),
    ("lwsstart.dat", Dropped),
    // §3.1.2.10 SP Characters at End of Request-Line: may be rejected, or the spaces ignored;
    // rsipstack's parser trims them.
    ("trws.dat", Final(200)),
    // §3.1.2.11 Escaped Headers in SIP Request-URI.
    ("escruri.dat", Final(400)),
    // §3.1.2.12 Invalid Time Zone in Date Header Field.
    ("baddate.dat", Final(400)),
    // §3.1.2.13 Failure to Enclose name-addr URI in <>.
    ("regbadct.dat", Final(400)),
    // §3.1.2.14 Spaces within addr-spec.
    ("badaspec.dat", Final(400)),
    // §3.1.2.15 Non-token Characters in Display Name.
    ("baddn.dat", Final(400)),
    // §3.1.2.16 Unknown Protocol Version: 505.
    ("badvers.dat", Final(505)),
    // §3.1.2.17 Start Line and CSeq Method Mismatch.
    ("mismatch01.dat", Final(400)),
    // §3.1.2.18 Unknown Method with CSeq Method Mismatch: 400.
    ("mismatch02.dat", Final(400)),
    // §3.1.2.19 Overlarge Response Code: a response, unparseable.
    ("bigcode.dat", Dropped),
    // §3.2.1 Missing Transaction Identifier: 400 (or RFC 2543 matching); we answer 400.
    ("badbranch.dat", Final(400)),
    // §3.3.1 Missing Required Header Fields.
    ("insuf.dat", Final(400)),
    // §3.3.2 Request-URI with Unknown Scheme, §3.3.3 with Known but Atypical Scheme: 416.
    ("unkscm.dat", Final(416)),
    ("novelsc.dat", Final(416)),
    // §3.3.4 Unknown URI Schemes in Header Fields: valid; REGISTER is not served here.
    ("unksm2.dat", Final(405)),
    // §3.3.5 Proxy-Require and Require: 420 with Unsupported.
    ("bext01.dat", Final(420)),
    // §3.3.6 Unknown Content-Type: 415 with Accept.
    ("invut.dat", Final(415)),
    // §3.3.7 Unknown Authorization Scheme: valid; REGISTER is not served here.
    ("regaut01.dat", Final(405)),
    // §3.3.8 Multiple Values in Single Value Required Fields.
    ("multi01.dat", Final(400)),
    // §3.3.9 Multiple Content-Length Values.
    ("mcl01.dat", Final(400)),
    // §3.3.10 200 OK Response with Broadcast Via Header Field Value: a response.
    ("bcast.dat", Dropped),
    // §3.3.11 Max-Forwards of Zero: an endpoint processes it.
    ("zeromf.dat", Final(200)),
    // §3.3.12 REGISTER with a Contact Header Parameter, §3.3.13 with a url-parameter, §3.3.14
    // with a URL Escaped Header: valid; REGISTER is not served here.
    ("cparam01.dat", Final(405)),
    ("cparam02.dat", Final(405)),
    ("regescrt.dat", Final(405)),
    // §3.3.15 Unacceptable Accept Offering: 406 (or 400).
    ("sdp01.dat", Final(406)),
    // §3.4.1 INVITE with RFC 2543 Syntax: accepted by elements keeping backward compatibility.
    // GAP: frontdesk does not; without a From tag the stack cannot form a transaction, so the
    // door says 400 Missing From Tag rather than leave it unanswered.
    ("inv2543.dat", Final(400)),
];

/// RFC 5118, "SIP Torture Test Messages for IPv6": every message but ipv6-bad is valid.
pub const RFC5118: &[(&str, Expect)] = &[
    // §4.1 Valid SIP Message with an IPv6 Reference: REGISTER is not served here.
    ("ipv6-good", Final(405)),
    // §4.2 Invalid SIP Message with an IPv6 Reference: 400.
    ("ipv6-bad", Final(400)),
    // §4.3 Port Ambiguous in a SIP URI (well-formed), §4.4 Port Unambiguous.
    ("port-ambiguous", Final(405)),
    ("port-unambiguous", Final(405)),
    // §4.5 IPv6 Reference Delimiters in Via: both forms accepted; the BYE has no dialog here.
    ("via-received-param-with-delim", Final(481)),
    ("via-received-param-no-delim", Final(200)),
    // §4.6 SIP Request with IPv6 Addresses in SDP Body: valid, but G.726 only: 488.
    ("ipv6-in-sdp", Final(488)),
    // §4.7 Multiple IP Addresses in SIP Headers: a BYE for no dialog here.
    ("mult-ip-in-header", Final(481)),
    // §4.8 Multiple IP Addresses in SDP: a call (its audio is PCMU over IPv4).
    ("mult-ip-in-sdp", Rings),
    // §4.9 IPv4-Mapped IPv6 Addresses: valid, but G.726 only: 488.
    ("ipv4-mapped-ipv6", Final(488)),
    // §4.10 IPv6 Reference Bug in RFC 3261 ABNF: both forms to be tolerated. rsipstack's URI
    // reader refuses `2001:db8:::192.0.2.1`, so the door's socket answers the OPTIONS itself.
    ("ipv6-bug-abnf-3-colons", Final(200)),
    ("ipv6-correct-abnf-2-colons", Final(200)),
];
