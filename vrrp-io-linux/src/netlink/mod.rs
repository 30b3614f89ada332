//! rtnetlink on a mio-registered netlink socket: add and remove addresses,
//! routes and rules, create and delete links, and watch links and addresses change.
//!
//! Requests are built with rtnetlink's message builders (no async runtime:
//! rtnetlink is used with `default-features = false`, for its builders only),
//! serialized, and sent on a non-blocking netlink-sys socket that is also
//! subscribed to `RTNLGRP_LINK`, `RTNLGRP_IPV4_IFADDR` and
//! `RTNLGRP_IPV6_IFADDR`. Each request gets a [`Seq`]; its answer comes back
//! later from [`Netlink::poll_events`] as [`NetEvent::Ack`] or
//! [`NetEvent::Error`] with the same `Seq`, interleaved with the change
//! notifications. Nothing here waits for the kernel, except the one-shot
//! dumps in [`dump_addresses`] and [`crate::iface`], meant for start-up.
//!
//! ```no_run
//! use mio::{Events, Interest, Poll, Token};
//! use vrrp_io_linux::netlink::{NetEvent, Netlink};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut poll = Poll::new()?;
//! let mut netlink = Netlink::new()?;
//! poll.registry().register(&mut netlink, Token(0), Interest::READABLE)?;
//! let seq = netlink.add_address(2, "192.0.2.100".parse()?, 32, Some("eth0:vip"))?;
//! let mut events = Events::with_capacity(16);
//! let mut net_events = Vec::new();
//! loop {
//!     poll.poll(&mut events, None)?;
//!     netlink.poll_events(&mut net_events)?;
//!     for event in net_events.drain(..) {
//!         match event {
//!             NetEvent::Ack { seq: done } if done == seq => println!("VIP added"),
//!             NetEvent::Error { seq: failed, errno } if failed == seq => {
//!                 if errno.is_already_exists() {
//!                     println!("VIP was already there");
//!                 } else {
//!                     eprintln!("adding the VIP failed: {errno}");
//!                 }
//!             }
//!             other => println!("{other:?}"),
//!         }
//!     }
//! }
//! # }
//! ```

mod addr;
mod blocking;
mod events;
mod link;
mod route;

use std::io;
use std::os::fd::{AsFd, AsRawFd};

use mio::event::Source;
use netlink_sys::constants::NETLINK_ROUTE;
use netlink_sys::{Socket, SocketAddr};
use rtnetlink::packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkBuffer, NetlinkMessage,
};
use rtnetlink::packet_route::RouteNetlinkMessage;

pub use self::addr::{InterfaceAddress, dump_addresses, dump_all_addresses};
pub use self::events::{Errno, NetEvent};
pub(crate) use self::link::{get_link_by_index, get_link_by_name};
pub use self::route::{
    AddMode, Prefix, RemovedRoute, RemovedRule, Route, RouteType, Rule, RuleAction,
};

/// Multicast groups the event socket joins (`RTNLGRP_*` from
/// `<linux/rtnetlink.h>`).
const RTNLGRP_LINK: u32 = 1;
const RTNLGRP_IPV4_IFADDR: u32 = 5;
const RTNLGRP_IPV6_IFADDR: u32 = 9;
/// Route and rule changes, joined on demand ([`Netlink::watch_routes`]).
const ROUTE_GROUPS: [u32; 4] = [7, 8, 11, 19];

/// Large enough for any single rtnetlink datagram the kernel sends (dumps are
/// cut into datagrams of at most 32 KiB).
const RECV_BUFFER_LEN: usize = 64 * 1024;

/// Socket receive buffer asked for, so that a burst does not overflow it:
/// one turn that makes 4,080 instances Master sends 4,080 address requests
/// before it reads again, and each comes back twice (the ack, and the
/// notification of the group we joined), about 1 KiB of kernel memory
/// each: 8 MiB, which the kernel doubles, holds that twice over. Set with
/// `SO_RCVBUFFORCE` (root, `CAP_NET_ADMIN`) past `net.core.rmem_max`, else
/// with `SO_RCVBUF` up to it. What overflows anyway is resynchronised
/// ([`NetEvent::EventsLost`]).
pub const SOCKET_RCVBUF: usize = 8 * 1024 * 1024;

/// Flags of a request that creates something and must not replace it: the
/// kernel answers `EEXIST` when it is already there.
pub(crate) const FLAGS_CREATE: u16 = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
/// Flags of a request that creates something, or changes it where it exists.
pub(crate) const FLAGS_CREATE_OR_UPDATE: u16 = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
/// Flags of a request that changes or deletes something, with an ack.
const FLAGS_CHANGE: u16 = NLM_F_REQUEST | NLM_F_ACK;

/// The sequence number of a request sent on [`Netlink`]; its answer carries
/// the same number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seq(pub u32);

