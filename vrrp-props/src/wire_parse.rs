//! `wire_parse`: arbitrary bytes through the receive path of the wire format.
//!
//! The first byte picks the address family the message is read over (bit 0)
//! and whether the re-emitted message carries a pseudo-header checksum (bit
//! 1); the rest is the VRRP message. Properties:
//!
//! - nothing panics: [`Packet::new_checked`], every accessor after it,
//!   [`Packet::verify_checksum`] on any length, [`Advertisement::parse`] over
//!   either family;
//! - what parses is exactly as long as it claims, and emits again into a
//!   buffer of [`Advertisement::buffer_len`] bytes: the same bytes except the
//!   fields a parse does not keep (the checksum, VRRPv3's reserved bits, the
//!   VRRPv2 authentication data of type 0), a checksum that verifies, and a
//!   message that parses back equal;
//! - a buffer one byte short gets [`Error::BufferTooSmall`] and stays untouched;
//! - `auth_hmac`: the last [`TRAILER_LEN`] bytes read as a trailer without a
//!   panic, and one that parses emits back to the same bytes; a trailer
//!   nobody signed never verifies; the message signed verifies, once (the
//!   same again is a replay), and not after any byte it covers changed.
//! - IPsec AH (`auth_type AH`): the input read as an IPv4 datagram with an
//!   Authentication Header parses or fails without a panic, and one that
//!   parses never verifies unsigned; the input's bytes as a VRRP message
//!   sealed into an AH datagram parse back, verify once (the same again is
//!   a replay) and not after any byte the ICV covers changed; an AH header
//!   that parses emits back to its bytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use std::time::Duration;

use vrrp_core::auth_ah::{AhAuth, AhDatagram, AhError, HEADERS_LEN};
use vrrp_core::auth_hmac::{AntiReplay, AuthError, Binding, HmacAuth, HmacConfig, Key, Mode};
use vrrp_core::wire::{
    AH_LEN, Advertisement, AhPacket, AhRepr, Auth, Error, Family, HEADER_LEN, MULTICAST_V4,
    MULTICAST_V6, Packet, PseudoHeader, TRAILER_LEN, Trailer, TrailerRepr, Version, checksum,
};

/// Byte 4..6 of a VRRPv3 header: 4 reserved bits, then Max Adver Int.
const V3_INTERVAL_MASK: u16 = 0x0fff;
/// Offset of the checksum in the header.
const CHECKSUM_AT: usize = 6;

/// Runs the target on one input; panics if a property fails.
pub fn check(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let family = if selector & 1 == 0 {
        Family::Ipv4
    } else {
        Family::Ipv6
    };
    let pseudo = (selector & 2 != 0).then(|| pseudo_header(family));

    check_trailer(bytes, family);
    check_ah(bytes);

    // The checksum reads the whole buffer, whatever its length.
    let _ = Packet::new_unchecked(bytes).verify_checksum(None);
    let _ = Packet::new_unchecked(bytes).verify_checksum(Some(&pseudo_header(family)));

    let Ok(packet) = Packet::new_checked(bytes) else {
        assert!(
            bytes.len() < HEADER_LEN,
            "new_checked refused a full header"
        );
        return;
    };
    read_every_field(&packet);
    // Whatever the family the caller got wrong, parse answers.
    let other = match family {
        Family::Ipv4 => Family::Ipv6,
        Family::Ipv6 => Family::Ipv4,
    };
    let _ = Advertisement::parse(&packet, other);

    if let Ok(advert) = Advertisement::parse(&packet, family) {
        assert_eq!(advert.family(), family);
        assert_eq!(
            advert.buffer_len(),
            bytes.len(),
            "parse took a length that lies"
        );
        assert_eq!(advert.addresses.len(), usize::from(packet.count()));
        assert_eq!(advert.addresses.iter().count(), advert.addresses.len());
        reemit(bytes, &advert, pseudo.as_ref());
    }
}

fn pseudo_header(family: Family) -> PseudoHeader {
    match family {
        Family::Ipv4 => PseudoHeader {
            src: Ipv4Addr::new(192, 0, 2, 1).into(),
            dst: MULTICAST_V4.into(),
        },
        Family::Ipv6 => PseudoHeader {
            src: IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            dst: MULTICAST_V6.into(),
        },
    }
}

