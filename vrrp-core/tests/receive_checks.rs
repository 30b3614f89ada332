//! RFC 9568 §7.1: every malformed or foreign advert is dropped, counted in
//! its own RFC 6527 counter, and changes nothing.
//!
//! The bait is a priority-0 advert: accepted, it would cut the backup's
//! master-down timer to Skew_Time, so an unchanged deadline proves the drop.

mod lan;

use std::net::IpAddr;

use lan::{Lan, config, converged, multicast, v4, vip4};
use vrrp_core::wire::{self, Auth, Packet, Version};
use vrrp_core::{Config, Instance, Received, Statistics};

/// The bytes `config`'s instance would send with priority 0.
fn advert_from(config: Config) -> Vec<u8> {
    let dst = multicast(config.family());
    let instance = Instance::new(config).unwrap();
    let mut buf = [0u8; 1024];
    let len = instance.emit_advert(0, dst, &mut buf).unwrap();
    buf[..len].to_vec()
}

/// Injects `bytes` from `src` into router 0 and checks that exactly one
/// counter moved (by `which`) and nothing else changed.
fn assert_dropped(
    lan: &mut Lan,
    src: IpAddr,
    ttl: u8,
    bytes: &[u8],
    which: fn(&Statistics) -> u64,
) {
    let before_stats = lan.nodes[0].instance.stats().clone();
    let before = lan.nodes[0].instance.clone();
    assert!(
        !lan.inject(0, src, ttl, bytes),
        "the advert must be dropped"
    );
    let after = lan.nodes[0].instance.stats();
    assert_eq!(which(after), which(&before_stats) + 1, "its counter moved");
    assert_eq!(after.adverts_dropped, before_stats.adverts_dropped + 1);
    assert_eq!(
        error_sum(after),
        error_sum(&before_stats) + 1,
        "and no other"
    );
    assert_eq!(after.adverts_received, before_stats.adverts_received);
    assert_eq!(lan.nodes[0].instance, before, "protocol state untouched");
}

#[test]
fn the_bait_itself_is_accepted() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let deadline = lan.nodes[0].instance.poll_timeout().unwrap();
    assert!(lan.inject(0, v4(1), 255, &advert_from(config(1, 200))));
    assert!(lan.nodes[0].instance.poll_timeout().unwrap().at < deadline.at);
}

#[test]
fn ttl_below_255_is_dropped() {
    let mut lan = converged(config(0, 100), config(1, 200));
    assert_dropped(&mut lan, v4(1), 254, &advert_from(config(1, 200)), |s| {
        s.ip_ttl_errors
    });
}

#[test]
fn ttl_is_not_checked_for_unicast() {
    let mut c0 = config(0, 100);
    c0.unicast_peers = vec![v4(1)];
    let mut lan = converged(c0, config(1, 200));
    let rx = Received {
        src: v4(1),
        dst: v4(0),
        ttl: 61,
    };
    let mut c1 = config(1, 200);
    c1.unicast_peers = vec![v4(0)];
    let instance = Instance::new(c1).unwrap();
    let mut buf = [0u8; 64];
    let len = instance.emit_advert(200, v4(0), &mut buf).unwrap();
    assert!(
        lan.nodes[0]
            .instance
            .handle_advert(lan.now, &rx, &buf[..len])
    );
}

#[test]
fn another_version_is_dropped() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let mut v2 = config(1, 200);
    v2.version = Version::V2;
    assert_dropped(&mut lan, v4(1), 255, &advert_from(v2), |s| s.version_errors);
}

#[test]
fn a_bad_checksum_is_dropped() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let mut bytes = advert_from(config(1, 200));
    bytes[7] ^= 0x01;
    assert_dropped(&mut lan, v4(1), 255, &bytes, |s| s.checksum_errors);
}

#[test]
fn another_vrid_is_dropped() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let mut other = config(1, 200);
    other.vrid = 52;
    assert_dropped(&mut lan, v4(1), 255, &advert_from(other), |s| s.vrid_errors);
}

