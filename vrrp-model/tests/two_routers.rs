//! Two routers, every fault, exhaustively, at the three advert intervals the
//! issue names: 1 cs (skews far below a tick: timeouts race), 4 cs
//! (priorities 100/150 time out a tick apart), 100 cs (realistic).

mod common;

use common::{ALL_V, assert_reached, assert_safe, check, every_fault};
use vrrp_model::{Setup, properties};

#[test]
fn every_fault_advert_1() {
    let (_, outcome) = check(every_fault(Setup::new(2, 1)));
    assert_safe(&outcome);
    assert_reached(&outcome, &ALL_V);
}

#[test]
fn every_fault_advert_4() {
    let (_, outcome) = check(every_fault(Setup::new(2, 4)));
    assert_safe(&outcome);
    assert_reached(&outcome, &ALL_V);
}

#[test]
fn every_fault_advert_100() {
    let (_, outcome) = check(every_fault(Setup::new(2, 100)));
    assert_safe(&outcome);
    assert_reached(&outcome, &ALL_V);
}

/// Lossy links without end: any number of adverts lost, at most two in a
/// row per link, with a jitter below Skew_Time: VRRP's design point.
#[test]
fn endless_loss_of_two_in_a_row_is_tolerated() {
    let mut setup = Setup::new(2, 4);
    (setup.delay_min, setup.delay_max) = (0, 0);
    setup.loss_run = Some(2);
    setup.budget.crashes = 1;
    setup.budget.toggles = 1;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(&outcome, &[properties::V4, properties::V6]);
}

/// The address owner (priority 255) never waits as Backup and takes the
/// address back at once when it returns.
#[test]
fn owner_takes_over_at_once() {
    let mut setup = every_fault(Setup::new(2, 4));
    setup.priorities = vec![255, 100];
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(&outcome, &[properties::V1, properties::V6]);
}

/// Without preemption nobody preempts, and there is still exactly one Master.
#[test]
fn nopreempt_never_preempts() {
    let mut setup = every_fault(Setup::new(2, 4));
    setup.preempt = false;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert!(!outcome.verdict(properties::V4).ok(), "nopreempt preempted");
    assert_reached(&outcome, &[properties::V5, properties::V6]);
}

/// VRRPv2 (RFC 3768): whole-second intervals, no interval learning.
#[test]
fn vrrpv2_every_fault() {
    let mut setup = Setup::new(2, 100);
    setup.version = vrrp_core::wire::Version::V2;
    let (_, outcome) = check(every_fault(setup));
    assert_safe(&outcome);
    assert_reached(&outcome, &ALL_V);
}
