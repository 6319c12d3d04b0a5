//! Who is asking: the client address for rate limiting, and the scheme/host for `ws_url`.
//!
//! Forwarding headers are believed only from configured trusted proxies; anyone else
//! could forge them to dodge the rate limit or poison the URLs we hand out.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The client address: the socket peer, or — when the peer is a trusted proxy — the
/// right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer_ip = peer.ip().to_canonical();
    if !is_trusted(peer_ip, trusted) {
        return peer_ip;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(*ip, trusted))
        .unwrap_or(peer_ip)
}

/// The WebSocket scheme the client should use: `wss` when a trusted proxy says the
/// original request came over TLS.
pub fn ws_scheme(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> &'static str {
    let via_tls = is_trusted(peer.ip().to_canonical(), trusted)
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("https")
            })
            .unwrap_or(false);
    if via_tls {
        "wss"
    } else {
        "ws"
    }
}

/// The host the client used: `X-Forwarded-Host` from a trusted proxy, else `Host`, else
/// the address we are listening on.
pub fn public_host(
    peer: SocketAddr,
    headers: &HeaderMap,
    trusted: &[IpNet],
    local: SocketAddr,
) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim().to_string())
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_graphic()))
    };
    let forwarded = if is_trusted(peer.ip().to_canonical(), trusted) {
        header("x-forwarded-host")
    } else {
        None
    };
    forwarded
        .or_else(|| header("host"))
        .unwrap_or_else(|| local.to_string())
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(xff).unwrap());
        h
    }

    #[test]
    fn untrusted_peers_cannot_forge_their_address() {
        let peer: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        assert_eq!(client_ip(peer, &headers("1.2.3.4"), &[]), peer.ip());
    }

    #[test]
    fn trusted_proxies_are_skipped_from_the_right() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let peer: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        let ip = client_ip(peer, &headers("6.6.6.6, 198.51.100.4, 10.0.0.9"), &trusted);
        assert_eq!(ip, "198.51.100.4".parse::<IpAddr>().unwrap());
    }
}
