//! Raw VRRP sockets (IP protocol 112), one per (interface, address family),
//! and one per family for the unicast instances bound to no interface
//! ([`VrrpSocket::open_unbound`]).
//!
//! A [`VrrpSocket`] receives every VRRP packet that reaches its interface,
//! multicast (224.0.0.18 / ff02::12, and each group its instances were given
//! ([`VrrpSocket::join`]), joined on that interface only) and unicast
//! (keepalived's `unicast_peer`), and sends adverts with the header
//! fields RFC 9568 §5.1 asks for: TTL / hop limit 255 (a unicast advert's
//! may be another: keepalived's `unicast_ttl`), source = the
//! interface's primary IPv4 or link-local IPv6 address. The traffic class is
//! 0xc0 (precedence "internetwork control"), as keepalived sends.
//!
//! **Source address.** An interface's socket is never bound to an address
//! (an unbound instance's is: it hears only what is sent to it): binding a
//! raw IPv4 socket to one makes the kernel drop every datagram addressed to
//! anything else, multicast included. Instead each datagram carries its
//! source in an `IP_PKTINFO` / `IPV6_PKTINFO` control message
//! (`ipi_spec_dst` / `ipi6_addr`, with the interface index). One socket thus
//! both receives everything and sends from the right address to multicast and
//! unicast destinations alike, and the source can change at run time
//! ([`VrrpSocket::set_source`]) without reopening anything. (A second socket
//! bound to the source would also work, but it would queue every unicast
//! advert addressed to us that nobody reads.)
//!
//! **Checksums.** `IPV6_CHECKSUM` is deliberately not set: the kernel would
//! then drop packets with a bad checksum silently, while the core must count
//! them (RFC 6527 `vrrpv3StatisticsRcvdChecksumErrors`). The core computes
//! and verifies VRRP checksums itself, for both families.
//!
//! **IPsec AH.** keepalived's `auth_type AH` sends VRRPv2 behind an IP
//! Authentication Header (protocol 51) whose ICV covers the IPv4 header:
//! an AH socket ([`VrrpSocket::open_ipv4_ah`]) receives protocol 51 and
//! hands over the whole datagram, header first, and sends datagrams the
//! core wrote header and all (`IP_HDRINCL`; the kernel fills in only the
//! header checksum).
//!
//! **Batching.** Adverts go out in batches, [`VrrpSocket::send_batch`]
//! (`sendmmsg`): a Master of thousands of instances sends a turn's adverts
//! with one system call per 64. There is no `recv_batch`: see the note at
//! the top of the private `sys` module. Drain with [`VrrpSocket::recv`]
//! until it returns `Ok(None)`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use mio::event::Source;
use mio::unix::SourceFd;
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, SockAddr, Socket, Type};

use vrrp_core::Received;
use vrrp_core::wire::{self, Ipv4Packet, Ipv4Repr};

use crate::sys;

/// How an unbound socket ([`VrrpSocket::open_unbound`]) names its interface.
const NO_DEVICE: &str = "(no interface)";

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: i32 = wire::PROTOCOL as i32;
/// IP protocol number of the IP Authentication Header.
pub const IPPROTO_AH: i32 = wire::PROTOCOL_AH as i32;
/// The IPv4 multicast group of VRRP (RFC 9568 §5.1.1.2).
pub const VRRP_GROUP_V4: Ipv4Addr = wire::MULTICAST_V4;
/// The IPv6 multicast group of VRRP (RFC 9568 §5.1.2.2).
pub const VRRP_GROUP_V6: Ipv6Addr = wire::MULTICAST_V6;
/// TTL / hop limit VRRP packets are sent with and must arrive with.
pub const VRRP_TTL: u8 = wire::TTL;
/// TOS / traffic class of sent adverts: precedence 6, internetwork control.
pub const VRRP_TOS: u8 = 0xc0;
/// A receive buffer this long holds any VRRP packet a peer can send: a
/// 60-byte IPv4 header plus the longest message (v3 over IPv6: 8 + 255 × 16
/// bytes).
pub const RECV_BUFFER_LEN: usize = 60 + 8 + 255 * 16;
// VRRPv2 over IPv4 fits too: 255 addresses and 8 bytes of authentication.
const _: () = assert!(RECV_BUFFER_LEN >= 60 + 8 + 255 * 4 + 8);

