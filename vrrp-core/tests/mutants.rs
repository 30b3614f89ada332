//! Tests for behaviour that the mutation run (`cargo mutants` on the state
//! machine, with the vrrp-model tests as the test command) showed that
//! neither the model checker nor the other core tests pinned down. The model
//! only sends well-formed adverts and ignores the statistics counters, so
//! these are the receive-side counters of RFC 6527, and what only the daemon
//! uses: the tracking sum, the accessors its snapshot reads, equality.

mod lan;

use lan::{Lan, config, multicast, v4, v6, vip6};
use vrrp_core::stats::MasterReason;
use vrrp_core::time::Instant;
use vrrp_core::wire::{self, Packet};
use vrrp_core::{Action, Command, Config, Instance, Reason, Received, State, Statistics, Tracking};

/// A backup (router 0) that has heard its master (router 1) for a while.
fn converged() -> Lan {
    lan::converged(config(0, 100), config(1, 200))
}

/// What router 1 would send with priority 200.
fn advert() -> Vec<u8> {
    let instance = Instance::new(config(1, 200)).unwrap();
    let mut buf = [0u8; 64];
    let len = instance
        .emit_advert(200, wire::MULTICAST_V4.into(), &mut buf)
        .unwrap();
    buf[..len].to_vec()
}

fn counters(s: &Statistics) -> [u64; 4] {
    [
        s.adverts_dropped,
        s.packet_length_errors,
        s.advert_interval_errors,
        s.version_errors,
    ]
}

/// receive.rs `Family::of(&rx.src) != family`: an IPv6 source on an IPv4
/// instance is a length error (the address list cannot be read), counted once.
#[test]
fn a_source_of_the_other_family_counts_one_length_error() {
    let mut lan = converged();
    let before = counters(lan.nodes[0].instance.stats());
    assert!(!lan.inject(0, v6(1), 255, &advert()));
    let after = counters(lan.nodes[0].instance.stats());
    assert_eq!(after, [before[0] + 1, before[1] + 1, before[2], before[3]]);
}

/// receive.rs `count_parse_error`: an advert interval of zero is an interval
/// error, not a length error (the parse rejects it before the checksum).
#[test]
fn a_zero_interval_counts_one_interval_error() {
    let mut lan = converged();
    let mut bytes = advert();
    bytes[4] = 0;
    bytes[5] = 0;
    assert_eq!(Packet::new_checked(&bytes[..]).unwrap().max_advert_int(), 0);
    let before = counters(lan.nodes[0].instance.stats());
    assert!(!lan.inject(0, v4(1), 255, &bytes));
    let after = counters(lan.nodes[0].instance.stats());
    assert_eq!(after, [before[0] + 1, before[1], before[2] + 1, before[3]]);
}

/// transitions.rs `handle_timeout`: calling it before the deadline is a
/// harmless no-op, as the crate docs promise (the model and the LAN harness
/// only ever call it when the timer is due).
#[test]
fn an_early_timeout_is_a_no_op() {
    let mut instance = Instance::new(config(0, 100)).unwrap();
    instance.handle_startup(Instant::ZERO);
    while instance.poll_action().is_some() {}
    let before = instance.clone();
    let deadline = instance.poll_timeout().unwrap().at;
    instance.handle_timeout(Instant::from_micros(deadline.as_micros() - 1));
    assert_eq!(instance.poll_action(), None);
    assert_eq!(instance, before);
    instance.handle_timeout(deadline);
    assert_eq!(instance.state(), State::Master);
}

/// A running Master with `config`.
fn master(config: Config) -> Instance {
    let mut instance = Instance::new(config).unwrap();
    instance.handle_startup(Instant::ZERO);
    let at = instance.poll_timeout().unwrap().at;
    instance.handle_timeout(at);
    while instance.poll_action().is_some() {}
    assert_eq!(instance.state(), State::Master);
    instance
}

/// IPv6 router `i` at `priority` (link-local fe80::(i+1)).
fn config6(i: u8, priority: u8) -> Config {
    let mut c = Config::new(51, v6(i), vec![vip6()]);
    c.priority = priority;
    c
}

