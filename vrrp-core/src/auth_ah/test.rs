use core::net::Ipv4Addr;

use super::*;

/// An AH advert computed apart from this code (Python's `hmac` and
/// `hashlib.md5`, from RFC 2402's rules as keepalived applies them):
/// 192.168.200.11 → 224.0.0.18, identification 1, sequence 1, VRID 51,
/// priority 150, VIP 192.168.200.100, auth_pass `secret`.
static AH_ADVERT: [u8; 64] = [
    0x45, 0xc0, 0x00, 0x40, 0x00, 0x01, 0x00, 0x00, 0xff, 0x33, 0x52, 0x03, 0xc0, 0xa8, 0xc8, 0x0b,
    0xe0, 0x00, 0x00, 0x12, 0x70, 0x04, 0x00, 0x00, 0xc0, 0xa8, 0xc8, 0x0b, 0x00, 0x00, 0x00, 0x01,
    0xe2, 0x17, 0x5f, 0x9e, 0x43, 0xab, 0x35, 0x2f, 0x5b, 0xe9, 0x05, 0x86, 0x21, 0x33, 0x96, 0x01,
    0x02, 0x01, 0xbd, 0xbc, 0xc0, 0xa8, 0xc8, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

const KEY: [u8; 8] = *b"secret\0\0";
const SRC: Ipv4Addr = Ipv4Addr::new(192, 168, 200, 11);

fn parse(bytes: &[u8]) -> AhDatagram<'_> {
    AhDatagram::parse(bytes).unwrap()
}

#[test]
fn parses_the_parts() {
    let datagram = parse(&AH_ADVERT);
    assert_eq!(datagram.rx.src, IpAddr::V4(SRC));
    assert_eq!(datagram.rx.dst, IpAddr::V4(wire::MULTICAST_V4));
    assert_eq!(datagram.rx.ttl, 255);
    assert_eq!(datagram.ah, AhRepr::vrrp(SRC, 1));
    assert_eq!(datagram.message(), &AH_ADVERT[44..]);
}

#[test]
fn seals_the_independent_vector() {
    let mut auth = AhAuth::new(KEY);
    auth.advance();
    assert_eq!((auth.sequence(), auth.ident), (1, 1));
    let mut buf = [0xa5; 80];
    buf[HEADERS_LEN..64].copy_from_slice(&AH_ADVERT[HEADERS_LEN..]);
    let len = auth.seal(&mut buf, 20, SRC, wire::MULTICAST_V4, false);
    assert_eq!(len, Some(64));
    assert_eq!(buf[..64], AH_ADVERT);
    assert_eq!(buf[64..], [0xa5; 16], "nothing written past the datagram");
    assert_eq!(
        auth.seal(&mut buf[..63], 20, SRC, wire::MULTICAST_V4, false),
        None
    );
}

#[test]
fn verifies_and_takes_the_sequence() {
    let mut auth = AhAuth::new(KEY);
    assert_eq!(auth.verify(&parse(&AH_ADVERT), false), Ok(()));
    assert_eq!(auth.sequence(), 1);
    assert_eq!(
        auth.verify(&parse(&AH_ADVERT), false),
        Err(AhError::Replayed {
            received: 1,
            last: 1
        }),
        "the same sequence again"
    );
    let mut ahead = AhAuth::new(KEY);
    ahead.sequence = 7;
    assert_eq!(
        ahead.verify(&parse(&AH_ADVERT), false),
        Err(AhError::Replayed {
            received: 1,
            last: 7
        }),
        "a lower sequence"
    );
    assert_eq!(ahead.sequence(), 7, "a refused advert moves nothing");
}

#[test]
fn the_mutable_fields_are_outside_the_icv() {
    let mut bytes = AH_ADVERT;
    bytes[1] = 0x00; // TOS
    bytes[6] = 0x40; // DF
    bytes[10] ^= 0xff; // header checksum
    assert!(parse(&bytes).verify(&KEY, false));
    // The TTL is in it for multicast, and not for unicast.
    let mut ttl = AH_ADVERT;
    ttl[8] = 254;
    assert!(!parse(&ttl).verify(&KEY, false));
    assert!(!parse(&AH_ADVERT).verify(&KEY, true));
}