/// The contract of a checked packet: no accessor panics.
fn read_every_field(packet: &Packet<&[u8]>) {
    let _ = (packet.version(), packet.msg_type(), packet.vrid());
    let _ = (packet.priority(), packet.count(), packet.auth_type());
    let _ = (packet.advert_int_secs(), packet.max_advert_int());
    let _ = (packet.checksum(), packet.payload(), packet.as_bytes());
}

fn reemit(input: &[u8], advert: &Advertisement<'_>, pseudo: Option<&PseudoHeader>) {
    let len = input.len();
    let mut out = vec![0xa5; len];
    assert_eq!(advert.emit_into(&mut out, pseudo), Ok(len), "{advert:?}");

    assert_eq!(out[..CHECKSUM_AT - 2], input[..CHECKSUM_AT - 2], "header");
    let word = |b: &[u8]| u16::from_be_bytes([b[4], b[5]]);
    match advert.version {
        Version::V3 => assert_eq!(word(&out), word(input) & V3_INTERVAL_MASK, "interval"),
        Version::V2 => assert_eq!(word(&out), word(input), "auth type, interval"),
    }
    let addresses_end = HEADER_LEN + advert.addresses.as_bytes().len();
    assert_eq!(
        out[HEADER_LEN..addresses_end],
        input[HEADER_LEN..addresses_end]
    );
    match advert.auth {
        Auth::Simple(_) => assert_eq!(out[addresses_end..], input[addresses_end..], "password"),
        Auth::None | Auth::Ah(_) => {
            assert!(out[addresses_end..].iter().all(|&b| b == 0), "auth data")
        }
    }

    // Computed here, not with verify_checksum, which cfg(fuzzing) turns off.
    let mut sums = vec![checksum::data(&out)];
    sums.extend(pseudo.map(|p| checksum::pseudo_header_sum(p, len)));
    assert_eq!(
        checksum::combine(&sums),
        0xffff,
        "emitted checksum does not verify"
    );

    let again = Packet::new_checked(&out[..]).expect("emitted a short message");
    assert_eq!(
        Advertisement::parse(&again, advert.family()).as_ref(),
        Ok(advert),
        "re-parse differs"
    );

    let mut vec = Vec::new();
    assert_eq!(advert.emit(&mut vec, pseudo), Ok(len));
    assert_eq!(vec, out, "BufMut and slice emit differ");

    let mut short = vec![0x5a; len - 1];
    assert_eq!(
        advert.emit_into(&mut short, pseudo),
        Err(Error::BufferTooSmall { required: len })
    );
    assert!(short.iter().all(|&b| b == 0x5a), "a failed emit wrote");
}

/// The wall clock the `auth_hmac` properties sign and verify at.
const NOW: Duration = Duration::from_secs(1_796_640_915);

fn hmac_auth() -> HmacAuth {
    let config = HmacConfig {
        keys: vec![Key {
            id: 1,
            bytes: vec![0x3c; 32],
        }],
        active_key: 1,
        mode: Mode::Enforce,
        anti_replay: AntiReplay::default_for(100),
    };
    HmacAuth::new(&config, 1).expect("a valid auth_hmac")
}