#[test]
fn truncated_and_overlong_packets_are_dropped() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let bytes = advert_from(config(1, 200));
    assert_dropped(&mut lan, v4(1), 255, &bytes[..6], |s| {
        s.packet_length_errors
    });
    assert_dropped(&mut lan, v4(1), 255, &bytes[..bytes.len() - 1], |s| {
        s.packet_length_errors
    });
    let mut count_too_large = bytes.clone();
    count_too_large[3] = 5;
    assert_dropped(&mut lan, v4(1), 255, &count_too_large, |s| {
        s.packet_length_errors
    });
    let mut longer = bytes;
    longer.extend_from_slice(&[0; 4]);
    assert_dropped(&mut lan, v4(1), 255, &longer, |s| s.packet_length_errors);
}

#[test]
fn another_message_type_is_dropped() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let mut bytes = advert_from(config(1, 200));
    bytes[0] = 0x32;
    let pseudo = wire::pseudo_header(Version::V3, false, v4(1), multicast(wire::Family::Ipv4));
    Packet::new_unchecked(&mut bytes[..]).fill_checksum(pseudo.as_ref());
    assert_dropped(&mut lan, v4(1), 255, &bytes, |s| s.invalid_type_errors);
}

#[test]
fn another_address_list_is_dropped_unless_from_the_owner() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let mut other = config(1, 200);
    other.virtual_addresses = vec![vip4(), v4(99)];
    assert_dropped(&mut lan, v4(1), 255, &advert_from(other), |s| {
        s.address_list_errors
    });

    // The same list in another order is the same list.
    let mut reordered = config(1, 200);
    reordered.virtual_addresses = vec![vip4()];
    assert!(lan.inject(0, v4(1), 255, &advert_from(reordered)));
}

/// keepalived's `skip_check_adv_addr` (vrrp.c, `vrrp_state_backup`): the
/// Master the Backup follows is not checked again; anyone else is.
#[test]
fn skip_check_from_master_checks_only_a_new_master() {
    let mut c0 = config(0, 100);
    c0.skip_check_from_master = true;
    let mut lan = converged(c0, config(1, 200));
    let mut other = config(1, 200);
    other.virtual_addresses = vec![vip4(), v4(99)];
    let before = lan.nodes[0].instance.stats().address_list_errors;
    assert!(
        lan.inject(0, v4(1), 255, &advert_from(other.clone())),
        "the followed Master's advert is not checked"
    );
    assert_eq!(lan.nodes[0].instance.stats().address_list_errors, before);
    // Another sender (a new Master) is checked, and dropped.
    let mut third = other;
    third.primary_address = v4(3);
    assert_dropped(&mut lan, v4(3), 255, &advert_from(third), |s| {
        s.address_list_errors
    });
}

#[test]
fn an_unknown_unicast_source_is_dropped() {
    let mut c0 = config(0, 100);
    c0.unicast_peers = vec![v4(1)];
    let mut lan = converged(c0, config(1, 200));
    let mut stranger = config(5, 200);
    stranger.vrid = 51;
    assert_dropped(&mut lan, v4(5), 255, &advert_from(stranger), |s| {
        s.unicast_source_errors
    });
}

fn v2(i: u8, priority: u8, auth: Auth) -> Config {
    let mut c = config(i, priority);
    c.version = Version::V2;
    c.auth = auth;
    c
}

#[test]
fn vrrpv2_wrong_password_and_wrong_auth_type_are_dropped() {
    let pass = Auth::simple(b"1cee4b6e");
    let mut lan = converged(v2(0, 100, pass), v2(1, 200, pass));
    let wrong = advert_from(v2(1, 200, Auth::simple(b"guessed!")));
    assert_dropped(&mut lan, v4(1), 255, &wrong, |s| s.auth_failures);
    let none = advert_from(v2(1, 200, Auth::None));
    assert_dropped(&mut lan, v4(1), 255, &none, |s| s.auth_type_mismatch);
    // Type 2 (IP Authentication Header, removed in RFC 3768) is known, as
    // keepalived knows it: another type than ours.
    let mut ah = advert_from(v2(1, 200, pass));
    ah[4] = 2;
    Packet::new_unchecked(&mut ah[..]).fill_checksum(None);
    assert_dropped(&mut lan, v4(1), 255, &ah, |s| s.auth_type_mismatch);
    let mut unknown = advert_from(v2(1, 200, pass));
    unknown[4] = 3;
    Packet::new_unchecked(&mut unknown[..]).fill_checksum(None);
    assert_dropped(&mut lan, v4(1), 255, &unknown, |s| s.invalid_auth_type);
}

