//! The advertisement path allocates nothing: parse, verify and emit (into a
//! slice, or a `BytesMut` with room), and the steady state of a master and a
//! backup exchanging 10,000 adverts with a 255-instance Router dispatching
//! them, are counted by a global allocator.
//!
//! Counting is per thread, so the test harness's own threads do not
//! disturb it.

// GlobalAlloc is an unsafe trait; this file only forwards to System.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::BytesMut;
use vrrp_core::auth_hmac::{AntiReplay, HmacConfig, Key, Mode};
use vrrp_core::time::Instant;
use vrrp_core::wire::{
    Advertisement, Family, MULTICAST_V4, MULTICAST_V6, Packet, TRAILER_LEN, Version, pseudo_header,
};
use vrrp_core::{Action, Config, Instance, Received, Router, State};

struct Counting;

thread_local! {
    // const-initialised and without Drop: using it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    // try_with: the allocator may run while this thread is being torn down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// meets the `GlobalAlloc` contract; counting only touches a thread-local
// `Cell` and neither allocates nor unwinds.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: our caller upholds `alloc`'s contract for `layout`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: our caller upholds `alloc_zeroed`'s contract for `layout`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: `ptr` came from this allocator (so from `System`) with
        // `layout`, as our caller guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (so from `System`) with
        // `layout`, as our caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations (and reallocations) `f` made on this thread.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// keepalived's VRRPv2 PASS, VRRPv3 IPv4 and VRRPv3 IPv6 advertisements
/// (tests/vectors/), with the IP addresses they were sent between.
static V2_PASS: [u8; 20] = [
    0x21, 0x19, 0x64, 0x01, 0x01, 0x01, 0xb5, 0xef, 0xc0, 0x00, 0x02, 0x64, b'1', b'c', b'e', b'e',
    b'4', b'b', b'6', b'e',
];
static V3_IPV4: [u8; 20] = [
    0x31, 0xc6, 0x96, 0x03, 0x00, 0x32, 0x4e, 0x30, 0xc0, 0x00, 0x02, 0x64, 0xc0, 0x00, 0x02, 0x65,
    0xc0, 0x00, 0x02, 0x66,
];
static V3_IPV6: [u8; 40] = [
    0x31, 0xc3, 0xc8, 0x02, 0x00, 0x19, 0xbb, 0x1e, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x01, 0x00,
];

/// Receives `bytes` as a driver would and sends the advertisement back out
/// through a slice and a `BytesMut`, asserting the bytes match.
fn receive_and_send(
    bytes: &[u8],
    version: Version,
    family: Family,
    src: IpAddr,
    dst: IpAddr,
    slice: &mut [u8],
    bytes_mut: &mut BytesMut,
) {
    let pseudo = pseudo_header(version, false, src, dst);
    let packet = Packet::new_checked(black_box(bytes)).unwrap();
    assert!(packet.verify_checksum(pseudo.as_ref()));
    let advert = Advertisement::parse(&packet, family).unwrap();
    assert_eq!(advert.version, version);
    let first = advert.addresses.iter().next().unwrap();
    assert!(advert.addresses.contains(first));
    assert!(advert.addresses.same_set(&advert.addresses));
    black_box(advert.addresses.iter().count());

    let written = advert.emit_into(slice, pseudo.as_ref()).unwrap();
    assert_eq!(&slice[..written], bytes);

    bytes_mut.clear();
    advert.emit(bytes_mut, pseudo.as_ref()).unwrap();
    assert_eq!(&bytes_mut[..], bytes);
}

#[test]
fn counter_sees_allocations() {
    let n = allocations_during(|| {
        black_box(Vec::<u8>::with_capacity(16));
    });
    assert_eq!(n, 1);
}

#[test]
fn parse_verify_emit_allocate_nothing() {
    let src_v4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
    let src_v6 = IpAddr::V6("fe80::ec85:1bff:fe54:17bb".parse::<Ipv6Addr>().unwrap());
    let (dst_v4, dst_v6) = (IpAddr::V4(MULTICAST_V4), IpAddr::V6(MULTICAST_V6));
    let mut slice = [0u8; 64];
    let mut bytes_mut = BytesMut::with_capacity(64);

    let n = allocations_during(|| {
        for _ in 0..100 {
            let (s, b) = (&mut slice[..], &mut bytes_mut);
            receive_and_send(&V2_PASS, Version::V2, Family::Ipv4, src_v4, dst_v4, s, b);
            let (s, b) = (&mut slice[..], &mut bytes_mut);
            receive_and_send(&V3_IPV4, Version::V3, Family::Ipv4, src_v4, dst_v4, s, b);
            let (s, b) = (&mut slice[..], &mut bytes_mut);
            receive_and_send(&V3_IPV6, Version::V3, Family::Ipv6, src_v6, dst_v6, s, b);
        }
    });
    assert_eq!(n, 0, "the advertisement path allocated");
}

#[test]
fn errors_allocate_nothing() {
    let mut short = [0u8; 4];
    let n = allocations_during(|| {
        for len in 0..V3_IPV6.len() {
            let bytes = black_box(&V3_IPV6[..len]);
            if let Ok(packet) = Packet::new_checked(bytes) {
                assert!(Advertisement::parse(&packet, Family::Ipv6).is_err());
            }
        }
        let packet = Packet::new_checked(&V3_IPV6[..]).unwrap();
        let advert = Advertisement::parse(&packet, Family::Ipv6).unwrap();
        assert!(advert.emit_into(&mut short, None).is_err());
    });
    assert_eq!(n, 0, "an error path allocated");
}

fn v4(last: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, last).into()
}

