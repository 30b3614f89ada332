//! `poll_transmit`: the core picks each advert's destinations (the group, or
//! each unicast peer) and writes one datagram per destination.

mod lan;

use std::net::IpAddr;

use lan::{config, v4, v6, vip6};
use vrrp_core::time::Instant;
use vrrp_core::wire::{self, Family, Packet};
use vrrp_core::{Action, Config, Instance, Received, Router, Transmit};

/// Starts an address owner (Master at once) and drains its actions up to
/// its first `SendAdvert`.
fn owner(mut c: Config) -> Instance {
    c.priority = 255;
    let mut instance = Instance::new(c).unwrap();
    instance.handle_startup(Instant::ZERO);
    while let Some(action) = instance.poll_action() {
        if let Action::SendAdvert { priority } = action {
            assert_eq!(priority, 255);
            return instance;
        }
    }
    panic!("an owner sends an advert at startup");
}

/// Whether `bytes`, from `src` to `dst`, passes `receiver`'s checks (a
/// unicast `dst` is the receiver's address, and `src` its peer).
fn accepted_by(mut receiver: Config, src: IpAddr, dst: IpAddr, bytes: &[u8]) -> bool {
    if !dst.is_multicast() {
        receiver.primary_address = dst;
        receiver.unicast_peers = vec![src];
    }
    let mut instance = Instance::new(receiver).unwrap();
    instance.handle_startup(Instant::ZERO);
    let rx = Received {
        src,
        dst,
        ttl: wire::TTL,
    };
    instance.handle_advert(Instant::ZERO, &rx, bytes)
}

#[test]
fn multicast_is_one_datagram_to_the_group() {
    let pairs = [
        (config(0, 100), config(1, 100)),
        (
            Config::new(51, v6(0), vec![vip6()]),
            Config::new(51, v6(1), vec![vip6()]),
        ),
    ];
    for (c, receiver) in pairs {
        let family = c.family();
        let mut instance = owner(c.clone());
        let mut buf = [0u8; 1500];
        let transmit = instance.poll_transmit(&mut buf).unwrap();
        assert_eq!(transmit.destination, family.multicast());
        assert_eq!(transmit.source, c.primary_address);
        assert_eq!(
            Packet::new_checked(&buf[..transmit.len])
                .unwrap()
                .priority(),
            255
        );
        let bytes = &buf[..transmit.len];
        assert!(accepted_by(
            receiver,
            transmit.source,
            transmit.destination,
            bytes
        ));
        assert_eq!(instance.poll_transmit(&mut buf), None);
    }
}

#[test]
fn unicast_is_one_datagram_per_peer_with_its_own_checksum() {
    let mut c = config(0, 100);
    c.unicast_peers = vec![v4(1), v4(2), v4(3)];
    let mut instance = owner(c.clone());
    let mut buf = [0u8; 1500];
    let mut sent: Vec<(Transmit, Vec<u8>)> = Vec::new();
    while let Some(transmit) = instance.poll_transmit(&mut buf) {
        sent.push((transmit, buf[..transmit.len].to_vec()));
    }
    let destinations: Vec<_> = sent.iter().map(|(t, _)| t.destination).collect();
    assert_eq!(destinations, c.unicast_peers);
    for (transmit, bytes) in &sent {
        assert_eq!(transmit.source, v4(0));
        assert!(accepted_by(
            config(9, 100),
            transmit.source,
            transmit.destination,
            bytes
        ));
    }
    // VRRPv3 over IPv4 checksums cover the destination: one per peer.
    assert_ne!(sent[0].1, sent[1].1);
}

#[test]
fn nothing_to_transmit_without_a_send_advert() {
    let mut instance = Instance::new(config(0, 100)).unwrap();
    let mut buf = [0u8; 1500];
    assert_eq!(instance.poll_transmit(&mut buf), None);
    instance.handle_startup(Instant::ZERO);
    while instance.poll_action().is_some() {}
    // A Backup sends nothing.
    assert_eq!(instance.poll_transmit(&mut buf), None);
}

#[test]
fn a_buffer_too_short_is_a_send_error_not_a_send() {
    let mut instance = owner(config(0, 100));
    assert_eq!(instance.stats().adverts_sent, 1);
    let mut short = [0u8; 8];
    assert_eq!(instance.poll_transmit(&mut short), None);
    assert_eq!(instance.stats().adverts_sent, 0);
    assert_eq!(instance.stats().adverts_send_errors, 1);
    // The advert is dropped, not retried.
    assert_eq!(instance.poll_transmit(&mut [0u8; 1500]), None);
}

#[test]
fn router_transmits_the_advert_poll_action_announced() {
    let mut router = Router::new();
    let mut c = config(0, 255);
    c.unicast_peers = vec![v4(1), v4(2)];
    let a = router.add(1, Instance::new(c).unwrap()).unwrap();
    let b = router
        .add(2, Instance::new(config(3, 255)).unwrap())
        .unwrap();
    router.handle_startup(Instant::ZERO);
    let mut buf = [0u8; 1500];
    assert_eq!(router.poll_transmit(&mut buf), None);
    let mut sent = Vec::new();
    while let Some((id, action)) = router.poll_action() {
        if let Action::SendAdvert { .. } = action {
            while let Some((from, transmit)) = router.poll_transmit(&mut buf) {
                assert_eq!(from, id);
                sent.push((from, transmit.destination));
            }
        }
    }
    let group = Family::Ipv4.multicast();
    assert_eq!(sent, [(a, v4(1)), (a, v4(2)), (b, group)]);
    assert_eq!(router.poll_transmit(&mut buf), None);
}
