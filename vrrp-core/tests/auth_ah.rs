//! `auth_type AH` between instances: the datagrams `poll_transmit` writes
//! (IPv4 header, AH, VRRPv2), what the receive path accepts and what it
//! counts and drops, and the sequence counter across a failover.

use std::net::{IpAddr, Ipv4Addr};

use vrrp_core::auth_ah::{AhDatagram, HEADERS_LEN};
use vrrp_core::time::{Duration, Instant};
use vrrp_core::wire::{
    self, AH_LEN, AhPacket, Auth, IPV4_HEADER_LEN, Ipv4Packet, MULTICAST_V4, PROTOCOL_AH, Version,
};
use vrrp_core::{Action, Config, ConfigError, Instance, Received, State, Statistics};

fn v4(i: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, i).into()
}

fn config(i: u8, priority: u8, pass: &[u8]) -> Config {
    Config {
        version: Version::V2,
        priority,
        auth: Auth::ah(pass),
        ..Config::new(51, v4(i), vec![v4(100)])
    }
}

/// Every error counter an AH instance may move.
fn errors(s: &Statistics) -> u64 {
    s.auth_failures
        + s.ah_bad_spi
        + s.ah_replayed
        + s.auth_type_mismatch
        + s.packet_length_errors
        + s.checksum_errors
        + s.invalid_auth_type
}

/// Drains `instance`'s actions; the datagrams of its adverts, in order.
fn drain(instance: &mut Instance) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(action) = instance.poll_action() {
        if let Action::SendAdvert { .. } = action {
            let mut buf = [0xa5; 1500];
            while let Some(transmit) = instance.poll_transmit(&mut buf) {
                assert!(transmit.header_included);
                out.push(buf[..transmit.len].to_vec());
            }
        }
    }
    out
}

/// Runs `instance` alone until it is Master; its datagrams.
fn alone_to_master(instance: &mut Instance, now: &mut Instant) -> Vec<Vec<u8>> {
    instance.handle_startup(*now);
    let mut sent = drain(instance);
    while instance.state() != State::Master {
        *now = instance.poll_timeout().unwrap().at;
        instance.handle_timeout(*now);
        sent.extend(drain(instance));
    }
    sent
}

/// The next advert of a Master at its timer.
fn next_advert(master: &mut Instance, now: &mut Instant) -> Vec<u8> {
    *now = master.poll_timeout().unwrap().at;
    master.handle_timeout(*now);
    let mut sent = drain(master);
    assert_eq!(sent.len(), 1);
    sent.remove(0)
}

fn sequence(datagram: &[u8]) -> u32 {
    AhDatagram::parse(datagram).unwrap().ah.sequence
}

#[test]
fn the_master_sends_keepalived_s_datagram() {
    let mut now = Instant::ZERO;
    let mut master = Instance::new(config(2, 200, b"secret")).unwrap();
    let first = alone_to_master(&mut master, &mut now).remove(0);
    let second = next_advert(&mut master, &mut now);
    for (n, datagram) in [&first, &second].into_iter().enumerate() {
        let ip = Ipv4Packet::new_checked(&datagram[..]).unwrap();
        assert_eq!(datagram.len(), IPV4_HEADER_LEN + AH_LEN + 8 + 4 + 8);
        assert_eq!(usize::from(ip.total_len()), datagram.len());
        assert_eq!(ip.header_len(), IPV4_HEADER_LEN, "no options");
        assert_eq!(
            (ip.tos(), ip.ttl(), ip.protocol()),
            (0xc0, 255, PROTOCOL_AH)
        );
        assert_eq!(ip.flags_frag(), 0, "no DF, as keepalived");
        assert_eq!(ip.ident(), n as u16 + 1, "1, 2, …: never 0");
        assert_eq!(
            (ip.src_addr(), ip.dst_addr()),
            (Ipv4Addr::new(192, 0, 2, 2), MULTICAST_V4)
        );
        assert_eq!(wire::checksum::internet_checksum(&datagram[..20]), 0);
        let ah = AhPacket::new_checked(ip.payload()).unwrap();
        assert_eq!(
            (ah.next_header(), ah.payload_len(), ah.reserved()),
            (112, 4, 0)
        );
        assert_eq!(ah.spi(), 0xc000_0202, "the SPI is the source address");
        assert_eq!(ah.sequence(), n as u32 + 1);
        let vrrp = wire::Packet::new_checked(ah.payload()).unwrap();
        assert_eq!(
            (vrrp.version(), vrrp.auth_type(), vrrp.priority()),
            (2, 2, 200)
        );
        assert_eq!(&ah.payload()[12..], &[0; 8], "the key is not sent");
        assert!(vrrp.verify_checksum(None), "the VRRPv2 checksum");
    }
}

