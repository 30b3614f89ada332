//! Properties of the wire format over arbitrary advertisements and bytes:
//! emit then parse gives back the advertisement, the checksum catches any
//! single-bit error, and nothing panics on any input.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::Index;
use vrrp_core::wire::{
    AUTH_LEN, Addresses, Advertisement, Auth, Error, Family, HEADER_LEN, MAX_ADDRESSES, Packet,
    PseudoHeader, Version, pseudo_header,
};

/// An advertisement that can be sent, with its addresses owned, and the IP
/// addresses it goes between.
#[derive(Clone, Debug)]
struct Spec {
    version: Version,
    family: Family,
    vrid: u8,
    priority: u8,
    interval: u16,
    addresses: Vec<u8>,
    auth: Auth,
    src: IpAddr,
    dst: IpAddr,
    v3_checksum_as_v2: bool,
}

impl Spec {
    fn advert(&self) -> Advertisement<'_> {
        Advertisement {
            version: self.version,
            vrid: self.vrid,
            priority: self.priority,
            interval: self.interval,
            addresses: Addresses::new(self.family, &self.addresses).unwrap(),
            auth: self.auth,
        }
    }

    fn pseudo(&self) -> Option<PseudoHeader> {
        pseudo_header(self.version, self.v3_checksum_as_v2, self.src, self.dst)
    }

    fn emit(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let written = self
            .advert()
            .emit(&mut out, self.pseudo().as_ref())
            .unwrap();
        assert_eq!(written, out.len());
        out
    }
}

fn ipv4() -> impl Strategy<Value = IpAddr> {
    any::<[u8; 4]>().prop_map(|o| Ipv4Addr::from(o).into())
}

fn ipv6() -> impl Strategy<Value = IpAddr> {
    any::<[u8; 16]>().prop_map(|o| Ipv6Addr::from(o).into())
}

fn ip(family: Family) -> BoxedStrategy<IpAddr> {
    match family {
        Family::Ipv4 => ipv4().boxed(),
        Family::Ipv6 => ipv6().boxed(),
    }
}

/// VRRPv2 over IPv4, with or without a password, 1..=255 s.
fn spec_v2() -> impl Strategy<Value = Spec> {
    (
        (any::<u8>(), any::<u8>(), 1u16..=255),
        vec(any::<[u8; 4]>(), 0..=MAX_ADDRESSES),
        option::of(any::<[u8; 8]>()),
        (ipv4(), ipv4()),
    )
        .prop_map(|((vrid, priority, secs), addrs, pass, (src, dst))| Spec {
            version: Version::V2,
            family: Family::Ipv4,
            vrid,
            priority,
            interval: secs * 100,
            addresses: addrs.concat(),
            auth: pass.map_or(Auth::None, Auth::Simple),
            src,
            dst,
            v3_checksum_as_v2: false,
        })
}

/// VRRPv3 over `family`, 1..=4095 cs.
fn spec_v3(family: Family) -> impl Strategy<Value = Spec> {
    let len = family.address_len();
    (
        (any::<u8>(), any::<u8>(), 1u16..=4095, any::<bool>()),
        vec(vec(any::<u8>(), len), 0..=MAX_ADDRESSES),
        (ip(family), ip(family)),
    )
        .prop_map(
            move |((vrid, priority, interval, as_v2), addrs, (src, dst))| Spec {
                version: Version::V3,
                family,
                vrid,
                priority,
                interval,
                addresses: addrs.concat(),
                auth: Auth::None,
                src,
                dst,
                v3_checksum_as_v2: as_v2,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![spec_v2(), spec_v3(Family::Ipv4), spec_v3(Family::Ipv6)]
}

fn family() -> impl Strategy<Value = Family> {
    prop_oneof![Just(Family::Ipv4), Just(Family::Ipv6)]
}

/// Everything a receiver might call on bytes from the network; it must not
/// panic. Returns the parse result.
fn receive<'a>(
    bytes: &'a [u8],
    family: Family,
    pseudo: Option<&PseudoHeader>,
) -> Option<Advertisement<'a>> {
    // verify_checksum reads the whole buffer, checked or not.
    let _ = Packet::new_unchecked(bytes).verify_checksum(pseudo);
    let _ = Packet::new_unchecked(bytes).verify_checksum(None);
    let packet = Packet::new_checked(bytes).ok()?;
    let _ = (
        packet.version(),
        packet.msg_type(),
        packet.vrid(),
        packet.priority(),
    );
    let _ = (packet.count(), packet.auth_type(), packet.advert_int_secs());
    let _ = (packet.max_advert_int(), packet.checksum(), packet.payload());
    let advert = Advertisement::parse(&packet, family).ok()?;
    let _ = advert.addresses.iter().count();
    Some(advert)
}

