//! [`AllowedNet`]: one item of an `allow_nets=` list.

use core::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

/// One item of an `allow_nets=`/`allow_real_nets=` list: an address, a
/// network, or `local` (a connection without an IP address, such as a
/// Unix socket).
///
/// ```
/// use portcullis_passwd_file::AllowedNet;
/// let net = AllowedNet::parse("192.168.0.0/16").ok_or("bad net")?;
/// assert!(net.contains(Some("192.168.4.5".parse()?)));
/// assert!(net.contains(Some("::ffff:192.168.4.5".parse()?))); // IPv4-mapped
/// assert!(!net.contains(None));
/// assert_eq!(AllowedNet::parse("local"), Some(AllowedNet::Local));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowedNet {
    /// An address (as a single-address network) or a network.
    Net(IpNet),
    /// `local`: a connection with no IP address.
    Local,
}

impl AllowedNet {
    /// Parses one list item; `None` if it is neither an address, a
    /// network, nor `local`.
    #[must_use]
    pub fn parse(item: &str) -> Option<AllowedNet> {
        if item == "local" {
            return Some(AllowedNet::Local);
        }
        if let Ok(net) = item.parse::<IpNet>() {
            return Some(AllowedNet::Net(canonical_net(net)));
        }
        item.parse::<IpAddr>()
            .ok()
            .map(|address| AllowedNet::Net(IpNet::from(address.to_canonical())))
    }

    /// Whether a client at `address` (`None`: no IP address) is allowed.
    /// IPv4-mapped IPv6 addresses match as the IPv4 address they carry,
    /// as Dovecot matches them.
    #[must_use]
    pub fn contains(&self, address: Option<IpAddr>) -> bool {
        match (self, address) {
            (AllowedNet::Local, None) => true,
            (AllowedNet::Net(net), Some(address)) => net.contains(&address.to_canonical()),
            _ => false,
        }
    }
}

/// `::ffff:a.b.c.d/n` (n ≥ 96) as the IPv4 network it denotes, so it
/// matches the canonical (IPv4) form of a mapped client address.
fn canonical_net(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && let Some(prefix) = v6.prefix_len().checked_sub(96)
        && let Ok(mapped) = ipnet::Ipv4Net::new(v4, prefix)
    {
        return IpNet::V4(mapped);
    }
    net
}

impl fmt::Display for AllowedNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllowedNet::Net(net) => write!(f, "{net}"),
            AllowedNet::Local => f.write_str("local"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items() {
        let parse = |item: &str| AllowedNet::parse(item).map(|net| net.to_string());
        assert_eq!(parse("1.2.3.4").as_deref(), Some("1.2.3.4/32"));
        assert_eq!(parse("::1").as_deref(), Some("::1/128"));
        assert_eq!(
            parse("2001:abcd:abcd::0:0/80").as_deref(),
            Some("2001:abcd:abcd::/80")
        );
        assert_eq!(parse("::ffff:10.0.0.0/104").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(parse("::ffff:10.0.0.1").as_deref(), Some("10.0.0.1/32"));
        assert_eq!(parse("10.0.0.0/33"), None);
        assert_eq!(parse("example.org"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("LOCAL"), None);
    }
}
