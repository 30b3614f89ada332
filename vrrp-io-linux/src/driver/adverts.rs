//! The VRRP sockets: adverts read from them for the router, and the
//! router's datagrams written to them.

use std::time::Instant;

use vrrp_core::{InstanceId, Router};

use super::log_limit::{LogLimit, SEND_WARN_EVERY};
use crate::socket::{Datagram, RECV_BUFFER_LEN, VrrpSocket};

/// The sockets adverts go through, and their buffers.
pub(super) struct Adverts {
    /// One per (interface, family), shared by its instances; socket `i`
    /// has token [`SOCKETS`](super::wakeups::SOCKETS)` + i`.
    pub(super) sockets: Vec<VrrpSocket>,
    /// Per instance: index into `sockets`.
    pub(super) socket_of: Vec<usize>,
    /// The VMACs' send-only sockets.
    pub(super) senders: Vec<VrrpSocket>,
    /// Per instance with a VMAC: index into `senders`.
    pub(super) sender_of: Vec<Option<usize>>,
    /// Rate limit of "advert not sent" warnings, per instance.
    send_warnings: LogLimit,
    rx_buf: Box<[u8]>,
    tx_buf: Box<[u8]>,
}

impl Adverts {
    pub(super) fn new(
        sockets: Vec<VrrpSocket>,
        socket_of: Vec<usize>,
        senders: Vec<VrrpSocket>,
        sender_of: Vec<Option<usize>>,
    ) -> Self {
        Self {
            sockets,
            socket_of,
            senders,
            sender_of,
            send_warnings: LogLimit::new(SEND_WARN_EVERY),
            rx_buf: vec![0; RECV_BUFFER_LEN].into_boxed_slice(),
            tx_buf: vec![0; RECV_BUFFER_LEN].into_boxed_slice(),
        }
    }

    /// The next packet waiting on socket `index`, with the VRRP message;
    /// `None` once it is drained (a packet that could not be read is
    /// logged and skipped).
    pub(super) fn recv(&mut self, index: usize) -> Option<(Datagram, &[u8])> {
        loop {
            let socket = self.sockets.get_mut(index)?;
            match socket.recv(&mut self.rx_buf) {
                Ok(Some(datagram)) => return Some((datagram, &self.rx_buf[..datagram.len])),
                Ok(None) => return None,
                Err(error) => tracing::debug!(%error, "VRRP packet not received"),
            }
        }
    }

    /// Sends each datagram of the advert the router just announced
    /// ([`Router::poll_transmit`]) where the core says: the group, or each
    /// unicast peer. An advert the kernel refused for any destination is
    /// counted as a send error ([`Router::handle_send_failure`]) and logged
    /// (a warning per instance at most every
    /// [`SEND_WARN_EVERY`]).
    pub(super) fn send(
        &mut self,
        router: &mut Router,
        now: Instant,
        id: InstanceId,
        priority: u8,
        name: &str,
    ) {
        let socket = match self.sender_of[id.index()] {
            Some(sender) => &self.senders[sender],
            None => &self.sockets[self.socket_of[id.index()]],
        };
        let mut failed = false;
        while let Some((_, transmit)) = router.poll_transmit(&mut self.tx_buf) {
            let (src, dst) = (transmit.source, transmit.destination);
            let datagram = &self.tx_buf[..transmit.len];
            let sent = if transmit.header_included {
                socket.send_datagram(datagram, dst)
            } else {
                socket.send_with_ttl(datagram, src, dst, transmit.ttl)
            };
            if let Err(error) = sent {
                failed = true;
                if let Some(held_back) = self.send_warnings.allow(id.index(), now) {
                    tracing::warn!(instance = %name, %dst, %error,
                        failures_not_logged = held_back, "advert not sent");
                }
            }
        }
        if failed {
            router.handle_send_failure(id, priority);
        }
    }
}