fn config(vrid: u8, me: u8, priority: u8, hmac: &Option<HmacConfig>) -> Config {
    let vips = vec![v4(100), v4(101), v4(102)];
    Config {
        priority,
        auth_hmac: hmac.clone(),
        ..Config::new(vrid, v4(me), vips)
    }
}

/// `auth_hmac` in time mode, one key.
fn hmac() -> Option<HmacConfig> {
    Some(HmacConfig {
        keys: vec![Key {
            id: 1,
            bytes: vec![0x42; 32],
        }],
        active_key: 1,
        mode: Mode::Enforce,
        anti_replay: AntiReplay::default_for(100),
    })
}

/// Drains `instance`; returns the priority of the advert it asked to send, if any.
fn drain(instance: &mut Instance) -> Option<u8> {
    let mut send = None;
    while let Some(action) = instance.poll_action() {
        if let Action::SendAdvert { priority } = action {
            send = Some(priority);
        }
    }
    send
}

#[test]
fn steady_state_allocates_nothing() {
    steady_state(None);
}

#[test]
fn steady_state_with_auth_hmac_allocates_nothing() {
    steady_state(hmac());
}

/// 10,000 adverts from a Master to a Backup and to a router of 255
/// instances; nothing may allocate. With `auth_hmac`, every advert is
/// signed and verified (the clock stands still: the counter moves).
fn steady_state(hmac: Option<HmacConfig>) {
    let wall_clock = std::time::Duration::from_secs(1_796_640_915);
    let mut master = Instance::new(config(51, 2, 200, &hmac)).unwrap();
    let mut backup = Instance::new(config(51, 1, 100, &hmac)).unwrap();
    let mut router = Router::new();
    for vrid in 1..=255 {
        router
            .add(7, Instance::new(config(vrid, 1, 100, &hmac)).unwrap())
            .unwrap();
    }
    master.handle_wall_clock(wall_clock);
    backup.handle_wall_clock(wall_clock);
    router.handle_wall_clock(wall_clock);
    let dst: IpAddr = MULTICAST_V4.into();
    let rx = Received {
        src: v4(2),
        dst,
        ttl: 255,
    };
    let mut buf = [0u8; 1500];
    let mut transmit_len = 0;

    let mut now = Instant::ZERO;
    master.handle_startup(now);
    backup.handle_startup(now);
    router.handle_startup(now);
    let _ = (drain(&mut master), drain(&mut backup));
    while router.poll_action().is_some() {}

    let allocations = allocations_during(|| {
        for round in 0..10_000u32 {
            now = master.poll_timeout().unwrap().at;
            master.handle_timeout(now);
            backup.handle_timeout(now);
            if drain(&mut master).is_some() {
                let transmit = master.poll_transmit(&mut buf).unwrap();
                assert_eq!(transmit.destination, dst);
                let len = transmit.len;
                transmit_len = len;
                assert!(backup.handle_advert(now, &rx, &buf[..len]));
                router.handle_packet(now, 7, &rx, &buf[..len]);
                assert_eq!(master.poll_transmit(&mut buf), None);
            }
            let _ = drain(&mut backup);
            while let Some((_, action)) = router.poll_action() {
                if let Action::SendAdvert { .. } = action {
                    while router.poll_transmit(&mut buf).is_some() {}
                }
            }
            if round == 0 {
                // The first advert may move the router's instances; steady state starts here.
                assert_eq!(master.state(), State::Master);
            }
        }
    });
    assert_eq!(backup.state(), State::Backup);
    assert_eq!(backup.stats().adverts_received, 10_000);
    if hmac.is_some() {
        assert_eq!(
            backup.stats().hmac_bad_tag + backup.stats().hmac_replayed,
            0
        );
        assert_eq!(transmit_len, 20 + TRAILER_LEN, "signed");
    }
    assert_eq!(
        router
            .instance(router.find(7, Family::Ipv4, 51).unwrap())
            .stats()
            .adverts_received,
        10_000
    );
    assert_eq!(
        allocations, 0,
        "the advert path allocated {allocations} times"
    );
}

