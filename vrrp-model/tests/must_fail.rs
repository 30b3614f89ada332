//! The checker must be able to fail: broken setups and a broken router,
//! each with the real core, must produce a counterexample, printed as a
//! timeline.

mod common;

use std::collections::BTreeSet;

use common::{assert_safe, check, refute};
use vrrp_core::wire::Version;
use vrrp_model::run::{self, Options};
use vrrp_model::{HmacMode, Mutation, Setup, VrrpModel, properties, trace};

/// Two routers, 4 cs adverts, no jitter, and `losses` adverts that may be lost.
fn lossy(losses: u8) -> Setup {
    let mut setup = Setup::new(2, 4);
    (setup.delay_min, setup.delay_max) = (0, 0);
    setup.budget.losses = losses;
    setup
}

/// Master_Down_Interval is 3 intervals plus Skew_Time: three adverts lost in
/// a row and the Backup takes over while the Master is alive.
#[test]
fn three_lost_adverts_in_a_row_give_a_dual_master() {
    let timeline = refute(lossy(3), properties::S4);
    assert_eq!(
        timeline.matches("loses p150 from R1").count(),
        3,
        "{timeline}"
    );
    assert!(timeline.contains("M100 M150"), "{timeline}");
}

/// ... while two in a row are tolerated: the bound is exact.
#[test]
fn two_lost_adverts_in_a_row_are_tolerated() {
    let (_, outcome) = check(lossy(2));
    assert_safe(&outcome);
}

/// RFC 3768 §7.1: a VRRPv2 router drops adverts whose interval differs from
/// its own, so two routers configured with 1 s and 2 s never hear each other.
#[test]
fn vrrpv2_with_mismatched_intervals_never_converges() {
    let mut setup = Setup::new(2, 100);
    setup.version = Version::V2;
    setup.advert = vec![100, 200];
    let timeline = refute(setup, properties::S4);
    assert!(timeline.contains("(dropped)"), "{timeline}");
    assert!(timeline.contains("M100 M150"), "{timeline}");
}

/// A Backup that drops higher-priority adverts before its core sees them:
/// it times out on a healthy Master, again and again.
#[test]
fn backup_ignoring_higher_priority_adverts_is_caught() {
    let mut setup = Setup::new(2, 4);
    setup.mutation = Some(Mutation::BackupIgnoresHigherPriority);
    let timeline = refute(setup.clone(), properties::S4);
    assert!(timeline.contains("IGNORES p150 from R1"), "{timeline}");
    refute(setup, properties::S7);
}

/// The bounded-liveness properties are not vacuous: with a convergence
/// bound shorter than one Master_Down_Interval, nobody is Master in time.
#[test]
fn too_short_a_convergence_bound_is_refuted() {
    let mut setup = Setup::new(2, 4);
    let mdi = VrrpModel::new(setup.clone()).timing.mdi_max;
    setup.t_conv_us = Some(mdi / 2);
    let timeline = refute(setup, properties::S5);
    assert!(timeline.contains("Initialize -> Backup"), "{timeline}");
}

/// Two routers, one link failure, and `mutation`: S10's counterexample,
/// which must show the link going down.
fn refute_with_link_down(mutation: Mutation) -> String {
    let mut setup = Setup::new(2, 4);
    setup.budget.links = 1;
    setup.mutation = Some(mutation);
    let timeline = refute(setup, properties::S10);
    assert!(timeline.contains("LINK DOWN"), "{timeline}");
    timeline
}

/// A router cut off by its link whose core is never told stays Master with
/// the virtual address, alone: S10 catches it (S4 and S5 cannot, as it is
/// in a component of its own).
#[test]
fn a_missed_link_down_event_is_caught() {
    let timeline = refute_with_link_down(Mutation::LinkEventIgnored);
    assert!(timeline.contains("M150/"), "{timeline}");
}

/// A router whose link goes down while adverts to it are in flight: if they
/// stayed on the wire, it would receive through a dead interface (S10).
#[test]
fn frames_kept_in_flight_to_a_downed_router_are_caught() {
    refute_with_link_down(Mutation::LinkDownKeepsFrames);
}

/// RFC 9568 §6.4.3: a Master that hears a lower-priority Master answers at
/// once. Every router with keepalived's `lower_prio_no_advert` (the core's
/// switch, not a model-side defect) leaves the answer out: S11 catches it
/// at the first lower advert a Master accepts, after a partition heals.
#[test]
fn a_master_that_does_not_answer_a_lower_master_is_caught() {
    let mut setup = Setup::new(2, 4);
    setup.budget.partitions = 1;
    setup.mutation = Some(Mutation::LowerPrioNoAdvert);
    let timeline = refute(setup.clone(), properties::S11);
    assert!(
        timeline.contains("R1      receives p100 from R0 (accepted)"),
        "{timeline}"
    );
    // Without the switch the same setup holds S11.
    setup.mutation = None;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert!(outcome.verdict(properties::V8).ok(), "V8 reached");
}

/// RFC 9568 §6.4.3: a Master that shuts down sends priority 0. A host that
/// exits before it is on the wire breaks S12; and as no Backup then hears a
/// priority 0, the exhaustive check never reaches V5, which a shutdown makes
/// reachable: the check fails as vacuous too.
#[test]
fn a_master_that_stops_without_priority_zero_is_caught() {
    let mut setup = Setup::new(2, 4);
    setup.budget.shutdowns = 1;
    setup.mutation = Some(Mutation::SilentShutdown);
    let timeline = refute(setup.clone(), properties::S12);
    assert!(timeline.contains("loses p0 from R1"), "{timeline}");
    let model = VrrpModel::new(setup);
    let outcome = run::check(model.clone(), &Options::default());
    print!("{}", outcome.render(&model));
    assert!(outcome.exhaustive);
    assert_eq!(outcome.vacuous(), vec![properties::V5]);
    assert!(outcome.render(&model).contains("NOT REACHED: vacuous"));
    assert!(outcome.failed());
}

