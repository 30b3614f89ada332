//! A repeat of the last advert accepted skips the checksum and the checks
//! (`instance/repeat.rs`). Nothing observable may differ: each repeat is
//! counted as the first was, an advert accepted with a note is noted every
//! time, and a configuration written since checks it again in full.

mod lan;

use lan::{Lan, config, converged, multicast, v4, vip4};
use vrrp_core::{Command, Config, Instance, Statistics};

/// The bytes `config`'s instance sends at its own priority.
fn advert(config: Config) -> Vec<u8> {
    let (dst, priority) = (multicast(config.family()), config.priority);
    let instance = Instance::new(config).unwrap();
    let mut buf = [0u8; 1024];
    let len = instance.emit_advert(priority, dst, &mut buf).unwrap();
    buf[..len].to_vec()
}

#[test]
fn each_repeat_is_counted_as_the_first() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let bytes = advert(config(1, 200));
    let before = lan.nodes[0].instance.stats().clone();
    for _ in 0..3 {
        assert!(lan.inject(0, v4(1), 255, &bytes));
    }
    let after = lan.nodes[0].instance.stats();
    assert_eq!(after.adverts_received, before.adverts_received + 3);
    assert_eq!(
        after.checksum_with_pseudo_header,
        before.checksum_with_pseudo_header + 3
    );
    assert_eq!(after.adverts_dropped, before.adverts_dropped);
}

#[test]
fn a_repeat_from_elsewhere_or_altered_is_checked() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let bytes = advert(config(1, 200));
    assert!(lan.inject(0, v4(1), 255, &bytes));
    let before = lan.nodes[0].instance.stats().clone();
    assert!(!lan.inject(0, v4(1), 254, &bytes), "another TTL");
    let mut altered = bytes.clone();
    *altered.last_mut().unwrap() ^= 1;
    assert!(!lan.inject(0, v4(1), 255, &altered), "one bit flipped");
    let after = lan.nodes[0].instance.stats();
    assert_eq!(after.ip_ttl_errors, before.ip_ttl_errors + 1);
    assert_eq!(after.checksum_errors, before.checksum_errors + 1);
    assert!(
        lan.inject(0, v4(1), 255, &bytes),
        "the original still passes"
    );
}

/// RFC 9568 §7.1: an advert with another address list is counted every
/// time; from the owner (priority 255) it is accepted, noted each time.
#[test]
fn an_advert_accepted_with_a_note_is_noted_every_time() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let mut owner = config(1, 255);
    owner.virtual_addresses = vec![vip4(), v4(99)];
    accepted_thrice(&mut lan, &advert(owner), |s| s.address_list_errors);

    // RFC 9568: a VRRPv3 Backup learns another interval, counted each time.
    let mut slower = config(1, 200);
    slower.advert_interval = 200;
    accepted_thrice(&mut lan, &advert(slower), |s| s.advert_interval_errors);
}

/// `bytes` from router 1 is accepted by router 0 three times running, and
/// `counter` counts each.
fn accepted_thrice(lan: &mut Lan, bytes: &[u8], counter: impl Fn(&Statistics) -> u64) {
    let before = counter(lan.nodes[0].instance.stats());
    for _ in 0..3 {
        assert!(lan.inject(0, v4(1), 255, bytes));
    }
    assert_eq!(counter(lan.nodes[0].instance.stats()), before + 3);
}

/// The address owner has no use for adverts (RFC 9568 §7.1): once a
/// command makes router 0 the owner, the repeat it accepted a moment ago
/// is dropped.
#[test]
fn a_configuration_written_since_checks_a_repeat_again() {
    let mut lan = converged(config(0, 100), config(1, 200));
    let bytes = advert(config(1, 200));
    assert!(lan.inject(0, v4(1), 255, &bytes));
    let now = lan.now;
    lan.nodes[0]
        .instance
        .handle_command(now, Command::SetPriority(255));
    let dropped = lan.nodes[0].instance.stats().adverts_dropped;
    assert!(!lan.inject(0, v4(1), 255, &bytes), "the owner drops it");
    assert_eq!(lan.nodes[0].instance.stats().adverts_dropped, dropped + 1);
}
