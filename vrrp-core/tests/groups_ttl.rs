//! Another multicast group (keepalived's `mcast_dst_ip`,
//! `vrrp_mcast_group4/6`) and the TTL of unicast adverts (`unicast_ttl`,
//! and the peers' `min_ttl`/`max_ttl` on receive).

mod lan;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lan::{config, v4, v6, vip6};
use vrrp_core::time::Instant;
use vrrp_core::wire::{self, Auth, Version};
use vrrp_core::{Action, Config, ConfigError, Instance, PeerTtl, Received, Statistics, Transmit};

const GROUP4: IpAddr = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 19));
const GROUP6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x13));

/// An address owner's first advert: each datagram with its bytes.
fn first_advert(mut c: Config) -> Vec<(Transmit, Vec<u8>)> {
    c.priority = 255;
    let mut instance = Instance::new(c).unwrap();
    instance.handle_startup(Instant::ZERO);
    while let Some(action) = instance.poll_action() {
        if let Action::SendAdvert { .. } = action {
            let mut buf = [0u8; 1500];
            let mut sent = Vec::new();
            while let Some(transmit) = instance.poll_transmit(&mut buf) {
                sent.push((transmit, buf[..transmit.len].to_vec()));
            }
            return sent;
        }
    }
    panic!("an owner sends an advert at startup");
}

/// A started Backup of `c`, fed one advert; whether it took it, and its
/// instance (for the counters).
fn feed(c: Config, rx: Received, bytes: &[u8]) -> (bool, Instance) {
    let mut instance = Instance::new(c).unwrap();
    instance.handle_startup(Instant::ZERO);
    while instance.poll_action().is_some() {}
    let accepted = instance.handle_advert(Instant::ZERO, &rx, bytes);
    (accepted, instance)
}

fn with_group(mut c: Config, group: IpAddr) -> Config {
    c.multicast_group = Some(group);
    c
}

#[test]
fn adverts_go_to_the_configured_group_and_only_its_members_take_them() {
    let pairs = [
        (config(0, 100), config(1, 100), GROUP4),
        (
            Config::new(51, v6(0), vec![vip6()]),
            Config::new(51, v6(1), vec![vip6()]),
            GROUP6,
        ),
    ];
    for (sender, receiver, group) in pairs {
        let sent = first_advert(with_group(sender.clone(), group));
        let [(transmit, bytes)] = &sent[..] else {
            panic!("one datagram to the group: {sent:?}")
        };
        assert_eq!(transmit.destination, group);
        assert_eq!(transmit.ttl, wire::TTL);
        let rx = Received {
            src: transmit.source,
            dst: group,
            ttl: wire::TTL,
        };
        // Same group: taken (the VRRPv3 checksum covers this destination).
        assert!(feed(with_group(receiver.clone(), group), rx, bytes).0);
        // The default group's member drops it unread, no error counted:
        // keepalived's kernel does not hand it over at all.
        let (taken, deaf) = feed(receiver.clone(), rx, bytes);
        assert!(!taken);
        let dropped_unread = Statistics {
            adverts_dropped: 1,
            ..Default::default()
        };
        assert_eq!(deaf.stats(), &dropped_unread);
        // And the other way round: an advert to the RFC's group.
        let sent = first_advert(sender);
        let rx = Received {
            dst: sent[0].0.destination,
            ..rx
        };
        assert_eq!(rx.dst, receiver.family().multicast());
        assert!(!feed(with_group(receiver.clone(), group), rx, &sent[0].1).0);
        assert!(feed(receiver, rx, &sent[0].1).0);
    }
}

#[test]
fn unicast_ttl_sets_the_ttl_of_unicast_adverts_only() {
    let mut c = config(0, 100);
    c.unicast_ttl = Some(64);
    let multicast = first_advert(c.clone());
    assert_eq!(multicast[0].0.ttl, 255);
    c.unicast_peers = vec![v4(1), v4(2)];
    let unicast = first_advert(c.clone());
    assert_eq!(unicast.len(), 2);
    assert!(unicast.iter().all(|(t, _)| t.ttl == 64));
    c.unicast_ttl = None;
    assert!(first_advert(c).iter().all(|(t, _)| t.ttl == 255));
}

#[test]
fn ah_writes_the_unicast_ttl_in_its_header() {
    let mut c = config(0, 100);
    c.version = Version::V2;
    c.advert_interval = 100;
    c.auth = Auth::ah(b"secret");
    c.unicast_peers = vec![v4(1)];
    c.unicast_ttl = Some(3);
    let sent = first_advert(c);
    let (transmit, datagram) = &sent[0];
    assert!(transmit.header_included);
    assert_eq!(transmit.ttl, 3);
    assert_eq!(datagram[8], 3, "the IPv4 header's TTL");
}

#[test]
fn a_unicast_advert_is_taken_with_any_ttl_unless_its_peer_has_limits() {
    let mut sender = config(0, 100);
    sender.unicast_peers = vec![v4(1)];
    sender.unicast_ttl = Some(64);
    let sent = first_advert(sender);
    let (transmit, bytes) = &sent[0];
    let mut receiver = config(1, 100);
    receiver.unicast_peers = vec![v4(0)];
    let rx = |ttl| Received {
        src: transmit.source,
        dst: transmit.destination,
        ttl,
    };
    // keepalived checks no TTL on unicast by default.
    for ttl in [1, 62, 64, 255] {
        assert!(feed(receiver.clone(), rx(ttl), bytes).0, "TTL {ttl}");
    }
    receiver.peer_ttl = vec![PeerTtl {
        peer: v4(0),
        min: 60,
        max: 64,
    }];
    assert!(feed(receiver.clone(), rx(62), bytes).0);
    for ttl in [59, 65, 255] {
        let (taken, instance) = feed(receiver.clone(), rx(ttl), bytes);
        assert!(!taken, "TTL {ttl}");
        assert_eq!(instance.stats().ip_ttl_errors, 1);
    }
}

#[test]
fn a_group_must_be_multicast_and_of_the_family() {
    for group in [v4(5), GROUP6] {
        let c = with_group(config(0, 100), group);
        assert_eq!(c.validate(), Err(ConfigError::NotMulticast(group)));
    }
    let c = with_group(Config::new(51, v6(0), vec![vip6()]), GROUP4);
    assert_eq!(c.validate(), Err(ConfigError::NotMulticast(GROUP4)));
    assert_eq!(with_group(config(0, 100), GROUP4).validate(), Ok(()));
    assert_eq!(with_group(config(0, 100), GROUP4).group(), GROUP4);
    assert_eq!(config(0, 100).group(), IpAddr::V4(wire::MULTICAST_V4));
}
