//! Classic libpcap captures of VRRP over Ethernet, as the vector tests read
//! them (`tests/vectors/`).

// Each test binary reads the fields it needs.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use vrrp_core::wire::checksum;

/// One IP datagram from a capture, with the VRRP message it carries.
#[derive(Debug)]
pub(crate) struct Datagram {
    /// When it was captured, since the Unix epoch.
    pub(crate) at: Duration,
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit.
    pub(crate) ttl: u8,
    /// IPv4 TOS or IPv6 traffic class.
    pub(crate) tos: u8,
    /// IPv4 protocol or IPv6 next header.
    pub(crate) protocol: u8,
    pub(crate) vrrp: Vec<u8>,
    /// The whole IP datagram, header first (`auth_type AH`: the ICV covers
    /// the IPv4 header).
    pub(crate) ip: Vec<u8>,
}

const PCAP_GLOBAL_HEADER_LEN: usize = 24;
const PCAP_RECORD_HEADER_LEN: usize = 16;
const LINKTYPE_ETHERNET: u32 = 1;
const ETHERNET_HEADER_LEN: usize = 14;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const IPV6_HEADER_LEN: usize = 40;

/// Reads a classic libpcap file of Ethernet frames carrying IPv4 or IPv6.
///
/// Enough for these captures: no VLAN tags, no IPv6 extension headers.
pub(crate) fn read_pcap(name: &str) -> Vec<Datagram> {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        file.len() >= PCAP_GLOBAL_HEADER_LEN,
        "{name}: no pcap header"
    );

    let magic = [file[0], file[1], file[2], file[3]];
    let big_endian = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => false,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => true,
        _ => panic!("{name}: not a classic pcap file (magic {magic:02x?})"),
    };
    let u32_at = |at: usize| {
        let bytes = [file[at], file[at + 1], file[at + 2], file[at + 3]];
        if big_endian {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        }
    };
    assert_eq!(u32_at(20), LINKTYPE_ETHERNET, "{name}: link type");

    let mut datagrams = Vec::new();
    let mut at = PCAP_GLOBAL_HEADER_LEN;
    while at < file.len() {
        let captured_len = u32_at(at + 8) as usize;
        let original_len = u32_at(at + 12) as usize;
        assert_eq!(
            captured_len, original_len,
            "{name}: frame cut short by the snap length"
        );
        let start = at + PCAP_RECORD_HEADER_LEN;
        let frame = &file[start..start + captured_len];
        let captured = Duration::new(u64::from(u32_at(at)), u32_at(at + 4) * 1000);
        datagrams.push(Datagram {
            at: captured,
            ..parse_ethernet(frame)
        });
        at = start + captured_len;
    }
    assert_eq!(at, file.len(), "{name}: trailing bytes");
    datagrams
}

fn parse_ethernet(frame: &[u8]) -> Datagram {
    let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    let ip = &frame[ETHERNET_HEADER_LEN..];
    match ethertype {
        ETHERTYPE_IPV4 => parse_ipv4(ip),
        ETHERTYPE_IPV6 => parse_ipv6(ip),
        other => panic!("ethertype {other:#06x}"),
    }
}

fn parse_ipv4(ip: &[u8]) -> Datagram {
    assert_eq!(ip[0] >> 4, 4);
    let header_len = usize::from(ip[0] & 0x0f) * 4;
    let total_len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    assert_eq!(
        checksum::data(&ip[..header_len]),
        0xffff,
        "IPv4 header checksum"
    );
    let octets = |at: usize| [ip[at], ip[at + 1], ip[at + 2], ip[at + 3]];
    Datagram {
        at: Duration::ZERO,
        src: Ipv4Addr::from(octets(12)).into(),
        dst: Ipv4Addr::from(octets(16)).into(),
        ttl: ip[8],
        tos: ip[1],
        protocol: ip[9],
        vrrp: ip[header_len..total_len].to_vec(),
        ip: ip[..total_len].to_vec(),
    }
}

fn parse_ipv6(ip: &[u8]) -> Datagram {
    assert_eq!(ip[0] >> 4, 6);
    let payload_len = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
    let address = |at: usize| {
        let mut octets = [0; 16];
        octets.copy_from_slice(&ip[at..at + 16]);
        IpAddr::from(Ipv6Addr::from(octets))
    };
    Datagram {
        at: Duration::ZERO,
        src: address(8),
        dst: address(24),
        ttl: ip[7],
        tos: (ip[0] << 4) | (ip[1] >> 4),
        protocol: ip[6],
        vrrp: ip[IPV6_HEADER_LEN..IPV6_HEADER_LEN + payload_len].to_vec(),
        ip: ip[..IPV6_HEADER_LEN + payload_len].to_vec(),
    }
}
