//! RFC 9568 §5.2.8 over IPv4: the pseudo-header is defined by RFC 8200's
//! (IPv6) only, and peers differ. keepalived, FRR and Wireshark include the
//! IPv4 pseudo-header by default; Cisco (and keepalived's
//! `v3_checksum_as_v2`) leave it out. We accept both unless strict, and count
//! each form.

mod lan;

use lan::{Lan, config, v4};
use vrrp_core::time::Instant;
use vrrp_core::{Config, State, Statistics};

/// VRRPv3, VRID 51, priority 200, 1 address (192.0.2.100), interval 100 cs,
/// from 192.0.2.2 to 224.0.0.18, checksum over the IPv4 pseudo-header
/// (source, destination, zero, protocol 112, length 12) and the message.
/// Worked out by hand, independently of the core's sum.
const WITH_PSEUDO_HEADER: [u8; 12] = [
    0x31, 0x33, 0xc8, 0x01, 0x00, 0x64, 0xa1, 0x70, 192, 0, 2, 100,
];

/// The same advert, checksummed over the message alone.
const WITHOUT_PSEUDO_HEADER: [u8; 12] = [
    0x31, 0x33, 0xc8, 0x01, 0x00, 0x64, 0x44, 0x02, 192, 0, 2, 100,
];

/// Router 0 (priority 100) as Backup of router 1 (priority 200), both `tweak`ed.
fn backup(tweak: impl Fn(&mut Config)) -> Lan {
    let (mut c0, mut c1) = (config(0, 100), config(1, 200));
    tweak(&mut c0);
    tweak(&mut c1);
    let mut lan = Lan::new(vec![c0, c1]);
    lan.start_all();
    lan.run_until(Instant::from_millis(10_000));
    assert_eq!(lan.states(), [State::Backup, State::Master]);
    lan
}

fn counts(lan: &Lan) -> (u64, u64, u64) {
    let s: &Statistics = lan.nodes[0].instance.stats();
    (
        s.checksum_with_pseudo_header,
        s.checksum_without_pseudo_header,
        s.checksum_errors,
    )
}

#[test]
fn the_core_emits_the_hand_computed_vectors() {
    let mut buf = [0u8; 64];
    for (as_v2, expected) in [(false, WITH_PSEUDO_HEADER), (true, WITHOUT_PSEUDO_HEADER)] {
        let mut c = config(1, 200);
        c.v3_checksum_as_v2 = as_v2;
        let len = vrrp_core::Instance::new(c)
            .unwrap()
            .emit_advert(200, lan::multicast(vrrp_core::wire::Family::Ipv4), &mut buf)
            .unwrap();
        assert_eq!(buf[..len], expected, "v3_checksum_as_v2 {as_v2}");
    }
}

/// By default both forms are accepted, whichever we send, and each is counted.
#[test]
fn both_forms_are_accepted_and_counted_apart() {
    for as_v2 in [false, true] {
        let mut lan = backup(|c| c.v3_checksum_as_v2 = as_v2);
        let base = counts(&lan);
        assert!(lan.inject(0, v4(1), 255, &WITH_PSEUDO_HEADER));
        assert!(lan.inject(0, v4(1), 255, &WITHOUT_PSEUDO_HEADER));
        assert!(lan.inject(0, v4(1), 255, &WITHOUT_PSEUDO_HEADER));
        let now = counts(&lan);
        assert_eq!(
            (now.0 - base.0, now.1 - base.1, now.2 - base.2),
            (1, 2, 0),
            "v3_checksum_as_v2 {as_v2}"
        );
    }
}

/// Strict: only the form we send; the other is a checksum error.
#[test]
fn strict_accepts_only_the_form_we_send() {
    for (as_v2, good, bad) in [
        (false, WITH_PSEUDO_HEADER, WITHOUT_PSEUDO_HEADER),
        (true, WITHOUT_PSEUDO_HEADER, WITH_PSEUDO_HEADER),
    ] {
        let mut lan = backup(|c| {
            c.v3_checksum_as_v2 = as_v2;
            c.strict_checksum = true;
        });
        let base = counts(&lan);
        assert!(lan.inject(0, v4(1), 255, &good));
        assert!(!lan.inject(0, v4(1), 255, &bad));
        let now = counts(&lan);
        let moved = (now.0 - base.0, now.1 - base.1, now.2 - base.2);
        let expected = if as_v2 { (0, 1, 1) } else { (1, 0, 1) };
        assert_eq!(moved, expected, "v3_checksum_as_v2 {as_v2}");
    }
}

/// A message that verifies in neither form is still an error, and one from
/// another source address fails the pseudo-header form only.
#[test]
fn neither_form_is_a_checksum_error() {
    let mut lan = backup(|_| {});
    let mut corrupt = WITH_PSEUDO_HEADER;
    corrupt[7] ^= 0x10;
    assert!(!lan.inject(0, v4(1), 255, &corrupt));
    assert_eq!(counts(&lan).2, 1);
    // From 192.0.2.3 the pseudo-header sum differs; the bare form does not.
    assert!(!lan.inject(0, v4(2), 255, &WITH_PSEUDO_HEADER));
    assert!(lan.inject(0, v4(2), 255, &WITHOUT_PSEUDO_HEADER));
    assert_eq!(counts(&lan).2, 2);
}

/// The forms count accepted adverts only: one dropped by a later check
/// (here another VRID) moves its error counter, not a form.
#[test]
fn a_dropped_advert_counts_no_form() {
    let mut lan = backup(|_| {});
    let mut bytes = WITH_PSEUDO_HEADER;
    bytes[1] = 52;
    // The VRID is the low byte of the first word: one more in the sum is
    // one less in the checksum.
    bytes[6..8].copy_from_slice(&0xa16fu16.to_be_bytes());
    let base = counts(&lan);
    let vrid = lan.nodes[0].instance.stats().vrid_errors;
    assert!(!lan.inject(0, v4(1), 255, &bytes));
    assert_eq!(counts(&lan), base);
    assert_eq!(lan.nodes[0].instance.stats().vrid_errors, vrid + 1);
}
