//! The advert hot path: parse, emit, a Backup handling its Master's advert, a
//! Master's timer, and a Router of 255 instances dispatching.
//!
//! `cargo bench --bench advert` (all), or one by id: `cargo bench --bench advert -- backup/handle_advert`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use vrrp::core::time::{Duration, Instant};
use vrrp::core::wire::{self, Advertisement, Auth, Family, Packet, Version};
use vrrp::core::{Config, Instance, Received, Router};

fn v4(last: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, last).into()
}

fn v6(last: u16) -> IpAddr {
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last).into()
}

fn link_local(last: u16) -> IpAddr {
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, last).into()
}

/// The three packets of the keepalived captures, as our core emits them.
struct Sample {
    name: &'static str,
    config: Config,
    src: IpAddr,
    dst: IpAddr,
}

fn samples() -> [Sample; 3] {
    let mut v2 = Config::new(25, v4(11), vec![v4(100)]);
    v2.version = Version::V2;
    v2.auth = Auth::simple(b"1cee4b6e");
    let mut v3 = Config::new(198, v4(11), vec![v4(100), v4(101), v4(102)]);
    v3.priority = 150;
    v3.advert_interval = 50;
    let mut six = Config::new(195, link_local(11), vec![v6(0x100), link_local(0x100)]);
    six.priority = 200;
    six.advert_interval = 25;
    [
        Sample {
            name: "v2_ipv4_pass",
            config: v2,
            src: v4(11),
            dst: wire::MULTICAST_V4.into(),
        },
        Sample {
            name: "v3_ipv4_3vips",
            config: v3,
            src: v4(11),
            dst: wire::MULTICAST_V4.into(),
        },
        Sample {
            name: "v3_ipv6_2vips",
            config: six,
            src: link_local(11),
            dst: wire::MULTICAST_V6.into(),
        },
    ]
}

fn emit(sample: &Sample) -> Vec<u8> {
    let instance = Instance::new(sample.config.clone()).unwrap();
    let mut buf = [0u8; 128];
    let len = instance
        .emit_advert(sample.config.priority, sample.dst, &mut buf)
        .unwrap();
    buf[..len].to_vec()
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(1));
    for sample in samples() {
        let bytes = emit(&sample);
        let family = Family::of(&sample.src);
        let pseudo = wire::pseudo_header(sample.config.version, false, sample.src, sample.dst);
        group.bench_function(sample.name, |b| {
            b.iter(|| {
                let packet = Packet::new_checked(black_box(&bytes[..])).unwrap();
                assert!(packet.verify_checksum(pseudo.as_ref()));
                black_box(Advertisement::parse(&packet, family).unwrap())
            })
        });
    }
    group.finish();
}

fn emit_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("emit");
    group.throughput(Throughput::Elements(1));
    let sample = &samples()[1];
    let instance = Instance::new(sample.config.clone()).unwrap();
    let mut buf = [0u8; 128];
    group.bench_function(sample.name, |b| {
        b.iter(|| {
            instance
                .emit_advert(black_box(150), sample.dst, &mut buf)
                .unwrap()
        })
    });
    group.finish();
}

/// A Backup (priority 100) hearing its Master (150): checks, parse,
/// checksum, master-down timer reset.
fn backup(c: &mut Criterion) {
    let sample = &samples()[1];
    let bytes = emit(sample);
    let mut config = sample.config.clone();
    config.primary_address = v4(12);
    config.priority = 100;
    config.advert_interval = 50;
    let mut backup = Instance::new(config).unwrap();
    let mut now = Instant::ZERO;
    backup.handle_startup(now);
    while backup.poll_action().is_some() {}
    let rx = Received {
        src: sample.src,
        dst: sample.dst,
        ttl: 255,
    };
    let mut group = c.benchmark_group("backup");
    group.throughput(Throughput::Elements(1));
    group.bench_function("handle_advert", |b| {
        b.iter(|| {
            now += Duration::from_micros(1);
            assert!(backup.handle_advert(now, &rx, black_box(&bytes)));
        })
    });
    group.finish();
}

/// A Master's Adver_Timer: fire, queue the advert, write it out, re-arm.
fn master(c: &mut Criterion) {
    let sample = &samples()[1];
    let mut master = Instance::new(Config {
        priority: 255,
        ..sample.config.clone()
    })
    .unwrap();
    master.handle_startup(Instant::ZERO);
    while master.poll_action().is_some() {}
    let mut buf = [0u8; 128];
    let mut group = c.benchmark_group("master");
    group.throughput(Throughput::Elements(1));
    group.bench_function("handle_timeout", |b| {
        b.iter(|| {
            let now = master.poll_timeout().unwrap().at;
            master.handle_timeout(now);
            while let Some(action) = master.poll_action() {
                if let vrrp::core::Action::SendAdvert { .. } = action {
                    while let Some(transmit) = master.poll_transmit(&mut buf) {
                        black_box(transmit);
                    }
                }
            }
        })
    });
    group.finish();
}

/// A Router with 255 instances on one interface receiving an advert for a
/// random VRID (a fixed pseudo-random sequence, pre-built), then what the
/// driver does on every turn: fire due timers, read the next deadline.
fn router(c: &mut Criterion) {
    let mut router = Router::new();
    let master = v4(11);
    let mut packets = Vec::new();
    for vrid in 1..=255u8 {
        let vip = Ipv4Addr::new(198, 18, 0, vrid).into();
        let mut config = Config::new(vrid, v4(12), vec![vip]);
        config.advert_interval = 10;
        router
            .add(3, Instance::new(config.clone()).unwrap())
            .unwrap();
        let sender = Instance::new(Config {
            primary_address: master,
            priority: 150,
            ..config
        })
        .unwrap();
        let mut buf = [0u8; 64];
        let len = sender
            .emit_advert(150, wire::MULTICAST_V4.into(), &mut buf)
            .unwrap();
        packets.push(buf[..len].to_vec());
    }
    let order: Vec<usize> = {
        let mut x = 0x9e37_79b9_u32;
        (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as usize % 255
            })
            .collect()
    };
    let mut now = Instant::ZERO;
    router.handle_startup(now);
    while router.poll_action().is_some() {}
    let rx = Received {
        src: master,
        dst: wire::MULTICAST_V4.into(),
        ttl: 255,
    };
    let mut group = c.benchmark_group("router");
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("dispatch_255", |b| {
        b.iter(|| {
            i = (i + 1) % order.len();
            now += Duration::from_micros(1);
            black_box(router.handle_packet(now, 3, &rx, &packets[order[i]]));
            // What the driver does on every turn: fire due timers, find the next.
            router.handle_timeout(now);
            while router.poll_action().is_some() {}
            black_box(router.poll_timeout());
        })
    });
    group.throughput(Throughput::Elements(255));
    group.bench_function("all_255_then_timeout", |b| {
        b.iter_batched_ref(
            || (),
            |_| {
                now += Duration::from_micros(1);
                for packet in &packets {
                    router.handle_packet(now, 3, &rx, packet);
                }
                while router.poll_action().is_some() {}
                black_box(router.poll_timeout());
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, parse, emit_bench, backup, master, router);
criterion_main!(benches);
