//! The crate's only `unsafe` code: the few socket calls that socket2 does not
//! wrap for us.
//!
//! - `sendmsg` with an `IP_PKTINFO` / `IPV6_PKTINFO` control message, which
//!   picks the source address and the outgoing interface of one datagram,
//!   and `sendmmsg` of up to [`SEND_BATCH`] such datagrams (a turn's adverts
//!   on one socket: one system call instead of one each);
//! - `recvmsg` on IPv6, parsing the `IPV6_PKTINFO`, `IPV6_HOPLIMIT` and
//!   `IPV6_TCLASS` control messages (the IPv6 header is not delivered);
//! - `recv` with `MSG_TRUNC` into an initialised `&mut [u8]`, so a truncated
//!   datagram is noticed instead of being parsed;
//! - `sendto` with a `sockaddr_ll` for AF_PACKET frames;
//! - `malloc_trim`, which hands the heap's free pages back after a
//!   configuration is read ([`release_free_heap`]);
//! - the process calls nix does not wrap (`setpriority`, `getpriority`,
//!   `sched_setscheduler`, `mlockall` with `MCL_ONFAULT`) and the hook a
//!   child runs between `fork` and `exec` to undo them (`crate::tuning`).
//!
//! Each function takes a borrowed descriptor and plain Rust values and returns
//! plain Rust values; no pointer leaves this module. Every `unsafe` block says
//! why it is sound in a `// SAFETY:` line.
//!
//! Batching with `recvmmsg` is left out on purpose: VRRP traffic is a few
//! adverts per second per virtual router (at most 100/s at the minimum
//! 10 ms interval), so one `recvmsg` per datagram costs nothing measurable and
//! a batch API would only add a second receive path to keep right.

#![allow(unsafe_code)]

use std::io;
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, BorrowedFd};

/// Control-message space, aligned like `cmsghdr` (the kernel and the
/// `CMSG_*` helpers expect an aligned buffer). Three control messages of at
/// most 20 bytes of data need `3 * CMSG_SPACE(20) = 120` bytes on 64-bit.
#[repr(C, align(8))]
struct ControlBuf([u8; 128]);

impl ControlBuf {
    const fn new() -> Self {
        Self([0; 128])
    }
}

/// What `recv_truncating` read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Datagram {
    /// Bytes written into the buffer.
    pub(crate) len: usize,
    /// The datagram's real length; longer than `len` if it was truncated.
    pub(crate) full_len: usize,
}

impl Datagram {
    fn new(full_len: usize, buffer_len: usize) -> Self {
        Self {
            len: full_len.min(buffer_len),
            full_len,
        }
    }

    /// The datagram was longer than the buffer; its tail is lost.
    pub(crate) fn truncated(&self) -> bool {
        self.full_len > self.len
    }
}

/// What `recv_ipv6` read, with the facts the kernel reports in control
/// messages (the IPv6 header itself is not delivered on raw sockets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ipv6Datagram {
    /// Payload bytes written into the buffer, and whether the tail was lost.
    pub(crate) datagram: Datagram,
    /// Source address (without its scope id).
    pub(crate) src: Ipv6Addr,
    /// Destination address, from `IPV6_PKTINFO`.
    pub(crate) dst: Option<Ipv6Addr>,
    /// Receiving interface, from `IPV6_PKTINFO`.
    pub(crate) ifindex: Option<u32>,
    /// Hop limit the packet arrived with, from `IPV6_HOPLIMIT`.
    pub(crate) hop_limit: Option<u8>,
    /// Traffic class, from `IPV6_TCLASS`.
    pub(crate) traffic_class: Option<u8>,
}

fn cvt(ret: isize) -> io::Result<usize> {
    usize::try_from(ret).map_err(|_| io::Error::last_os_error())
}

fn in_addr(addr: Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from_ne_bytes(addr.octets()),
    }
}

fn in6_addr(addr: Ipv6Addr) -> libc::in6_addr {
    libc::in6_addr {
        s6_addr: addr.octets(),
    }
}

fn sockaddr_in(addr: SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: addr.port().to_be(),
        sin_addr: in_addr(*addr.ip()),
        sin_zero: [0; 8],
    }
}

