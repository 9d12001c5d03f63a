//! The client's address: what every per-address limit (failed tokens in [`crate::auth`] and the
//! web sign-in, the public POST limit of [`crate::ratelimit`]) and the access log key on.
//!
//! It is the TCP peer, unless the peer is one of the configured trusted proxies
//! (`--trusted-proxy`, `trusted_proxies`): then it is read from the proxy's `X-Forwarded-For` or
//! `Forwarded` (RFC 7239 `for=`) header, walking the hops from the right (the ones the trusted
//! proxies appended) to the first address that is not itself a trusted proxy. Everything left of
//! that hop was written by the client and is never looked at. A hop that is not an address
//! (garbage, `unknown`, an obfuscated identifier), a missing header, or both headers naming
//! different clients (a proxy appends to one of them and passes the other through as the client
//! wrote it, and which one is not known) gives the peer: a client can then share its proxy's
//! address, never pick another's.
//!
//! [`client_ip`] is the plain function over headers and peer; [`ClientAddr`] is the extractor.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;

use crate::state::AppState;

/// The most hops of a forwarding header looked at, from the right: more proxies than this in a
/// row is a client's invention.
const MAX_HOPS: usize = 32;

/// One trusted proxy: an address, or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct TrustedProxy(IpNet);

impl FromStr for TrustedProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<TrustedProxy, String> {
        let s = s.trim();
        s.parse::<IpNet>()
            .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
            .map(|net| TrustedProxy(net.trunc()))
            .map_err(|_| format!("{s:?} is not an IP address or a CIDR range such as 10.0.0.0/8"))
    }
}

impl TryFrom<String> for TrustedProxy {
    type Error = String;

    fn try_from(s: String) -> Result<TrustedProxy, String> {
        s.parse()
    }
}

impl std::fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The trusted proxies (none by default: the peer is always the client).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<TrustedProxy>);

impl TrustedProxies {
    pub fn new(proxies: Vec<TrustedProxy>) -> TrustedProxies {
        TrustedProxies(proxies)
    }

    /// Is `ip` a trusted proxy?
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|p| p.0.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The client's address of a request from `peer` with `headers` (see the module documentation).
pub fn client_ip(headers: &HeaderMap, peer: IpAddr, proxies: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !proxies.contains(peer) {
        return peer;
    }
    let walk =
        |hops: Option<Vec<Option<IpAddr>>>| hops.map(|h| right_most_client(h, peer, proxies));
    match (
        walk(x_forwarded_for_hops(headers)),
        walk(forwarded_hops(headers)),
    ) {
        (Some(a), Some(b)) if a != b => peer,
        (Some(client), _) | (None, Some(client)) => client,
        (None, None) => peer,
    }
}

/// The right-most hop that is not a trusted proxy; `peer` when a hop on the way is not an
/// address; the left-most hop looked at when all of them are trusted proxies.
fn right_most_client(hops: Vec<Option<IpAddr>>, peer: IpAddr, proxies: &TrustedProxies) -> IpAddr {
    let mut client = peer;
    for hop in hops.into_iter().rev().take(MAX_HOPS) {
        let Some(ip) = hop else {
            return peer;
        };
        client = ip.to_canonical();
        if !proxies.contains(client) {
            return client;
        }
    }
    client
}

/// The client's address, as an extractor (never refuses a request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The client's address of a request (its headers and extensions, where the server records
    /// the TCP peer) under the registry's trusted proxies.
    pub fn of(headers: &HeaderMap, extensions: &Extensions, proxies: &TrustedProxies) -> IpAddr {
        client_ip(headers, peer(extensions), proxies)
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(ClientAddr::of(
            &parts.headers,
            &parts.extensions,
            &state.config.trusted_proxies,
        )))
    }
}

/// The TCP peer recorded by the server, or `0.0.0.0` for a request that came through no
/// connection (tests calling the router directly).
pub fn peer(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// The hops of every `X-Forwarded-For` line, left to right; `None` when a line is not text.
fn x_forwarded_for_hops(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let text = value.to_str().ok()?;
        hops.extend(text.split(',').map(|hop| parse_node(hop.trim())));
    }
    (!hops.is_empty()).then_some(hops)
}