/// Address family of a [`VrrpSocket`]: the core's, so the two never disagree.
pub use vrrp_core::wire::Family;

/// Why a VRRP socket could not be opened or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SocketError {
    /// The process may not open raw sockets.
    #[error(
        "opening a raw socket needs CAP_NET_RAW: run as root or grant the capability with `setcap cap_net_raw,cap_net_admin+ep`"
    )]
    PermissionDenied(#[source] io::Error),
    /// A setup step failed (the message names it).
    #[error("{step} failed: {source}")]
    Setup {
        /// What was being done, e.g. "joining 224.0.0.18 on eth0".
        step: String,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// Reading a datagram failed.
    #[error("receiving a VRRP packet failed: {0}")]
    Receive(#[source] io::Error),
    /// A datagram longer than the caller's buffer arrived and was dropped.
    #[error(
        "dropped a {len}-byte packet longer than the {buffer_len}-byte receive buffer: use a buffer of RECV_BUFFER_LEN bytes"
    )]
    Truncated {
        /// The datagram's length (for IPv4 with its IP header).
        len: usize,
        /// The buffer's length.
        buffer_len: usize,
    },
    /// The kernel delivered an IPv4 datagram whose header does not parse.
    #[error("dropped a {0}-byte IPv4 datagram with a malformed IP header")]
    MalformedIpHeader(usize),
    /// Sending failed; `WouldBlock` means the socket buffer is full and this
    /// advert is lost (the next one follows an advert interval later).
    #[error("sending a VRRP packet to {dst} failed: {source}")]
    Send {
        /// The destination.
        dst: IpAddr,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// The destination's address family is not the socket's.
    #[error("cannot send to {dst} on an {family:?} VRRP socket")]
    FamilyMismatch {
        /// The destination.
        dst: IpAddr,
        /// The socket's family.
        family: Family,
    },
}

/// One received VRRP packet; the VRRP message is in the caller's
/// `buf[..len]` (for IPv4 the IP header has been moved out of the way, so the
/// message always starts at `buf[0]`). On an AH socket
/// ([`VrrpSocket::is_ah`]) `buf[..len]` is the whole IPv4 datagram, header
/// first: the AH's ICV covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    /// Source, destination and TTL / hop limit: what the core checks.
    pub rx: Received,
    /// TOS / traffic class it arrived with.
    pub tos: u8,
    /// Interface it arrived on.
    pub ifindex: u32,
    /// Length of the VRRP message at the start of the buffer.
    pub len: usize,
}

/// One datagram for [`VrrpSocket::send_batch`]: the VRRP message `payload`
/// from `src` to `dst` with TTL / hop limit `ttl`.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The VRRP message.
    pub payload: &'a [u8],
    /// Source address (of the socket's family).
    pub src: IpAddr,
    /// Destination: the group or a unicast peer.
    pub dst: IpAddr,
    /// TTL / hop limit.
    pub ttl: u8,
}

/// A non-blocking raw VRRP socket on one interface for one address family.
///
/// Register it with [`mio::Registry::register`] for
/// [`mio::Interest::READABLE`] and, after each readable event, call
/// [`VrrpSocket::recv`] until it returns `Ok(None)`.
#[derive(Debug)]
pub struct VrrpSocket {
    socket: Socket,
    family: Family,
    ifindex: u32,
    ifname: String,
    source: IpAddr,
    /// IP protocol 51, header included both ways.
    ah: bool,
    /// The multicast groups joined on the interface.
    groups: Vec<IpAddr>,
}

fn setup(step: impl FnOnce() -> String) -> impl FnOnce(io::Error) -> SocketError {
    move |source| SocketError::Setup {
        step: step(),
        source,
    }
}

