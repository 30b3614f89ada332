//! The Router: dispatch by (interface, family, VRID), one deadline, sync groups.

mod lan;

use lan::{config, multicast, v4, v6, vip6};
use vrrp_core::time::{Duration, Instant};
use vrrp_core::wire::Family;
use vrrp_core::{Action, Config, Instance, InstanceId, Reason, Received, Router, State, Tracking};

fn vrid(c: Config, vrid: u8) -> Config {
    Config { vrid, ..c }
}

/// Drains the router, returning (instance, action) pairs.
fn drain(router: &mut Router) -> Vec<(InstanceId, Action)> {
    std::iter::from_fn(|| router.poll_action()).collect()
}

/// Runs the router alone (nobody else on the LAN) until `until`.
fn run_alone(router: &mut Router, until: Instant) -> Vec<(InstanceId, Action)> {
    let mut actions = drain(router);
    while let Some((_, deadline)) = router.poll_timeout().filter(|(_, d)| d.at <= until) {
        router.handle_timeout(deadline.at);
        actions.extend(drain(router));
    }
    actions
}

fn advert(config: Config, priority: u8) -> Vec<u8> {
    let dst = multicast(config.family());
    let mut buf = [0u8; 256];
    let len = Instance::new(config)
        .unwrap()
        .emit_advert(priority, dst, &mut buf)
        .unwrap();
    buf[..len].to_vec()
}

#[test]
fn dispatches_by_interface_family_and_vrid() {
    let mut router = Router::new();
    let a = router
        .add(1, Instance::new(vrid(config(0, 100), 1)).unwrap())
        .unwrap();
    let b = router
        .add(1, Instance::new(vrid(config(0, 100), 2)).unwrap())
        .unwrap();
    let c = router
        .add(2, Instance::new(vrid(config(0, 100), 1)).unwrap())
        .unwrap();
    let six = Config {
        priority: 100,
        ..Config::new(1, v6(0), vec![vip6()])
    };
    let d = router.add(1, Instance::new(six).unwrap()).unwrap();
    assert!(
        router
            .add(1, Instance::new(vrid(config(0, 50), 2)).unwrap())
            .is_err(),
        "VRID 2 taken on 1"
    );
    assert_eq!(router.find(1, Family::Ipv4, 2), Some(b));
    assert_eq!(router.find(1, Family::Ipv6, 1), Some(d));
    router.handle_startup(Instant::ZERO);
    let _ = drain(&mut router);

    let rx = Received {
        src: v4(1),
        dst: multicast(Family::Ipv4),
        ttl: 255,
    };
    let now = Instant::from_millis(100);
    assert_eq!(
        router.handle_packet(now, 1, &rx, &advert(vrid(config(1, 200), 1), 200)),
        Some(a)
    );
    assert_eq!(
        router.handle_packet(now, 2, &rx, &advert(vrid(config(1, 200), 1), 200)),
        Some(c)
    );
    assert_eq!(
        router.handle_packet(now, 1, &rx, &advert(vrid(config(1, 200), 9), 200)),
        None
    );
    assert_eq!(router.handle_packet(now, 1, &rx, &[0x31, 1]), None);
    assert_eq!(router.stats().vrid_errors, 1);
    assert_eq!(router.stats().packet_length_errors, 1);
    assert_eq!(router.instance(a).stats().adverts_received, 1);
    assert_eq!(router.instance(b).stats().adverts_received, 0);
    assert_eq!(router.instance(c).stats().adverts_received, 1);
}

#[test]
fn folds_deadlines_into_the_earliest() {
    let mut router = Router::new();
    let slow = router
        .add(1, Instance::new(vrid(config(0, 10), 1)).unwrap())
        .unwrap();
    let fast = router
        .add(1, Instance::new(vrid(config(0, 250), 2)).unwrap())
        .unwrap();
    router.handle_startup(Instant::ZERO);
    assert_eq!(
        drain(&mut router).len(),
        2,
        "both report Initialize -> Backup"
    );
    let (id, deadline) = router.poll_timeout().unwrap();
    assert_eq!(id, fast);
    assert_eq!(
        deadline.at,
        Instant::ZERO + router.instance(fast).master_down_interval()
    );
    router.handle_timeout(deadline.at);
    let actions = drain(&mut router);
    assert!(
        actions.iter().all(|(id, _)| *id == fast),
        "only the due instance acted"
    );
    assert_eq!(router.instance(slow).state(), State::Backup);
    assert_eq!(router.instance(fast).state(), State::Master);
}