#[test]
fn a_backup_accepts_the_master_and_counts_what_it_must_not_accept() {
    let mut now = Instant::ZERO;
    let mut master = Instance::new(config(2, 200, b"secret")).unwrap();
    let mut backup = Instance::new(config(1, 100, b"secret")).unwrap();
    let _ = alone_to_master(&mut master, &mut now);
    backup.handle_startup(now);
    let _ = drain(&mut backup);
    for _ in 0..5 {
        let datagram = next_advert(&mut master, &mut now);
        assert!(backup.handle_ah_datagram(now, &datagram));
    }
    assert_eq!(backup.stats().adverts_received, 5);
    let last = next_advert(&mut master, &mut now);
    assert!(backup.handle_ah_datagram(now, &last));

    // The same datagram again: a replay.
    refused(&mut backup, now, &last, |s| s.ah_replayed);
    // Its VRRP message alone, from the same host: no AH, refused, never
    // taken for a repeat of the last advert accepted (`instance/repeat.rs`).
    let ah = AhDatagram::parse(&last).unwrap();
    let mismatches = backup.stats().auth_type_mismatch;
    assert!(!backup.handle_advert(now, &ah.rx, ah.message()));
    assert_eq!(backup.stats().auth_type_mismatch, mismatches + 1);
    // A byte changed (the priority, checksum fixed): the ICV fails.
    let mut forged = next_advert(&mut master, &mut now);
    forged[HEADERS_LEN + 2] = 255;
    wire::Packet::new_unchecked(&mut forged[HEADERS_LEN..]).fill_checksum(None);
    refused(&mut backup, now, &forged, |s| s.auth_failures);
    // Another auth_pass.
    let mut stranger = Instance::new(config(2, 200, b"guessed")).unwrap();
    let mut then = Instant::ZERO;
    let wrong = alone_to_master(&mut stranger, &mut then).remove(0);
    refused(&mut backup, now, &wrong, |s| s.auth_failures);
    // Signed with the key, but the SPI is not the source (a peer that
    // got it wrong): the ICV verifies, the SPI does not.
    let mut spoof = next_advert(&mut master, &mut now);
    spoof[24..28].copy_from_slice(&[192, 0, 2, 3]);
    let forged_spi = resign(&spoof, b"secret\0\0");
    refused(&mut backup, now, &forged_spi, |s| s.ah_bad_spi);
    // A VRRP message without AH, to an AH instance.
    let plain = Instance::new(Config {
        auth: Auth::None,
        ..config(2, 200, b"")
    })
    .unwrap();
    let mut buf = [0; 64];
    let n = plain
        .emit_advert(200, MULTICAST_V4.into(), &mut buf)
        .unwrap();
    let before = backup.stats().auth_type_mismatch;
    let rx = Received {
        src: v4(2),
        dst: MULTICAST_V4.into(),
        ttl: 255,
    };
    assert!(!backup.handle_advert(now, &rx, &buf[..n]));
    assert_eq!(backup.stats().auth_type_mismatch, before + 1);
    // Truncated and malformed datagrams.
    let good = next_advert(&mut master, &mut now);
    for cut in [0, 19, 20, 43, 44, 51, good.len() - 1] {
        refused(&mut backup, now, &good[..cut], |s| s.packet_length_errors);
    }
    // After all that, the Master's next advert is still accepted.
    let good = next_advert(&mut master, &mut now);
    assert!(backup.handle_ah_datagram(now, &good));
    assert_eq!(backup.state(), State::Backup);
}

/// Hands `bytes` to `backup`: refused, counted by `counter` and no other.
fn refused(backup: &mut Instance, now: Instant, bytes: &[u8], counter: fn(&Statistics) -> u64) {
    let before = backup.stats().clone();
    assert!(!backup.handle_ah_datagram(now, bytes));
    let after = backup.stats();
    assert_eq!(counter(after), counter(&before) + 1, "its counter");
    assert_eq!(errors(after), errors(&before) + 1, "and no other");
    assert_eq!(after.adverts_dropped, before.adverts_dropped + 1);
}