/// A raw socket for `protocol`, non-blocking, bound to `device` if given.
fn open_raw(domain: Domain, device: Option<&str>, protocol: i32) -> Result<Socket, SocketError> {
    let socket = Socket::new(domain, Type::RAW, Some(Protocol::from(protocol))).map_err(
        |error| match error.kind() {
            io::ErrorKind::PermissionDenied => SocketError::PermissionDenied(error),
            _ => SocketError::Setup {
                step: format!("opening a raw socket for IP protocol {protocol}"),
                source: error,
            },
        },
    )?;
    if let Some(ifname) = device {
        socket
            .bind_device(Some(ifname.as_bytes()))
            .map_err(setup(|| {
                format!("binding the VRRP socket to interface {ifname}")
            }))?;
    }
    socket
        .set_nonblocking(true)
        .map_err(setup(|| "making the VRRP socket non-blocking".into()))?;
    Ok(socket)
}

impl VrrpSocket {
    /// Opens the IPv4 socket of interface `ifname` (index `ifindex`): joins
    /// 224.0.0.18 there (other groups: [`join`](Self::join)), multicast loop off, TTL 255, TOS 0xc0; sends from
    /// `source` (the interface's primary address, or `unicast_src_ip`).
    pub fn open_ipv4(ifname: &str, ifindex: u32, source: Ipv4Addr) -> Result<Self, SocketError> {
        Self::ipv4(Some(ifname), ifindex, source, true)
    }

    /// Opens a socket that only sends, out of `ifname`: no group joined, so
    /// it hears nothing (a VMAC interface sends; its parent listens).
    ///
    /// It may send from an address that `ifname` does not have
    /// (`IPV6_FREEBIND`): a VMAC has no IPv6 link-local address of its own,
    /// which would make it send MLD reports and router solicitations, and
    /// its adverts leave from its parent's link-local address. (IPv4 needs
    /// nothing of the kind: any of the host's addresses may be the source.)
    pub fn open_sender(ifname: &str, ifindex: u32, source: IpAddr) -> Result<Self, SocketError> {
        match source {
            IpAddr::V4(source) => Self::ipv4(Some(ifname), ifindex, source, false),
            IpAddr::V6(source) => {
                let sender = Self::ipv6(Some(ifname), ifindex, source, false)?;
                sender
                    .socket
                    .set_freebind_v6(true)
                    .map_err(setup(|| format!("allowing {source} as source on {ifname}")))?;
                Ok(sender)
            }
        }
    }

    /// Opens the IPsec AH socket of interface `ifname` (index `ifindex`)
    /// for `auth_type AH` instances: IP protocol 51, 224.0.0.18 joined
    /// there, multicast loop off, the IPv4 header included both ways
    /// (received datagrams keep theirs; [`send_datagram`](Self::send_datagram)
    /// sends the core's).
    pub fn open_ipv4_ah(ifname: &str, ifindex: u32, source: Ipv4Addr) -> Result<Self, SocketError> {
        Self::ipv4_ah(Some(ifname), ifindex, source, true)
    }

    /// [`open_ipv4_ah`](Self::open_ipv4_ah) that only sends (a VMAC's).
    pub fn open_sender_ah(
        ifname: &str,
        ifindex: u32,
        source: Ipv4Addr,
    ) -> Result<Self, SocketError> {
        Self::ipv4_ah(Some(ifname), ifindex, source, false)
    }

    fn ipv4_ah(
        device: Option<&str>,
        ifindex: u32,
        source: Ipv4Addr,
        join: bool,
    ) -> Result<Self, SocketError> {
        let mut socket = Self::ipv4_proto(device, ifindex, source, join, IPPROTO_AH)?;
        socket
            .socket
            .set_header_included_v4(true)
            .map_err(setup(|| "including the IPv4 header (IP_HDRINCL)".into()))?;
        socket.ah = true;
        Ok(socket)
    }

    fn ipv4(
        device: Option<&str>,
        ifindex: u32,
        source: Ipv4Addr,
        join: bool,
    ) -> Result<Self, SocketError> {
        Self::ipv4_proto(device, ifindex, source, join, IPPROTO_VRRP)
    }

