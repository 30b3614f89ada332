//! Small configurations that still reach every behaviour, checked in a few
//! seconds: the test command of the mutation run on vrrp-core's state
//! machine (`cargo mutants ... -- --test quick --test must_fail`).

mod common;

use common::{ALL_V, assert_reached, assert_safe, check, every_fault};
use vrrp_model::{Setup, properties};

/// Two routers, every fault, 4 cs adverts, delivery within one tick.
#[test]
fn two_routers_every_fault_short_delay() {
    let mut setup = every_fault(Setup::new(2, 4));
    setup.delay_max = 1;
    setup.budget.losses = 1;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(&outcome, &ALL_V);
}

/// Three routers, priorities 100/150/200, a tracked object toggles twice.
#[test]
fn three_routers_priority_toggles() {
    let mut setup = Setup::new(3, 4);
    setup.delay_max = 1;
    setup.budget.toggles = 2;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(&outcome, &[properties::V1, properties::V3, properties::V6]);
}

/// The owner and a backup: the owner never waits, and returns at once.
#[test]
fn owner_and_backup_crash_and_shutdown() {
    let mut setup = Setup::new(2, 4);
    setup.priorities = vec![255, 100];
    setup.delay_max = 1;
    setup.budget.crashes = 1;
    setup.budget.shutdowns = 1;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(&outcome, &[properties::V5, properties::V6]);
}

/// No preemption: a recovered higher priority stays Backup.
#[test]
fn nopreempt_with_toggles_and_shutdown() {
    let mut setup = Setup::new(3, 4);
    setup.preempt = false;
    setup.delay_max = 1;
    setup.budget.toggles = 1;
    setup.budget.shutdowns = 1;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert!(!outcome.verdict(properties::V4).ok());
    assert_reached(&outcome, &[properties::V5, properties::V6]);
}

/// Two routers, every fault and a link failure: the link takes either
/// router into Fault and back, also around a crash or a shutdown (a router
/// restarted with its link down starts in Fault).
#[test]
fn two_routers_every_fault_and_link() {
    let mut setup = every_fault(Setup::new(2, 4));
    setup.delay_max = 1;
    setup.budget.losses = 1;
    setup.budget.links = 1;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(&outcome, &ALL_V);
    assert_reached(&outcome, &[properties::V7]);
}

/// The owner's link fails twice: it comes back straight to Master.
#[test]
fn owner_link_fails() {
    let mut setup = Setup::new(2, 4);
    setup.priorities = vec![255, 100];
    setup.delay_max = 1;
    setup.budget.links = 2;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(&outcome, &[properties::V6, properties::V7]);
}

/// Three routers, two link failures: a Fault router of the highest priority
/// is alone in its component, and the others elect a Master without it.
#[test]
fn three_routers_link_fails_twice() {
    let mut setup = Setup::new(3, 4);
    setup.delay_max = 1;
    setup.budget.links = 2;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    use properties::{V1, V4, V6, V7};
    assert_reached(&outcome, &[V1, V4, V6, V7]);
}

/// VRRPv2: the receive path of RFC 3768 (authentication type, whole seconds).
#[test]
fn vrrpv2_crash_and_toggle() {
    let mut setup = Setup::new(2, 100);
    setup.version = vrrp_core::wire::Version::V2;
    setup.delay_max = 1;
    setup.budget.crashes = 1;
    setup.budget.toggles = 1;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(&outcome, &[properties::V4, properties::V6]);
}
