//! What every request passes before any handler: its `Host` must be one this server answers to,
//! and the client's address is settled once, here, for every limit and log that needs it.
//!
//! The Host check stops DNS rebinding: a page on `evil.example` whose name is re-pointed at
//! 127.0.0.1 can make a browser send requests here, but they carry `Host: evil.example`, so they
//! get 421 instead of the console or `/metrics`. `/healthz` is exempt so load balancers may probe
//! a node by its bare address; it tells nothing but "the store answers".
//!
//! The client is the socket's peer, unless that peer is a trusted proxy: then `X-Forwarded-For`
//! is read from the right (each proxy appends the address it got the request from), skipping
//! trusted proxies; the first address that is not one is the client. What lies to its left was
//! written by the client and is never believed.

use super::HttpState;
use super::error::ApiError;
use crate::config::{HostPattern, Http, split_host};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// At most this many `X-Forwarded-For` entries are walked (a longer chain is someone's invention).
const MAX_HOPS: usize = 16;

/// The client's address as settled by `guard`, in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Whether the request reached us over TLS, as far as we can know: `[http] secure_cookies`, or a
/// trusted proxy's `X-Forwarded-Proto: https`. Decides the session cookie's name and `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverTls(pub bool);

/// The host names accepted and the proxies believed.
#[derive(Debug, Clone)]
pub struct Front {
    hosts: Vec<HostPattern>,
    trusted_proxies: Vec<IpNet>,
    secure_cookies: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum HostRefusal {
    /// No `Host`, or one that is not a host name (RFC 9112: 400).
    Missing,
    /// A host this server does not answer to: 421 Misdirected Request.
    Other,
}

impl Front {
    /// The configured hosts plus the built-in ones: localhost, 127.0.0.1 and [::1] with the bound
    /// port, and the listen address itself when it is a specific one (never 0.0.0.0 or [::]:
    /// browsers have sent requests to those that reach the local machine).
    pub fn new(http: &Http, bound: SocketAddr) -> Front {
        let port = Some(bound.port());
        let mut names = vec![
            "localhost".to_string(),
            Ipv4Addr::LOCALHOST.to_string(),
            format!("[{}]", Ipv6Addr::LOCALHOST),
        ];
        match bound.ip() {
            ip if ip.is_unspecified() => {}
            IpAddr::V4(v4) => names.push(v4.to_string()),
            IpAddr::V6(v6) => names.push(format!("[{v6}]")),
        }
        let mut hosts: Vec<HostPattern> = names
            .into_iter()
            .map(|host| HostPattern::Host { host, port })
            .collect();
        // A browser leaves out the port when it is 80.
        if bound.port() == 80 {
            let portless: Vec<HostPattern> = hosts
                .iter()
                .filter_map(|h| match h {
                    HostPattern::Host { host, .. } => Some(HostPattern::Host {
                        host: host.clone(),
                        port: None,
                    }),
                    HostPattern::Any => None,
                })
                .collect();
            hosts.extend(portless);
        }
        hosts.extend(http.allowed_hosts.iter().cloned());
        Front {
            hosts,
            trusted_proxies: http.trusted_proxies.clone(),
            secure_cookies: http.secure_cookies,
        }
    }

    /// Whether `host` (the `Host` header's value) names this server.
    pub fn check_host(&self, host: Option<&str>) -> Result<(), HostRefusal> {
        if self.hosts.contains(&HostPattern::Any) {
            return Ok(());
        }
        let (name, port) = host.and_then(split_host).ok_or(HostRefusal::Missing)?;
        if self.hosts.iter().any(|h| h.matches(&name, port)) {
            Ok(())
        } else {
            Err(HostRefusal::Other)
        }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`: `peer` itself unless it is a trusted proxy, else the right-most
    /// `X-Forwarded-For` address that is not a trusted proxy. An entry that does not parse stops
    /// the walk at the proxy that passed it on: it is the last address known to be true.
    pub fn client_addr(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .rev()
            .flat_map(|v| v.as_bytes().rsplit(|b| *b == b','));
        for hop in hops.take(MAX_HOPS) {
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip;
            if !self.trusts(ip) {
                return ip;
            }
        }
        client
    }
}

impl Front {
    /// Over TLS: always with `secure_cookies`; else only when the socket's peer is a trusted proxy
    /// and its `X-Forwarded-Proto` (the last value, the one it wrote) says `https`. A client
    /// talking to us directly cannot claim it.
    pub fn over_tls(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        if self.secure_cookies {
            return true;
        }
        if !self.trusts(peer) {
            return false;
        }
        headers
            .get_all("x-forwarded-proto")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(raw: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(raw).ok()?.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(|ip| ip.to_canonical())
}

/// The outermost layer: refuses foreign hosts, then records the client's address.
pub async fn guard(State(state): State<HttpState>, mut req: Request, next: Next) -> Response {
    if req.uri().path() != "/healthz" {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        // An absolute request target (`GET http://name/ HTTP/1.1`) must name an allowed host too.
        let target = req.uri().authority().map(|a| a.as_str());
        let verdict = state
            .front
            .check_host(host)
            .and_then(|()| target.map_or(Ok(()), |t| state.front.check_host(Some(t))));
        match verdict {
            Ok(()) => {}
            Err(HostRefusal::Missing) => {
                return ApiError::bad_request("a Host header naming this server is required")
                    .into_response();
            }
            Err(HostRefusal::Other) => {
                return ApiError::new(
                    StatusCode::MISDIRECTED_REQUEST,
                    "misdirected_request",
                    "this server does not answer to that host name; see [http] allowed_hosts",
                )
                .into_response();
            }
        }
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let client = state.front.client_addr(peer, req.headers());
    let tls = state.front.over_tls(peer, req.headers());
    req.extensions_mut().insert(ClientAddr(client));
    req.extensions_mut().insert(OverTls(tls));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn front(http: Http, bound: &str) -> Front {
        Front::new(&http, bound.parse().unwrap())
    }

    fn defaults() -> Http {
        Http::default()
    }

    fn hosts(list: &[&str]) -> Http {
        Http {
            allowed_hosts: list.iter().map(|h| h.parse().unwrap()).collect(),
            ..Http::default()
        }
    }

    fn proxies(list: &[&str]) -> Http {
        Http {
            trusted_proxies: list.iter().map(|n| n.parse().unwrap()).collect(),
            ..Http::default()
        }
    }

    #[test]
    fn built_in_hosts_carry_the_bound_port() {
        let f = front(defaults(), "127.0.0.1:8080");
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert_eq!(f.check_host(Some(ok)), Ok(()), "{ok}");
        }
        for other in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1:8081",
            "127.0.0.1",
            "localhost.evil.example:8080",
            "0.0.0.0:8080",
        ] {
            assert_eq!(
                f.check_host(Some(other)),
                Err(HostRefusal::Other),
                "{other}"
            );
        }
        for missing in [None, Some(""), Some("a b"), Some("u@localhost:8080")] {
            assert_eq!(
                f.check_host(missing),
                Err(HostRefusal::Missing),
                "{missing:?}"
            );
        }
    }