impl std::fmt::Display for Seq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Why a netlink operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetlinkError {
    /// Opening or setting up the netlink socket failed.
    #[error("opening a netlink (NETLINK_ROUTE) socket failed: {0}")]
    Open(#[source] io::Error),
    /// Sending a request to the kernel failed.
    #[error("sending a netlink request failed: {0}")]
    Send(#[source] io::Error),
    /// Reading from the netlink socket failed.
    #[error("reading from the netlink socket failed: {0}")]
    Receive(#[source] io::Error),
    /// The kernel refused a synchronous (start-up) request.
    #[error("the kernel refused the netlink request: {0}")]
    Refused(#[source] io::Error),
    /// The prefix length does not fit the address family.
    #[error(
        "prefix length /{prefix_len} is too long for {addr}: at most /32 for IPv4, /128 for IPv6"
    )]
    PrefixTooLong {
        /// The address the request was for.
        addr: std::net::IpAddr,
        /// The prefix length asked for.
        prefix_len: u8,
    },
    /// An interface name the kernel would refuse.
    #[error("interface name {0:?} is not valid: Linux takes 1 to 15 bytes")]
    BadInterfaceName(String),
    /// A route or rule that mixes IPv4 and IPv6 addresses.
    #[error("{route}: {addr} is not of the destination's address family")]
    FamilyMismatch {
        /// The route or rule.
        route: String,
        /// The address of the other family.
        addr: std::net::IpAddr,
    },
    /// An address label the kernel would refuse.
    #[error("address label {0:?} is too long: Linux allows at most 15 bytes")]
    LabelTooLong(String),
}

/// A non-blocking rtnetlink socket for one mio loop: requests out, acks,
/// errors and change notifications in.
///
/// Register it with [`mio::Registry::register`] for
/// [`mio::Interest::READABLE`]; after each readable event call
/// [`Netlink::poll_events`], which reads until the socket is empty.
#[derive(Debug)]
pub struct Netlink {
    socket: Socket,
    /// Times the receive buffer overflowed (`ENOBUFS`).
    overflows: u64,
    last_seq: u32,
    send_buffer: Vec<u8>,
    recv_buffer: Vec<u8>,
}

impl Netlink {
    /// Opens the socket, non-blocking, subscribed to link and IPv4/IPv6
    /// address changes.
    pub fn new() -> Result<Self, NetlinkError> {
        let mut socket = Socket::new(NETLINK_ROUTE).map_err(NetlinkError::Open)?;
        socket
            .bind(&SocketAddr::new(0, 0))
            .map_err(NetlinkError::Open)?;
        for group in [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR] {
            socket.add_membership(group).map_err(NetlinkError::Open)?;
        }
        socket.set_non_blocking(true).map_err(NetlinkError::Open)?;
        let netlink = Self {
            socket,
            overflows: 0,
            last_seq: 0,
            send_buffer: Vec::new(),
            recv_buffer: Vec::with_capacity(RECV_BUFFER_LEN),
        };
        // Best effort: a smaller buffer only makes EventsLost more likely.
        match netlink.set_receive_buffer(SOCKET_RCVBUF) {
            Ok(bytes) if bytes < SOCKET_RCVBUF => tracing::warn!(
                bytes,
                wanted = SOCKET_RCVBUF,
                "netlink receive buffer smaller than asked for (not root? raise net.core.rmem_max): \
                 bursts of address changes may overflow it and cost a resynchronisation"
            ),
            Ok(bytes) => tracing::debug!(bytes, "netlink receive buffer"),
            Err(error) => tracing::warn!(%error, "cannot size the netlink receive buffer"),
        }
        Ok(netlink)
    }

    /// Sets the socket's receive buffer to `bytes` (past `net.core.rmem_max`
    /// where the process may, with `SO_RCVBUFFORCE`) and returns the size
    /// the kernel took, doubled for its bookkeeping as it reports it.
    /// [`Netlink::new`] asks for [`SOCKET_RCVBUF`]; a tiny buffer (the kernel's
    /// minimum is a few KiB) makes the kernel drop notifications, which is
    /// how tests reach the resynchronisation.
    pub fn set_receive_buffer(&self, bytes: usize) -> io::Result<usize> {
        if crate::sys::set_receive_buffer_force(self.socket.as_fd(), bytes).is_err() {
            let bytes = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
            self.socket.set_rx_buf_sz(bytes)?;
        }
        self.socket.get_rx_buf_sz()
    }

    /// Sets the socket's receive buffer to `bytes` as a configuration asks
    /// (keepalived's `vrrp_netlink_*_rcv_bufs`): with `SO_RCVBUFFORCE` if
    /// `force`, else `SO_RCVBUF` (capped by `net.core.rmem_max`), and no
    /// fallback; returns the size the kernel took, doubled.
    pub fn size_receive_buffer(&self, bytes: usize, force: bool) -> io::Result<usize> {
        if force {
            crate::sys::set_receive_buffer_force(self.socket.as_fd(), bytes)?;
        } else {
            let bytes = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
            self.socket.set_rx_buf_sz(bytes)?;
        }
        self.socket.get_rx_buf_sz()
    }

    /// The socket's receive buffer as the kernel reports it (doubled).
    pub fn receive_buffer(&self) -> io::Result<usize> {
        self.socket.get_rx_buf_sz()
    }

    /// How many times the receive buffer overflowed (`ENOBUFS`): each one a
    /// [`NetEvent::EventsLost`].
    pub fn overflows(&self) -> u64 {
        self.overflows
    }

    /// Also reports routes and rules deleted ([`NetEvent::RouteRemoved`],
    /// [`NetEvent::RuleRemoved`]): every route change of the host then
    /// arrives, so only a user of them asks.
    pub fn watch_routes(&mut self) -> Result<(), NetlinkError> {
        for group in ROUTE_GROUPS {
            self.socket
                .add_membership(group)
                .map_err(NetlinkError::Open)?;
        }
        Ok(())
    }

    /// Serializes `message` with `flags` and a fresh sequence number and
    /// sends it to the kernel.
    pub(crate) fn send_request(
        &mut self,
        message: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Seq, NetlinkError> {
        // 0 is what the kernel puts on notifications nobody asked for; skip it.
        self.last_seq = self.last_seq.wrapping_add(1).max(1);
        let seq = Seq(self.last_seq);
        let mut request = NetlinkMessage::from(message);
        request.header.flags = flags;
        request.header.sequence_number = seq.0;
        request.finalize();
        self.send_buffer.clear();
        self.send_buffer.resize(request.buffer_len(), 0);
        request.serialize(&mut self.send_buffer);
        let kernel = SocketAddr::new(0, 0);
        self.socket
            .send_to(&self.send_buffer, &kernel, 0)
            .map_err(NetlinkError::Send)?;
        tracing::trace!(%seq, bytes = self.send_buffer.len(), "netlink request sent");
        Ok(seq)
    }

    /// Reads every datagram waiting on the socket and appends what it means
    /// to `events`: request answers ([`NetEvent::Ack`], [`NetEvent::Error`])
    /// and changes of links and addresses, in the kernel's order.
    ///
    /// Returns once the socket would block, so one call after each readable
    /// event drains it (mio is edge-triggered). If the kernel had to drop
    /// notifications, [`NetEvent::EventsLost`] is appended in their place.
    pub fn poll_events(&mut self, events: &mut Vec<NetEvent>) -> Result<(), NetlinkError> {
        self.poll_events_at_most(events, usize::MAX).map(|_| ())
    }

    /// [`poll_events`](Self::poll_events), reading at most `datagrams`
    /// datagrams: returns `true` if it stopped there, with more maybe
    /// waiting (call again without waiting for a readable event: mio is
    /// edge-triggered), `false` once the socket would block.
    pub fn poll_events_at_most(
        &mut self,
        events: &mut Vec<NetEvent>,
        datagrams: usize,
    ) -> Result<bool, NetlinkError> {
        for _ in 0..datagrams {
            self.recv_buffer.clear();
            match self.socket.recv(&mut self.recv_buffer, 0) {
                Ok(_) => for_each_message(&self.recv_buffer, |message| {
                    events.extend(NetEvent::from_message(message));
                }),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) if error.raw_os_error() == Some(libc::ENOBUFS) => {
                    self.overflows += 1;
                    // Said once; the count is kept for status.
                    if self.overflows == 1 {
                        tracing::warn!(
                            "netlink receive buffer overflowed (ENOBUFS): the kernel dropped \
                             notifications; resynchronising links and addresses by a dump \
                             (further overflows are counted, not logged)"
                        );
                    } else {
                        tracing::debug!(
                            overflows = self.overflows,
                            "netlink receive buffer overflowed"
                        );
                    }
                    events.push(NetEvent::EventsLost);
                }
                Err(error) => return Err(NetlinkError::Receive(error)),
            }
        }
        Ok(true)
    }
}

/// Calls `handle` for each netlink message of one datagram. A message that
/// does not decode is logged and skipped; the others still count.
fn for_each_message(datagram: &[u8], mut handle: impl FnMut(NetlinkMessage<RouteNetlinkMessage>)) {
    let mut offset = 0;
    while offset < datagram.len() {
        let rest = &datagram[offset..];
        let length = match NetlinkBuffer::new_checked(rest) {
            Ok(buffer) => buffer.length() as usize,
            Err(error) => {
                tracing::warn!(%error, "truncated netlink datagram");
                return;
            }
        };
        match NetlinkMessage::<RouteNetlinkMessage>::deserialize(rest) {
            Ok(message) => handle(message),
            Err(error) => tracing::warn!(%error, "undecodable netlink message skipped"),
        }
        // Messages are 4-byte aligned (NLMSG_ALIGN).
        offset += length.next_multiple_of(4).max(4);
    }
}

impl Source for Netlink {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.socket.register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        self.socket.reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        self.socket.deregister(registry)
    }
}

impl AsRawFd for Netlink {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.socket.as_raw_fd()
    }
}