/// The `for=` of each element of every `Forwarded` line, left to right (RFC 7239); an element
/// without `for=` is a hop that is not an address.
fn forwarded_hops(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for value in headers.get_all("forwarded") {
        let text = value.to_str().ok()?;
        for element in split_outside_quotes(text, ',') {
            let node = split_outside_quotes(element, ';')
                .into_iter()
                .filter_map(|pair| pair.split_once('='))
                .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                .map(|(_, value)| unquote(value.trim()));
            hops.push(node.and_then(parse_node));
        }
    }
    (!hops.is_empty()).then_some(hops)
}

/// `text` split at `sep` where it is not inside a quoted string.
fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A quoted string's content (no escapes are meaningful in an address), or the token itself.
fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// A node: `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:80`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = node.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    node.strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .and_then(|v| v.parse::<std::net::Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(list.iter().map(|p| p.parse().unwrap()).collect())
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    const PROXY: &str = "10.0.0.1";

    fn via_proxy(pairs: &[(&'static str, &str)]) -> IpAddr {
        client_ip(
            &headers(pairs),
            ip(PROXY),
            &proxies(&[PROXY, "10.9.0.0/16"]),
        )
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.7"),
            ("forwarded", "for=203.0.113.8"),
        ]);
        assert_eq!(
            client_ip(&h, ip("192.0.2.1"), &proxies(&[PROXY])),
            ip("192.0.2.1")
        );
        assert_eq!(
            client_ip(&h, ip("192.0.2.1"), &TrustedProxies::default()),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn x_forwarded_for_gives_the_right_most_untrusted_hop() {
        assert_eq!(
            via_proxy(&[("x-forwarded-for", "203.0.113.7")]),
            ip("203.0.113.7")
        );
        // The client wrote the left part; the proxies appended the rest.
        assert_eq!(
            via_proxy(&[(
                "x-forwarded-for",
                "1.1.1.1, garbage, 203.0.113.7, 10.9.3.4 ,10.0.0.1"
            )]),
            ip("203.0.113.7")
        );
        // Several header lines are one list, in order.
        assert_eq!(
            via_proxy(&[
                ("x-forwarded-for", "198.51.100.1, 203.0.113.7"),
                ("x-forwarded-for", "10.9.0.5")
            ]),
            ip("203.0.113.7")
        );
        // Only proxies: the left-most.
        assert_eq!(
            via_proxy(&[("x-forwarded-for", "10.9.0.7, 10.9.0.8")]),
            ip("10.9.0.7")
        );
        // Ports and IPv6, bracketed or not; IPv4-mapped IPv6 is IPv4.
        assert_eq!(
            via_proxy(&[("x-forwarded-for", "203.0.113.7:5555")]),
            ip("203.0.113.7")
        );
        assert_eq!(
            via_proxy(&[("x-forwarded-for", "2001:db8::17")]),
            ip("2001:db8::17")
        );
        assert_eq!(
            via_proxy(&[("x-forwarded-for", "[2001:db8::17]:4711")]),
            ip("2001:db8::17")
        );
        assert_eq!(
            via_proxy(&[("x-forwarded-for", "::ffff:203.0.113.7")]),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_ip(
                &headers(&[("x-forwarded-for", "203.0.113.7")]),
                ip("::ffff:10.0.0.1"),
                &proxies(&[PROXY])
            ),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn forwarded_gives_the_right_most_untrusted_for() {
        assert_eq!(
            via_proxy(&[("forwarded", "for=203.0.113.7;proto=https;by=10.0.0.1")]),
            ip("203.0.113.7")
        );
        assert_eq!(
            via_proxy(&[(
                "forwarded",
                "for=198.51.100.1, For=\"[2001:db8:cafe::17]:4711\", for=10.9.0.1"
            )]),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(
            via_proxy(&[("forwarded", "proto=http;for=\"203.0.113.7:80\"")]),
            ip("203.0.113.7")
        );
        // A quoted comma does not split elements.
        assert_eq!(
            via_proxy(&[("forwarded", "for=\"x,y\", for=203.0.113.7")]),
            ip("203.0.113.7")
        );
        // Both headers: they must name the same client (a proxy that sets one passes the
        // other through as the client wrote it).
        assert_eq!(
            via_proxy(&[
                ("x-forwarded-for", "198.51.100.9, 203.0.113.7"),
                ("forwarded", "for=203.0.113.7")
            ]),
            ip("203.0.113.7")
        );
        assert_eq!(
            via_proxy(&[
                ("x-forwarded-for", "198.51.100.9"),
                ("forwarded", "for=203.0.113.7")
            ]),
            ip(PROXY)
        );
        assert_eq!(
            via_proxy(&[
                ("x-forwarded-for", "203.0.113.7"),
                ("forwarded", "for=garbage")
            ]),
            ip(PROXY)
        );
    }

    #[test]
    fn garbage_gives_the_peer() {
        for (name, value) in [
            ("x-forwarded-for", ""),
            ("x-forwarded-for", "garbage"),
            ("x-forwarded-for", "203.0.113.7, nonsense"),
            ("x-forwarded-for", "999.1.1.1"),
            ("x-forwarded-for", "[203.0.113.7]"),
            ("x-forwarded-for", ",,,"),
            ("forwarded", "for=unknown"),
            ("forwarded", "for=_hidden"),
            ("forwarded", "proto=https"),
            ("forwarded", "for=\"[2001:db8::1\""),
            ("forwarded", "for=203.0.113.7, by=10.0.0.1"),
            ("forwarded", "\"\"\"\";;;,,,=="),
        ] {
            assert_eq!(via_proxy(&[(name, value)]), ip(PROXY), "{name}: {value}");
        }
        // Not text.
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"203.0.113.7\xff").unwrap(),
        );
        assert_eq!(client_ip(&h, ip(PROXY), &proxies(&[PROXY])), ip(PROXY));
        // No header at all.
        assert_eq!(via_proxy(&[]), ip(PROXY));
    }

    #[test]
    fn many_hops_are_bounded() {
        let mut chain = vec!["203.0.113.7"; 1];
        chain.extend(std::iter::repeat_n("10.9.0.1", 10_000));
        let value = chain.join(",");
        // The client is further than MAX_HOPS proxies away: the left-most hop looked at.
        assert_eq!(via_proxy(&[("x-forwarded-for", &value)]), ip("10.9.0.1"));
        let value = format!("{}, 203.0.113.7", vec!["1.2.3.4"; 10_000].join(","));
        assert_eq!(via_proxy(&[("x-forwarded-for", &value)]), ip("203.0.113.7"));
    }

    #[test]
    fn proxies_parse_as_addresses_or_ranges() {
        let p: TrustedProxy = "10.1.2.3/8".parse().unwrap();
        assert_eq!(p.to_string(), "10.0.0.0/8");
        assert_eq!(
            " 192.0.2.1 ".parse::<TrustedProxy>().unwrap().to_string(),
            "192.0.2.1/32"
        );
        assert_eq!(
            "fd00::/8".parse::<TrustedProxy>().unwrap().to_string(),
            "fd00::/8"
        );
        for bad in ["", "proxy.local", "10.0.0.0/33", "10.0.0.1:80"] {
            let e = bad.parse::<TrustedProxy>().unwrap_err();
            assert!(e.contains(&format!("{bad:?}")) && e.contains("CIDR"), "{e}");
        }
        let set = proxies(&["10.0.0.0/8", "2001:db8::1"]);
        assert!(set.contains(ip("10.255.0.1")));
        assert!(set.contains(ip("::ffff:10.0.0.9")));
        assert!(set.contains(ip("2001:db8::1")));
        assert!(!set.contains(ip("2001:db8::2")));
        assert!(!set.contains(ip("11.0.0.1")));
    }
}
