//! [`Received`]: what the network layer knows about a datagram it hands
//! the core, beside its bytes. Its own home, since both the plain receive
//! path (`instance`) and IPsec AH's (`auth_ah`, which reads it off the IPv4
//! header) make one.

use std::net::IpAddr;

/// What the network layer knows about a received advertisement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Received {
    /// IP source: the sender's primary address.
    pub src: IpAddr,
    /// IP destination: the multicast group, or our address when unicast.
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
}

impl Received {
    /// Whether the advert came to the multicast group.
    pub fn is_multicast(&self) -> bool {
        self.dst.is_multicast()
    }
}
