//! The VRRP sockets: adverts read from them for the router, and the
//! router's datagrams written to them.

use std::time::Instant;

use vrrp_core::{InstanceId, Router};

use super::log_limit::{LogLimit, SEND_WARN_EVERY};
use crate::socket::{Datagram, Outgoing, RECV_BUFFER_LEN, SocketError, VrrpSocket};

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
    /// The turn's datagrams, sent together by [`flush`](Adverts::flush).
    queued: Vec<Queued>,
    /// Their bytes, one after the other.
    queued_bytes: Vec<u8>,
    /// Scratch: the datagrams of one socket's batch that were not sent.
    failures: Vec<(usize, SocketError)>,
    /// Adverts queued so far (numbers them).
    adverts_queued: u64,
    /// Per instance: adverts held until [`release`](Adverts::release)d.
    held: Vec<Held>,
}

/// An instance's held adverts and their bytes.
#[derive(Default)]
struct Held {
    queued: Vec<Queued>,
    bytes: Vec<u8>,
}

/// The socket a datagram leaves by: one of `sockets` or of `senders`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Via {
    Socket(usize),
    Sender(usize),
}

/// A datagram queued for [`Adverts::flush`].
struct Queued {
    via: Via,
    /// Its place in the queue: each socket's go out in this order.
    order: usize,
    /// Which advert it is part of (one per unicast peer, or the group's).
    advert: u64,
    id: InstanceId,
    /// The advert's priority (a failed send is counted by it).
    priority: u8,
    bytes: std::ops::Range<usize>,
    src: std::net::IpAddr,
    dst: std::net::IpAddr,
    ttl: u8,
    header_included: bool,
}

impl Adverts {
    pub(super) fn new(
        sockets: Vec<VrrpSocket>,
        socket_of: Vec<usize>,
        senders: Vec<VrrpSocket>,
        sender_of: Vec<Option<usize>>,
    ) -> Self {
        let instances = socket_of.len();
        Self {
            sockets,
            socket_of,
            senders,
            sender_of,
            send_warnings: LogLimit::new(SEND_WARN_EVERY),
            rx_buf: vec![0; RECV_BUFFER_LEN].into_boxed_slice(),
            tx_buf: vec![0; RECV_BUFFER_LEN].into_boxed_slice(),
            queued: Vec::new(),
            queued_bytes: Vec::new(),
            failures: Vec::new(),
            adverts_queued: 0,
            held: (0..instances).map(|_| Held::default()).collect(),
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

    /// Queues each datagram of the advert the router just announced
    /// ([`Router::poll_transmit`]) for where the core says: the group, or
    /// each unicast peer. [`flush`](Self::flush) sends them; with `hold`,
    /// only once [`release`](Self::release)d (a new Master's first advert
    /// leaves after its VIPs are in, as it always did).
    pub(super) fn queue(&mut self, router: &mut Router, id: InstanceId, priority: u8, hold: bool) {
        self.adverts_queued += 1;
        let via = match self.sender_of[id.index()] {
            Some(sender) => Via::Sender(sender),
            None => Via::Socket(self.socket_of[id.index()]),
        };
        let (queued, bytes) = if hold {
            let held = &mut self.held[id.index()];
            (&mut held.queued, &mut held.bytes)
        } else {
            (&mut self.queued, &mut self.queued_bytes)
        };
        while let Some((_, transmit)) = router.poll_transmit(&mut self.tx_buf) {
            let start = bytes.len();
            bytes.extend_from_slice(&self.tx_buf[..transmit.len]);
            queued.push(Queued {
                via,
                order: queued.len(),
                advert: self.adverts_queued,
                id,
                priority,
                bytes: start..bytes.len(),
                src: transmit.source,
                dst: transmit.destination,
                ttl: transmit.ttl,
                header_included: transmit.header_included,
            });
        }
    }

    /// Queues `id`'s held adverts for the next [`flush`](Self::flush);
    /// whether it had any.
    pub(super) fn release(&mut self, id: InstanceId) -> bool {
        let Some(held) = self.held.get_mut(id.index()) else {
            return false;
        };
        let any = !held.queued.is_empty();
        for mut q in held.queued.drain(..) {
            let start = self.queued_bytes.len();
            self.queued_bytes
                .extend_from_slice(&held.bytes[q.bytes.clone()]);
            q.bytes = start..self.queued_bytes.len();
            q.order = self.queued.len();
            self.queued.push(q);
        }
        held.bytes.clear();
        any
    }

    /// A new configuration of `instances` instances (nothing held: a
    /// reload releases first).
    pub(super) fn set_instances(&mut self, instances: usize) {
        debug_assert!(self.held.iter().all(|h| h.queued.is_empty()));
        self.held = (0..instances).map(|_| Held::default()).collect();
    }

    /// Sends the queued datagrams, each socket's in one `sendmmsg` per 64
    /// ([`VrrpSocket::send_batch`]), in the order they were queued. An advert
    /// the kernel refused for any destination is counted as a send error
    /// ([`Router::handle_send_failure`]) and logged (a warning per instance
    /// at most every [`SEND_WARN_EVERY`]); `name` names an instance.
    pub(super) fn flush<'n>(
        &mut self,
        router: &mut Router,
        now: Instant,
        name: impl Fn(InstanceId) -> &'n str,
    ) {
        if self.queued.is_empty() {
            return;
        }
        // By socket, each socket's in queue order (no allocation).
        self.queued.sort_unstable_by_key(|q| (q.via, q.order));
        let (queued, bytes) = (&self.queued, &self.queued_bytes);
        let mut failures = std::mem::take(&mut self.failures);
        for run in queued.chunk_by(|a, b| a.via == b.via) {
            let socket = match run[0].via {
                Via::Sender(i) => &self.senders[i],
                Via::Socket(i) => &self.sockets[i],
            };
            if run[0].header_included {
                // auth_type AH: whole datagrams, one at a time (rare).
                for (i, q) in run.iter().enumerate() {
                    if let Err(error) = socket.send_datagram(&bytes[q.bytes.clone()], q.dst) {
                        failures.push((i, error));
                    }
                }
            } else {
                let items = run.iter().map(|q| Outgoing {
                    payload: &bytes[q.bytes.clone()],
                    src: q.src,
                    dst: q.dst,
                    ttl: q.ttl,
                });
                socket.send_batch(items, |i, error| failures.push((i, error)));
            }
            let mut last = None;
            for (i, error) in failures.drain(..) {
                let q = &run[i];
                if let Some(held_back) = self.send_warnings.allow(q.id.index(), now) {
                    tracing::warn!(instance = %name(q.id), dst = %q.dst, %error,
                        failures_not_logged = held_back, "advert not sent");
                }
                // One advert, one failure, however many destinations refused it.
                if last != Some(q.advert) {
                    router.handle_send_failure(q.id, q.priority);
                    last = Some(q.advert);
                }
            }
        }
        self.failures = failures;
        self.queued.clear();
        self.queued_bytes.clear();
    }
}
