//! keepalived's `old_unicast_checksum`: VRRPv3-over-IPv4 adverts to a
//! unicast peer checksummed over the multicast group (keepalived 1.3.6 and
//! earlier), sent and checked alike; multicast adverts are unchanged.

use std::net::{IpAddr, Ipv4Addr};

use vrrp_core::time::Instant;
use vrrp_core::wire::MULTICAST_V4;
use vrrp_core::{Action, Config, Instance, Received};

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
const VIP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));

fn instance(me: IpAddr, peer: IpAddr, priority: u8, old: bool) -> Instance {
    let mut config = Config::new(51, me, vec![VIP]);
    config.priority = priority;
    config.unicast_peers = vec![peer];
    config.old_unicast_checksum = old;
    let mut instance = Instance::new(config).unwrap();
    instance.handle_startup(Instant::ZERO);
    while instance.poll_action().is_some() {}
    instance
}

/// A's advert (priority 200) to `dst`, as its socket would send it.
fn advert(old: bool, dst: IpAddr) -> Vec<u8> {
    let a = instance(A, B, 200, old);
    let mut buf = [0; 64];
    let len = a.emit_advert(200, dst, &mut buf).unwrap();
    buf[..len].to_vec()
}

/// Whether B (priority 100, `old` or not) takes `bytes` received at `dst`.
fn accepts(old: bool, dst: IpAddr, bytes: &[u8]) -> bool {
    let mut b = instance(B, A, 100, old);
    let rx = Received {
        src: A,
        dst,
        ttl: 255,
    };
    let taken = b.handle_advert(Instant::ZERO, &rx, bytes);
    let errors = b.stats().checksum_errors;
    assert_eq!(taken, errors == 0, "a refusal is a checksum error");
    taken
}

#[test]
fn both_ends_old_agree_and_each_refuses_the_other_form() {
    let old = advert(true, B);
    let new = advert(false, B);
    assert_ne!(old, new, "the checksum differs");
    assert!(accepts(true, B, &old));
    assert!(accepts(false, B, &new));
    assert!(!accepts(false, B, &old));
    assert!(!accepts(true, B, &new));
}

#[test]
fn the_old_form_is_the_multicast_checksum() {
    // Over the group the two forms are one: the old unicast advert is the
    // multicast advert byte for byte.
    assert_eq!(advert(true, B), advert(false, MULTICAST_V4.into()));
    assert_eq!(
        advert(true, MULTICAST_V4.into()),
        advert(false, MULTICAST_V4.into())
    );
}

#[test]
fn ipv6_is_not_affected() {
    let (a6, b6): (IpAddr, IpAddr) = ("fe80::1".parse().unwrap(), "fe80::2".parse().unwrap());
    let vip: IpAddr = "2001:db8::100".parse().unwrap();
    let emit = |old: bool| {
        let mut config = Config::new(51, a6, vec![vip]);
        config.unicast_peers = vec![b6];
        config.old_unicast_checksum = old;
        let a = Instance::new(config).unwrap();
        let mut buf = [0; 64];
        let len = a.emit_advert(100, b6, &mut buf).unwrap();
        buf[..len].to_vec()
    };
    assert_eq!(emit(true), emit(false));
}

/// B, learning (keepalived's default) or not, with `peers`.
fn learner(learn: bool, peers: Vec<IpAddr>) -> Instance {
    let mut config = Config::new(51, B, vec![VIP]);
    config.unicast_peers = peers;
    config.learn_old_unicast_checksum = learn;
    let mut instance = Instance::new(config).unwrap();
    instance.handle_startup(Instant::ZERO);
    while instance.poll_action().is_some() {}
    instance
}

/// Every action `instance` has ready.
fn drain(instance: &mut Instance) -> Vec<Action> {
    std::iter::from_fn(|| instance.poll_action()).collect()
}

/// keepalived 2.4.3's switch: a peer's advert that checks only in the old
/// form is taken, and from then on B sends and checks the old form.
#[test]
fn a_learning_instance_switches_to_a_peers_old_form_for_good() {
    let rx = Received {
        src: A,
        dst: B,
        ttl: 255,
    };
    let mut b = learner(true, vec![A]);
    let new_before = {
        let mut buf = [0; 64];
        let len = b.emit_advert(100, A, &mut buf).unwrap();
        buf[..len].to_vec()
    };
    assert!(b.handle_advert(Instant::ZERO, &rx, &advert(true, B)));
    assert_eq!(b.stats().checksum_errors, 0);
    assert!(drain(&mut b).contains(&Action::OldUnicastChecksum));
    // Sent: the old form now, which only an old peer takes.
    let mut buf = [0; 64];
    let len = b.emit_advert(100, A, &mut buf).unwrap();
    assert_ne!(buf[..len], new_before[..], "the checksum changed");
    let rx_at_a = Received {
        src: B,
        dst: A,
        ttl: 255,
    };
    let mut old_a = instance(A, B, 200, true);
    assert!(old_a.handle_advert(Instant::ZERO, &rx_at_a, &buf[..len]));
    // Received: the old form again, without a second switch; the RFC's
    // form no longer checks.
    assert!(b.handle_advert(Instant::ZERO, &rx, &advert(true, B)));
    assert!(!drain(&mut b).contains(&Action::OldUnicastChecksum));
    assert!(!b.handle_advert(Instant::ZERO, &rx, &advert(false, B)));
    assert_eq!(b.stats().checksum_errors, 1);
}

#[test]
fn no_switch_when_not_learning_from_a_stranger_or_over_multicast() {
    let rx = Received {
        src: A,
        dst: B,
        ttl: 255,
    };
    // `old_unicast_checksum never`: a checksum error.
    let mut never = learner(false, vec![A]);
    assert!(!never.handle_advert(Instant::ZERO, &rx, &advert(true, B)));
    assert_eq!(never.stats().checksum_errors, 1);
    assert!(!drain(&mut never).contains(&Action::OldUnicastChecksum));
    // A sender that is not a peer teaches nothing.
    let stranger: IpAddr = Ipv4Addr::new(192, 0, 2, 3).into();
    let mut b = learner(true, vec![stranger]);
    assert!(!b.handle_advert(Instant::ZERO, &rx, &advert(true, B)));
    assert!(!drain(&mut b).contains(&Action::OldUnicastChecksum));
    // A multicast instance has no unicast form to learn.
    let mut multicast = learner(true, Vec::new());
    let mut corrupt = advert(false, MULTICAST_V4.into());
    corrupt[6] ^= 0xff;
    let group = Received {
        src: A,
        dst: MULTICAST_V4.into(),
        ttl: 255,
    };
    assert!(!multicast.handle_advert(Instant::ZERO, &group, &corrupt));
    assert_eq!(multicast.stats().checksum_errors, 1);
    assert!(!drain(&mut multicast).contains(&Action::OldUnicastChecksum));
}
