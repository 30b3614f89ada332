//! `auth_hmac` in the instance, against keepalived 2.4.3's adverts
//! (`tests/vectors/auth_hmac_2.4.3.pcap`): a Master with keepalived's
//! configuration and clock sends keepalived's very bytes (message, trailer
//! and checksum); a Backup accepts keepalived's adverts, and drops a
//! replay, a forgery and (enforce) an unsigned advert, each counted, none
//! changing its state.

mod pcap;

use std::net::IpAddr;
use std::time::Duration as WallClock;

use vrrp_core::auth_hmac::{AntiReplay, HmacConfig, Key, Mode};
use vrrp_core::time::Instant;
use vrrp_core::wire::{Family, Packet, TRAILER_LEN, Version};
use vrrp_core::{Action, Config, Instance, Received, State, Statistics};

use pcap::{Datagram, read_pcap};

const CAPTURE: &str = "auth_hmac_2.4.3.pcap";

fn keys() -> Vec<Key> {
    let hex = "5f0b1c2d3e4f5a6b7c8d9eafb0c1d2e3f405162738495a6b7c8d9eafb0c1d2e3";
    let key_1 = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    vec![
        Key {
            id: 1,
            bytes: key_1,
        },
        Key {
            id: 7,
            bytes: b"vrrp-rs_capture_key_thirty-two_bytes".to_vec(),
        },
    ]
}

fn hmac(active_key: u8, mode: Mode) -> HmacConfig {
    HmacConfig {
        keys: keys(),
        active_key,
        mode,
        anti_replay: AntiReplay::default_for(100),
    }
}

/// keepalived's instance of `vrid` in the capture, as our configuration,
/// with `primary` as our address and `priority`.
fn config(vrid: u8, primary: IpAddr, priority: u8, mode: Mode) -> Config {
    let (version, vip, active_key, peers): (_, &str, _, &[&str]) = match vrid {
        77 => (Version::V3, "192.0.2.100", 1, &[]),
        78 => (Version::V3, "2001:db8::100", 7, &[]),
        79 => (Version::V2, "192.0.2.101", 1, &[]),
        80 => (Version::V2, "192.0.2.102", 1, &["192.0.2.2"]),
        other => panic!("VRID {other} is not in the capture"),
    };
    Config {
        version,
        priority,
        unicast_peers: peers.iter().map(|p| p.parse().unwrap()).collect(),
        auth_hmac: Some(hmac(active_key, mode)),
        ..Config::new(vrid, primary, vec![vip.parse().unwrap()])
    }
}

fn captured(vrid: u8) -> Vec<Datagram> {
    read_pcap(CAPTURE)
        .into_iter()
        .filter(|d| d.vrrp[1] == vrid)
        .collect()
}

/// The trailer's sequence as the clock reading it was taken from.
fn signing_clock(datagram: &Datagram) -> WallClock {
    let trailer = &datagram.vrrp[datagram.vrrp.len() - TRAILER_LEN..];
    let secs = u32::from_be_bytes(trailer[4..8].try_into().unwrap());
    let fraction = u16::from_be_bytes(trailer[8..10].try_into().unwrap());
    let nanos = (u64::from(fraction) * 1_000_000_000).div_ceil(1 << 16) as u32;
    WallClock::new(u64::from(secs), nanos)
}

fn drain(instance: &mut Instance, sent: &mut Vec<(IpAddr, Vec<u8>)>) {
    let mut buf = [0; 1500];
    while let Some(action) = instance.poll_action() {
        if let Action::SendAdvert { .. } = action {
            while let Some(transmit) = instance.poll_transmit(&mut buf) {
                sent.push((transmit.destination, buf[..transmit.len].to_vec()));
            }
        }
    }
}

#[test]
fn our_master_sends_keepalived_bytes() {
    for vrid in [77, 78, 79, 80] {
        let first = &captured(vrid)[0];
        let mut master = Instance::new(config(vrid, first.src, 150, Mode::Enforce)).unwrap();
        let mut sent = Vec::new();
        master.handle_startup(Instant::ZERO);
        drain(&mut master, &mut sent);
        let deadline = master.poll_timeout().expect("master-down timer");
        master.handle_wall_clock(signing_clock(first));
        master.handle_timeout(deadline.at);
        drain(&mut master, &mut sent);
        assert_eq!(master.state(), State::Master, "VRID {vrid}");
        let (destination, bytes) = sent.first().expect("an advert");
        assert_eq!(*destination, first.dst, "VRID {vrid}");
        assert_eq!(bytes, &first.vrrp, "VRID {vrid}: keepalived's bytes");
    }
}

