//! Telling the LAN that a VIP moved: gratuitous ARP (IPv4) and unsolicited
//! neighbour advertisements (IPv6), sent as whole Ethernet frames on an
//! AF_PACKET socket.
//!
//! The frames copy what keepalived sends, so switches and hosts see the same
//! thing after a migration:
//!
//! - **Gratuitous ARP**: an ARP *request* to `ff:ff:ff:ff:ff:ff` with sender
//!   and target IP = the VIP and sender MAC = the interface's (or virtual)
//!   MAC. The target MAC is `ff:ff:ff:ff:ff:ff`, as keepalived writes it
//!   (`vrrp_arp.c` copies the broadcast address there); RFC 5227's
//!   announcement would use zeros. Linux takes either as gratuitous
//!   (`arp_is_garp`: sender IP = target IP).
//! - **Unsolicited NA** (RFC 4861 §7.2.6): ICMPv6 type 136 from the VIP to
//!   ff02::1 (`33:33:00:00:00:01`), hop limit 255, Override set, Solicited
//!   clear, Router as the caller says, target = the VIP, and a Target
//!   Link-Layer Address option with the MAC. keepalived also sends from the
//!   VIP and sets Router when IPv6 forwarding is on: a host that uses the VIP
//!   as its default gateway drops it from its router list on an NA with
//!   Router clear (RFC 4861 §7.2.5), so a router must say so.
//!
//! AF_PACKET rather than an ICMPv6 socket: the same socket serves both
//! families, the Ethernet source can be a virtual MAC, and the NA may come
//! from the VIP whatever the kernel's source-address rules think. The ICMPv6
//! checksum is computed here, with the core's checksum module
//! ([`checksum::ipv6_upper_layer`]). The socket is opened with protocol 0, so it
//! receives nothing and never needs reading.
//!
//! Frames are built on the stack into fixed-size arrays: no allocation per
//! announcement. The builders are plain functions, tested byte for byte.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use socket2::{Domain, Socket, Type};
use vrrp_core::wire::checksum;

use crate::iface::MacAddr;
use crate::sys;

/// Length of a gratuitous ARP frame (Ethernet header + ARP, no padding: the
/// driver pads to the 60-byte minimum).
pub const GARP_FRAME_LEN: usize = 14 + 28;
/// Length of an unsolicited NA frame: Ethernet, IPv6, NA, one 8-byte option.
pub const NA_FRAME_LEN: usize = 14 + 40 + 24 + 8;

