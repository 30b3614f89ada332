//! Three routers (priorities 100, 150, 200), 4 cs adverts, delivery within
//! two ticks, exhaustively.

mod common;

use common::{assert_reached, assert_safe, check, tolerated_losses};
use vrrp_model::{Setup, properties};

/// The LAN splits or heals once, and the adverts VRRP tolerates are lost.
#[test]
fn partitions_and_loss() {
    let mut setup = Setup::new(3, 4);
    setup.budget.partitions = 1;
    setup.budget.losses = tolerated_losses(&setup);
    assert_eq!(setup.budget.losses, 1, "jitter 2 cs > Skew_Time(200)");
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(
        &outcome,
        &[
            properties::V1,
            properties::V2,
            properties::V4,
            properties::V6,
        ],
    );
}

/// Partitions, loss and priority changes together, delivery within one
/// tick. The target (delivery within two ticks) was exhaustive at
/// 7.0 M states before a yielding Master started sending one last advert
/// (the fault matrix's fix); with that extra advert in flight it outgrew
/// 20 GB, so CI checks delivery within one tick (1.4 M states, 4 s release).
#[test]
fn partitions_loss_and_priority_changes() {
    let mut setup = Setup::new(3, 4);
    setup.delay_max = 1;
    setup.budget.partitions = 1;
    setup.budget.toggles = 1;
    setup.budget.losses = tolerated_losses(&setup);
    let (_, outcome) = check(setup);
    assert_safe(&outcome);
    assert_reached(
        &outcome,
        &[
            properties::V1,
            properties::V2,
            properties::V3,
            properties::V4,
            properties::V6,
        ],
    );
}