fn group_of_two() -> (Router, InstanceId, InstanceId) {
    let mut router = Router::new();
    let a = router
        .add(1, Instance::new(vrid(config(0, 150), 1)).unwrap())
        .unwrap();
    let b = router
        .add(2, Instance::new(vrid(config(0, 150), 2)).unwrap())
        .unwrap();
    router.add_sync_group(&[a, b]);
    router.handle_startup(Instant::ZERO);
    (router, a, b)
}

#[test]
fn sync_group_becomes_master_together() {
    let (mut router, a, b) = group_of_two();
    // Both time out at the same instant anyway; make b's peer keep it Backup.
    let rx = Received {
        src: v4(1),
        dst: multicast(Family::Ipv4),
        ttl: 255,
    };
    let t = Instant::from_millis(3_000);
    router.handle_packet(t, 2, &rx, &advert(vrid(config(1, 100), 2), 100));
    let _ = drain(&mut router);
    // a times out first (b was re-armed at 3 s): b follows a into Master.
    let actions = run_alone(&mut router, Instant::from_millis(3_500));
    assert_eq!(router.instance(a).state(), State::Master);
    assert_eq!(router.instance(b).state(), State::Master);
    let b_change = actions
        .iter()
        .find(|(id, act)| *id == b && matches!(act, Action::StateChanged { .. }));
    assert!(
        matches!(
            b_change,
            Some((
                _,
                Action::StateChanged {
                    reason: Reason::SyncGroup,
                    ..
                }
            ))
        ),
        "{actions:?}"
    );
    assert!(actions.contains(&(b, Action::AddVips)));
}

#[test]
fn sync_group_steps_down_together() {
    let (mut router, a, b) = group_of_two();
    let _ = run_alone(&mut router, Instant::from_millis(10_000));
    assert_eq!(
        (router.instance(a).state(), router.instance(b).state()),
        (State::Master, State::Master)
    );
    let rx = Received {
        src: v4(1),
        dst: multicast(Family::Ipv4),
        ttl: 255,
    };
    router.handle_packet(
        Instant::from_millis(10_100),
        1,
        &rx,
        &advert(vrid(config(1, 200), 1), 200),
    );
    let actions = drain(&mut router);
    assert_eq!(
        (router.instance(a).state(), router.instance(b).state()),
        (State::Backup, State::Backup)
    );
    assert!(actions.contains(&(b, Action::RemoveVips)));
}

#[test]
fn sync_group_is_in_fault_while_any_member_is() {
    let (mut router, a, b) = group_of_two();
    let _ = run_alone(&mut router, Instant::from_millis(10_000));
    let t = Instant::from_millis(10_100);
    router.handle_link(t, 2, false);
    let _ = drain(&mut router);
    assert_eq!(
        (router.instance(a).state(), router.instance(b).state()),
        (State::Fault, State::Fault)
    );
    // a's own tracking fails and recovers while b's link is still down: a stays in Fault.
    router.handle_tracking(
        t,
        a,
        Tracking {
            weight: 0,
            failed: true,
        },
    );
    router.handle_tracking(
        t,
        a,
        Tracking {
            weight: 0,
            failed: false,
        },
    );
    assert_eq!(router.instance(a).state(), State::Fault);
    router.handle_link(t, 2, true);
    let _ = drain(&mut router);
    assert_eq!(
        (router.instance(a).state(), router.instance(b).state()),
        (State::Backup, State::Backup)
    );
    let _ = run_alone(&mut router, t + Duration::from_secs(10));
    assert_eq!(
        (router.instance(a).state(), router.instance(b).state()),
        (State::Master, State::Master)
    );
}

