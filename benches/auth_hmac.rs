//! `auth_hmac`'s cost on the receive path: a signed VRRPv3 advert (three
//! addresses) verified alone, and handled by a Backup.
//!
//! `cargo bench --bench auth_hmac`. Each iteration gets a fresh copy of the
//! receiver (made outside the timing), so the same advert is never a replay.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration as WallClock;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use vrrp::core::auth_hmac::{AntiReplay, Binding, HmacAuth, HmacConfig, Key, Mode};
use vrrp::core::time::Instant;
use vrrp::core::wire::{self, Advertisement, Family, Packet, TRAILER_LEN, Version};
use vrrp::core::{Action, Config, Instance, Received};

const NOW: WallClock = WallClock::from_secs(1_796_640_915);

fn v4(last: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, last).into()
}

fn hmac() -> HmacConfig {
    HmacConfig {
        keys: vec![Key {
            id: 1,
            bytes: vec![0x5a; 32],
        }],
        active_key: 1,
        mode: Mode::Enforce,
        anti_replay: AntiReplay::default_for(100),
    }
}

fn config(me: u8, priority: u8) -> Config {
    Config {
        priority,
        auth_hmac: Some(hmac()),
        ..Config::new(51, v4(me), vec![v4(100), v4(101), v4(102)])
    }
}

/// The first advert of a Master at 192.0.2.11, signed at [`NOW`].
fn signed_advert() -> Vec<u8> {
    let mut master = Instance::new(config(11, 150)).unwrap();
    master.handle_wall_clock(NOW);
    master.handle_startup(Instant::ZERO);
    while master.poll_action().is_some() {}
    let deadline = master.poll_timeout().unwrap();
    master.handle_timeout(deadline.at);
    let mut buf = [0u8; 128];
    while let Some(action) = master.poll_action() {
        if let Action::SendAdvert { .. } = action {
            let transmit = master.poll_transmit(&mut buf).unwrap();
            return buf[..transmit.len].to_vec();
        }
    }
    panic!("the Master sent no advert")
}

fn parse(c: &mut Criterion) {
    let bytes = signed_advert();
    let (src, dst) = (v4(11), wire::MULTICAST_V4.into());
    let pseudo = wire::pseudo_header(Version::V3, false, src, dst);
    let binding = Binding {
        version: Version::V3,
        vrid: 51,
        sender: src,
    };
    let receiver = HmacAuth::new(&hmac(), 1).unwrap();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(1));
    group.bench_function("v3_ipv4_hmac", |b| {
        b.iter_batched_ref(
            || receiver.clone(),
            |receiver| {
                let (message, trailer) = black_box(&bytes[..]).split_at(bytes.len() - TRAILER_LEN);
                let packet = Packet::new_checked(message).unwrap();
                assert!(packet.verify_checksum(pseudo.as_ref()));
                let advert = Advertisement::parse(&packet, Family::Ipv4).unwrap();
                assert!(
                    receiver
                        .verify(message, Some(trailer), binding, NOW)
                        .is_ok()
                );
                black_box(advert)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn backup(c: &mut Criterion) {
    let bytes = signed_advert();
    let mut backup = Instance::new(config(12, 100)).unwrap();
    backup.handle_wall_clock(NOW);
    backup.handle_startup(Instant::ZERO);
    while backup.poll_action().is_some() {}
    let rx = Received {
        src: v4(11),
        dst: wire::MULTICAST_V4.into(),
        ttl: 255,
    };
    let now = Instant::ZERO + vrrp::core::time::Duration::from_millis(10);
    let mut group = c.benchmark_group("backup");
    group.throughput(Throughput::Elements(1));
    group.bench_function("handle_advert_hmac", |b| {
        b.iter_batched_ref(
            || backup.clone(),
            |backup| assert!(backup.handle_advert(now, &rx, black_box(&bytes))),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, parse, backup);
criterion_main!(benches);