fn rx(datagram: &Datagram) -> Received {
    Received {
        src: datagram.src,
        dst: datagram.dst,
        ttl: datagram.ttl,
    }
}

/// A Backup of `vrid` at 192.0.2.2 (or 2001:db8::2), priority 100.
fn backup(vrid: u8, mode: Mode) -> Instance {
    let first = &captured(vrid)[0];
    let me: IpAddr = match Family::of(&first.src) {
        Family::Ipv4 => "192.0.2.2".parse().unwrap(),
        Family::Ipv6 => "fe80::2".parse().unwrap(),
    };
    let mut config = config(vrid, me, 100, mode);
    if vrid == 80 {
        config.unicast_peers = vec![first.src];
    }
    let mut backup = Instance::new(config).unwrap();
    backup.handle_wall_clock(first.at);
    backup.handle_startup(Instant::ZERO);
    drain(&mut backup, &mut Vec::new());
    assert_eq!(backup.state(), State::Backup);
    backup
}

fn hmac_drops(stats: &Statistics) -> [u64; 6] {
    [
        stats.hmac_missing,
        stats.hmac_malformed,
        stats.hmac_unknown_key,
        stats.hmac_bad_tag,
        stats.hmac_stale,
        stats.hmac_replayed,
    ]
}

#[test]
fn a_backup_accepts_keepalived_and_drops_a_replay() {
    for vrid in [77, 78, 79, 80] {
        let mut backup = backup(vrid, Mode::Enforce);
        let adverts = captured(vrid);
        let mut now = Instant::ZERO;
        for (i, advert) in adverts.iter().enumerate() {
            now += vrrp_core::time::Duration::from_millis(10);
            backup.handle_wall_clock(advert.at);
            assert!(
                backup.handle_advert(now, &rx(advert), &advert.vrrp),
                "VRID {vrid}, advert {i}: {:?}",
                backup.stats()
            );
            drain(&mut backup, &mut Vec::new());
        }
        assert_eq!(backup.stats().adverts_received, adverts.len() as u64);
        assert_eq!(hmac_drops(backup.stats()), [0; 6]);

        // The second-last advert again, from a third host: a replay.
        let state = backup.state();
        let replayed = &adverts[adverts.len() - 2];
        assert!(!backup.handle_advert(now, &rx(replayed), &replayed.vrrp));
        assert_eq!(
            hmac_drops(backup.stats()),
            [0, 0, 0, 0, 0, 1],
            "VRID {vrid}"
        );
        assert_eq!(backup.state(), state, "a replay changes nothing");

        // The last advert again, as it came: a replay too.
        let last = &adverts[adverts.len() - 1];
        assert!(!backup.handle_advert(now, &rx(last), &last.vrrp));
        assert_eq!(
            hmac_drops(backup.stats()),
            [0, 0, 0, 0, 0, 2],
            "VRID {vrid}"
        );
    }
}

