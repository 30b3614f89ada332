//! Tracked objects — scripts, processes, interfaces — and how their results
//! become an instance's [`Tracking`](vrrp_core::Tracking) input.
//!
//! keepalived's rule, which users' configurations rely on: an object with a
//! positive weight adds it while the object is up; a negative weight is
//! added while it is down; `reverse` flips the sign first; weight 0 means a
//! down object puts the instance in Fault.

pub mod process;
pub mod script;

use vrrp_core::Tracking;

/// One tracked object as an instance sees it: which object, and with what weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrackWeight {
    /// keepalived's `weight`: -253..=253.
    pub weight: i32,
    /// keepalived's `reverse`.
    pub reverse: bool,
}

impl TrackWeight {
    /// What an object in this state contributes: `None` for Fault (weight 0
    /// and down), else the priority adjustment.
    pub fn contribution(self, up: bool) -> Option<i32> {
        let weight = if self.reverse {
            -self.weight
        } else {
            self.weight
        };
        match (weight, up) {
            (0, false) => None,
            (w, true) if w > 0 => Some(w),
            (w, false) if w < 0 => Some(w),
            _ => Some(0),
        }
    }
}

/// Sums the contributions of an instance's tracked objects, given as
/// (weight, up) pairs.
pub fn tracking(objects: impl IntoIterator<Item = (TrackWeight, bool)>) -> Tracking {
    Tracking::sum(
        objects
            .into_iter()
            .map(|(weight, up)| weight.contribution(up)),
    )
}

#[cfg(test)]
mod test {
    use super::*;

    fn w(weight: i32, reverse: bool) -> TrackWeight {
        TrackWeight { weight, reverse }
    }

    #[test]
    fn keepalived_weight_rules() {
        assert_eq!(w(2, false).contribution(true), Some(2));
        assert_eq!(w(2, false).contribution(false), Some(0));
        assert_eq!(w(-60, false).contribution(true), Some(0));
        assert_eq!(w(-60, false).contribution(false), Some(-60));
        assert_eq!(w(10, true).contribution(true), Some(0));
        assert_eq!(w(10, true).contribution(false), Some(-10));
        assert_eq!(w(-10, true).contribution(true), Some(10));
        assert_eq!(w(0, false).contribution(false), None);
        assert_eq!(w(0, false).contribution(true), Some(0));
    }

    #[test]
    fn sums_and_faults() {
        let t = tracking([
            (w(2, false), true),
            (w(-60, false), false),
            (w(5, false), false),
        ]);
        assert_eq!(
            t,
            Tracking {
                weight: -58,
                failed: false
            }
        );
        let t = tracking([(w(2, false), true), (w(0, false), false)]);
        assert_eq!(
            t,
            Tracking {
                weight: 2,
                failed: true
            }
        );
        assert_eq!(tracking([]), Tracking::default());
    }
}
