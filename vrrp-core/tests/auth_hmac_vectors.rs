//! keepalived 2.4.3's `auth_hmac` adverts (`tests/vectors/auth_hmac_2.4.3.pcap`,
//! described in the README beside it), checked by our verifier and
//! reproduced by our signer byte for byte.
//!
//! Every captured advert: the VRRP message without its trailer parses;
//! the tag verifies under the configured key at the moment of the capture,
//! and not once any covered bit flips, nor under another key, another VRID
//! or another sender; the same advert twice is a replay; signing the
//! message with the trailer's sequence gives keepalived's trailer; and the
//! checksum covers the message only over IPv4, message and trailer over
//! IPv6.

mod pcap;

use std::net::IpAddr;
use std::time::Duration;

use vrrp_core::auth_hmac::{
    AntiReplay, AuthError, Binding, HmacAuth, HmacConfig, Key, Mode, Verified,
};
use vrrp_core::wire::{
    Advertisement, Family, Packet, Sequence, TRAILER_LEN, Trailer, TrailerRepr, Version,
    pseudo_header,
};

use pcap::{Datagram, read_pcap};

const CAPTURE: &str = "auth_hmac_2.4.3.pcap";

fn key_1() -> Key {
    let hex = "5f0b1c2d3e4f5a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3";
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    Key { id: 1, bytes }
}

fn key_7() -> Key {
    Key {
        id: 7,
        bytes: b"vrrp-rs_capture_key_thirty-two_bytes".to_vec(),
    }
}

/// The receiver: both keys, enforce, keepalived's default window.
fn receiver(keys: Vec<Key>) -> HmacAuth {
    let config = HmacConfig {
        active_key: keys[0].id,
        keys,
        mode: Mode::Enforce,
        anti_replay: AntiReplay::default_for(100),
    };
    HmacAuth::new(&config, 1).expect("valid")
}

struct Advert<'a> {
    datagram: &'a Datagram,
    message: &'a [u8],
    trailer: &'a [u8],
    version: Version,
    vrid: u8,
}

impl Advert<'_> {
    fn binding(&self) -> Binding {
        Binding {
            version: self.version,
            vrid: self.vrid,
            sender: self.datagram.src,
        }
    }
}

fn adverts(datagrams: &[Datagram]) -> Vec<Advert<'_>> {
    datagrams
        .iter()
        .map(|datagram| {
            let (message, trailer) = datagram.vrrp.split_at(datagram.vrrp.len() - TRAILER_LEN);
            let family = Family::of(&datagram.src);
            let packet = Packet::new_checked(message).expect("a VRRP header");
            let advert = Advertisement::parse(&packet, family)
                .unwrap_or_else(|e| panic!("without its trailer, a whole advert: {e}"));
            Advert {
                datagram,
                message,
                trailer,
                version: advert.version,
                vrid: advert.vrid,
            }
        })
        .collect()
}

#[test]
fn every_captured_advert_verifies_and_only_as_sent() {
    let datagrams = read_pcap(CAPTURE);
    let adverts = adverts(&datagrams);
    assert_eq!(adverts.len(), 20, "five adverts of each of four instances");
    let mut vrids: Vec<u8> = adverts.iter().map(|a| a.vrid).collect();
    vrids.sort_unstable();
    vrids.dedup();
    assert_eq!(vrids, [77, 78, 79, 80]);

    let mut receiver = receiver(vec![key_1(), key_7()]);
    for (i, advert) in adverts.iter().enumerate() {
        let context = format!("advert {i} (VRID {})", advert.vrid);
        let binding = advert.binding();
        let at = advert.datagram.at;
        let verified = receiver.verify(advert.message, Some(advert.trailer), binding, at);
        let Ok(Verified::Signed {
            skew_secs: Some(skew),
        }) = verified
        else {
            panic!("{context}: {verified:?}");
        };
        assert!(skew.abs() <= 1, "{context}: signed when it was sent");
        assert_eq!(
            receiver.verify(advert.message, Some(advert.trailer), binding, at),
            Err(AuthError::Replayed),
            "{context}: the same advert again"
        );

        // Each covered bit: the message but its checksum, the trailer but
        // its tag's own bits are what the tag covers (and the tag itself).
        let covered = (0..advert.message.len() * 8)
            .filter(|bit| !(48..64).contains(bit))
            .map(|bit| (bit, true))
            .chain((0..TRAILER_LEN * 8).map(|bit| (bit, false)));
        for (bit, in_message) in covered {
            let mut message = advert.message.to_vec();
            let mut trailer = advert.trailer.to_vec();
            let target = if in_message {
                &mut message
            } else {
                &mut trailer
            };
            target[bit / 8] ^= 0x80 >> (bit % 8);
            let mut fresh = self::receiver(vec![key_1(), key_7()]);
            let result = fresh.verify(&message, Some(&trailer), binding, at);
            assert!(
                result.is_err(),
                "{context}: bit {bit} of the {} flipped, still {result:?}",
                if in_message { "message" } else { "trailer" }
            );
        }
        // The checksum is not covered: a unicast copy may differ in it.
        let mut message = advert.message.to_vec();
        message[6] ^= 0xff;
        let mut fresh = self::receiver(vec![key_1(), key_7()]);
        assert!(
            fresh
                .verify(&message, Some(advert.trailer), binding, at)
                .is_ok(),
            "{context}: the checksum is outside the tag"
        );
    }
}

