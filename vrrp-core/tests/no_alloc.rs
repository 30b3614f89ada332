//! Steady state allocates nothing: a master and a backup exchanging 10,000
//! adverts (emit, parse, checksum, timer reset), and a Router of 255
//! instances dispatching them.

#![allow(unsafe_code)] // a counting global allocator: test-only, forwards to System

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr};

use vrrp_core::time::Instant;
use vrrp_core::wire::MULTICAST_V4;
use vrrp_core::{Action, Config, Instance, Received, Router, State};

struct Counting;

thread_local! {
    /// Allocations made by this thread: the test harness's own threads allocate too.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn addr(last: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, last).into()
}

fn config(vrid: u8, me: u8, priority: u8) -> Config {
    let vips = vec![addr(100), addr(101), addr(102)];
    Config {
        priority,
        ..Config::new(vrid, addr(me), vips)
    }
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
    let mut master = Instance::new(config(51, 2, 200)).unwrap();
    let mut backup = Instance::new(config(51, 1, 100)).unwrap();
    let mut router = Router::new();
    for vrid in 1..=255 {
        router
            .add(7, Instance::new(config(vrid, 1, 100)).unwrap())
            .unwrap();
    }
    let dst: IpAddr = MULTICAST_V4.into();
    let rx = Received {
        src: addr(2),
        dst,
        ttl: 255,
    };
    let mut buf = [0u8; 1500];

    let mut now = Instant::ZERO;
    master.handle_startup(now);
    backup.handle_startup(now);
    router.handle_startup(now);
    let _ = (drain(&mut master), drain(&mut backup));
    while router.poll_action().is_some() {}

    let before = allocations();
    for round in 0..10_000u32 {
        now = master.poll_timeout().unwrap().at;
        master.handle_timeout(now);
        backup.handle_timeout(now);
        if let Some(priority) = drain(&mut master) {
            let len = master.emit_advert(priority, dst, &mut buf).unwrap();
            assert!(backup.handle_advert(now, &rx, &buf[..len]));
            router.handle_packet(now, 7, &rx, &buf[..len]);
        }
        let _ = drain(&mut backup);
        while router.poll_action().is_some() {}
        if round == 0 {
            // The first advert may move the router's instances; steady state starts here.
            assert_eq!(master.state(), State::Master);
        }
    }
    let allocations = allocations() - before;
    assert_eq!(backup.state(), State::Backup);
    assert_eq!(backup.stats().adverts_received, 10_000);
    assert_eq!(
        router
            .instance(router.find(7, vrrp_core::wire::Family::Ipv4, 51).unwrap())
            .stats()
            .adverts_received,
        10_000
    );
    assert_eq!(
        allocations, 0,
        "the advert path allocated {allocations} times"
    );
}