#[test]
fn forged_and_unsigned_adverts_change_nothing() {
    // keepalived's priority-0 advert (the last one) with a forged priority
    // 254: the tag no longer verifies, and the Backup does not move.
    let adverts = captured(77);
    let last = adverts.last().unwrap();
    let mut backup = backup(77, Mode::Enforce);
    backup.handle_wall_clock(last.at);
    let mut forged = last.vrrp.clone();
    forged[2] = 254;
    let message_len = forged.len() - TRAILER_LEN;
    let pseudo = vrrp_core::wire::pseudo_header(Version::V3, false, last.src, last.dst);
    Packet::new_unchecked(&mut forged[..message_len]).fill_checksum(pseudo.as_ref());
    let now = Instant::ZERO + vrrp_core::time::Duration::from_millis(10);
    assert!(!backup.handle_advert(now, &rx(last), &forged));
    assert_eq!(hmac_drops(backup.stats()), [0, 0, 0, 1, 0, 0]);

    // The same advert without its trailer: enforce drops it, a permissive
    // or receive-only router accepts it (the roll-out), and a router
    // without auth_hmac sees a plain advert.
    let mut unsigned = last.vrrp[..message_len].to_vec();
    Packet::new_unchecked(&mut unsigned[..]).fill_checksum(pseudo.as_ref());
    assert!(!backup.handle_advert(now, &rx(last), &unsigned));
    assert_eq!(hmac_drops(backup.stats()), [1, 0, 0, 1, 0, 0]);
    for mode in [Mode::Permissive, Mode::ReceiveOnly] {
        let mut migrating = self::backup(77, mode);
        migrating.handle_wall_clock(last.at);
        assert!(
            migrating.handle_advert(now, &rx(last), &unsigned),
            "{mode:?}"
        );
    }
    // A router without auth_hmac: keepalived's advert is a trailer too long.
    let plain = Config {
        auth_hmac: None,
        ..backup.config().clone()
    };
    let mut plain = Instance::new(plain).unwrap();
    plain.handle_startup(Instant::ZERO);
    assert!(!plain.handle_advert(now, &rx(last), &last.vrrp));
    assert_eq!(plain.stats().packet_length_errors, 1);

    // Stale: keepalived's advert a minute later.
    let mut late = self::backup(77, Mode::Enforce);
    late.handle_wall_clock(last.at + WallClock::from_secs(60));
    assert!(!late.handle_advert(now, &rx(last), &last.vrrp));
    assert_eq!(hmac_drops(late.stats()), [0, 0, 0, 0, 1, 0]);
}

#[test]
fn receive_only_sends_plain_adverts_and_permissive_signs() {
    let first = &captured(77)[0];
    for (mode, len) in [
        (Mode::ReceiveOnly, 12),
        (Mode::Permissive, 12 + TRAILER_LEN),
    ] {
        let mut master = Instance::new(config(77, first.src, 150, mode)).unwrap();
        let mut sent = Vec::new();
        master.handle_wall_clock(first.at);
        master.handle_startup(Instant::ZERO);
        let deadline = master.poll_timeout().unwrap();
        master.handle_timeout(deadline.at);
        drain(&mut master, &mut sent);
        assert_eq!(sent[0].1.len(), len, "{mode:?}");
    }
}