/// `auth_type AH`: VRRPv2 behind an Authentication Header.
fn ah_config(vrid: u8, me: u8, priority: u8) -> Config {
    Config {
        version: Version::V2,
        auth: vrrp_core::wire::Auth::ah(b"secret"),
        ..config(vrid, me, priority, &None)
    }
}

/// 10,000 AH adverts from a Master to a Backup and to a router of 255 AH
/// instances: every datagram sealed (IPv4 header, AH, ICV) and verified
/// (ICV, SPI, sequence number); nothing may allocate.
#[test]
fn steady_state_with_auth_ah_allocates_nothing() {
    let mut master = Instance::new(ah_config(51, 2, 200)).unwrap();
    let mut backup = Instance::new(ah_config(51, 1, 100)).unwrap();
    let mut router = Router::new();
    for vrid in 1..=255 {
        router
            .add(7, Instance::new(ah_config(vrid, 1, 100)).unwrap())
            .unwrap();
    }
    let mut buf = [0u8; 1500];
    let mut now = Instant::ZERO;
    master.handle_startup(now);
    backup.handle_startup(now);
    router.handle_startup(now);
    let _ = (drain(&mut master), drain(&mut backup));
    while router.poll_action().is_some() {}

    let allocations = allocations_during(|| {
        for _ in 0..10_000u32 {
            now = master.poll_timeout().unwrap().at;
            master.handle_timeout(now);
            backup.handle_timeout(now);
            if drain(&mut master).is_some() {
                let transmit = master.poll_transmit(&mut buf).unwrap();
                assert!(transmit.header_included);
                let datagram = &buf[..transmit.len];
                assert!(backup.handle_ah_datagram(now, datagram));
                router.handle_ah_datagram(now, 7, datagram);
                assert_eq!(master.poll_transmit(&mut buf), None);
            }
            let _ = drain(&mut backup);
            while router.poll_action().is_some() {}
        }
    });
    assert_eq!(master.state(), State::Master);
    assert_eq!(backup.state(), State::Backup);
    assert_eq!(backup.stats().adverts_received, 10_000);
    let stats = backup.stats();
    assert_eq!(
        stats.auth_failures + stats.ah_bad_spi + stats.ah_replayed,
        0
    );
    let in_router = router.find(7, Family::Ipv4, 51).unwrap();
    assert_eq!(router.instance(in_router).stats().adverts_received, 10_000);
    assert_eq!(
        allocations, 0,
        "the AH advert path allocated {allocations} times"
    );
}
