//! The original client address behind a trusted front end.
//!
//! Throttling and address allowlists judge the client's address. Behind a
//! proxy, a load balancer or a webmail front end, every login arrives from
//! the front end's address, so one noisy user behind it would lock out
//! everyone else, and allowlists would see only the proxy. Front ends tell
//! the server the original address — HAProxy's PROXY protocol, IMAP `ID`
//! with `x-originating-ip` (as Dovecot's `login_trusted_networks` reads it),
//! `X-Forwarded-For` — but anyone can send those words, so they count only
//! from networks the operator trusts. [`TrustedProxies`] is that rule; the
//! server puts the address it returns in [`AuthRequest::remote_ip`](crate::AuthRequest).

use std::net::IpAddr;

use ipnet::IpNet;

/// The front ends whose word about the original client address is taken
/// (none by default).
///
/// ```
/// use portcullis::TrustedProxies;
/// let proxies = TrustedProxies::new(["10.0.0.0/8".parse()?]);
/// let claimed = "198.51.100.7".parse()?;
/// // From the proxy, the forwarded address is the client.
/// assert_eq!(proxies.client_address("10.1.2.3".parse()?, Some(claimed)), claimed);
/// // From anyone else, the claim is ignored.
/// assert_eq!(
///     proxies.client_address("203.0.113.9".parse()?, Some(claimed)),
///     "203.0.113.9".parse::<std::net::IpAddr>()?
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
}

impl TrustedProxies {
    /// Trusts these networks.
    #[must_use]
    pub fn new(networks: impl IntoIterator<Item = IpNet>) -> Self {
        TrustedProxies {
            networks: networks.into_iter().collect(),
        }
    }

    /// The trusted networks.
    #[must_use]
    pub fn networks(&self) -> &[IpNet] {
        &self.networks
    }

    /// Whether `peer` (the address the connection comes from) is a trusted
    /// front end. An IPv4-mapped IPv6 address counts as its IPv4 address.
    #[must_use]
    pub fn trusts(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.networks.iter().any(|network| network.contains(&peer))
    }

    /// The address to judge a login by: `forwarded` when the connection
    /// comes from a trusted front end that named one, else the peer.
    #[must_use]
    pub fn client_address(&self, peer: IpAddr, forwarded: Option<IpAddr>) -> IpAddr {
        match forwarded {
            Some(original) if self.trusts(peer) => original.to_canonical(),
            _ => peer,
        }
    }
}

/// The original client address in IMAP `ID` parameters (RFC 2971), as
/// proxies such as Dovecot's send it: `x-originating-ip`. Keys compare
/// without regard to ASCII case; a value that is not an IP address is
/// ignored. Pass the result to [`TrustedProxies::client_address`], which
/// takes it only from a trusted front end.
///
/// ```
/// use portcullis::forwarded_address_from_imap_id;
/// let params = [("name", "proxy"), ("X-Originating-IP", "2001:db8::7")];
/// assert_eq!(forwarded_address_from_imap_id(params), Some("2001:db8::7".parse()?));
/// assert_eq!(forwarded_address_from_imap_id([("x-originating-ip", "nope")]), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn forwarded_address_from_imap_id<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<IpAddr> {
    params
        .into_iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("x-originating-ip"))
        .and_then(|(_, value)| value.trim_matches(['[', ']']).parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_trusted_peers_may_forward() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_address(ip("127.0.0.1"), Some(ip("192.0.2.1"))),
            ip("127.0.0.1")
        );
        let proxies = TrustedProxies::new(["127.0.0.1/32".parse().unwrap()]);
        assert!(proxies.trusts(ip("::ffff:127.0.0.1")));
        assert!(!proxies.trusts(ip("127.0.0.2")));
        assert_eq!(
            proxies.client_address(ip("127.0.0.1"), Some(ip("::ffff:192.0.2.1"))),
            ip("192.0.2.1")
        );
        assert_eq!(
            proxies.client_address(ip("127.0.0.1"), None),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn imap_id_keys() {
        assert_eq!(
            forwarded_address_from_imap_id([("x-connected-ip", "192.0.2.9")]),
            None
        );
        assert_eq!(
            forwarded_address_from_imap_id([("x-originating-ip", "[192.0.2.9]")]),
            Some(ip("192.0.2.9"))
        );
    }
}