/// The `auth_hmac` properties on `bytes`: the message is all but the last
/// [`TRAILER_LEN`] bytes (all of them when shorter).
fn check_trailer(bytes: &[u8], family: Family) {
    let sender = pseudo_header(family).src;
    let binding = Binding {
        version: Version::V3,
        vrid: bytes.get(1).copied().unwrap_or(0),
        sender,
    };
    let (message, trailer) = bytes.split_at(bytes.len().saturating_sub(TRAILER_LEN));
    if let Ok(view) = Trailer::new_checked(trailer) {
        let _ = (
            view.key_id(),
            view.reserved(),
            view.sequence(),
            view.tag(),
            view.header(),
        );
        if let Ok(repr) = TrailerRepr::parse(&view) {
            let mut again = [0u8; TRAILER_LEN];
            repr.emit(&mut again);
            again[TRAILER_LEN - 16..].copy_from_slice(view.tag());
            assert_eq!(&again[..], trailer, "a trailer emits back to its bytes");
        }
    }
    // Nobody signed it: it must not verify (a forged tag has 2^-128).
    let verified = hmac_auth().verify(message, Some(trailer), binding, NOW);
    assert!(
        verified.is_err(),
        "an unsigned trailer verified: {verified:?}"
    );

    // Signed, it verifies once; a changed covered byte never does.
    let mut signer = hmac_auth();
    let mut signed = [0u8; TRAILER_LEN];
    signer.sign(bytes, &mut signed, binding, NOW);
    let mut receiver = hmac_auth();
    assert!(
        receiver.verify(bytes, Some(&signed), binding, NOW).is_ok(),
        "signed, refused"
    );
    assert_eq!(
        receiver.verify(bytes, Some(&signed), binding, NOW),
        Err(AuthError::Replayed)
    );
    // A byte the input picks, but the checksum's, which the tag leaves out.
    let at = bytes.last().map(|&b| usize::from(b) % bytes.len());
    if let Some(at) = at.filter(|at| !(6..8).contains(at)) {
        let mut changed = bytes.to_vec();
        changed[at] ^= 0x01;
        assert!(
            hmac_auth()
                .verify(&changed, Some(&signed), binding, NOW)
                .is_err(),
            "byte {at} changed, still verified"
        );
    }
}

/// The key the AH properties sign and verify with.
const AH_KEY: [u8; 8] = *b"fuzz\0\0\0\0";

/// The IPsec AH properties on `bytes`.
fn check_ah(bytes: &[u8]) {
    // Read as an AH header: the accessors answer, the header emits back.
    if let Ok(view) = AhPacket::new_checked(bytes) {
        let _ = (view.reserved(), view.icv(), view.payload());
        if let Ok(repr) = AhRepr::parse(&view) {
            let mut again = [0u8; AH_LEN];
            repr.emit(&mut again).expect("room for the header");
            again[12..].copy_from_slice(view.icv());
            again[2..4].copy_from_slice(&bytes[2..4]);
            assert_eq!(
                &again[..],
                &bytes[..AH_LEN],
                "an AH emits back to its bytes"
            );
        }
    }
    // Read as a datagram: nobody signed it, so it never verifies.
    if let Ok(datagram) = AhDatagram::parse(bytes) {
        let _ = datagram.message();
        let mut receiver = AhAuth::new(AH_KEY);
        let verified = receiver.verify(&datagram, false);
        assert!(verified.is_err(), "an unsigned AH verified");
    }
    // The bytes as a VRRP message, sealed: verified once, and never after
    // a covered byte changed.
    let src = Ipv4Addr::new(192, 0, 2, 1);
    let mut buf = vec![0xa5; HEADERS_LEN + bytes.len()];
    buf[HEADERS_LEN..].copy_from_slice(bytes);
    let mut signer = AhAuth::new(AH_KEY);
    signer.advance();
    let Some(len) = signer.seal(&mut buf, bytes.len(), src, MULTICAST_V4, false) else {
        assert!(
            bytes.len() > usize::from(u16::MAX) - HEADERS_LEN,
            "seal refused room"
        );
        return;
    };
    assert_eq!(len, buf.len());
    let datagram = AhDatagram::parse(&buf).expect("a sealed datagram parses");
    assert_eq!(datagram.message(), bytes);
    let mut receiver = AhAuth::new(AH_KEY);
    assert_eq!(receiver.verify(&datagram, false), Ok(()), "sealed, refused");
    assert!(
        matches!(
            receiver.verify(&datagram, false),
            Err(AhError::Replayed { .. })
        ),
        "the same sequence twice"
    );
    // A byte the input picks, but the mutable fields (TOS, flags and
    // fragment offset, header checksum), which the ICV leaves out.
    let at = bytes.last().map_or(0, |&b| usize::from(b)) % len;
    if ![1, 6, 7, 10, 11].contains(&at) {
        let mut changed = buf.clone();
        changed[at] ^= 0x01;
        if let Ok(datagram) = AhDatagram::parse(&changed) {
            assert!(
                AhAuth::new(AH_KEY).verify(&datagram, false).is_err(),
                "byte {at} changed, still verified"
            );
        }
    }
}