#[test]
fn a_tag_binds_the_key_the_instance_and_the_sender() {
    let datagrams = read_pcap(CAPTURE);
    let advert = &adverts(&datagrams)[0];
    let (binding, at) = (advert.binding(), advert.datagram.at);
    let verify = |keys: Vec<Key>, binding: Binding| {
        receiver(keys).verify(advert.message, Some(advert.trailer), binding, at)
    };
    let key_id = Trailer::new_checked(advert.trailer).unwrap().key_id();
    let wrong = Key {
        id: key_id,
        bytes: vec![0x5a; 32],
    };
    assert_eq!(verify(vec![wrong], binding), Err(AuthError::BadTag));
    let other_id = if key_id == 7 { key_1() } else { key_7() };
    assert_eq!(
        verify(vec![other_id], binding),
        Err(AuthError::UnknownKey(key_id))
    );
    let keys = || vec![key_1(), key_7()];
    let other_vrid = Binding {
        vrid: binding.vrid + 1,
        ..binding
    };
    assert_eq!(verify(keys(), other_vrid), Err(AuthError::BadTag));
    let other_version = Binding {
        version: if binding.version == Version::V2 {
            Version::V3
        } else {
            Version::V2
        },
        ..binding
    };
    assert_eq!(verify(keys(), other_version), Err(AuthError::BadTag));
    let other_sender = Binding {
        sender: "192.0.2.9".parse().unwrap(),
        ..binding
    };
    assert_eq!(verify(keys(), other_sender), Err(AuthError::BadTag));
    // Outside the 5 s window either way: stale, before any digest.
    for skew in [-6, 6] {
        let when = Duration::from_secs(at.as_secs().checked_add_signed(skew).unwrap());
        let result = receiver(keys()).verify(advert.message, Some(advert.trailer), binding, when);
        assert!(
            matches!(result, Err(AuthError::Stale { skew_secs }) if skew_secs.signum() == skew.signum() as i32),
            "{skew} s: {result:?}"
        );
    }
    assert_eq!(
        receiver(keys()).verify(advert.message, None, binding, at),
        Err(AuthError::Missing),
        "enforce: a trailer is required"
    );
}

#[test]
fn signing_reproduces_keepalived_trailers() {
    let datagrams = read_pcap(CAPTURE);
    for advert in adverts(&datagrams) {
        let repr = TrailerRepr::parse(&Trailer::new_checked(advert.trailer).unwrap()).unwrap();
        let active = if repr.key_id == 7 { key_7() } else { key_1() };
        let config = HmacConfig {
            active_key: active.id,
            keys: vec![active],
            mode: Mode::Enforce,
            anti_replay: AntiReplay::default_for(100),
        };
        let mut signer = HmacAuth::new(&config, 1).unwrap();
        // The clock reading keepalived signed at: its counter is 0 (one
        // advert per instance per tick).
        assert_eq!(repr.sequence.0 as u16, 0, "counter");
        let fraction = (repr.sequence.0 >> 16) as u16;
        let nanos = (u64::from(fraction) * 1_000_000_000).div_ceil(1 << 16) as u32;
        let clock = Duration::new(u64::from(repr.sequence.secs()), nanos);
        assert_eq!(Sequence::from_unix(clock), repr.sequence);
        let mut trailer = [0; TRAILER_LEN];
        signer.sign(advert.message, &mut trailer, advert.binding(), clock);
        assert_eq!(&trailer[..], advert.trailer, "VRID {}", advert.vrid);
    }
}

#[test]
fn the_checksum_covers_the_trailer_over_ipv6_only() {
    let datagrams = read_pcap(CAPTURE);
    for advert in adverts(&datagrams) {
        let d = advert.datagram;
        let pseudo = pseudo_header(advert.version, false, d.src, d.dst);
        let message = Packet::new_checked(advert.message).unwrap();
        let whole = Packet::new_checked(&d.vrrp[..]).unwrap();
        match d.src {
            IpAddr::V4(_) => {
                assert!(
                    message.verify_checksum(pseudo.as_ref()),
                    "VRID {}",
                    advert.vrid
                );
                assert!(
                    !whole.verify_checksum(pseudo.as_ref()),
                    "VRID {}",
                    advert.vrid
                );
            }
            IpAddr::V6(_) => {
                assert!(
                    whole.verify_checksum(pseudo.as_ref()),
                    "VRID {}",
                    advert.vrid
                );
                assert!(
                    !message.verify_checksum(pseudo.as_ref()),
                    "VRID {}",
                    advert.vrid
                );
            }
        }
    }
}
