//! Who the client is and how it reached us: its address (from `X-Forwarded-For` only
//! when the connection comes from a trusted reverse proxy), whether the request came over
//! TLS (`X-Forwarded-Proto` from a trusted proxy), and whether a browser's `Origin` is
//! this site's own.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{header, Extensions, HeaderMap};

/// The reverse proxies whose `X-Forwarded-*` headers are believed. Anyone else can
/// write those headers, so from anyone else they are ignored.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|p| canonical(*p) == address)
    }

    /// The client's address: the connection's peer, or, when the peer is a trusted
    /// proxy, the nearest address in `X-Forwarded-For` that is not itself a trusted
    /// proxy (the proxies append to the right; what is left of them the client wrote).
    pub fn client_address(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer.map(canonical)?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .map(|a| a.parse::<IpAddr>().ok())
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default();
        forwarded
            .into_iter()
            .rev()
            .map(canonical)
            .find(|a| !self.trusts(*a))
            .or(Some(peer))
    }

    /// Whether the request came over TLS: only a trusted proxy can say so (this server
    /// itself speaks plain HTTP).
    pub fn over_tls(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        peer.is_some_and(|p| self.trusts(p))
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
    }
}

/// IPv4 addresses written as IPv6 (`::ffff:10.0.0.1`) are the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The connection's peer address, when the server recorded it.
pub fn peer(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Whether a request's `Origin`, when it has one, is this site: same host and port as
/// the `Host` the request was sent to. A login form posted from another site carries
/// that site's origin (or `null`) and is refused, so that no page elsewhere can log a
/// visitor in under an account of its choosing.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok() else {
        return false;
    };
    let Some(authority) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        // `null` (sandboxed or privacy-sensitive contexts) or another scheme.
        return false;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    !authority.is_empty() && !authority.contains('/') && authority.eq_ignore_ascii_case(host.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: IpAddr = "192.0.2.9".parse().unwrap();
        let trusted = TrustedProxies(vec![proxy]);
        let spoofed = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(
            trusted.client_address(Some(stranger), &spoofed),
            Some(stranger),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            trusted.client_address(Some(proxy), &spoofed),
            Some("203.0.113.7".parse().unwrap())
        );
        // The client can prepend anything; the proxy's own entry is the rightmost.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.7")]);
        assert_eq!(
            trusted.client_address(Some(proxy), &chain),
            Some("203.0.113.7".parse().unwrap())
        );
        let junk = headers(&[("x-forwarded-for", "not an address")]);
        assert_eq!(trusted.client_address(Some(proxy), &junk), Some(proxy));
        let mapped: IpAddr = "::ffff:10.0.0.2".parse().unwrap();
        assert_eq!(
            trusted.client_address(Some(mapped), &spoofed),
            Some("203.0.113.7".parse().unwrap())
        );
        let https = headers(&[("x-forwarded-proto", "https")]);
        assert!(trusted.over_tls(Some(proxy), &https));
        assert!(!trusted.over_tls(Some(stranger), &https));
        assert!(!TrustedProxies::default().over_tls(Some(proxy), &https));
    }

    #[test]
    fn an_origin_must_be_the_requested_host() {
        assert!(same_origin(&headers(&[("host", "bureau.example")])));
        assert!(same_origin(&headers(&[
            ("host", "bureau.example:8080"),
            ("origin", "https://bureau.example:8080")
        ])));
        for origin in [
            "https://evil.example",
            "null",
            "https://bureau.example.evil.example",
            "https://bureau.example:8081",
            "file://",
        ] {
            let map = headers(&[("host", "bureau.example"), ("origin", origin)]);
            assert!(!same_origin(&map), "{origin} accepted");
        }
    }
}