/// receive.rs `address_greater`, the IPv6 arm: between two IPv6 Masters of
/// equal priority the higher link-local address wins (RFC 9568 §6.4.3).
#[test]
fn ipv6_equal_priority_masters_keep_the_higher_address() {
    let mut low = master(config6(0, 100));
    let mut high = master(config6(1, 100));
    let now = high.poll_timeout().unwrap().at;
    let dst = multicast(wire::Family::Ipv6);
    let mut buf = [0u8; 64];
    let rx = |src| Received { src, dst, ttl: 255 };

    let len = high.emit_advert(100, dst, &mut buf).unwrap();
    assert!(low.handle_advert(now, &rx(v6(1)), &buf[..len]));
    assert_eq!(low.state(), State::Backup, "fe80::1 yields to fe80::2");

    let len = low.emit_advert(100, dst, &mut buf).unwrap();
    assert!(high.handle_advert(now, &rx(v6(0)), &buf[..len]));
    assert_eq!(high.state(), State::Master, "fe80::2 stays");
}

/// receive.rs `note_master_reason`: RFC 6527 counts every transition to
/// Master and records why the last one happened.
#[test]
fn preemption_is_recorded_as_the_new_master_reason() {
    let mut lan = Lan::new(vec![config(0, 100)]);
    lan.start_all();
    lan.run_until(Instant::from_millis(10_000));
    let stats = lan.nodes[0].instance.stats();
    assert_eq!(stats.master_transitions, 1);
    assert_eq!(stats.new_master_reason, MasterReason::MasterNoResponse);

    // A higher-priority router joins and preempts.
    let mut lan = Lan::new(vec![config(0, 100), config(1, 200)]);
    lan.start(0);
    lan.run_until(Instant::from_millis(10_000));
    lan.start(1);
    lan.run_until(Instant::from_millis(20_000));
    assert_eq!(lan.states(), [State::Backup, State::Master]);
    let stats = lan.nodes[1].instance.stats();
    assert_eq!(stats.master_transitions, 1);
    assert_eq!(stats.new_master_reason, MasterReason::Preempted);
}

/// transitions.rs `handle_command`: the administrative priority and preempt
/// changes take effect.
#[test]
fn commands_change_priority_and_preempt() {
    let mut instance = Instance::new(config(0, 100)).unwrap();
    instance.handle_command(Instant::ZERO, Command::SetPriority(200));
    assert_eq!(instance.priority(), 200);
    instance.handle_command(Instant::ZERO, Command::SetPriority(0));
    assert_eq!(instance.priority(), 200, "priority 0 is ignored");
    instance.handle_command(Instant::ZERO, Command::SetPreempt(false));
    assert!(!instance.config().preempt);
}

/// transitions.rs `set_faults`: a stopped instance stays stopped when its
/// link goes down, and starts as Backup (not Fault) once it is up again.
#[test]
fn a_stopped_instance_ignores_link_changes() {
    let mut instance = Instance::new(config(0, 100)).unwrap();
    instance.handle_link(Instant::ZERO, false);
    assert_eq!(instance.state(), State::Initialize);
    assert_eq!(instance.poll_action(), None);
    instance.handle_link(Instant::ZERO, true);
    instance.handle_startup(Instant::ZERO);
    assert!(matches!(
        instance.poll_action(),
        Some(Action::StateChanged {
            to: State::Backup,
            reason: Reason::Startup,
            ..
        })
    ));
}

