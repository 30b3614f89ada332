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

/// Partitions, loss and priority changes together: the target
/// (1.9 M states, about 4 s in a release build).
#[test]
fn partitions_loss_and_priority_changes() {
    let mut setup = Setup::new(3, 4);
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