/// RFC 9568 §6.4.3: a Master that hears priority 0 advertises at once. Two
/// Masters meet when a partition heals; one shuts down; the other, dropping
/// the priority 0 before its core sees it, stays silent: S13. Without the
/// defect the same setup holds every property.
#[test]
fn a_master_that_ignores_priority_zero_is_caught() {
    let mut setup = Setup::new(2, 4);
    setup.budget.partitions = 2;
    setup.budget.shutdowns = 1;
    setup.mutation = Some(Mutation::MasterIgnoresStop);
    let timeline = refute(setup.clone(), properties::S13);
    assert!(timeline.contains("IGNORES p0"), "{timeline}");
    setup.mutation = None;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
}

/// RFC 9568 §6.4.2: an accepted advert resets the Master_Down_Timer to
/// Master_Down_Interval from its arrival. A host that hands adverts to the
/// core with a receive time one tick late arms it a tick too far: S14.
#[test]
fn a_master_down_timer_armed_late_is_caught() {
    let mut setup = Setup::new(2, 4);
    setup.mutation = Some(Mutation::LateClock);
    let timeline = refute(setup, properties::S14);
    assert!(
        timeline.contains("R0      receives p150 from R1 (accepted)"),
        "{timeline}"
    );
}

/// RFC 9568 §6.1, §6.4.2: Skew_Time orders the takeover. Three routers; the
/// Master (200) dies; the Backups (100 and 150) followed its last advert at
/// the same delay. Router 0's host clock runs 10 % fast: its core arms the
/// timer as the RFC says (S14 holds), yet 144.4 ms on its clock pass in
/// 131.3 ms, before 150's 136.6 ms: the lower Backup wins the race (S15).
/// Without the defect the same setup holds every property and runs the
/// race (V9).
#[test]
fn a_lower_backup_that_wins_the_takeover_race_is_caught() {
    let mut setup = Setup::new(3, 4);
    setup.delay_max = 1;
    setup.budget.crashes = 1;
    setup.mutation = Some(Mutation::FastClock);
    let timeline = refute(setup.clone(), properties::S15);
    assert!(timeline.contains("crashes"), "{timeline}");
    assert!(
        timeline.contains("R0      Backup -> Master (MasterNoResponse)"),
        "{timeline}"
    );
    setup.mutation = None;
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert!(outcome.verdict(properties::V9).ok(), "V9 reached");
}

/// RFC 9568 §6.4.2: a Backup that hears a higher Master resets its
/// Master_Down_Timer. One whose host drops those adverts before its core
/// sees them takes over from a Master it hears: S16 at the first takeover,
/// without waiting for T_conv as S4 and S7 do.
#[test]
fn a_takeover_from_a_master_still_heard_is_caught() {
    let mut setup = Setup::new(2, 4);
    setup.mutation = Some(Mutation::BackupIgnoresHigherPriority);
    let timeline = refute(setup, properties::S16);
    assert!(timeline.contains("IGNORES p150 from R1"), "{timeline}");
    assert!(
        timeline.contains("R0      Backup -> Master (MasterNoResponse)"),
        "{timeline}"
    );
}

/// Two routers, 4 cs adverts, delivery within one tick, a crash, and a
/// forger with one replay.
fn forged() -> Setup {
    let mut setup = Setup::new(2, 4);
    setup.delay_max = 1;
    setup.budget.crashes = 1;
    setup.budget.replays = 1;
    setup
}

/// Without `auth_hmac` a replay is an advert like any other. S17 fails at
/// the first replay that does anything (the shortest: a Master answers a
/// replayed lower advert at once), and a Master's advert replayed after it
/// crashed, to the Backup that took over, makes it step down for a Master
/// that is gone (V11, a defect).
#[test]
fn a_replay_without_auth_hmac_takes_effect() {
    let timeline = refute(forged(), properties::S17);
    assert!(timeline.contains("REPLAY of p"), "{timeline}");
    assert!(timeline.contains("(ACCEPTED)"), "{timeline}");
    let model = VrrpModel::new(forged());
    let options = Options {
        stop_at: Some(BTreeSet::from([properties::V11])),
        ..Options::default()
    };
    let outcome = run::check(model.clone(), &options);
    let example = outcome.verdict(properties::V11).discovery.as_ref();
    let timeline = trace::timeline(&model, example.expect("a replay moves a router"));
    println!("a replay moves a router:\n{timeline}");
    assert!(timeline.contains("crashes"), "{timeline}");
    assert!(
        timeline.contains("REPLAY of p150 from R1 (ACCEPTED)"),
        "{timeline}"
    );
    assert!(timeline.contains("Master -> Backup"), "{timeline}");
}

/// A host whose `auth_hmac` reload rebuilds the core's HMAC state instead
/// of handing the new configuration over forgets the last sequence
/// accepted from each sender (`Mutation::ReloadForgetsReplay`, a reload
/// just before the replay): the replay passes and takes effect (S17). The
/// same setup without the defect holds (`tests/forger.rs`).
#[test]
fn a_reload_that_forgets_the_anti_replay_state_is_caught() {
    for mode in [HmacMode::Time, HmacMode::Monotonic] {
        let mut setup = forged();
        setup.auth_hmac = Some(mode);
        setup.mutation = Some(Mutation::ReloadForgetsReplay);
        let timeline = refute(setup, properties::S17);
        assert!(timeline.contains("REPLAY of p"), "{timeline}");
        assert!(timeline.contains("(ACCEPTED)"), "{timeline}");
    }
}