const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ARPHRD_ETHER: u16 = 1;
const ARPOP_REQUEST: u16 = 1;
const IPPROTO_ICMPV6: u8 = 58;
const ND_NEIGHBOR_ADVERT: u8 = 136;
const ND_NA_FLAG_ROUTER: u8 = 0x80;
const ND_NA_FLAG_OVERRIDE: u8 = 0x20;
const ND_OPT_TARGET_LINKADDR: u8 = 2;
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// Why an announcement could not be sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnnounceError {
    /// The process may not open packet sockets.
    #[error(
        "opening a packet socket for gratuitous ARP / NA needs CAP_NET_RAW: run as root or grant the capability with `setcap cap_net_raw,cap_net_admin+ep`"
    )]
    PermissionDenied(#[source] io::Error),
    /// Opening the packet socket failed for another reason.
    #[error("opening a packet socket for gratuitous ARP / NA failed: {0}")]
    Open(#[source] io::Error),
    /// Sending the frame failed; `WouldBlock` means the interface queue is
    /// full and this announcement is lost (announcements are repeated).
    #[error("sending a gratuitous ARP / NA on interface index {ifindex} failed: {source}")]
    Send {
        /// The interface.
        ifindex: u32,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Sends gratuitous ARPs and unsolicited NAs out of one interface.
///
/// Sending never blocks: the socket is non-blocking and a full queue is
/// reported as [`AnnounceError::Send`] with `WouldBlock`. Nothing ever needs
/// to be read from it, so it need not be registered in the mio loop.
#[derive(Debug)]
pub struct Announcer {
    socket: Socket,
    ifindex: u32,
}

impl Announcer {
    /// Opens the packet socket for interface `ifindex`.
    pub fn open(ifindex: u32) -> Result<Self, AnnounceError> {
        // Protocol 0: a packet socket that is sent on but receives nothing.
        let socket =
            Socket::new(Domain::PACKET, Type::RAW, None).map_err(|error| match error.kind() {
                io::ErrorKind::PermissionDenied => AnnounceError::PermissionDenied(error),
                _ => AnnounceError::Open(error),
            })?;
        socket.set_nonblocking(true).map_err(AnnounceError::Open)?;
        Ok(Self { socket, ifindex })
    }

    /// The interface index announcements go out of.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// Broadcasts a gratuitous ARP saying `vip` is at `mac`.
    pub fn gratuitous_arp(&self, mac: MacAddr, vip: Ipv4Addr) -> Result<(), AnnounceError> {
        let mut frame = [0; GARP_FRAME_LEN];
        build_gratuitous_arp(&mut frame, mac, vip);
        self.send(&frame, ETHERTYPE_ARP, MacAddr::BROADCAST)
    }

    /// Multicasts an unsolicited neighbour advertisement saying `vip` is at
    /// `mac`; `router` sets the Router flag (set it when this host forwards
    /// IPv6, e.g. when the VIP is the LAN's default gateway).
    pub fn unsolicited_na(
        &self,
        mac: MacAddr,
        vip: Ipv6Addr,
        router: bool,
    ) -> Result<(), AnnounceError> {
        let mut frame = [0; NA_FRAME_LEN];
        build_unsolicited_na(&mut frame, mac, vip, router);
        self.send(&frame, ETHERTYPE_IPV6, MacAddr::ipv6_multicast(ALL_NODES))
    }

    fn send(&self, frame: &[u8], ethertype: u16, dst: MacAddr) -> Result<(), AnnounceError> {
        sys::send_frame(self.socket.as_fd(), frame, self.ifindex, ethertype, dst.0)
            .map(drop)
            .map_err(|source| AnnounceError::Send {
                ifindex: self.ifindex,
                source,
            })
    }
}

impl AsFd for Announcer {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

impl AsRawFd for Announcer {
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

/// Writes the Ethernet header: `dst`, `src`, `ethertype`.
fn put_ethernet(frame: &mut [u8], dst: MacAddr, src: MacAddr, ethertype: u16) {
    frame[0..6].copy_from_slice(&dst.0);
    frame[6..12].copy_from_slice(&src.0);
    frame[12..14].copy_from_slice(&ethertype.to_be_bytes());
}

/// Builds the gratuitous ARP request announcing that `vip` is at `mac`.
pub fn build_gratuitous_arp(frame: &mut [u8; GARP_FRAME_LEN], mac: MacAddr, vip: Ipv4Addr) {
    put_ethernet(frame, MacAddr::BROADCAST, mac, ETHERTYPE_ARP);
    let arp = &mut frame[14..];
    arp[0..2].copy_from_slice(&ARPHRD_ETHER.to_be_bytes());
    arp[2..4].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    arp[4] = 6; // hardware address length
    arp[5] = 4; // protocol address length
    arp[6..8].copy_from_slice(&ARPOP_REQUEST.to_be_bytes());
    arp[8..14].copy_from_slice(&mac.0); // sender hardware address
    arp[14..18].copy_from_slice(&vip.octets()); // sender protocol address
    arp[18..24].copy_from_slice(&MacAddr::BROADCAST.0); // target hardware address
    arp[24..28].copy_from_slice(&vip.octets()); // target protocol address
}

/// Builds the unsolicited neighbour advertisement, from `vip` to ff02::1,
/// announcing that `vip` is at `mac`.
pub fn build_unsolicited_na(
    frame: &mut [u8; NA_FRAME_LEN],
    mac: MacAddr,
    vip: Ipv6Addr,
    router: bool,
) {
    const ICMP_LEN: u16 = 24 + 8;
    put_ethernet(
        frame,
        MacAddr::ipv6_multicast(ALL_NODES),
        mac,
        ETHERTYPE_IPV6,
    );

    let ip = &mut frame[14..54];
    ip[0..4].copy_from_slice(&[0x60, 0, 0, 0]); // version 6, class 0, flow 0
    ip[4..6].copy_from_slice(&ICMP_LEN.to_be_bytes());
    ip[6] = IPPROTO_ICMPV6;
    ip[7] = 255; // hop limit: receivers drop NAs that crossed a router
    ip[8..24].copy_from_slice(&vip.octets());
    ip[24..40].copy_from_slice(&ALL_NODES.octets());

    let icmp = &mut frame[54..];
    icmp[0] = ND_NEIGHBOR_ADVERT;
    icmp[1] = 0; // code
    icmp[2..4].copy_from_slice(&[0, 0]); // checksum, filled below
    icmp[4] = ND_NA_FLAG_OVERRIDE | if router { ND_NA_FLAG_ROUTER } else { 0 };
    icmp[5..8].copy_from_slice(&[0, 0, 0]);
    icmp[8..24].copy_from_slice(&vip.octets());
    icmp[24] = ND_OPT_TARGET_LINKADDR;
    icmp[25] = 1; // option length in units of 8 bytes
    icmp[26..32].copy_from_slice(&mac.0);

    let checksum = checksum::ipv6_upper_layer(vip, ALL_NODES, IPPROTO_ICMPV6, icmp);
    icmp[2..4].copy_from_slice(&checksum.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: MacAddr = MacAddr([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);

    /// Gratuitous ARP for 192.0.2.100 at 02:00:00:00:00:01, written out by
    /// hand field by field.
    #[rustfmt::skip]
    const GARP_BYTES: [u8; GARP_FRAME_LEN] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // Ethernet destination: broadcast
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // Ethernet source: the MAC
        0x08, 0x06,                         // EtherType ARP
        0x00, 0x01,                         // hardware type Ethernet
        0x08, 0x00,                         // protocol type IPv4
        0x06, 0x04,                         // address lengths 6 and 4
        0x00, 0x01,                         // operation: request
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // sender MAC
        192, 0, 2, 100,                     // sender IP: the VIP
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // target MAC (as keepalived)
        192, 0, 2, 100,                     // target IP: the VIP
    ];

    /// Unsolicited NA for 2001:db8::100 at 02:00:00:00:00:01, Router clear.
    /// Checksum by hand, adding 16-bit words:
    /// pseudo-header 0x2001 0x0db8 0x0100 (source), 0xff02 0x0001
    /// (destination), 0x0020 (length), 0x003a (next header); message
    /// 0x8800 (type, code), 0x2000 (flags), 0x2001 0x0db8 0x0100 (target),
    /// 0x0201 0x0200 0x0000 0x0001 (option). Sum 0x208d1, folded 0x08d3,
    /// inverted 0xf72c.
    #[rustfmt::skip]
    const NA_BYTES: [u8; NA_FRAME_LEN] = [
        0x33, 0x33, 0x00, 0x00, 0x00, 0x01, // Ethernet destination: ff02::1
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // Ethernet source: the MAC
        0x86, 0xdd,                         // EtherType IPv6
        0x60, 0x00, 0x00, 0x00,             // version 6, class 0, flow 0
        0x00, 0x20,                         // payload length 32
        0x3a,                               // next header ICMPv6
        0xff,                               // hop limit 255
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, // source: VIP
        0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x01,       // ff02::1
        0x88,                               // type 136: neighbour advertisement
        0x00,                               // code 0
        0xf7, 0x2c,                         // checksum
        0x20, 0x00, 0x00, 0x00,             // R=0 S=0 O=1
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, // target: VIP
        0x02, 0x01,                         // option: target link-layer address, 8 bytes
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // the MAC
    ];

    #[test]
    fn gratuitous_arp_matches_hand_written_bytes() {
        // Stale bytes would show up: start from garbage.
        let mut frame = [0xa5; GARP_FRAME_LEN];
        build_gratuitous_arp(&mut frame, MAC, Ipv4Addr::new(192, 0, 2, 100));
        assert_eq!(frame, GARP_BYTES);
    }

    #[test]
    fn unsolicited_na_matches_hand_written_bytes() {
        let mut frame = [0xa5; NA_FRAME_LEN];
        build_unsolicited_na(&mut frame, MAC, "2001:db8::100".parse().unwrap(), false);
        assert_eq!(frame, NA_BYTES);
    }

    #[test]
    fn router_flag_changes_flags_and_checksum_only() {
        let mut frame = [0; NA_FRAME_LEN];
        build_unsolicited_na(&mut frame, MAC, "2001:db8::100".parse().unwrap(), true);
        assert_eq!(frame[58], 0xa0, "R=1 S=0 O=1");
        // The flags word grew by 0x8000, so the checksum shrinks by 0x8000.
        assert_eq!(frame[56..58], [0x77, 0x2c]);
        let mut expected = NA_BYTES;
        expected[56..59].copy_from_slice(&[0x77, 0x2c, 0xa0]);
        assert_eq!(frame, expected);
    }

    #[test]
    fn checksum_over_a_filled_message_verifies() {
        let vip: Ipv6Addr = "2001:db8::2:1".parse().unwrap();
        let mut frame = [0; NA_FRAME_LEN];
        build_unsolicited_na(
            &mut frame,
            MacAddr([0x00, 0x00, 0x5e, 0x00, 0x02, 0x07]),
            vip,
            false,
        );
        // Summing a message with its checksum in place gives 0xffff, whose
        // complement is 0 (RFC 1071).
        assert_eq!(
            checksum::ipv6_upper_layer(vip, ALL_NODES, IPPROTO_ICMPV6, &frame[54..]),
            0
        );
    }

    #[test]
    fn odd_length_is_padded_with_a_zero_byte() {
        // The core's sum, which the ICMPv6 checksum uses.
        assert_eq!(checksum::data(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
        assert_eq!(
            checksum::combine(&[0xffff, checksum::data(&[0x00, 0x01])]),
            0x0001,
            "carry folded"
        );
    }
}
