//! Transmission (quinn-proto's `poll_transmit`): the datagrams of an advert,
//! each with its destination. The instance chooses the destinations: the
//! multicast group, or each unicast peer (keepalived's `unicast_peer`).

use std::net::IpAddr;

use super::Instance;

/// One datagram, written at the start of the caller's buffer by
/// [`Instance::poll_transmit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Transmit {
    /// Where to send it: the multicast group, or one unicast peer.
    pub destination: IpAddr,
    /// The address to send it from: our primary address.
    pub source: IpAddr,
    /// How many bytes of the buffer it takes (the VRRP message, header first).
    pub len: usize,
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
        let destination = match peers.get(next) {
            Some(&peer) => peer,
            None => self.family().multicast(),
        };
        if next + 1 < peers.len() {
            self.sending = Some(Sending {
                priority,
                next: next + 1,
            });
        }
        let Ok(len) = self.emit_advert(priority, destination, buf) else {
            // The configuration was validated: only the buffer can be short.
            self.sending = None;
            self.handle_send_failure(priority);
            return None;
        };
        Some(Transmit {
            destination,
            source: self.config.primary_address,
            len,
        })
    }
}