/// Whatever parsed can be emitted again, and parses back to itself.
fn assert_reemits(advert: &Advertisement<'_>) {
    let mut out = vec![0xa5; advert.buffer_len()];
    let written = advert.emit_into(&mut out, None).unwrap();
    assert_eq!(written, out.len());
    let packet = Packet::new_checked(&out[..]).unwrap();
    assert!(packet.verify_checksum(None));
    assert_eq!(
        Advertisement::parse(&packet, advert.family()).as_ref(),
        Ok(advert)
    );
}

proptest! {
    #[test]
    fn emit_then_parse_round_trips(spec in spec()) {
        let advert = spec.advert();
        let pseudo = spec.pseudo();
        let bytes = spec.emit();
        prop_assert_eq!(bytes.len(), advert.buffer_len());
        prop_assert_eq!(usize::from(bytes[3]), advert.addresses.len());

        let packet = Packet::new_checked(&bytes[..]).unwrap();
        prop_assert!(packet.verify_checksum(pseudo.as_ref()));
        prop_assert_eq!(Advertisement::parse(&packet, spec.family), Ok(advert));

        // emit_into a slice pre-filled with 0xa5 writes the same bytes and
        // nothing past them.
        let mut slice = vec![0xa5; bytes.len() + 8];
        prop_assert_eq!(advert.emit_into(&mut slice, pseudo.as_ref()), Ok(bytes.len()));
        prop_assert_eq!(&slice[..bytes.len()], &bytes[..]);
        prop_assert!(slice[bytes.len()..].iter().all(|&b| b == 0xa5));
    }

    #[test]
    fn checksum_catches_any_single_bit_flip(spec in spec(), bit in any::<Index>()) {
        let mut bytes = spec.emit();
        let bit = bit.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        let packet = Packet::new_unchecked(&bytes[..]);
        prop_assert!(!packet.verify_checksum(spec.pseudo().as_ref()));
    }

    #[test]
    fn emit_into_a_short_buffer_writes_nothing(spec in spec(), short in any::<Index>()) {
        let advert = spec.advert();
        let required = advert.buffer_len();
        let mut bytes = vec![0xa5; short.index(required)];
        prop_assert_eq!(
            advert.emit_into(&mut bytes, spec.pseudo().as_ref()),
            Err(Error::BufferTooSmall { required })
        );
        prop_assert!(bytes.iter().all(|&b| b == 0xa5));
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in vec(any::<u8>(), 0..1024),
        family in family(),
        src in ipv6(),
        dst in ipv4(),
    ) {
        let pseudo = PseudoHeader { src, dst };
        if let Some(advert) = receive(&bytes, family, Some(&pseudo)) {
            assert_reemits(&advert);
        }
    }

    #[test]
    fn arbitrary_header_with_fitting_length_never_panics(
        mut header in any::<[u8; HEADER_LEN]>(),
        version_type in prop_oneof![any::<u8>(), Just(0x21), Just(0x31)],
        family in family(),
        extra in prop_oneof![Just(0usize), Just(AUTH_LEN), 0usize..24],
        fill in any::<u8>(),
    ) {
        // Random bytes rarely have a version, type and length that match
        // their count; build ones that often do, to reach the later checks.
        header[0] = version_type;
        let mut bytes = header.to_vec();
        let body = usize::from(header[3]) * family.address_len();
        bytes.resize(HEADER_LEN + body + extra, fill);
        if let Some(advert) = receive(&bytes, family, None) {
            assert_reemits(&advert);
        }
    }

    #[test]
    fn damaged_adverts_never_panic(
        spec in spec(),
        at in any::<Index>(),
        value in any::<u8>(),
        cut in any::<Index>(),
        tail in vec(any::<u8>(), 0..20),
        other_family in any::<bool>(),
    ) {
        let family = match (spec.family, other_family) {
            (family, false) => family,
            (Family::Ipv4, true) => Family::Ipv6,
            (Family::Ipv6, true) => Family::Ipv4,
        };
        let pseudo = spec.pseudo();
        let mut bytes = spec.emit();
        let at = at.index(bytes.len());
        bytes[at] = value;
        if let Some(advert) = receive(&bytes, family, pseudo.as_ref()) {
            assert_reemits(&advert);
        }
        let cut = cut.index(bytes.len());
        if let Some(advert) = receive(&bytes[..cut], family, pseudo.as_ref()) {
            assert_reemits(&advert);
        }
        bytes.extend_from_slice(&tail);
        if let Some(advert) = receive(&bytes, family, pseudo.as_ref()) {
            assert_reemits(&advert);
        }
    }
}