#[test]
fn shutdown_sends_priority_zero_from_every_master() {
    let (mut router, a, b) = group_of_two();
    let _ = run_alone(&mut router, Instant::from_millis(10_000));
    router.handle_shutdown(Instant::from_millis(10_000));
    let actions = drain(&mut router);
    for id in [a, b] {
        assert!(actions.contains(&(id, Action::SendAdvert { priority: 0 })));
        assert!(actions.contains(&(id, Action::RemoveVips)));
        assert_eq!(router.instance(id).state(), State::Initialize);
    }
    assert_eq!(router.poll_timeout(), None);
}

#[test]
fn one_instance_shuts_down_while_the_others_run() {
    let mut router = Router::new();
    let a = router
        .add(1, Instance::new(vrid(config(0, 100), 1)).unwrap())
        .unwrap();
    let b = router
        .add(1, Instance::new(vrid(config(0, 100), 2)).unwrap())
        .unwrap();
    router.handle_startup(Instant::ZERO);
    let _ = run_alone(&mut router, Instant::from_millis(10_000));
    assert_eq!(router.instance(a).state(), State::Master);

    router.handle_instance_shutdown(Instant::from_millis(10_000), a);
    let actions = drain(&mut router);
    assert!(actions.contains(&(a, Action::SendAdvert { priority: 0 })));
    assert!(actions.contains(&(a, Action::RemoveVips)));
    assert!(actions.iter().all(|(id, _)| *id == a), "{actions:?}");
    assert_eq!(router.instance(a).state(), State::Initialize);
    assert_eq!(router.instance(b).state(), State::Master);
    let (next, _) = router.poll_timeout().expect("b still advertises");
    assert_eq!(next, b);
}

/// Found by the `instance_inputs` fuzz target: the address owner enters
/// Master straight from Initialize (or Fault), a move the group did not
/// follow, so its siblings stayed Backup.
#[test]
fn sync_group_follows_an_owner_into_master() {
    let mut router = Router::new();
    let a = router
        .add(1, Instance::new(vrid(config(0, 150), 1)).unwrap())
        .unwrap();
    // A slower owner, so the follower's first advert is the router's next deadline.
    let slow_owner = Config {
        advert_interval: 200,
        ..vrid(config(0, 255), 2)
    };
    let owner = router.add(2, Instance::new(slow_owner).unwrap()).unwrap();
    router.add_sync_group(&[a, owner]);
    router.handle_startup(Instant::ZERO);
    let actions = drain(&mut router);
    assert_eq!(
        (router.instance(a).state(), router.instance(owner).state()),
        (State::Master, State::Master),
        "{actions:?}"
    );
    assert!(actions.contains(&(a, Action::AddVips)));
    // The follower's advert timer is filed with the router's deadlines.
    let earliest = router
        .instances()
        .filter_map(|(_, inst)| inst.poll_timeout())
        .map(|d| d.at)
        .min();
    assert_eq!(router.poll_timeout().map(|(_, d)| d.at), earliest);

    // And when the group's fault clears.
    let t = Instant::from_millis(500);
    router.handle_link(t, 1, false);
    let _ = drain(&mut router);
    assert_eq!(router.instance(owner).state(), State::Fault);
    router.handle_link(t, 1, true);
    let _ = drain(&mut router);
    assert_eq!(
        (router.instance(a).state(), router.instance(owner).state()),
        (State::Master, State::Master)
    );
}

/// A VIP announcement the caller could not send is counted in
/// `garp_send_errors`, of its instance only; the protocol goes on (no
/// action, still Master).
#[test]
fn an_announcement_not_sent_is_counted_on_its_instance() {
    let mut router = Router::new();
    let owner = router
        .add(1, Instance::new(config(0, 255)).unwrap())
        .unwrap();
    let other = router
        .add(1, Instance::new(vrid(config(1, 100), 52)).unwrap())
        .unwrap();
    router.handle_startup(Instant::ZERO);
    assert!(
        drain(&mut router)
            .iter()
            .any(|(id, a)| *id == owner && *a == Action::AnnounceVips)
    );
    let before = router.instance(owner).stats().clone();
    router.handle_announce_failure(owner);
    router.handle_announce_failure(owner);
    let after = router.instance(owner).stats();
    assert_eq!(after.garp_send_errors, 2);
    let rest = vrrp_core::stats::Statistics {
        garp_send_errors: 0,
        ..after.clone()
    };
    assert_eq!(rest, before, "no other counter moves");
    assert_eq!(router.instance(other).stats().garp_send_errors, 0);
    assert_eq!(router.instance(owner).state(), State::Master);
    assert!(drain(&mut router).is_empty());
}