    fn ipv4_proto(
        device: Option<&str>,
        ifindex: u32,
        source: Ipv4Addr,
        join: bool,
        protocol: i32,
    ) -> Result<Self, SocketError> {
        let socket = open_raw(Domain::IPV4, device, protocol)?;
        // Only the groups this socket joined, not every group any socket on
        // the host joined (Linux's default, IP_MULTICAST_ALL=1).
        socket
            .set_multicast_all_v4(false)
            .map_err(setup(|| "turning IP_MULTICAST_ALL off".into()))?;
        socket
            .set_multicast_loop_v4(false)
            .map_err(setup(|| "turning multicast loop off".into()))?;
        let ttl = u32::from(VRRP_TTL);
        socket
            .set_ttl_v4(ttl)
            .and_then(|()| socket.set_multicast_ttl_v4(ttl))
            .map_err(setup(|| "setting TTL 255".into()))?;
        socket
            .set_tos_v4(u32::from(VRRP_TOS))
            .map_err(setup(|| "setting TOS 0xc0".into()))?;
        let mut socket = Self {
            socket,
            family: Family::Ipv4,
            ifindex,
            ifname: device.unwrap_or(NO_DEVICE).into(),
            source: source.into(),
            ah: false,
            groups: Vec::new(),
        };
        if join {
            socket.join(VRRP_GROUP_V4.into())?;
        }
        Ok(socket)
    }

    /// Opens the IPv6 socket of interface `ifname` (index `ifindex`): joins
    /// ff02::12 there, multicast loop off, hop limit 255 (unicast and
    /// multicast), traffic class 0xc0, and asks for each packet's hop limit,
    /// destination and traffic class; sends from `source` (the interface's
    /// link-local address).
    pub fn open_ipv6(ifname: &str, ifindex: u32, source: Ipv6Addr) -> Result<Self, SocketError> {
        Self::ipv6(Some(ifname), ifindex, source, true)
    }

    /// Opens the socket of a unicast instance bound to no interface
    /// (keepalived 2.4.3 runs one that has `unicast_src_ip` and no
    /// `interface`), bound to its `source` address instead, as
    /// keepalived's: it hears the VRRP packets (with `ah`, the AH
    /// datagrams) sent to `source` by whichever interface they come,
    /// joins no group, and its adverts leave from `source` by whichever
    /// interface routing picks. Its datagrams carry interface index 0.
    pub fn open_unbound(source: IpAddr, ah: bool) -> Result<Self, SocketError> {
        let socket = match source {
            IpAddr::V4(source) if ah => Self::ipv4_ah(None, 0, source, false),
            IpAddr::V4(source) => Self::ipv4(None, 0, source, false),
            IpAddr::V6(source) => Self::ipv6(None, 0, source, false),
        }?;
        socket
            .socket
            .bind(&SockAddr::from(SocketAddr::new(source, 0)))
            .map_err(setup(|| format!("binding the VRRP socket to {source}")))?;
        Ok(socket)
    }

    fn ipv6(
        device: Option<&str>,
        ifindex: u32,
        source: Ipv6Addr,
        join: bool,
    ) -> Result<Self, SocketError> {
        let ifname = device.unwrap_or(NO_DEVICE);
        let socket = open_raw(Domain::IPV6, device, IPPROTO_VRRP)?;
        socket
            .set_multicast_all_v6(false)
            .map_err(setup(|| "turning IPV6_MULTICAST_ALL off".into()))?;
        socket
            .set_multicast_loop_v6(false)
            .map_err(setup(|| "turning multicast loop off".into()))?;
        socket
            .set_multicast_if_v6(ifindex)
            .map_err(setup(|| format!("sending multicast out of {ifname}")))?;
        let hops = u32::from(VRRP_TTL);
        socket
            .set_unicast_hops_v6(hops)
            .and_then(|()| socket.set_multicast_hops_v6(hops))
            .map_err(setup(|| "setting hop limit 255".into()))?;
        socket
            .set_tclass_v6(u32::from(VRRP_TOS))
            .map_err(setup(|| "setting traffic class 0xc0".into()))?;
        socket
            .set_recv_hoplimit_v6(true)
            .and_then(|()| socket.set_recv_tclass_v6(true))
            .and_then(|()| sys::enable_ipv6_recv_pktinfo(socket.as_fd()))
            .map_err(setup(|| "asking for hop limit and destination".into()))?;
        let mut socket = Self {
            socket,
            family: Family::Ipv6,
            ifindex,
            ifname: ifname.into(),
            source: source.into(),
            ah: false,
            groups: Vec::new(),
        };
        if join {
            socket.join(VRRP_GROUP_V6.into())?;
        }
        Ok(socket)
    }

