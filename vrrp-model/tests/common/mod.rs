//! Helpers shared by the model tests.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeSet;

use vrrp_model::run::{self, Options, Outcome};
use vrrp_model::{Budget, Setup, VrrpModel, properties};

/// Exploring clones every state once per successor; mimalloc makes those
/// allocations cheap (the library leaves the allocator to its binaries).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every disturbance once but the link (checked on its own in
/// `tests/quick.rs`, to keep the test run short), and the loss VRRP
/// tolerates at this timing.
pub fn every_fault(mut setup: Setup) -> Setup {
    setup.budget = Budget {
        partitions: 1,
        toggles: 1,
        crashes: 1,
        shutdowns: 1,
        links: 0,
        losses: 0,
        replays: 0,
    };
    setup.budget.losses = tolerated_losses(&setup);
    setup
}

/// The longest run of lost adverts VRRP tolerates with this setup's jitter.
pub fn tolerated_losses(setup: &Setup) -> u8 {
    VrrpModel::new(setup.clone())
        .timing
        .tolerated_loss_run()
        .unwrap_or(0)
}

/// Checks exhaustively and prints the report.
pub fn check(setup: Setup) -> (VrrpModel, Outcome) {
    let model = VrrpModel::new(setup);
    let options = Options {
        stop_on_violation: true,
        ..Options::default()
    };
    let outcome = run::check(model.clone(), &options);
    println!("{}", model.setup);
    print!("{}", outcome.render(&model));
    (model, outcome)
}

/// Checks until `property` has a counterexample, and returns its timeline.
pub fn refute(setup: Setup, property: &'static str) -> String {
    let model = VrrpModel::new(setup);
    let options = Options {
        stop_at: Some(BTreeSet::from([property])),
        ..Options::default()
    };
    let outcome = run::check(model.clone(), &options);
    println!("{}", model.setup);
    print!("{}", outcome.render(&model));
    let verdict = outcome.verdict(property);
    assert!(
        verdict.violated(),
        "expected a counterexample to {property}"
    );
    vrrp_model::trace::timeline(&model, verdict.discovery.as_ref().unwrap())
}

/// Asserts that the check was exhaustive, every safety property held, and
/// every reachability property the faults make reachable was reached.
pub fn assert_safe(outcome: &Outcome) {
    for v in &outcome.verdicts {
        assert!(!v.violated(), "{} violated", v.name);
    }
    assert!(outcome.exhaustive, "the check must be exhaustive");
    assert!(
        outcome.vacuous().is_empty(),
        "vacuous: {:?}",
        outcome.vacuous()
    );
    assert!(!outcome.failed());
}

/// Asserts that each of `names` (reachability properties) was reached.
pub fn assert_reached(outcome: &Outcome, names: &[&str]) {
    for name in names {
        assert!(
            outcome.verdict(name).ok(),
            "{name} not reached: vacuous model"
        );
    }
}

/// V1..V6 and V8.
pub const ALL_V: [&str; 7] = [
    properties::V1,
    properties::V2,
    properties::V3,
    properties::V4,
    properties::V5,
    properties::V6,
    properties::V8,
];
