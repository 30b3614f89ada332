//! Byte-for-byte interoperability with keepalived 2.2.7, from the captures in
//! `tests/vectors/` (their README lists every field asserted here).
//!
//! For every captured advertisement: the IP header is what RFC 9568 requires
//! (TTL / hop limit 255, TOS / traffic class 0xc0, protocol 112, sent to the
//! VRRP group); every field parses to the README's value, the last packet
//! being the priority-0 one keepalived sends when it stops; the checksum
//! verifies with the pseudo-header from the IP addresses (v3) or without it
//! (v2), and no longer does after any single bit flip; and emitting the
//! README's values reproduces the captured bytes, checksum included.

mod pcap;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use pcap::read_pcap;

use vrrp_core::wire::{
    Addresses, Advertisement, Auth, Family, MULTICAST_V4, MULTICAST_V6, PROTOCOL, Packet, TTL,
    Version, encode_addresses, pseudo_header,
};

/// One row of the README's table.
struct Expected {
    file: &'static str,
    version: Version,
    family: Family,
    src: IpAddr,
    vrid: u8,
    priority: u8,
    count: u8,
    /// Centiseconds, as [`Advertisement::interval`].
    interval: u16,
    auth: Auth,
    /// While running, and in the final priority-0 advertisement.
    checksums: (u16, u16),
    addresses: Vec<IpAddr>,
}

fn check_capture(expected: &Expected) {
    let datagrams = read_pcap(expected.file);
    assert!(datagrams.len() >= 2, "{}: too few packets", expected.file);
    let last = datagrams.len() - 1;
    let address_bytes = encode_addresses(&expected.addresses, expected.family).unwrap();

    for (i, datagram) in datagrams.iter().enumerate() {
        let context = format!("{} packet {i}", expected.file);
        let (priority, checksum) = if i == last {
            (0, expected.checksums.1)
        } else {
            (expected.priority, expected.checksums.0)
        };

        // The IP header, RFC 9568 §5.1.
        let group: IpAddr = match expected.family {
            Family::Ipv4 => MULTICAST_V4.into(),
            Family::Ipv6 => MULTICAST_V6.into(),
        };
        assert_eq!(datagram.ttl, TTL, "{context}: TTL / hop limit");
        assert_eq!(datagram.tos, 0xc0, "{context}: TOS / traffic class");
        assert_eq!(datagram.protocol, PROTOCOL, "{context}: protocol");
        assert_eq!(
            (datagram.src, datagram.dst),
            (expected.src, group),
            "{context}"
        );

        // The raw fields.
        let packet = Packet::new_checked(&datagram.vrrp[..]).unwrap();
        assert_eq!(packet.version(), expected.version.number(), "{context}");
        assert_eq!(packet.msg_type(), 1, "{context}");
        assert_eq!(packet.vrid(), expected.vrid, "{context}");
        assert_eq!(packet.priority(), priority, "{context}");
        assert_eq!(packet.count(), expected.count, "{context}");
        assert_eq!(packet.checksum(), checksum, "{context}");
        match expected.version {
            Version::V2 => {
                assert_eq!(packet.auth_type(), expected.auth.auth_type(), "{context}");
                assert_eq!(u16::from(packet.advert_int_secs()) * 100, expected.interval);
            }
            Version::V3 => assert_eq!(packet.max_advert_int(), expected.interval, "{context}"),
        }

        // The checksum: pseudo-header for v3 (keepalived's default), none
        // for v2.
        let pseudo = pseudo_header(expected.version, false, datagram.src, datagram.dst);
        assert_eq!(
            pseudo.is_some(),
            expected.version == Version::V3,
            "{context}"
        );
        assert!(
            packet.verify_checksum(pseudo.as_ref()),
            "{context}: checksum"
        );
        if expected.version == Version::V3 && expected.family == Family::Ipv4 {
            let as_v2 = pseudo_header(Version::V3, true, datagram.src, datagram.dst);
            assert!(
                !packet.verify_checksum(as_v2.as_ref()),
                "{context}: checksum as v2"
            );
        }
        let mut flipped = datagram.vrrp.clone();
        for bit in 0..flipped.len() * 8 {
            flipped[bit / 8] ^= 1 << (bit % 8);
            let packet = Packet::new_unchecked(&flipped[..]);
            assert!(
                !packet.verify_checksum(pseudo.as_ref()),
                "{context}: bit {bit}"
            );
            flipped[bit / 8] ^= 1 << (bit % 8);
        }

        // The meaning.
        let want = Advertisement {
            version: expected.version,
            vrid: expected.vrid,
            priority,
            interval: expected.interval,
            addresses: Addresses::new(expected.family, &address_bytes).unwrap(),
            auth: expected.auth,
        };
        let advert = Advertisement::parse(&packet, expected.family).unwrap();
        assert_eq!(advert, want, "{context}");
        assert_eq!(
            advert.addresses.iter().collect::<Vec<_>>(),
            expected.addresses
        );
        assert_eq!(advert.addresses.len(), usize::from(expected.count));

        // keepalived's bytes from the README's values.
        let mut buffer = [0xa5; 128];
        let written = want.emit_into(&mut buffer, pseudo.as_ref()).unwrap();
        assert_eq!(
            &buffer[..written],
            &datagram.vrrp[..],
            "{context}: emitted bytes"
        );
        assert!(buffer[written..].iter().all(|&b| b == 0xa5), "{context}");
    }
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    Ipv4Addr::new(a, b, c, d).into()
}

fn v6(text: &str) -> IpAddr {
    text.parse::<Ipv6Addr>().unwrap().into()
}

#[test]
fn v2_pass_ipv4() {
    check_capture(&Expected {
        file: "v2_pass_ipv4.pcap",
        version: Version::V2,
        family: Family::Ipv4,
        src: v4(192, 0, 2, 11),
        vrid: 25,
        priority: 100,
        count: 1,
        interval: 100,
        auth: Auth::simple(b"1cee4b6e"),
        checksums: (0xb5ef, 0x19f0),
        addresses: vec![v4(192, 0, 2, 100)],
    });
}

#[test]
fn v3_ipv4_multi() {
    check_capture(&Expected {
        file: "v3_ipv4_multi.pcap",
        version: Version::V3,
        family: Family::Ipv4,
        src: v4(192, 0, 2, 11),
        vrid: 198,
        priority: 150,
        count: 3,
        interval: 50,
        auth: Auth::None,
        checksums: (0x4e30, 0xe430),
        addresses: vec![v4(192, 0, 2, 100), v4(192, 0, 2, 101), v4(192, 0, 2, 102)],
    });
}

#[test]
fn v3_ipv6() {
    check_capture(&Expected {
        file: "v3_ipv6.pcap",
        version: Version::V3,
        family: Family::Ipv6,
        src: v6("fe80::ec85:1bff:fe54:17bb"),
        vrid: 195,
        priority: 200,
        count: 2,
        interval: 25,
        auth: Auth::None,
        checksums: (0xbb1e, 0x831f),
        addresses: vec![v6("2001:db8::100"), v6("fe80::5:100")],
    });
}