/// `datagram` with its ICV recomputed under `key`, whatever its SPI.
fn resign(datagram: &[u8], key: &[u8; 8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut zeroed = datagram.to_vec();
    zeroed[1] = 0;
    zeroed[6..8].fill(0);
    zeroed[10..12].fill(0);
    zeroed[32..44].fill(0);
    let mut mac = Hmac::<md5::Md5>::new_from_slice(key).unwrap();
    mac.update(&zeroed);
    let digest = mac.finalize().into_bytes();
    let mut out = datagram.to_vec();
    out[32..44].copy_from_slice(&digest[..12]);
    out
}

#[test]
fn an_ah_datagram_to_an_instance_without_ah_is_a_type_mismatch() {
    let mut now = Instant::ZERO;
    let mut master = Instance::new(config(2, 200, b"secret")).unwrap();
    let datagram = alone_to_master(&mut master, &mut now).remove(0);
    let mut pass = Instance::new(Config {
        auth: Auth::simple(b"secret"),
        ..config(1, 100, b"")
    })
    .unwrap();
    pass.handle_startup(now);
    assert!(!pass.handle_ah_datagram(now, &datagram));
    assert_eq!(pass.stats().auth_type_mismatch, 1);
}

/// keepalived keeps one counter per virtual router, sent and received
/// alike: the Backup that takes over continues the Master's sequence, so
/// the old Master, back, accepts it; and the old Master, preempting,
/// continues from there.
#[test]
fn the_sequence_continues_across_a_failover() {
    let mut now = Instant::ZERO;
    let mut a = Instance::new(config(2, 200, b"secret")).unwrap();
    let mut b = Instance::new(config(1, 100, b"secret")).unwrap();
    let _ = alone_to_master(&mut a, &mut now);
    b.handle_startup(now);
    let _ = drain(&mut b);
    let mut last = 0;
    for _ in 0..10 {
        let datagram = next_advert(&mut a, &mut now);
        last = sequence(&datagram);
        assert!(b.handle_ah_datagram(now, &datagram));
        let _ = drain(&mut b);
    }
    assert_eq!(last, 11);
    // A dies: B takes over, and its first advert follows A's last.
    now = b.poll_timeout().unwrap().at;
    b.handle_timeout(now);
    let taken = drain(&mut b);
    assert_eq!(b.state(), State::Master);
    assert_eq!(sequence(&taken[0]), last + 1);
    // A restarts (counter 0): it accepts B's adverts.
    let mut a = Instance::new(config(2, 200, b"secret")).unwrap();
    a.handle_startup(now);
    let _ = drain(&mut a);
    let from_b = next_advert(&mut b, &mut now);
    assert!(a.handle_ah_datagram(now, &from_b));
    // A preempts B (priority 200 > 100) and continues B's sequence: B
    // accepts it and steps down.
    now = a.poll_timeout().unwrap().at;
    a.handle_timeout(now);
    let preempt = drain(&mut a);
    assert_eq!(a.state(), State::Master);
    assert_eq!(sequence(&preempt[0]), sequence(&from_b) + 1);
    assert!(b.handle_ah_datagram(now, &preempt[0]));
    let _ = drain(&mut b);
    assert_eq!(b.state(), State::Backup);
}

/// A Master that hears a lower-priority Master moves its counter past the
/// other's, as keepalived does, so that its answer is accepted.
#[test]
fn a_master_overtakes_a_lower_master_s_sequence() {
    let mut now = Instant::ZERO;
    let mut high = Instance::new(config(2, 200, b"secret")).unwrap();
    let mut low = Instance::new(config(1, 100, b"secret")).unwrap();
    let _ = alone_to_master(&mut high, &mut now);
    let mut then = Instant::ZERO;
    let _ = alone_to_master(&mut low, &mut then);
    let mut from_low = Vec::new();
    for _ in 0..30 {
        from_low = next_advert(&mut low, &mut then);
    }
    let low_sequence = sequence(&from_low);
    assert!(high.handle_ah_datagram(now, &from_low));
    let answer = drain(&mut high);
    assert_eq!(
        sequence(&answer[0]),
        low_sequence + 2,
        "keepalived: +1, then +1 to send"
    );
    assert!(low.handle_ah_datagram(then, &answer[0]));
    let _ = drain(&mut low);
    assert_eq!(low.state(), State::Backup);
}

/// Unicast: one sequence number and identification per advert, the ICV
/// per peer, the TTL outside it.
#[test]
fn unicast_copies_share_the_sequence_and_leave_the_ttl_out() {
    let mut now = Instant::ZERO;
    let mut master = Instance::new(Config {
        unicast_peers: vec![v4(1), v4(3)],
        ..config(2, 200, b"secret")
    })
    .unwrap();
    let _ = alone_to_master(&mut master, &mut now);
    now = master.poll_timeout().unwrap().at;
    master.handle_timeout(now);
    let copies = drain(&mut master);
    assert_eq!(copies.len(), 2);
    let parsed: Vec<_> = copies
        .iter()
        .map(|c| AhDatagram::parse(c).unwrap())
        .collect();
    assert_eq!(parsed[0].rx.dst, v4(1));
    assert_eq!(parsed[1].rx.dst, v4(3));
    assert_eq!(parsed[0].ah.sequence, parsed[1].ah.sequence);
    assert_eq!(copies[0][4..6], copies[1][4..6], "one identification");
    let key = *b"secret\0\0";
    assert!(parsed.iter().all(|p| p.verify(&key, true)));
    assert!(!parsed[0].verify(&key, false), "the TTL is left out");
    let mut ttl = copies[0].clone();
    ttl[8] = 64;
    assert!(AhDatagram::parse(&ttl).unwrap().verify(&key, true));

    let mut peer = Instance::new(Config {
        unicast_peers: vec![v4(2)],
        ..config(1, 100, b"secret")
    })
    .unwrap();
    peer.handle_startup(now);
    assert!(peer.handle_ah_datagram(now, &copies[0]));
}

#[test]
fn ah_needs_version_2_over_ipv4() {
    let v3 = Config {
        version: Version::V3,
        ..config(1, 100, b"secret")
    };
    assert_eq!(v3.validate(), Err(ConfigError::AhNeedsVersion2Ipv4));
    let ipv6 = Config {
        primary_address: "fe80::1".parse().unwrap(),
        virtual_addresses: vec!["2001:db8::100".parse().unwrap()],
        ..config(1, 100, b"secret")
    };
    assert_eq!(ipv6.validate(), Err(ConfigError::AhNeedsVersion2Ipv4));
    assert!(Instance::new(v3).is_err());
    assert_eq!(config(1, 100, b"secret").validate(), Ok(()));
    let hmac = Config {
        auth_hmac: Some(vrrp_core::auth_hmac::HmacConfig {
            keys: vec![vrrp_core::auth_hmac::Key {
                id: 1,
                bytes: vec![1; 32],
            }],
            active_key: 1,
            mode: vrrp_core::auth_hmac::Mode::Enforce,
            anti_replay: vrrp_core::auth_hmac::AntiReplay::Monotonic,
        }),
        ..config(1, 100, b"secret")
    };
    assert_eq!(hmac.validate(), Err(ConfigError::AuthHmacWithPassword));
}

#[test]
fn a_buffer_too_small_is_a_send_error() {
    let mut now = Instant::ZERO;
    let mut master = Instance::new(config(2, 200, b"secret")).unwrap();
    let _ = alone_to_master(&mut master, &mut now);
    now += Duration::from_secs(1);
    master.handle_timeout(now);
    let mut sent = false;
    while let Some(action) = master.poll_action() {
        if let Action::SendAdvert { .. } = action {
            let mut small = [0; 63];
            assert_eq!(master.poll_transmit(&mut small), None);
            sent = true;
        }
    }
    assert!(sent);
    assert_eq!(master.stats().adverts_send_errors, 1);
}

/// The Router finds an AH datagram's instance by the VRID behind the AH,
/// and counts what it cannot dispatch.
#[test]
fn the_router_dispatches_ah_datagrams_by_vrid() {
    let mut now = Instant::ZERO;
    let mut master = Instance::new(config(2, 200, b"secret")).unwrap();
    let first = alone_to_master(&mut master, &mut now).remove(0);
    let mut router = vrrp_core::Router::new();
    let id = router
        .add(7, Instance::new(config(1, 100, b"secret")).unwrap())
        .unwrap();
    router
        .add(
            7,
            Instance::new(Config {
                vrid: 52,
                ..config(1, 100, b"secret")
            })
            .unwrap(),
        )
        .unwrap();
    router.handle_startup(now);
    while router.poll_action().is_some() {}
    assert_eq!(router.handle_ah_datagram(now, 7, &first), Some(id));
    assert_eq!(router.instance(id).stats().adverts_received, 1);
    // Another interface, a VRID nobody has: counted by the router.
    assert_eq!(router.handle_ah_datagram(now, 8, &first), None);
    assert_eq!(router.stats().vrid_errors, 1);
    // Not AH for VRRP, or cut short: packet length errors.
    let mut tcp = first.clone();
    tcp[20] = 6;
    for bad in [&tcp[..], &first[..30], &first[..46]] {
        assert_eq!(router.handle_ah_datagram(now, 7, bad), None);
    }
    assert_eq!(router.stats().packet_length_errors, 3);
}