/// An advert the caller could not send counts as a send error, not as
/// sent; a priority 0 one is not counted as a priority 0 sent either.
#[test]
fn a_send_failure_moves_the_advert_from_sent_to_send_errors() {
    let mut router = Router::new();
    let id = router
        .add(1, Instance::new(config(0, 255)).unwrap())
        .unwrap();
    router.handle_startup(Instant::ZERO);
    let sent = drain(&mut router)
        .into_iter()
        .filter(|(_, a)| matches!(a, Action::SendAdvert { priority: 255 }))
        .count();
    assert_eq!(sent, 1, "the owner advertises at once");
    let stats = router.instance(id).stats().clone();
    assert_eq!((stats.adverts_sent, stats.adverts_send_errors), (1, 0));
    router.handle_send_failure(id, 255);
    let stats = router.instance(id).stats().clone();
    assert_eq!((stats.adverts_sent, stats.adverts_send_errors), (0, 1));

    router.handle_shutdown(Instant::ZERO + Duration::from_secs(1));
    assert!(
        drain(&mut router)
            .iter()
            .any(|(_, a)| *a == Action::SendAdvert { priority: 0 })
    );
    assert_eq!(router.instance(id).stats().priority_zero_sent, 1);
    router.handle_send_failure(id, 0);
    let stats = router.instance(id).stats();
    assert_eq!(
        (
            stats.adverts_sent,
            stats.priority_zero_sent,
            stats.adverts_send_errors
        ),
        (0, 0, 2)
    );
}

/// Router `i` (address `v4(i)`), unicast to the routers `peers`.
fn unicast(i: u8, peers: &[u8]) -> Config {
    Config {
        unicast_peers: peers.iter().map(|&p| v4(p)).collect(),
        ..config(i, 100)
    }
}

/// keepalived allows unicast instances of one VRID on one interface when
/// their peers, or their sources, differ: each packet goes to the one it
/// is for, by its source (a peer) and destination (the instance's source).
#[test]
fn unicast_instances_may_share_a_vrid() {
    let mut router = Router::new();
    // From router 0 to router 1, and from router 0 to router 2: disjoint peers.
    let to_one = router
        .add(1, Instance::new(unicast(0, &[1])).unwrap())
        .unwrap();
    let to_two = router
        .add(1, Instance::new(unicast(0, &[2])).unwrap())
        .unwrap();
    // From router 3 to router 1: a shared peer, another source.
    let from_three = router
        .add(1, Instance::new(unicast(3, &[1])).unwrap())
        .unwrap();
    for (taken, why) in [
        (unicast(0, &[2, 4]), "a shared peer from the same source"),
        (config(5, 100), "multicast"),
    ] {
        let error = router.add(1, Instance::new(taken).unwrap());
        assert!(error.is_err(), "{why}: {error:?}");
    }
    // Another interface has its own.
    assert!(
        router
            .add(2, Instance::new(config(0, 100)).unwrap())
            .is_ok()
    );
    router.handle_startup(Instant::ZERO);
    let _ = drain(&mut router);

    let now = Instant::from_millis(100);
    let packet = |src: u8, dst: u8| {
        let rx = Received {
            src: v4(src),
            dst: v4(dst),
            ttl: 255,
        };
        let bytes = advert(unicast(src, &[dst]), 200);
        (rx, bytes)
    };
    for (src, dst, to) in [(1, 0, to_one), (2, 0, to_two), (1, 3, from_three)] {
        let (rx, bytes) = packet(src, dst);
        assert_eq!(
            router.handle_packet(now, 1, &rx, &bytes),
            Some(to),
            "{src} -> {dst}"
        );
    }
    // From nobody's peer: the first instance, whose checks count it.
    let (rx, bytes) = packet(9, 0);
    assert_eq!(router.handle_packet(now, 1, &rx, &bytes), Some(to_one));
}