/// A Master's own advert, looped back by the host (Linux loops multicast
/// back to the sender unless told not to), is not another Master's: it must
/// not make it re-announce its addresses at every advert (it once answered
/// it, an advert storm at line rate, when a Master still answered
/// lower-priority Masters). Found while
/// reviewing the surviving `address_greater` mutant `>` -> `>=`, which
/// differs only for our own address.
#[test]
fn a_master_ignores_its_own_looped_back_advert() {
    let mut me = master(config(0, 100));
    let now = me.poll_timeout().unwrap().at;
    let dst = multicast(wire::Family::Ipv4);
    let mut buf = [0u8; 64];
    let len = me.emit_advert(100, dst, &mut buf).unwrap();
    let before = me.clone();
    let rx = Received {
        src: v4(0),
        dst,
        ttl: 255,
    };
    assert!(!me.handle_advert(now, &rx, &buf[..len]));
    assert_eq!(me.poll_action(), None, "nothing for ourselves");
    assert_eq!(me, before);
}

/// mod.rs `Tracking::sum`: the daemon adds its tracked objects' weights; a
/// failed object of weight 0 (`None`) means Fault, whatever the others say.
/// The model hands the core a `Tracking` directly and never sums.
#[test]
fn tracking_adds_the_weights_and_keeps_a_failed_object() {
    let healthy = Tracking {
        weight: 7,
        failed: false,
    };
    assert_eq!(Tracking::sum([Some(10), Some(-3)]), healthy);
    let failed = Tracking {
        weight: 7,
        failed: true,
    };
    assert_eq!(Tracking::sum([Some(5), None, Some(2)]), failed);
    assert_eq!(Tracking::sum([]), Tracking::default());
}

/// mod.rs `Instance::master`, `Instance::tracking`, `weighted_priority`:
/// what the daemon's snapshot reports (the Master as last heard, ours while
/// Master; the tracking input last given) and the priority it makes.
#[test]
fn the_snapshot_accessors_report_the_master_and_the_tracking() {
    let lan = converged();
    assert_eq!(lan.nodes[0].instance.master(), Some(v4(1)), "as heard");
    assert_eq!(lan.nodes[1].instance.master(), Some(v4(1)), "ourselves");
    let mut instance = Instance::new(config(0, 100)).unwrap();
    let tracking = Tracking {
        weight: -20,
        failed: false,
    };
    instance.handle_tracking(Instant::ZERO, tracking);
    assert_eq!(instance.tracking(), tracking);
    assert_eq!(instance.priority(), 80);
}

/// mod.rs `PartialEq for Instance`: equal by protocol state and
/// configuration, never by the counters (the model checker keeps one copy of
/// each state; its hash is the same key).
#[test]
fn instances_are_equal_by_protocol_state_and_config_not_counters() {
    let a = Instance::new(config(0, 100)).unwrap();
    let mut counted = a.clone();
    counted.handle_send_failure(100);
    assert_ne!(counted.stats(), a.stats());
    assert_eq!(counted, a, "counters are not state");
    let mut started = a.clone();
    started.handle_startup(Instant::ZERO);
    assert_ne!(started, a, "another state");
    let other = Instance::new(config(1, 100)).unwrap();
    assert_ne!(other, a, "another configuration, the same state");
}

/// mod.rs `update_priority`: a Backup whose priority falls keeps its
/// Master_Down_Timer (RFC 9568 §6.4.2 re-arms it only on an advert); one
/// whose priority rises has it pulled in to now plus the new, shorter
/// Master_Down_Interval, never pushed out.
#[test]
fn a_priority_change_only_pulls_a_backups_timer_in() {
    let mut instance = Instance::new(config(0, 100)).unwrap();
    instance.handle_startup(Instant::ZERO);
    while instance.poll_action().is_some() {}
    let armed = instance.poll_timeout().unwrap();
    let fall = Tracking {
        weight: -50,
        failed: false,
    };
    instance.handle_tracking(Instant::from_millis(50), fall);
    assert_eq!(instance.priority(), 50);
    assert_eq!(instance.poll_timeout(), Some(armed), "a fall leaves it");
    let rise = Tracking {
        weight: 150,
        failed: false,
    };
    let now = Instant::from_millis(100);
    instance.handle_tracking(now, rise);
    let pulled = instance.poll_timeout().unwrap();
    assert_eq!(pulled.at, now + instance.master_down_interval());
    assert!(pulled.at < armed.at, "a rise pulls it in");
}