    /// The socket's address family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Whether this is an IPsec AH socket ([`open_ipv4_ah`](Self::open_ipv4_ah)):
    /// it hands over whole IPv4 datagrams and sends them as they are.
    pub fn is_ah(&self) -> bool {
        self.ah
    }

    /// The interface index the socket is bound to.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// The address adverts are sent from.
    pub fn source(&self) -> IpAddr {
        self.source
    }

    /// Asks for a receive buffer of `bytes` (`SO_RCVBUF`, capped by
    /// `net.core.rmem_max`, as keepalived's `vrrp_rx_bufs_*` ask) and
    /// returns what the kernel took, doubled for its bookkeeping.
    pub fn set_receive_buffer(&self, bytes: usize) -> io::Result<usize> {
        self.socket.set_recv_buffer_size(bytes)?;
        self.receive_buffer()
    }

    /// The receive buffer as the kernel reports it (`SO_RCVBUF`: doubled).
    pub fn receive_buffer(&self) -> io::Result<usize> {
        self.socket.recv_buffer_size()
    }

    /// The VRRP multicast group of the socket's family.
    pub fn group(&self) -> IpAddr {
        self.family.multicast()
    }

    /// The multicast groups joined on the interface, VRRP's first (unless
    /// the socket only sends).
    pub fn groups(&self) -> &[IpAddr] {
        &self.groups
    }

    /// Joins `group` on the socket's interface too (keepalived's
    /// `mcast_dst_ip`, `vrrp_mcast_group4/6`), unless joined already: the
    /// socket then receives adverts sent to it, and the instances sharing
    /// the socket each take those to their own group.
    pub fn join(&mut self, group: IpAddr) -> Result<(), SocketError> {
        self.check_family(group)?;
        if self.groups.contains(&group) {
            return Ok(());
        }
        let joined = match group {
            IpAddr::V4(group) => self
                .socket
                .join_multicast_v4_n(&group, &InterfaceIndexOrAddress::Index(self.ifindex)),
            IpAddr::V6(group) => self.socket.join_multicast_v6(&group, self.ifindex),
        };
        joined.map_err(setup(|| format!("joining {group} on {}", self.ifname)))?;
        self.groups.push(group);
        Ok(())
    }

    /// Sends from `source` from now on (the interface's primary address
    /// changed). Fails if `source` is of the other family.
    pub fn set_source(&mut self, source: IpAddr) -> Result<(), SocketError> {
        self.check_family(source)?;
        self.source = source;
        Ok(())
    }

    fn check_family(&self, addr: IpAddr) -> Result<(), SocketError> {
        match (self.family, addr) {
            (Family::Ipv4, IpAddr::V4(_)) | (Family::Ipv6, IpAddr::V6(_)) => Ok(()),
            _ => Err(SocketError::FamilyMismatch {
                dst: addr,
                family: self.family,
            }),
        }
    }

    /// Sends the VRRP message `payload` to `dst` ([`VrrpSocket::group`] or a
    /// unicast peer) from the socket's source address.
    pub fn send(&self, payload: &[u8], dst: IpAddr) -> Result<(), SocketError> {
        self.send_from(payload, self.source, dst)
    }

    /// Sends `payload` to `dst` from `src`: instances sharing the socket may
    /// send from different addresses (keepalived's `unicast_src_ip`).
    pub fn send_from(&self, payload: &[u8], src: IpAddr, dst: IpAddr) -> Result<(), SocketError> {
        self.send_with_ttl(payload, src, dst, VRRP_TTL)
    }