#[test]
fn every_other_byte_is_in_the_icv() {
    let mutable = [1, 6, 7, 10, 11];
    for i in (0..AH_ADVERT.len()).filter(|i| !mutable.contains(i)) {
        let mut bytes = AH_ADVERT;
        bytes[i] ^= 0x01;
        if let Ok(datagram) = AhDatagram::parse(&bytes) {
            let mut auth = AhAuth::new(KEY);
            assert!(auth.verify(&datagram, false).is_err(), "byte {i}");
        }
    }
    let mut wrong_key = AhAuth::new(*b"secreT\0\0");
    assert_eq!(
        wrong_key.verify(&parse(&AH_ADVERT), false),
        Err(AhError::BadIcv)
    );
}

#[test]
fn the_spi_must_be_the_source() {
    // Another source with the same SPI, signed properly: refused.
    let mut auth = AhAuth::new(KEY);
    auth.advance();
    let mut buf = [0; 64];
    buf[HEADERS_LEN..].copy_from_slice(&AH_ADVERT[HEADERS_LEN..]);
    let other = Ipv4Addr::new(192, 168, 200, 12);
    auth.seal(&mut buf, 20, other, wire::MULTICAST_V4, false)
        .unwrap();
    buf[24..28].copy_from_slice(&SRC.octets());
    let unsigned = buf;
    let datagram = parse(&unsigned);
    // The ICV covers the SPI: re-sign over the forged one.
    let mac = icv_mac(&KEY, &buf, IPV4_HEADER_LEN, false);
    let digest = mac.finalize().into_bytes();
    buf[32..44].copy_from_slice(&digest[..ICV_LEN]);
    let forged = parse(&buf);
    assert_eq!(
        AhAuth::new(KEY).verify(&datagram, false),
        Err(AhError::BadIcv)
    );
    assert_eq!(
        AhAuth::new(KEY).verify(&forged, false),
        Err(AhError::BadSpi)
    );
}

#[test]
fn malformed_datagrams_are_errors() {
    assert_eq!(AhDatagram::parse(&[]), Err(Error::MalformedIpv4Header));
    assert_eq!(
        AhDatagram::parse(&AH_ADVERT[..19]),
        Err(Error::MalformedIpv4Header)
    );
    for len in 20..44 {
        assert_eq!(
            AhDatagram::parse(&AH_ADVERT[..len]),
            Err(Error::MalformedAh),
            "{len} bytes"
        );
    }
    let mut vrrp = AH_ADVERT;
    vrrp[9] = wire::PROTOCOL;
    assert_eq!(AhDatagram::parse(&vrrp), Err(Error::MalformedAh));
    let mut tcp = AH_ADVERT;
    tcp[20] = 6;
    assert_eq!(AhDatagram::parse(&tcp), Err(Error::MalformedAh));
    // A datagram that stops right after the AH parses: the VRRP checks
    // come next, and count it.
    assert_eq!(parse(&AH_ADVERT[..44]).message(), &[] as &[u8]);
}

#[test]
fn sequence_and_identification() {
    let mut auth = AhAuth::new(KEY);
    auth.ident = u16::MAX;
    auth.advance();
    assert_eq!(auth.ident, 1, "0 is skipped: Linux would fill it in");
    auth.sequence = SEQUENCE_LAST;
    auth.advance();
    assert_eq!((auth.sequence, auth.cycled), (SEQUENCE_LAST + 1, false));
    auth.advance();
    assert_eq!((auth.sequence, auth.cycled), (SEQUENCE_LAST + 1, true));
    auth.restart_if_cycled();
    assert_eq!((auth.sequence, auth.cycled), (0, false));
    auth.restart_if_cycled();
    auth.sequence = 41;
    auth.overtake();
    assert_eq!(auth.sequence, 42);
}
