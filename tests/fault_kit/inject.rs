//! Forged VRRP packets from a lab host: a raw IPv4 socket with
//! `IP_HDRINCL`, so the test writes the whole IP header itself (TTL, a
//! spoofed source), bound to the host's `eth0`. The VRRP messages are built
//! here byte by byte from RFC 9568 §5.2 and RFC 3768 §5.3, not with
//! vrrp-core's encoder: a black box is tested with its own bytes.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::lab::Host;

/// The VRRP IPv4 multicast group.
pub const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);

/// A VRRP message to send, before its IP header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// 2 or 3 (any nibble, for version errors).
    pub version: u8,
    /// Message type, 1 for ADVERTISEMENT.
    pub kind: u8,
    pub vrid: u8,
    pub priority: u8,
    /// The count field; [`Message::addresses`] by default.
    pub count: Option<u8>,
    /// Centiseconds for v3, seconds for v2.
    pub interval: u16,
    pub addresses: Vec<Ipv4Addr>,
    /// VRRPv2: auth type 1 and this password (padded to 8 bytes); `None`
    /// for auth type 0.
    pub pass: Option<String>,
}

impl Message {
    /// A VRRPv3 advertisement of `vrid` at `priority`, every `centis`
    /// centiseconds, for `vips`.
    pub fn v3(vrid: u8, priority: u8, centis: u16, vips: &[Ipv4Addr]) -> Self {
        Self {
            version: 3,
            kind: 1,
            vrid,
            priority,
            count: None,
            interval: centis,
            addresses: vips.to_vec(),
            pass: None,
        }
    }

    /// A VRRPv2 advertisement every `secs` seconds with `auth_type PASS`.
    pub fn v2(vrid: u8, priority: u8, secs: u8, vips: &[Ipv4Addr], pass: Option<&str>) -> Self {
        Self {
            version: 2,
            interval: u16::from(secs),
            pass: pass.map(str::to_owned),
            ..Self::v3(vrid, priority, 0, vips)
        }
    }

    /// The message's bytes with the right checksum for `src` → `dst`
    /// (VRRPv3 sums an IPv4 pseudo-header, VRRPv2 does not).
    pub fn bytes(&self, src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
        let count = self
            .count
            .unwrap_or_else(|| u8::try_from(self.addresses.len()).expect("at most 255"));
        let mut out = vec![
            (self.version << 4) | (self.kind & 0x0f),
            self.vrid,
            self.priority,
            count,
        ];
        if self.version == 2 {
            out.push(u8::from(self.pass.is_some()));
            out.push(u8::try_from(self.interval).unwrap_or(u8::MAX));
        } else {
            out.extend_from_slice(&(self.interval & 0x0fff).to_be_bytes());
        }
        out.extend_from_slice(&[0, 0]);
        for address in &self.addresses {
            out.extend_from_slice(&address.octets());
        }
        if self.version == 2 {
            let mut auth = [0u8; 8];
            if let Some(pass) = &self.pass {
                let pass = pass.as_bytes();
                let n = pass.len().min(8);
                auth[..n].copy_from_slice(&pass[..n]);
            }
            out.extend_from_slice(&auth);
        }
        let sum = if self.version == 3 {
            let len = u16::try_from(out.len()).expect("short");
            let mut pseudo = Vec::with_capacity(12 + out.len());
            pseudo.extend_from_slice(&src.octets());
            pseudo.extend_from_slice(&dst.octets());
            pseudo.extend_from_slice(&[0, 112]);
            pseudo.extend_from_slice(&len.to_be_bytes());
            pseudo.extend_from_slice(&out);
            checksum(&pseudo)
        } else {
            checksum(&out)
        };
        out[6..8].copy_from_slice(&sum.to_be_bytes());
        out
    }
}

/// A CARP advertisement (OpenBSD's carp, ucarp) for virtual host `vhid`:
/// IP protocol 112 and the VRRP group too, and its first bytes read as a
/// VRRPv2 advert (version 2, type 1; vhid, advskew, authlen 7, demote,
/// advbase where VRRPv2 has VRID, priority, address count, auth type and
/// interval), but 36 bytes long: an 8-byte counter and a 20-byte
/// SHA1-HMAC follow the header, with the checksum over the CARP header
/// alone.
pub fn carp(vhid: u8, advskew: u8) -> Vec<u8> {
    let mut out = vec![0x21, vhid, advskew, 7, 0, 1, 0, 0];
    out.extend_from_slice(&0x0123_4567_89ab_cdef_u64.to_be_bytes());
    out.extend((0..20).map(|i| 0xa0 ^ i));
    let sum = checksum(&out);
    out[6..8].copy_from_slice(&sum.to_be_bytes());
    out
}

