//! Tracked objects — scripts, processes, interfaces — and how their results
//! become an instance's [`Tracking`](vrrp_core::Tracking) input.
//!
//! keepalived's rule, which users' configurations rely on: an object with a
//! positive weight adds it while the object is up; a negative weight is
//! added while it is down; `reverse` flips the sign first; weight 0 means a
//! down object puts the instance in Fault. A tracked file is not up or
//! down but holds a number: see [`TrackWeight::file_contribution`].

pub mod file;
pub mod process;
pub mod script;

/// One tracked object as an instance sees it: which object, and with what weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrackWeight {
    /// keepalived's `weight`: -253..=253 (-254..=254 for a file).
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

impl TrackWeight {
    /// What a tracked file holding `value` contributes (`None` for
    /// Fault), keepalived's rule: with weight 0 a non-zero value is Fault
    /// (with `reverse`, a zero value is); otherwise value × weight (negated
    /// by `reverse`), Fault at -254 or below, at most 253. A file that is
    /// not tracked (`value` `None`: its directory is missing) adds nothing.
    pub fn file_contribution(self, value: Option<i64>) -> Option<i32> {
        let Some(value) = value else { return Some(0) };
        if self.weight == 0 {
            return ((value != 0) == self.reverse).then_some(0);
        }
        let sign = if self.reverse { -1 } else { 1 };
        let total = value.saturating_mul(i64::from(self.weight) * sign);
        (total > -254).then(|| total.min(253) as i32)
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use vrrp_core::Tracking;

    /// What the driver sums (`driver/tracking.rs`) for (weight, up) pairs.
    fn tracking(objects: impl IntoIterator<Item = (TrackWeight, bool)>) -> Tracking {
        Tracking::sum(
            objects
                .into_iter()
                .map(|(weight, up)| weight.contribution(up)),
        )
    }

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

    /// keepalived 2.4.3's `update_track_file_status` and
    /// `process_update_vrrp_track_file_status`, case by case.
    #[test]
    fn file_values_times_weights() {
        assert_eq!(w(0, false).file_contribution(Some(0)), Some(0));
        assert_eq!(w(0, false).file_contribution(Some(1)), None);
        assert_eq!(w(0, false).file_contribution(Some(-3)), None);
        assert_eq!(w(0, true).file_contribution(Some(0)), None);
        assert_eq!(w(0, true).file_contribution(Some(7)), Some(0));
        assert_eq!(w(-60, false).file_contribution(Some(1)), Some(-60));
        assert_eq!(w(-60, false).file_contribution(Some(2)), Some(-120));
        assert_eq!(w(-60, false).file_contribution(Some(5)), None);
        assert_eq!(w(1, false).file_contribution(Some(-253)), Some(-253));
        assert_eq!(w(1, false).file_contribution(Some(-254)), None);
        assert_eq!(w(10, false).file_contribution(Some(100)), Some(253));
        assert_eq!(w(10, true).file_contribution(Some(3)), Some(-30));
        assert_eq!(
            w(254, false).file_contribution(Some(2_147_483_648)),
            Some(253)
        );
        assert_eq!(w(-254, false).file_contribution(Some(1)), None);
        assert_eq!(w(0, true).file_contribution(None), Some(0));
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