fn sockaddr_in6(addr: SocketAddrV6) -> libc::sockaddr_in6 {
    libc::sockaddr_in6 {
        sin6_family: libc::AF_INET6 as libc::sa_family_t,
        sin6_port: addr.port().to_be(),
        sin6_flowinfo: addr.flowinfo(),
        sin6_addr: in6_addr(*addr.ip()),
        sin6_scope_id: addr.scope_id(),
    }
}

/// `recv(fd, buf, MSG_TRUNC)`: reads one datagram into `buf` and says whether
/// it was longer than `buf`.
pub(crate) fn recv_truncating(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<Datagram> {
    // SAFETY: `buf` is a valid, initialised, writable region of `buf.len()`
    // bytes for the duration of the call; the kernel writes at most that many.
    let ret = unsafe {
        libc::recv(
            fd.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_TRUNC,
        )
    };
    // With MSG_TRUNC, raw sockets return the datagram's real length.
    Ok(Datagram::new(cvt(ret)?, buf.len()))
}

/// `recvmsg` on an IPv6 raw socket with `IPV6_RECVPKTINFO`,
/// `IPV6_RECVHOPLIMIT` and `IPV6_RECVTCLASS` enabled.
pub(crate) fn recv_ipv6(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<Ipv6Datagram> {
    let mut control = ControlBuf::new();
    // SAFETY: sockaddr_in6 is plain old data; all-zero is a valid value.
    let mut src: libc::sockaddr_in6 = unsafe { mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain old data; all-zero is a valid (empty) value.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_name = (&raw mut src).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = control.0.len() as _;

    // SAFETY: every pointer in `msg` points to a live local (`src`, `iov`,
    // `control`) or to `buf`, with the lengths given; they outlive the call.
    let ret = unsafe { libc::recvmsg(fd.as_raw_fd(), &raw mut msg, libc::MSG_TRUNC) };
    // With MSG_TRUNC, raw sockets return the datagram's real length.
    let full_len = cvt(ret)?;

    let mut received = Ipv6Datagram {
        datagram: Datagram::new(full_len, buf.len()),
        src: Ipv6Addr::from(src.sin6_addr.s6_addr),
        dst: None,
        ifindex: None,
        hop_limit: None,
        traffic_class: None,
    };

    // SAFETY: `msg` was filled by a successful recvmsg; msg_control still
    // points into `control` and msg_controllen is what the kernel wrote.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&raw const msg) };
    while !cmsg.is_null() {
        // SAFETY: CMSG_FIRSTHDR/CMSG_NXTHDR only return non-null pointers to a
        // complete cmsghdr inside the control buffer.
        let header = unsafe { cmsg.read_unaligned() };
        // SAFETY: the data of this control message starts right after its
        // header, inside the control buffer.
        let data = unsafe { libc::CMSG_DATA(cmsg) };
        let data_len = header.cmsg_len.saturating_sub(cmsg_header_len());
        if header.cmsg_level == libc::IPPROTO_IPV6 {
            match header.cmsg_type {
                libc::IPV6_PKTINFO if data_len >= size_of::<libc::in6_pktinfo>() => {
                    // SAFETY: the kernel wrote a whole in6_pktinfo here
                    // (length checked above); read_unaligned copes with the
                    // buffer's alignment.
                    let info = unsafe { data.cast::<libc::in6_pktinfo>().read_unaligned() };
                    received.dst = Some(Ipv6Addr::from(info.ipi6_addr.s6_addr));
                    received.ifindex = Some(info.ipi6_ifindex);
                }
                libc::IPV6_HOPLIMIT if data_len >= size_of::<libc::c_int>() => {
                    // SAFETY: the kernel wrote an int here (length checked).
                    let hops = unsafe { data.cast::<libc::c_int>().read_unaligned() };
                    received.hop_limit = u8::try_from(hops).ok();
                }
                libc::IPV6_TCLASS if data_len >= size_of::<libc::c_int>() => {
                    // SAFETY: the kernel wrote an int here (length checked).
                    let tclass = unsafe { data.cast::<libc::c_int>().read_unaligned() };
                    received.traffic_class = u8::try_from(tclass).ok();
                }
                _ => {}
            }
        }
        // SAFETY: `msg` and `cmsg` are as above; CMSG_NXTHDR returns null
        // past the last complete control message.
        cmsg = unsafe { libc::CMSG_NXTHDR(&raw const msg, cmsg) };
    }
    Ok(received)
}

fn cmsg_header_len() -> usize {
    // SAFETY: CMSG_LEN is pure arithmetic on its argument.
    unsafe { libc::CMSG_LEN(0) as usize }
}

/// Points `msg` at `control` and writes into it one control message
/// carrying `pktinfo` (`level`/`kind` name it), and a second one carrying
/// `hops` (`hops_kind`: `IP_TTL` or `IPV6_HOPLIMIT`) when given: the TTL of
/// this datagram alone, instead of the socket's.
fn write_control<Info: Copy>(
    msg: &mut libc::msghdr,
    control: &mut ControlBuf,
    (level, kind, pktinfo): (libc::c_int, libc::c_int, &Info),
    hops_kind: libc::c_int,
    hops: Option<u8>,
) {
    let info_len = size_of::<Info>() as libc::c_uint;
    let hops_len = size_of::<libc::c_int>() as libc::c_uint;
    // SAFETY: CMSG_SPACE is pure arithmetic on its argument.
    let info_space = unsafe { libc::CMSG_SPACE(info_len) } as usize;
    // SAFETY: as above.
    let hops_space = unsafe { libc::CMSG_SPACE(hops_len) } as usize;
    let control_len = info_space + if hops.is_some() { hops_space } else { 0 };
    assert!(control_len <= control.0.len(), "control buffer too small");
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = control_len as _;

    // SAFETY: msg_control points to `control_len` (<= 128, asserted) bytes
    // of the aligned `control`, so CMSG_FIRSTHDR returns its start.
    let cmsg = unsafe { libc::CMSG_FIRSTHDR(&raw const *msg) };
    assert!(!cmsg.is_null(), "room for one control message");
    // SAFETY: `cmsg` points to the aligned start of `control`, which has
    // room for the header and CMSG_LEN(info_len) bytes of data (checked
    // above); the data is written unaligned-safe.
    unsafe {
        (*cmsg).cmsg_level = level;
        (*cmsg).cmsg_type = kind;
        (*cmsg).cmsg_len = libc::CMSG_LEN(info_len) as _;
        libc::CMSG_DATA(cmsg)
            .cast::<Info>()
            .write_unaligned(*pktinfo);
    }
    if let Some(hops) = hops {
        // SAFETY: `msg` covers both control messages (asserted to fit
        // `control`), so CMSG_NXTHDR returns the second one's aligned start.
        let cmsg = unsafe { libc::CMSG_NXTHDR(&raw const *msg, cmsg) };
        assert!(!cmsg.is_null(), "room for the TTL's control message");
        // SAFETY: `cmsg` points into `control` with room for the header and
        // CMSG_LEN(hops_len) bytes of data; written unaligned-safe.
        unsafe {
            (*cmsg).cmsg_level = level;
            (*cmsg).cmsg_type = hops_kind;
            (*cmsg).cmsg_len = libc::CMSG_LEN(hops_len) as _;
            libc::CMSG_DATA(cmsg)
                .cast::<libc::c_int>()
                .write_unaligned(libc::c_int::from(hops));
        }
    }
}

/// A `msghdr` sending `iov` to `dst` (control messages: [`write_control`]).
fn msghdr_to<Addr>(dst: &Addr, iov: &mut libc::iovec) -> libc::msghdr {
    // SAFETY: msghdr is plain old data; all-zero is a valid (empty) value.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_name = std::ptr::from_ref(dst).cast_mut().cast();
    msg.msg_namelen = size_of::<Addr>() as libc::socklen_t;
    msg.msg_iov = std::ptr::from_mut(iov);
    msg.msg_iovlen = 1;
    msg
}

fn iovec_of(payload: &[u8]) -> libc::iovec {
    libc::iovec {
        // sendmsg never writes through iov_base.
        iov_base: payload.as_ptr().cast_mut().cast(),
        iov_len: payload.len(),
    }
}

/// `sendmsg` of `payload` to `dst` with the control messages of
/// [`write_control`].
fn sendmsg_with_pktinfo<Addr: Copy, Info: Copy>(
    fd: BorrowedFd<'_>,
    payload: &[u8],
    dst: &Addr,
    pktinfo: (libc::c_int, libc::c_int, &Info),
    hops_kind: libc::c_int,
    hops: Option<u8>,
) -> io::Result<usize> {
    let mut control = ControlBuf::new();
    let mut iov = iovec_of(payload);
    let mut msg = msghdr_to(dst, &mut iov);
    write_control(&mut msg, &mut control, pktinfo, hops_kind, hops);
    // SAFETY: every pointer in `msg` points to a live local or borrowed
    // argument with the lengths given; the kernel only reads them.
    let ret = unsafe { libc::sendmsg(fd.as_raw_fd(), &raw const msg, 0) };
    cvt(ret)
}

/// Datagrams one [`send_ipv4_batch`] / [`send_ipv6_batch`] takes at most.
pub(crate) const SEND_BATCH: usize = 64;

/// One datagram of a batch: `payload` from `src` to `dst`, with TTL / hop
/// limit `hops` when given, else the socket's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outgoing<'a, A> {
    pub(crate) payload: &'a [u8],
    pub(crate) src: A,
    pub(crate) dst: A,
    pub(crate) hops: Option<u8>,
}

/// `sendmmsg` of up to [`SEND_BATCH`] datagrams, each with the control
/// messages of [`write_control`] (`to` makes its destination and pktinfo):
/// how many the kernel took, in order, or the error of the first when it
/// took none (the caller goes on past it).
fn sendmmsg_with_pktinfo<A: Copy, Addr: Copy, Info: Copy>(
    fd: BorrowedFd<'_>,
    items: &[Outgoing<'_, A>],
    to: impl Fn(&Outgoing<'_, A>) -> (Addr, Info),
    (level, kind, hops_kind): (libc::c_int, libc::c_int, libc::c_int),
) -> io::Result<usize> {
    let items = &items[..items.len().min(SEND_BATCH)];
    let mut dsts = [const { mem::MaybeUninit::<(Addr, Info)>::uninit() }; SEND_BATCH];
    let mut controls = [const { ControlBuf::new() }; SEND_BATCH];
    let mut iovs = [const {
        libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }
    }; SEND_BATCH];
    // SAFETY: mmsghdr is plain old data; all-zero is a valid (empty) value.
    let mut msgs: [libc::mmsghdr; SEND_BATCH] = unsafe { mem::zeroed() };
    for (i, item) in items.iter().enumerate() {
        let (dst, info) = &*dsts[i].write(to(item));
        iovs[i] = iovec_of(item.payload);
        msgs[i].msg_hdr = msghdr_to(dst, &mut iovs[i]);
        write_control(
            &mut msgs[i].msg_hdr,
            &mut controls[i],
            (level, kind, info),
            hops_kind,
            item.hops,
        );
    }
    // SAFETY: the first `items.len()` entries of `msgs` point to live
    // locals (`dsts`, `iovs`, `controls`, all initialised above) and to the
    // borrowed payloads, with the lengths given; the kernel only reads them
    // and writes each `msg_len`.
    let ret = unsafe {
        libc::sendmmsg(
            fd.as_raw_fd(),
            msgs.as_mut_ptr(),
            items.len() as libc::c_uint,
            0,
        )
    };
    usize::try_from(ret).map_err(|_| io::Error::last_os_error())
}

/// Sends up to [`SEND_BATCH`] IPv4 datagrams in one `sendmmsg`, each from
/// its `src` out of `ifindex` (as [`send_ipv4_from`]): how many were sent,
/// or the first one's error.
pub(crate) fn send_ipv4_batch(
    fd: BorrowedFd<'_>,
    items: &[Outgoing<'_, Ipv4Addr>],
    ifindex: u32,
) -> io::Result<usize> {
    sendmmsg_with_pktinfo(
        fd,
        items,
        |item| {
            (
                sockaddr_in(SocketAddrV4::new(item.dst, 0)),
                in_pktinfo(item.src, ifindex),
            )
        },
        (libc::IPPROTO_IP, libc::IP_PKTINFO, libc::IP_TTL),
    )
}

/// [`send_ipv4_batch`] for IPv6 (as [`send_ipv6_from`]).
pub(crate) fn send_ipv6_batch(
    fd: BorrowedFd<'_>,
    items: &[Outgoing<'_, Ipv6Addr>],
    ifindex: u32,
) -> io::Result<usize> {
    sendmmsg_with_pktinfo(
        fd,
        items,
        |item| {
            let dst = sockaddr_in6(SocketAddrV6::new(item.dst, 0, 0, ifindex));
            (dst, in6_pktinfo(item.src, ifindex))
        },
        (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, libc::IPV6_HOPLIMIT),
    )
}

fn in_pktinfo(src: Ipv4Addr, ifindex: u32) -> libc::in_pktinfo {
    libc::in_pktinfo {
        ipi_ifindex: ifindex as libc::c_int,
        ipi_spec_dst: in_addr(src),
        ipi_addr: in_addr(Ipv4Addr::UNSPECIFIED),
    }
}

fn in6_pktinfo(src: Ipv6Addr, ifindex: u32) -> libc::in6_pktinfo {
    libc::in6_pktinfo {
        ipi6_addr: in6_addr(src),
        ipi6_ifindex: ifindex,
    }
}

/// Sends one IPv4 datagram on a raw socket from `src` out of `ifindex`
/// (`IP_PKTINFO`: `ipi_spec_dst` is the source, `ipi_ifindex` the interface),
/// with TTL `ttl` (`IP_TTL`) when given, else the socket's.
pub(crate) fn send_ipv4_from(
    fd: BorrowedFd<'_>,
    payload: &[u8],
    dst: Ipv4Addr,
    src: Ipv4Addr,
    ifindex: u32,
    ttl: Option<u8>,
) -> io::Result<usize> {
    let info = in_pktinfo(src, ifindex);
    let dst = sockaddr_in(SocketAddrV4::new(dst, 0));
    sendmsg_with_pktinfo(
        fd,
        payload,
        &dst,
        (libc::IPPROTO_IP, libc::IP_PKTINFO, &info),
        libc::IP_TTL,
        ttl,
    )
}

/// Sends one IPv6 datagram on a raw socket from `src` out of `ifindex`
/// (`IPV6_PKTINFO`). The destination gets `ifindex` as scope id so that
/// link-local and multicast destinations are unambiguous. `hop_limit`
/// (`IPV6_HOPLIMIT`) when given, else the socket's.
pub(crate) fn send_ipv6_from(
    fd: BorrowedFd<'_>,
    payload: &[u8],
    dst: Ipv6Addr,
    src: Ipv6Addr,
    ifindex: u32,
    hop_limit: Option<u8>,
) -> io::Result<usize> {
    let info = in6_pktinfo(src, ifindex);
    let dst = sockaddr_in6(SocketAddrV6::new(dst, 0, 0, ifindex));
    sendmsg_with_pktinfo(
        fd,
        payload,
        &dst,
        (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, &info),
        libc::IPV6_HOPLIMIT,
        hop_limit,
    )
}

/// Sends a whole Ethernet frame on an AF_PACKET `SOCK_RAW` socket out of
/// `ifindex`. `ethertype` (host order) becomes the frame's `skb->protocol`,
/// `dst_mac` the link-layer destination the driver is told about.
pub(crate) fn send_frame(
    fd: BorrowedFd<'_>,
    frame: &[u8],
    ifindex: u32,
    ethertype: u16,
    dst_mac: [u8; 6],
) -> io::Result<usize> {
    let mut addr = libc::sockaddr_ll {
        sll_family: libc::AF_PACKET as libc::c_ushort,
        sll_protocol: ethertype.to_be(),
        sll_ifindex: ifindex as libc::c_int,
        sll_hatype: 0,
        sll_pkttype: 0,
        sll_halen: 6,
        sll_addr: [0; 8],
    };
    addr.sll_addr[..6].copy_from_slice(&dst_mac);
    // SAFETY: `frame` is readable for `frame.len()` bytes and `addr` is a
    // complete sockaddr_ll whose size is passed along.
    let ret = unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            frame.as_ptr().cast(),
            frame.len(),
            0,
            (&raw const addr).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    cvt(ret)
}

/// `setsockopt(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)`: deliver each datagram's
/// destination address and interface (socket2 has no setter for it).
pub(crate) fn enable_ipv6_recv_pktinfo(fd: BorrowedFd<'_>) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: `on` is a live c_int and its size is passed along; the kernel
    // only reads it.
    let ret = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_RECVPKTINFO,
            (&raw const on).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, bytes)`: a receive buffer past
/// `net.core.rmem_max` (needs `CAP_NET_ADMIN`; socket2 has no setter for it).
/// The kernel doubles the value for its bookkeeping, as with `SO_RCVBUF`.
pub(crate) fn set_receive_buffer_force(fd: BorrowedFd<'_>, bytes: usize) -> io::Result<()> {
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: `value` is a live c_int and its size is passed along; the
    // kernel only reads it.
    let ret = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            (&raw const value).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Hands the heap's free pages back to the kernel (glibc's `malloc_trim`).
/// Reading a configuration of thousands of instances frees megabytes in
/// holes between what stays; glibc returns only the heap's top on its own,
/// so without this the resident size stayed at the load's peak and grew
/// with every reload. Elsewhere than glibc, nothing to do.
pub fn release_free_heap() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim takes no pointer and only walks glibc's own
    // arenas, under their locks; any thread may call it at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The calling thread's nice value (`getpriority`, errno told apart from
/// a nice value of -1).
pub(crate) fn nice() -> io::Result<i32> {
    // SAFETY: __errno_location returns this thread's errno, always valid;
    // getpriority takes plain integers.
    let value = unsafe {
        *libc::__errno_location() = 0;
        libc::getpriority(libc::PRIO_PROCESS, 0)
    };
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(0) | None => Ok(value),
        Some(_) => Err(error),
    }
}

/// Sets the calling thread's nice value (`setpriority`).
pub(crate) fn set_nice(nice: i32) -> io::Result<()> {
    // SAFETY: plain integers in, an int out.
    let ret = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
    if ret == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Runs the calling thread under SCHED_RR at `priority`; the threads and
/// children it creates start under SCHED_OTHER (`SCHED_RESET_ON_FORK`,
/// which also resets a negative nice value in them).
pub(crate) fn set_round_robin(priority: i32) -> io::Result<()> {
    let param = libc::sched_param {
        sched_priority: priority,
    };
    // SAFETY: `param` is a valid sched_param that outlives the call.
    let ret = unsafe {
        libc::sched_setscheduler(
            0,
            libc::SCHED_RR | libc::SCHED_RESET_ON_FORK,
            &raw const param,
        )
    };
    if ret == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The calling thread's real-time priority (SCHED_RR or SCHED_FIFO); 0
/// under another policy.
pub(crate) fn realtime_priority() -> io::Result<i32> {
    // SAFETY: no pointers.
    let policy = unsafe { libc::sched_getscheduler(0) };
    if policy == -1 {
        return Err(io::Error::last_os_error());
    }
    if policy & !libc::SCHED_RESET_ON_FORK != libc::SCHED_RR
        && policy & !libc::SCHED_RESET_ON_FORK != libc::SCHED_FIFO
    {
        return Ok(0);
    }
    let mut param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `param` is a valid sched_param the call writes to.
    if unsafe { libc::sched_getparam(0, &raw mut param) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(param.sched_priority)
}

/// Locks every page of the process in memory, present and future, each
/// as it is first touched (`mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)`).
pub(crate) fn lock_all_memory() -> io::Result<()> {
    // SAFETY: flags only.
    let ret = unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE | libc::MCL_ONFAULT) };
    if ret == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Makes `command`'s child set its nice value to `nice` and its
/// RLIMIT_RTTIME to `rttime` (soft, hard) before it runs its program.
/// Failures are ignored: the child cannot report them, and keepalived's
/// children only log them.
pub(crate) fn untune_on_exec(
    command: &mut std::process::Command,
    nice: Option<i32>,
    rttime: Option<(u64, u64)>,
) {
    use std::os::unix::process::CommandExt as _;
    let hook = move || {
        if let Some(nice) = nice {
            // SAFETY: async-signal-safe system call on plain integers.
            unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
        }
        if let Some((soft, hard)) = rttime {
            let limit = libc::rlimit {
                rlim_cur: soft,
                rlim_max: hard,
            };
            // SAFETY: async-signal-safe; `limit` outlives the call.
            unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &raw const limit) };
        }
        Ok(())
    };
    // SAFETY: the hook runs between fork and exec and only makes two
    // async-signal-safe system calls on values moved into it: no
    // allocation, no lock.
    unsafe {
        command.pre_exec(hook);
    }
}