/// A CARP advertisement (OpenBSD's carp, ucarp): IP protocol 112 and the
/// VRRP group as well, and its first byte reads as VRRPv2's (version 2,
/// type 1), but it is 36 bytes: the header, an 8-byte counter and a 20-byte
/// HMAC, checksummed without a pseudo-header.
fn carp(vhid: u8, advskew: u8) -> Vec<u8> {
    let mut bytes = vec![0x21, vhid, advskew, 7, 0, 1, 0, 0];
    bytes.extend_from_slice(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
    bytes.extend((0..20).map(|i| 0xa0 ^ i));
    Packet::new_unchecked(&mut bytes[..]).fill_checksum(None);
    bytes
}

#[test]
fn a_carp_advertisement_is_dropped_by_v2_and_v3_routers() {
    let pass = Auth::simple(b"1cee4b6e");
    let mut lan = converged(v2(0, 100, pass), v2(1, 200, pass));
    let vrid = lan.nodes[0].instance.config().vrid;
    assert_dropped(&mut lan, v4(1), 255, &carp(vrid, 0), |s| {
        s.packet_length_errors
    });
    let mut lan = converged(config(0, 100), config(1, 200));
    assert_dropped(&mut lan, v4(1), 255, &carp(vrid, 0), |s| s.version_errors);
}

#[test]
fn vrrpv2_interval_mismatch_is_dropped() {
    let pass = Auth::simple(b"1cee4b6e");
    let mut lan = converged(v2(0, 100, pass), v2(1, 200, pass));
    let mut slow = v2(1, 200, pass);
    slow.advert_interval = 300;
    assert_dropped(&mut lan, v4(1), 255, &advert_from(slow), |s| {
        s.advert_interval_errors
    });
}

#[test]
fn garbage_never_panics_and_is_always_counted() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let valid = advert_from(config(1, 200));
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut bytes = valid.clone();
        let flips = 1 + (seed % 3) as usize;
        for k in 0..flips {
            let at = (seed >> (8 * k)) as usize % bytes.len();
            bytes[at] ^= (seed >> 32) as u8 | 1;
        }
        bytes.truncate(bytes.len() - (round % 3));
        let before = lan.nodes[0].instance.stats().clone();
        let accepted = lan.inject(0, v4(1), 255, &bytes);
        let after = lan.nodes[0].instance.stats();
        let counted = after.adverts_dropped - before.adverts_dropped + after.adverts_received
            - before.adverts_received;
        assert_eq!(counted, 1, "each packet counted exactly once: {bytes:02x?}");
        let moved = error_sum(after) - error_sum(&before);
        if after.adverts_dropped > before.adverts_dropped {
            assert_eq!(moved, 1, "one error counter per drop: {bytes:02x?}");
        } else {
            // VRRPv3 counts another interval but learns it (RFC 9568 §6.4.2).
            assert_eq!(
                moved,
                after.advert_interval_errors - before.advert_interval_errors,
                "{bytes:02x?}"
            );
        }
        assert_eq!(accepted, after.adverts_received > before.adverts_received);
    }
}

/// Every error counter, so a test sees when more than one moves.
fn error_sum(s: &Statistics) -> u64 {
    s.checksum_errors
        + s.version_errors
        + s.vrid_errors
        + s.ip_ttl_errors
        + s.invalid_type_errors
        + s.address_list_errors
        + s.packet_length_errors
        + s.advert_interval_errors
        + s.auth_failures
        + s.invalid_auth_type
        + s.auth_type_mismatch
        + s.unicast_source_errors
        + s.ah_bad_spi
        + s.ah_replayed
}