/// The Internet checksum (RFC 1071) of `data`.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|pair| u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4 header for `payload` (protocol 112, TOS 0xc0); the kernel fills
/// in the total length, the id and the header checksum.
pub fn ipv4_header(src: Ipv4Addr, dst: Ipv4Addr, ttl: u8) -> [u8; 20] {
    let mut header = [0u8; 20];
    header[0] = 0x45;
    header[1] = 0xc0;
    header[8] = ttl;
    header[9] = 112;
    header[12..16].copy_from_slice(&src.octets());
    header[16..20].copy_from_slice(&dst.octets());
    header
}

/// A whole IPv4 packet: [`ipv4_header`] and `payload`.
pub fn ipv4_packet(src: Ipv4Addr, dst: Ipv4Addr, ttl: u8, payload: &[u8]) -> Vec<u8> {
    let mut packet = ipv4_header(src, dst, ttl).to_vec();
    packet.extend_from_slice(payload);
    packet
}

/// A raw socket in a lab host's namespace that sends whole IPv4 packets.
pub struct Injector {
    socket: Socket,
}

impl Injector {
    /// Opens the socket inside `host`'s network namespace, on its `eth0`.
    pub fn new(host: &Host<'_>) -> Self {
        let socket = host.in_netns(|| {
            let socket = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(112)))
                .expect("a raw socket (needs CAP_NET_RAW)");
            socket.set_header_included_v4(true).expect("IP_HDRINCL");
            socket.bind_device(Some(b"eth0")).expect("SO_BINDTODEVICE");
            socket.set_multicast_loop_v4(false).expect("no loop");
            // Nothing is ever read: a small buffer so the kernel drops what
            // arrives (every advert on the segment) instead of queueing it.
            let _ = socket.set_recv_buffer_size(1);
            socket
        });
        Self { socket }
    }

    /// Sends `payload` in an IPv4 packet `src` → `dst` with `ttl`.
    pub fn send_raw(&self, src: Ipv4Addr, dst: Ipv4Addr, ttl: u8, payload: &[u8]) {
        self.send_packet(&ipv4_packet(src, dst, ttl, payload), dst);
    }

    /// Sends a whole IPv4 packet (header included) to `dst`.
    pub fn send_packet(&self, packet: &[u8], dst: Ipv4Addr) {
        let to = SockAddr::from(SocketAddr::new(IpAddr::V4(dst), 0));
        loop {
            match self.socket.send_to(packet, &to) {
                Ok(_) => return,
                // A full send queue during a flood: wait for room.
                Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ENOBUFS as i32) => {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                }
                Err(e) => panic!("sending a forged packet: {e}"),
            }
        }
    }

    /// Sends `message` to the VRRP group from `src` with `ttl`.
    pub fn send(&self, src: Ipv4Addr, ttl: u8, message: &Message) {
        self.send_raw(src, GROUP, ttl, &message.bytes(src, GROUP));
    }
}

#[test]
fn builds_the_rfc_layouts() {
    let vip = Ipv4Addr::new(192, 0, 2, 100);
    let src = Ipv4Addr::new(192, 0, 2, 2);
    let v3 = Message::v3(51, 254, 10, &[vip]).bytes(src, GROUP);
    assert_eq!(&v3[..6], &[0x31, 51, 254, 1, 0, 10]);
    assert_eq!(&v3[8..], &vip.octets());
    // The checksum over pseudo-header and message sums to zero.
    let mut pseudo = [src.octets(), GROUP.octets()].concat();
    pseudo.extend_from_slice(&[0, 112, 0, 12]);
    pseudo.extend_from_slice(&v3);
    assert_eq!(checksum(&pseudo), 0);

    let v2 = Message::v2(52, 100, 1, &[vip], Some("secret")).bytes(src, GROUP);
    assert_eq!(&v2[..6], &[0x21, 52, 100, 1, 1, 1]);
    assert_eq!(&v2[12..], b"secret\0\0");
    assert_eq!(checksum(&v2), 0);
}
