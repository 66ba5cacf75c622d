//! Who a login comes from, as the throttle and the fair hashing queue count it.
//!
//! By default the client is the socket's peer address. Behind reverse proxies, the operator
//! says how many proxy hops to trust (`trusted_hops`); each trusted proxy appends the address it
//! received the request from to `X-Forwarded-For`, so the client is the entry that many places
//! from the right. Entries further left were written by the client itself and are never used.
//! An IPv6 client is counted by its /64 network: one host usually holds a whole /64, and
//! counting single addresses would give it 2^64 fresh budgets.

use alloc::string::String;
use core::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The longest client text kept from a proxy's `X-Forwarded-For` entry that is not an address.
const MAX_RAW: usize = 64;

/// A client identity: an IPv4 address, an IPv6 /64 (`2001:db8:1:2::/64`), or, when a trusted
/// proxy wrote something else than an address, that text (at most 64 bytes).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Client(String);

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Client").field(&self.0).finish()
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Client {
    /// The client at `peer`: an IPv4 address as itself (an IPv4-mapped IPv6 address too), an
    /// IPv6 address as its /64.
    #[must_use]
    pub fn from_peer(peer: IpAddr) -> Self {
        match peer {
            IpAddr::V4(v4) => Self(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(v4.to_string()),
                None => {
                    let s = v6.segments();
                    let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                    Self(alloc::format!("{net}/64"))
                }
            },
        }
    }

    /// A client named by text that is not an address (what a trusted proxy wrote), cut to 64
    /// bytes at a character boundary.
    #[must_use]
    pub fn from_raw(text: &str) -> Self {
        let mut end = text.len().min(MAX_RAW);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Self(String::from(&text[..end]))
    }

    /// The client of a request from `peer` (`None` when the server cannot tell: every such
    /// request then counts as one client, `unknown`), trusting `trusted_hops` proxies'
    /// `X-Forwarded-For` entries (`forwarded_for`: every such header's value, in order). With
    /// `trusted_hops == 0` the header plays no part. When the header holds fewer entries than
    /// trusted hops, the leftmost is taken (every entry there was written by a trusted proxy).
    #[must_use]
    pub fn resolve<'h>(
        peer: Option<IpAddr>,
        forwarded_for: impl IntoIterator<Item = &'h [u8]>,
        trusted_hops: usize,
    ) -> Self {
        let peer = || peer.map_or_else(|| Self(String::from("unknown")), Self::from_peer);
        if trusted_hops == 0 {
            return peer();
        }
        let mut entries: alloc::vec::Vec<&[u8]> = alloc::vec::Vec::new();
        for value in forwarded_for {
            entries.extend(value.split(|&b| b == b',').map(<[u8]>::trim_ascii));
        }
        let pick = entries.len().saturating_sub(trusted_hops);
        match entries.get(pick) {
            Some(entry) => Self::from_entry(entry).unwrap_or_else(peer),
            None => peer(),
        }
    }

    /// One `X-Forwarded-For` entry: an address, an address with a port, a bracketed IPv6
    /// address, or other text from the proxy. `None` for an empty entry or one that is not UTF-8.
    fn from_entry(entry: &[u8]) -> Option<Self> {
        let text = core::str::from_utf8(entry).ok().filter(|t| !t.is_empty())?;
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Some(Self::from_peer(ip));
        }
        if let Ok(sock) = text.parse::<SocketAddr>() {
            return Some(Self::from_peer(sock.ip()));
        }
        let bracketed = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .and_then(|t| t.parse::<IpAddr>().ok());
        Some(bracketed.map_or_else(|| Self::from_raw(text), Self::from_peer))
    }

    /// The identity as text (also the throttle's key part).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn peers() {
        assert_eq!(
            Client::from_peer("127.0.0.2".parse().unwrap()).as_str(),
            "127.0.0.2"
        );
        assert_eq!(
            Client::from_peer("2001:db8:1:2:3:4:5:6".parse().unwrap()).as_str(),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            Client::from_peer("2001:db8:1:2:ffff::1".parse().unwrap()),
            Client::from_peer("2001:db8:1:2::9".parse().unwrap())
        );
        assert_ne!(
            Client::from_peer("2001:db8:1:3::1".parse().unwrap()),
            Client::from_peer("2001:db8:1:2::1".parse().unwrap())
        );
        assert_eq!(
            Client::from_peer("::ffff:10.1.2.3".parse().unwrap()).as_str(),
            "10.1.2.3"
        );
        assert_eq!(Client::resolve(None, [], 0).as_str(), "unknown");
    }

    #[test]
    fn the_header_is_ignored_without_trusted_hops() {
        let h: [&[u8]; 1] = [b"203.0.113.9"];
        assert_eq!(Client::resolve(ip("10.0.0.1"), h, 0).as_str(), "10.0.0.1");
    }

    #[test]
    fn trusted_hops_count_from_the_right() {
        let h: [&[u8]; 2] = [b"198.51.100.1, 203.0.113.9", b" 192.0.2.7 "];
        assert_eq!(Client::resolve(ip("10.0.0.1"), h, 1).as_str(), "192.0.2.7");
        assert_eq!(
            Client::resolve(ip("10.0.0.1"), h, 2).as_str(),
            "203.0.113.9"
        );
        assert_eq!(
            Client::resolve(ip("10.0.0.1"), h, 3).as_str(),
            "198.51.100.1"
        );
        // Fewer entries than hops: the leftmost.
        assert_eq!(
            Client::resolve(ip("10.0.0.1"), h, 9).as_str(),
            "198.51.100.1"
        );
        // No header at all: the peer.
        assert_eq!(Client::resolve(ip("10.0.0.1"), [], 1).as_str(), "10.0.0.1");
    }

    #[test]
    fn entries_with_ports_brackets_and_other_text() {
        let one = |e: &'static [u8]| Client::resolve(ip("10.0.0.1"), [e], 1);
        assert_eq!(one(b"192.0.2.7:4711").as_str(), "192.0.2.7");
        assert_eq!(one(b"[2001:db8::5]:443").as_str(), "2001:db8::/64");
        assert_eq!(one(b"[2001:db8::5]").as_str(), "2001:db8::/64");
        assert_eq!(one(b"unknown").as_str(), "unknown");
        assert_eq!(one(&[b'x'; 100]).as_str().len(), 64);
        // Empty or not UTF-8: the peer.
        assert_eq!(one(b"").as_str(), "10.0.0.1");
        assert_eq!(one(b"\xff\xfe").as_str(), "10.0.0.1");
    }
}
