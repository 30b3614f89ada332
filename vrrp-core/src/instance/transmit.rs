//! Transmission (quinn-proto's `poll_transmit`): the datagrams of an advert,
//! each with its destination and TTL. The instance chooses the destinations:
//! the multicast group (VRRP's, or keepalived's `mcast_dst_ip` /
//! `vrrp_mcast_group4/6`), or each unicast peer (keepalived's `unicast_peer`).

use std::net::IpAddr;

use super::Instance;
use crate::auth_ah::HEADERS_LEN;
use crate::auth_hmac::Binding;
use crate::wire::{self, Packet, TRAILER_LEN};

/// One datagram, written at the start of the caller's buffer by
/// [`Instance::poll_transmit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Transmit {
    /// Where to send it: the multicast group, or one unicast peer.
    pub destination: IpAddr,
    /// The address to send it from: our primary address.
    pub source: IpAddr,
    /// How many bytes of the buffer it takes (the VRRP message, header
    /// first; with `header_included`, the whole IPv4 datagram).
    pub len: usize,
    /// Whether the datagram starts with its IPv4 header (`auth_type AH`:
    /// the ICV covers the header, so the core writes it, and the driver
    /// sends it as it is, e.g. with `IP_HDRINCL`).
    pub header_included: bool,
    /// The TTL / hop limit to send it with: 255 (RFC 9568 §5.1.1.3), or
    /// `unicast_ttl` to a unicast peer. Written in the header when
    /// `header_included`.
    pub ttl: u8,
}

/// The advert being transmitted: its priority and its next destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Sending {
    pub(super) priority: u8,
    /// Index into the unicast peers (0 alone when multicast).
    pub(super) next: usize,
}

impl Instance {
    /// The next datagram of the advert the last [`Action::SendAdvert`]
    /// announced, written into `buf`; `None` once every destination has had
    /// one. Drain it after each `SendAdvert`, before the next action.
    ///
    /// A `buf` shorter than the advert ([`buffer_len`], 4,088 bytes at
    /// most: 255 IPv6 addresses) leaves it unsent and counts it as a send
    /// error, as [`handle_send_failure`](Self::handle_send_failure) does.
    ///
    /// [`buffer_len`]: crate::wire::Advertisement::buffer_len
    ///
    /// [`Action::SendAdvert`]: crate::Action::SendAdvert
    #[must_use]
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<Transmit> {
        let Sending { priority, next } = self.sending.take()?;
        let peers = &self.config.unicast_peers;
        let (destination, ttl) = match peers.get(next) {
            Some(peer) => (peer, self.config.unicast_ttl.unwrap_or(wire::TTL)),
            None => (&self.group, wire::TTL),
        };
        if next + 1 < peers.len() {
            self.sending = Some(Sending {
                priority,
                next: next + 1,
            });
        }
        if self.ah.is_some() {
            let destination = *destination;
            return self.transmit_ah(priority, next, destination, ttl, buf);
        }
        let emitted = self.emit_to(priority, destination, buf).ok();
        let destination = *destination;
        let Some(len) = emitted.and_then(|len| self.append_trailer(destination, buf, len)) else {
            self.transmit_failed(priority);
            return None;
        };
        Some(Transmit {
            destination,
            source: self.config.primary_address,
            len,
            header_included: false,
            ttl,
        })
    }

    /// [`poll_transmit`](Self::poll_transmit) for `auth_type AH`: the
    /// IPv4 datagram, header and AH first, to `destination` (unicast peer
    /// `next`, or the group). One sequence number and identification per advert, as
    /// keepalived sends them; the ICV per copy, since it covers the
    /// destination. Out of line and cold, so the path every other instance
    /// takes stays as it was.
    #[cold]
    fn transmit_ah(
        &mut self,
        priority: u8,
        next: usize,
        destination: IpAddr,
        ttl: u8,
        buf: &mut [u8],
    ) -> Option<Transmit> {
        let unicast = !self.config.unicast_peers.is_empty();
        let ah = self.ah.as_mut()?;
        if next == 0 {
            ah.advance();
        }
        let sealed = match (self.config.primary_address, destination) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => buf
                .get_mut(HEADERS_LEN..)
                .and_then(|message| self.emit_to(priority, &destination, message).ok())
                .and_then(|len| {
                    let ah = self.ah.as_ref()?;
                    ah.seal_with_ttl(buf, len, src, dst, unicast, ttl)
                }),
            _ => None,
        };
        let Some(len) = sealed else {
            self.transmit_failed(priority);
            return None;
        };
        Some(Transmit {
            destination,
            source: self.config.primary_address,
            len,
            header_included: true,
            ttl,
        })
    }

    /// `auth_hmac`: appends the trailer to the `len`-byte message in `buf`,
    /// signed on the advert's first copy; returns the datagram's length, or
    /// `None` when `buf` has no room. The checksum covers the trailer over
    /// IPv6 (the kernel's IPV6_CHECKSUM sums the whole payload, as
    /// keepalived's peers verify it) and not over IPv4, as keepalived sends.
    fn append_trailer(&mut self, destination: IpAddr, buf: &mut [u8], len: usize) -> Option<usize> {
        let Some(hmac) = self.hmac.as_mut().filter(|h| h.signs()) else {
            return Some(len);
        };
        let end = len
            .checked_add(TRAILER_LEN)
            .filter(|&end| end <= buf.len())?;
        let (message, rest) = buf.split_at_mut(len);
        let binding = Binding {
            version: self.config.version,
            vrid: self.config.vrid,
            sender: self.config.primary_address,
        };
        let wall_clock = self.wall_clock;
        let trailer = self.trailer.get_or_insert_with(|| {
            let mut trailer = [0; TRAILER_LEN];
            hmac.sign(message, &mut trailer, binding, wall_clock);
            trailer
        });
        rest[..TRAILER_LEN].copy_from_slice(trailer);
        if destination.is_ipv6() {
            let pseudo = self.pseudo_header(destination);
            let mut datagram = Packet::new_unchecked(&mut buf[..end]);
            datagram.fill_checksum(pseudo.as_ref());
        }
        Some(end)
    }

    /// The advert did not fit the caller's buffer (the configuration was
    /// validated: nothing else can fail): its other datagrams are dropped
    /// too, and it counts as a send error. Out of line, so that the
    /// counters it touches stay out of the hot path's registers.
    #[cold]
    #[inline(never)]
    fn transmit_failed(&mut self, priority: u8) {
        self.sending = None;
        self.handle_send_failure(priority);
    }
}
