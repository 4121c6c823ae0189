//! Which network addresses webhooks may reach: a defence against server-side request forgery.
//!
//! A business owner chooses a webhook's URL, and the server connects to it. Unless
//! `webhook_private_targets` is set, only public addresses are allowed: loopback, private
//! (RFC 1918, IPv6 unique local), link-local (where cloud metadata services answer, e.g.
//! 169.254.169.254), carrier-grade NAT, benchmarking, documentation, multicast, reserved and
//! unspecified ranges are refused. The check runs twice:
//! - when a webhook is registered ([`check_url`]: the host, or every address its name resolves
//!   to), so the owner gets a clear `private_address` error at once;
//! - at every delivery: [`check_url`] again (the name may point elsewhere by now), and the
//!   HTTP client's resolver ([`PublicOnlyResolver`]) keeps only public addresses, so a name
//!   whose answer changes between the check and the connection (DNS rebinding) cannot reach an
//!   internal address either.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why a URL may not be used as a webhook target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetError {
    /// The URL has no host.
    NoHost,
    /// The host is, or resolves to, an address that is not public.
    NotPublic(IpAddr),
    /// The host name could not be resolved now (may work later).
    Lookup(String),
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetError::NoHost => write!(f, "the URL has no host"),
            TargetError::NotPublic(ip) => write!(
                f,
                "{ip} is not a public address (loopback, private, link-local or reserved)"
            ),
            TargetError::Lookup(e) => write!(f, "the host name does not resolve: {e}"),
        }
    }
}

/// Whether `ip` is a public unicast address a webhook may reach.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (b & 0xc0) == 64) // 100.64.0.0/10, carrier-grade NAT
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // 192.0.0.0/24, protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // 198.18.0.0/15, benchmarking
        || a >= 240; // reserved
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if ip.is_unspecified() || ip.is_loopback() || ip.is_multicast() {
        return false;
    }
    // Addresses that carry an IPv4 address are judged by it: IPv4-mapped, IPv4-compatible
    // (`::a.b.c.d`) and the NAT64 well-known prefix 64:ff9b::/96.
    let embedded = ip.to_ipv4_mapped().or_else(|| {
        let compatible = s[..6].iter().all(|&x| x == 0);
        let nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0);
        (compatible || nat64).then(|| {
            let [.., hi, lo] = s;
            Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))
        })
    });
    if let Some(v4) = embedded {
        return is_public_v4(v4);
    }
    let refused = (s[0] & 0xfe00) == 0xfc00 // fc00::/7, unique local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10, link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10, deprecated site-local
        || (s[0] == 0x2001 && s[1] == 0x0db8) // 2001:db8::/32, documentation
        || (s[0] == 0x0100 && s[1..4].iter().all(|&x| x == 0)); // 100::/64, discard
    !refused
}

/// Checks a webhook URL: its host must be a public address, or a name whose every address is
/// public.
pub async fn check_url(url: &reqwest::Url) -> Result<(), TargetError> {
    let host = url.host_str().ok_or(TargetError::NoHost)?;
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return if is_public(ip) {
            Ok(())
        } else {
            Err(TargetError::NotPublic(ip))
        };
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| TargetError::Lookup(e.to_string()))?;
    for addr in addrs {
        if !is_public(addr.ip()) {
            return Err(TargetError::NotPublic(addr.ip()));
        }
    }
    Ok(())
}

/// The webhook client's resolver: the system's answer with every non-public address removed;
/// an error when none is left.
#[derive(Clone, Copy, Debug, Default)]
pub struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loopback, private, link-local (cloud metadata), CGNAT, reserved and documentation
    /// ranges are refused in both families, IPv4 hidden in IPv6 included; public ones pass.
    #[test]
    fn only_public_unicast_addresses_are_allowed() {
        for refused in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "100::1",
        ] {
            let ip: IpAddr = refused.parse().unwrap();
            assert!(!is_public(ip), "{refused} must be refused");
        }
        for allowed in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.215.14",
            "172.32.0.1",
            "100.128.0.1",
            "169.255.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4007:80c::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            let ip: IpAddr = allowed.parse().unwrap();
            assert!(is_public(ip), "{allowed} must be allowed");
        }
    }

    /// IP literals are judged without a lookup, in brackets for IPv6; `localhost` resolves to
    /// loopback and is refused.
    #[tokio::test]
    async fn urls_are_checked_by_host() {
        let check = |u: &str| {
            let url = reqwest::Url::parse(u).unwrap();
            async move { check_url(&url).await }
        };
        assert_eq!(
            check("http://127.0.0.1:9/h").await,
            Err(TargetError::NotPublic("127.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            check("https://[::1]/h").await,
            Err(TargetError::NotPublic("::1".parse().unwrap()))
        );
        assert!(matches!(
            check("http://169.254.169.254/latest/meta-data/").await,
            Err(TargetError::NotPublic(_))
        ));
        assert!(matches!(
            check("http://localhost:8080/h").await,
            Err(TargetError::NotPublic(ip)) if ip.is_loopback()
        ));
        assert_eq!(check("https://8.8.8.8/h").await, Ok(()));
    }
}