    /// [`send_from`](Self::send_from) with TTL / hop limit `ttl` (the core's
    /// `Transmit::ttl`: keepalived's `unicast_ttl` for a unicast advert).
    pub fn send_with_ttl(
        &self,
        payload: &[u8],
        src: IpAddr,
        dst: IpAddr,
        ttl: u8,
    ) -> Result<(), SocketError> {
        let fd = self.socket.as_fd();
        // The socket's own is 255: a control message only for another.
        let ttl = (ttl != VRRP_TTL).then_some(ttl);
        let sent = match (dst, src) {
            (IpAddr::V4(dst), IpAddr::V4(src)) => {
                sys::send_ipv4_from(fd, payload, dst, src, self.ifindex, ttl)
            }
            (IpAddr::V6(dst), IpAddr::V6(src)) => {
                sys::send_ipv6_from(fd, payload, dst, src, self.ifindex, ttl)
            }
            _ => {
                return Err(SocketError::FamilyMismatch {
                    dst,
                    family: self.family,
                });
            }
        };
        sent.map(drop)
            .map_err(|source| SocketError::Send { dst, source })
    }

    /// Sends `items` (`src` and `ttl` as [`send_with_ttl`](Self::send_with_ttl))
    /// in `sendmmsg` batches, one system call for up to 64 of them, in
    /// order; calls `failed` with the position of each one that was not
    /// sent and why (the rest are still sent).
    pub fn send_batch<'a>(
        &self,
        items: impl IntoIterator<Item = Outgoing<'a>>,
        mut failed: impl FnMut(usize, SocketError),
    ) {
        let mut items = items.into_iter().enumerate().peekable();
        while items.peek().is_some() {
            match self.family {
                Family::Ipv4 => self.send_chunk(
                    &mut items,
                    (
                        |a| match a {
                            IpAddr::V4(a) => Some(a),
                            IpAddr::V6(_) => None,
                        },
                        Ipv4Addr::UNSPECIFIED,
                    ),
                    sys::send_ipv4_batch,
                    &mut failed,
                ),
                Family::Ipv6 => self.send_chunk(
                    &mut items,
                    (
                        |a| match a {
                            IpAddr::V6(a) => Some(a),
                            IpAddr::V4(_) => None,
                        },
                        Ipv6Addr::UNSPECIFIED,
                    ),
                    sys::send_ipv6_batch,
                    &mut failed,
                ),
            }
        }
    }

    /// Takes up to [`sys::SEND_BATCH`] items of the socket's family off
    /// `items` and sends them; one of the other family ends the chunk and
    /// fails alone.
    fn send_chunk<'a, A: Copy>(
        &self,
        items: &mut std::iter::Peekable<impl Iterator<Item = (usize, Outgoing<'a>)>>,
        (of_family, unspecified): (impl Fn(IpAddr) -> Option<A>, A),
        send: impl Fn(BorrowedFd<'_>, &[sys::Outgoing<'a, A>], u32) -> io::Result<usize>,
        failed: &mut impl FnMut(usize, SocketError),
    ) {
        let empty = sys::Outgoing {
            payload: &[],
            src: unspecified,
            dst: unspecified,
            hops: None,
        };
        let mut chunk = [empty; sys::SEND_BATCH];
        let mut position = [(0, IpAddr::V4(Ipv4Addr::UNSPECIFIED)); sys::SEND_BATCH];
        let mut len = 0;
        // One of the other family ends the chunk: reported after it, in order.
        let mut mismatch = None;
        while len < sys::SEND_BATCH && mismatch.is_none() {
            let Some((i, item)) = items.next() else { break };
            match (of_family(item.src), of_family(item.dst)) {
                (Some(src), Some(dst)) => {
                    // The socket's own TTL is 255: a control message only for another.
                    let hops = (item.ttl != VRRP_TTL).then_some(item.ttl);
                    chunk[len] = sys::Outgoing {
                        payload: item.payload,
                        src,
                        dst,
                        hops,
                    };
                    position[len] = (i, item.dst);
                    len += 1;
                }
                _ => mismatch = Some((i, item.dst)),
            }
        }
        let mut sent = 0;
        while sent < len {
            match send(self.socket.as_fd(), &chunk[sent..len], self.ifindex) {
                Ok(taken) if taken > 0 => sent += taken,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                // The first of the rest was refused (Ok(0) is not expected).
                other => {
                    let source = other
                        .err()
                        .unwrap_or_else(|| io::ErrorKind::WriteZero.into());
                    let (i, dst) = position[sent];
                    failed(i, SocketError::Send { dst, source });
                    sent += 1;
                }
            }
        }
        if let Some((i, dst)) = mismatch {
            let family = self.family;
            failed(i, SocketError::FamilyMismatch { dst, family });
        }
    }

    /// Sends `datagram`, a whole IPv4 datagram with its header (the core's
    /// `auth_type AH` adverts), to `dst` on an AH socket. The kernel fills
    /// in the header checksum and leaves the rest as it is.
    pub fn send_datagram(&self, datagram: &[u8], dst: IpAddr) -> Result<(), SocketError> {
        let IpAddr::V4(dst4) = dst else {
            return Err(SocketError::FamilyMismatch {
                dst,
                family: self.family,
            });
        };
        let addr = SockAddr::from(SocketAddrV4::new(dst4, 0));
        loop {
            match self.socket.send_to(datagram, &addr) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                other => {
                    break other
                        .map(drop)
                        .map_err(|source| SocketError::Send { dst, source });
                }
            }
        }
    }

    /// Reads one VRRP packet into `buf` (best [`RECV_BUFFER_LEN`] bytes
    /// long); `Ok(None)` once nothing is waiting.
    ///
    /// A packet that did not fit is dropped with
    /// [`SocketError::Truncated`]; the caller counts it and reads on.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<Option<Datagram>, SocketError> {
        let received = match self.family {
            Family::Ipv4 => self.recv_ipv4(buf),
            Family::Ipv6 => self.recv_ipv6(buf),
        };
        match received {
            Err(SocketError::Receive(error)) if error.kind() == io::ErrorKind::WouldBlock => {
                Ok(None)
            }
            other => other.map(Some),
        }
    }

    fn recv_ipv4(&self, buf: &mut [u8]) -> Result<Datagram, SocketError> {
        let datagram = loop {
            match sys::recv_truncating(self.socket.as_fd(), buf) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                other => break other.map_err(SocketError::Receive)?,
            }
        };
        if datagram.truncated() {
            return Err(SocketError::Truncated {
                len: datagram.full_len,
                buffer_len: buf.len(),
            });
        }
        let packet = Ipv4Packet::new_checked(&buf[..datagram.len])
            .map_err(|_| SocketError::MalformedIpHeader(datagram.len))?;
        let header = Ipv4Repr::parse(&packet);
        // AH: the ICV covers the header, which stays where it is.
        let kept = if self.ah { 0 } else { header.header_len };
        buf.copy_within(kept..datagram.len, 0);
        Ok(Datagram {
            rx: Received {
                src: header.src.into(),
                dst: header.dst.into(),
                ttl: header.ttl,
            },
            tos: header.tos,
            ifindex: self.ifindex,
            len: datagram.len - kept,
        })
    }

    fn recv_ipv6(&self, buf: &mut [u8]) -> Result<Datagram, SocketError> {
        let datagram = loop {
            match sys::recv_ipv6(self.socket.as_fd(), buf) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                other => break other.map_err(SocketError::Receive)?,
            }
        };
        if datagram.datagram.truncated() {
            return Err(SocketError::Truncated {
                len: datagram.datagram.full_len,
                buffer_len: buf.len(),
            });
        }
        Ok(Datagram {
            rx: Received {
                src: datagram.src.into(),
                dst: datagram.dst.unwrap_or(Ipv6Addr::UNSPECIFIED).into(),
                // A missing hop limit reads as 0, which fails the core's TTL
                // check: never as an accepted packet.
                ttl: datagram.hop_limit.unwrap_or(0),
            },
            tos: datagram.traffic_class.unwrap_or(0),
            // An unbound socket's instances are found without the arrival
            // interface ([`open_unbound`](Self::open_unbound)).
            ifindex: match self.ifindex {
                0 => 0,
                own => datagram.ifindex.unwrap_or(own),
            },
            len: datagram.datagram.len,
        })
    }
}

impl AsFd for VrrpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl AsRawFd for VrrpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

impl Source for VrrpSocket {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.socket.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.socket.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        SourceFd(&self.socket.as_raw_fd()).deregister(registry)
    }
}