/// A Master and a Backup exchanging adverts while the roll-out moves both
/// from no `auth_hmac` through receive-only, permissive and enforce, then
/// rotates the key (add key 2, sign with it, drop key 1), one router at a
/// time as an operator reloads them: every advert is accepted, nobody
/// moves, and each step changes only the trailer.
#[test]
fn roll_out_and_rotation_one_router_at_a_time_lose_no_advert() {
    let key = |id: u8| Key {
        id,
        bytes: vec![id; 32],
    };
    let hmac = |keys: Vec<Key>, active_key: u8, mode: Mode| {
        Some(HmacConfig {
            keys,
            active_key,
            mode,
            anti_replay: AntiReplay::default_for(100),
        })
    };
    let v4 = |last: u8| IpAddr::from([192, 0, 2, last]);
    let config = |me: u8, priority: u8| Config {
        priority,
        ..Config::new(51, v4(me), vec![v4(100)])
    };
    let mut master = Instance::new(config(1, 150)).unwrap();
    let mut backup = Instance::new(config(2, 100)).unwrap();
    let rx = Received {
        src: v4(1),
        dst: "224.0.0.18".parse().unwrap(),
        ttl: 255,
    };
    let wall = WallClock::from_secs(1_796_640_915);
    let mut now = Instant::ZERO;
    master.handle_startup(now);
    backup.handle_startup(now);
    let mut sent = Vec::new();
    drain(&mut backup, &mut Vec::new());
    // Master takes over, then one advert per round reaches the Backup.
    let mut round = |master: &mut Instance, backup: &mut Instance, step: &str| {
        for _ in 0..3 {
            now = master.poll_timeout().unwrap().at;
            let clock = wall + WallClock::from_micros(now.as_micros());
            master.handle_wall_clock(clock);
            backup.handle_wall_clock(clock);
            master.handle_timeout(now);
            sent.clear();
            drain(master, &mut sent);
            for (_, bytes) in &sent {
                assert!(
                    backup.handle_advert(now, &rx, bytes),
                    "{step}: {:?}",
                    backup.stats()
                );
            }
            drain(backup, &mut Vec::new());
        }
        assert_eq!(master.state(), State::Master, "{step}");
        assert_eq!(backup.state(), State::Backup, "{step}");
        sent.last().map_or(0, |(_, bytes)| bytes.len())
    };
    assert_eq!(round(&mut master, &mut backup, "plain"), 12);
    let steps: [(&str, bool, Option<HmacConfig>, usize); 10] = [
        (
            "backup receive-only",
            false,
            hmac(vec![key(1)], 1, Mode::ReceiveOnly),
            12,
        ),
        (
            "master receive-only",
            true,
            hmac(vec![key(1)], 1, Mode::ReceiveOnly),
            12,
        ),
        (
            "backup permissive",
            false,
            hmac(vec![key(1)], 1, Mode::Permissive),
            12,
        ),
        (
            "master permissive",
            true,
            hmac(vec![key(1)], 1, Mode::Permissive),
            40,
        ),
        (
            "backup enforce",
            false,
            hmac(vec![key(1)], 1, Mode::Enforce),
            40,
        ),
        (
            "master enforce",
            true,
            hmac(vec![key(1)], 1, Mode::Enforce),
            40,
        ),
        (
            "backup adds key 2",
            false,
            hmac(vec![key(1), key(2)], 1, Mode::Enforce),
            40,
        ),
        (
            "master signs with key 2",
            true,
            hmac(vec![key(1), key(2)], 2, Mode::Enforce),
            40,
        ),
        (
            "backup drops key 1",
            false,
            hmac(vec![key(2)], 2, Mode::Enforce),
            40,
        ),
        (
            "master drops key 1",
            true,
            hmac(vec![key(2)], 2, Mode::Enforce),
            40,
        ),
    ];
    for (step, on_master, config, len) in steps {
        let router = if on_master { &mut master } else { &mut backup };
        router.handle_auth_hmac(config).unwrap();
        assert_eq!(
            round(&mut master, &mut backup, step),
            len,
            "{step}: advert length"
        );
    }
    assert_eq!(master.stats().master_transitions, 1);
    assert_eq!(backup.stats().master_transitions, 0);
    assert_eq!(backup.stats().adverts_dropped, 0);
    // Refused: nothing changes.
    let bad = hmac(vec![key(2)], 9, Mode::Enforce);
    assert!(backup.handle_auth_hmac(bad).is_err());
    assert_eq!(
        backup.config().auth_hmac,
        hmac(vec![key(2)], 2, Mode::Enforce)
    );
}

/// A repeat of the last advert accepted skips the checks
/// (`instance/repeat.rs`), but never a signed one: the same signed advert
/// twice, as it came, is a replay the second time.
#[test]
fn the_same_signed_advert_twice_is_a_replay() {
    let wall = WallClock::from_secs(1_800_000_000);
    let signed = |primary: &str, priority| {
        let primary: IpAddr = primary.parse().unwrap();
        let mut instance = Instance::new(Config {
            priority,
            auth_hmac: Some(hmac(1, Mode::Enforce)),
            ..Config::new(50, primary, vec!["192.0.2.100".parse().unwrap()])
        })
        .unwrap();
        instance.handle_wall_clock(wall);
        instance.handle_startup(Instant::ZERO);
        instance
    };
    let (mut master, mut backup) = (signed("192.0.2.1", 200), signed("192.0.2.2", 100));
    drain(&mut backup, &mut Vec::new());
    let mut sent = Vec::new();
    drain(&mut master, &mut sent);
    while sent.is_empty() {
        let at = master.poll_timeout().expect("a timer").at;
        master.handle_timeout(at);
        drain(&mut master, &mut sent);
    }
    let (dst, bytes) = sent.pop().unwrap();
    let rx = Received {
        src: master.config().primary_address,
        dst,
        ttl: 255,
    };
    let now = Instant::ZERO + vrrp_core::time::Duration::from_millis(10);
    assert!(
        bytes.len() <= 48,
        "short enough to be kept if it were plain"
    );
    assert!(backup.handle_advert(now, &rx, &bytes));
    assert!(
        !backup.handle_advert(now, &rx, &bytes),
        "the second is a replay"
    );
    assert_eq!(hmac_drops(backup.stats()), [0, 0, 0, 0, 0, 1]);
}