    #[test]
    fn a_wildcard_listen_address_is_not_a_host_and_configured_names_match_any_port() {
        let f = front(
            hosts(&["frontdesk.example.com", "10.0.0.5:8080"]),
            "0.0.0.0:8080",
        );
        assert_eq!(f.check_host(Some("0.0.0.0:8080")), Err(HostRefusal::Other));
        assert_eq!(f.check_host(Some("frontdesk.example.com")), Ok(()));
        assert_eq!(f.check_host(Some("frontdesk.example.com:443")), Ok(()));
        assert_eq!(f.check_host(Some("10.0.0.5:8080")), Ok(()));
        assert_eq!(f.check_host(Some("10.0.0.5:9090")), Err(HostRefusal::Other));
        let specific = front(defaults(), "10.1.2.3:80");
        assert_eq!(
            specific.check_host(Some("10.1.2.3")),
            Ok(()),
            "port 80 is implied"
        );
        assert_eq!(specific.check_host(Some("localhost")), Ok(()));
        let any = front(hosts(&["*"]), "127.0.0.1:8080");
        assert_eq!(any.check_host(Some("evil.example")), Ok(()));
    }

    fn xff(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_static(v));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let f = front(defaults(), "127.0.0.1:8080");
        assert_eq!(
            f.client_addr(ip("127.0.0.1"), &xff(&["203.0.113.9"])),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let f = front(proxies(&["10.0.0.0/8", "127.0.0.1/32"]), "127.0.0.1:8080");
        // The client forged the first entry; our proxies appended the rest.
        let h = xff(&["6.6.6.6, 203.0.113.9", "10.0.0.7"]);
        assert_eq!(f.client_addr(ip("127.0.0.1"), &h), ip("203.0.113.9"));
        // Not from a trusted proxy: the header is someone's claim, not evidence.
        assert_eq!(f.client_addr(ip("198.51.100.1"), &h), ip("198.51.100.1"));
        // Only proxies: the left-most of them.
        assert_eq!(
            f.client_addr(ip("127.0.0.1"), &xff(&["10.0.0.1, 10.0.0.2"])),
            ip("10.0.0.1")
        );
        // No header at all: the proxy itself.
        assert_eq!(
            f.client_addr(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
        // Garbage stops the walk at the proxy that passed it on.
        assert_eq!(
            f.client_addr(ip("127.0.0.1"), &xff(&["6.6.6.6, nonsense, 10.0.0.3"])),
            ip("10.0.0.3")
        );
        // Ports and IPv6 as some proxies write them; IPv4-mapped peers count as IPv4.
        assert_eq!(
            f.client_addr(ip("::ffff:127.0.0.1"), &xff(&["[2001:db8::1]:4711"])),
            ip("2001:db8::1")
        );
        assert_eq!(
            f.client_addr(ip("127.0.0.1"), &xff(&["192.0.2.1:4711"])),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn only_a_trusted_proxy_or_the_switch_says_tls() {
        let https = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert("x-forwarded-proto", HeaderValue::from_static(v));
            h
        };
        let f = front(proxies(&["10.0.0.0/8"]), "127.0.0.1:8080");
        assert!(f.over_tls(ip("10.1.2.3"), &https("https")));
        assert!(f.over_tls(ip("10.1.2.3"), &https("http, HTTPS")));
        assert!(!f.over_tls(ip("10.1.2.3"), &https("http")));
        assert!(!f.over_tls(ip("10.1.2.3"), &HeaderMap::new()));
        assert!(!f.over_tls(ip("192.0.2.1"), &https("https")), "not a proxy");
        let forced = front(
            Http {
                secure_cookies: true,
                ..Http::default()
            },
            "127.0.0.1:8080",
        );
        assert!(forced.over_tls(ip("192.0.2.1"), &HeaderMap::new()));
    }
}
