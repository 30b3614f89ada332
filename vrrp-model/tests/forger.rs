//! A forger on the segment replays any advert it captured to a router that
//! already had it or a later one of its sender (S17): with `auth_hmac`, in
//! time and in monotonic mode, no replay takes effect, every one is
//! counted, and every other property holds with the forger at work.

mod common;

use common::{assert_reached, assert_safe, check};
use vrrp_model::run::Outcome;
use vrrp_model::{HmacMode, Setup, properties};

/// Two routers, 4 cs adverts, delivery within one tick, `auth_hmac` in
/// `mode`, a crash, a shutdown, a priority change, and two replays.
fn two_routers(mode: HmacMode) -> Setup {
    let mut setup = Setup::new(2, 4);
    setup.delay_max = 1;
    setup.auth_hmac = Some(mode);
    setup.budget.crashes = 1;
    setup.budget.shutdowns = 1;
    setup.budget.toggles = 1;
    setup.budget.replays = 2;
    setup
}

/// Every S holds, the forger acted (V10, required) and never moved a
/// router (V11).
fn assert_replays_harmless(outcome: &Outcome) {
    assert_safe(outcome);
    assert_reached(outcome, &[properties::V10]);
    assert!(
        !outcome.verdict(properties::V11).ok(),
        "a replay moved a router"
    );
}

#[test]
fn time_mode_two_routers() {
    let (_, outcome) = check(two_routers(HmacMode::Time));
    assert_replays_harmless(&outcome);
    use properties::{V4, V5, V6};
    assert_reached(&outcome, &[V4, V5, V6]);
}

#[test]
fn monotonic_mode_two_routers() {
    let (_, outcome) = check(two_routers(HmacMode::Monotonic));
    assert_replays_harmless(&outcome);
}

/// Three routers, a partition and one replay: the forger may replay an
/// advert of the Master of one side to a router of the other.
#[test]
fn time_mode_three_routers_partition() {
    let mut setup = Setup::new(3, 4);
    setup.delay_max = 1;
    setup.auth_hmac = Some(HmacMode::Time);
    setup.budget.partitions = 1;
    setup.budget.crashes = 1;
    setup.budget.replays = 1;
    let (_, outcome) = check(setup);
    assert_replays_harmless(&outcome);
}

/// V10 is required exactly when there is a forger: a check in which it
/// never replays anything fails as vacuous instead of passing S17 for
/// nothing.
#[test]
fn a_forger_that_never_acts_makes_the_check_vacuous() {
    let setup = two_routers(HmacMode::Time);
    assert!(properties::required(&setup).contains(&properties::V10));
    let mut quiet = setup;
    quiet.budget.replays = 0;
    assert!(!properties::required(&quiet).contains(&properties::V10));
}
