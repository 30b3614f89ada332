//! The bounds the properties use, derived from the [`Setup`] and from the
//! core's own Skew_Time and Master_Down_Interval.
//!
//! Every duration is in microseconds, the unit of `vrrp_core::time`.
//! Notation: `A` the longest advert interval, `D` the slowest delivery
//! (`delay_max` ticks), `J = D - delay_min` the jitter, `L` the longest run of
//! adverts that may be lost in a row on one link, `MDI_max` the longest
//! Master_Down_Interval any router can have (over its base and toggled
//! priority), as `Instance::master_down_interval` computes it.
//!
//! # T_conv, the convergence bound
//!
//! `T_conv = 2 * MDI_max + 2 * ((L + 1) * A + D) + D`, counted from the last
//! disturbance (partition change, priority toggle, crash, shutdown, restart,
//! link down or up, startup). A link going down is a silent crash to the
//! others; one coming back starts its router as a restart does. The
//! argument, one phase per term:
//!
//! 1. `D + MDI_max`: the last advert sent before the disturbance arrives
//!    within `D`; every Backup that hears no Master after that times out
//!    within its Master_Down_Interval and becomes Master.
//! 2. `(L + 1) * A + D`: two Masters that hear each other resolve: the lower
//!    one steps down on the first advert of the higher that gets through, and
//!    at most `L` in a row are lost.
//! 3. `MDI_max`: a preempting Backup that stepped down in phase 2, or that
//!    discards a lower Master's adverts, times out.
//! 4. `(L + 1) * A + D`: the Master it replaced hears it and steps down.
//!
//! The checker verifies the bound rather than trusting this argument: S4..S7
//! fail if it is too small. `Setup::t_conv_us` overrides it to measure how
//! tight it is.
//!
//! # The loss run VRRP tolerates
//!
//! A Backup that last heard the Master at `t + d0` times out at
//! `t + d0 + 3A + Skew`. If the next `L` adverts are lost, the one after
//! arrives at `t + (L + 1) * A + d` with `d - d0 <= J`. No spurious takeover
//! needs `(L - 2) * A + J < Skew`: with `J < Skew` two losses in a row are
//! tolerated, never three ([`Timing::tolerated_loss_run`]).

use vrrp_core::Instance;
use vrrp_core::time::Instant;
use vrrp_core::wire::Version;

use crate::setup::Setup;
use crate::state::Heard;

/// Derived durations, in microseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timing {
    /// One model tick.
    pub tick: u64,
    /// Fastest delivery.
    pub d_min: u64,
    /// Slowest delivery.
    pub d_max: u64,
    /// The longest advert interval.
    pub advert_max: u64,
    /// The longest Master_Down_Interval of any router at any of its priorities.
    pub mdi_max: u64,
    /// The shortest Skew_Time of any router that can be a Backup.
    pub skew_min: u64,
    /// `L`: adverts that may be lost in a row on one link (the loss budget,
    /// or the run of lossy links).
    pub loss_run: u64,
    /// The convergence bound (see the module docs).
    pub t_conv: u64,
    /// The longest a Backup waits by the RFCs after it follows an advert:
    /// `4 A` bounds `3 A + Skew_Time` (Skew_Time is below one interval, in
    /// VRRPv2 too, whose intervals are whole seconds).
    pub wait_max: u64,
    /// Per router: its longest Master_Down_Interval, at the lowest priority
    /// it can have. A Backup's timer may run that long even after its
    /// priority rose: the core re-arms it only on the next advert.
    pub mdi_of: Vec<u64>,
}

impl Timing {
    /// Derives the bounds of `setup`.
    pub fn new(setup: &Setup) -> Self {
        let tick = setup.tick_us;
        let d_min = setup.delay_min * tick;
        let d_max = setup.delay_max * tick;
        let advert_max = setup
            .advert
            .iter()
            .map(|&cs| u64::from(cs) * 10_000)
            .max()
            .unwrap_or(0);
        let mut mdi_max = 0;
        let mut skew_min = u64::MAX;
        let mut mdi_of = vec![0; setup.routers()];
        for (i, mdi_i) in mdi_of.iter_mut().enumerate() {
            for instance in Self::priority_variants(setup, i) {
                let mdi = instance.master_down_interval().as_micros();
                *mdi_i = (*mdi_i).max(mdi);
                mdi_max = mdi_max.max(mdi);
                if !instance.config().is_owner() {
                    skew_min = skew_min.min(instance.skew_time().as_micros());
                }
            }
        }
        let loss_run = u64::from(setup.loss_run.unwrap_or(setup.budget.losses));
        let resolve = (loss_run + 1) * advert_max + d_max;
        let t_conv = setup.t_conv_us.unwrap_or(2 * mdi_max + 2 * resolve + d_max);
        Self {
            tick,
            d_min,
            d_max,
            advert_max,
            mdi_max,
            skew_min,
            loss_run,
            t_conv,
            wait_max: 4 * advert_max,
            mdi_of,
        }
    }

    /// Router `i` at its base priority and with its tracked object failed.
    fn priority_variants(setup: &Setup, i: usize) -> [Instance; 2] {
        let base = setup.instance(i);
        let mut toggled = base.clone();
        toggled.handle_tracking(Instant::ZERO, setup.tracking(i, true));
        [base, toggled]
    }

    /// The longest run of lost adverts per link that cannot cause a spurious
    /// takeover with this jitter: the largest `L <= 2` with
    /// `(L - 2) * A + J < Skew_min` (see the module docs). `None` if even a
    /// loss-free link can time out (`J >= 2A + Skew_min`).
    pub fn tolerated_loss_run(&self) -> Option<u8> {
        let jitter = self.d_max - self.d_min;
        (0..=2u8).rev().find(|&run| {
            let lost = u64::from(run) * self.advert_max;
            lost + jitter < 2 * self.advert_max + self.skew_min
        })
    }

    /// Whether a packet in flight for `age` may arrive now: a whole number
    /// of ticks in `d_min..=d_max`.
    pub fn deliverable(&self, age: u64) -> bool {
        age >= self.d_min && age % self.tick == 0
    }

    /// How long a priority-0 advert may go unanswered (S8): the receiver's
    /// Skew_Time plus the slowest delivery.
    pub fn stop_bound(&self, receiver: &Instance) -> u64 {
        receiver.skew_time().as_micros() + self.d_max
    }

    /// How long a preempting router may see a lower-priority Master (S9):
    /// its Master_Down_Interval (it times out), one delivery of the last
    /// advert it accepted, one delivery of its own first advert, and `L`
    /// lost ones.
    pub fn preempt_bound(&self, preemptor: &Instance) -> u64 {
        preemptor.master_down_interval().as_micros()
            + 2 * self.d_max
            + self.loss_run * self.advert_max
    }
}

/// Skew_Time in microseconds, rounded down, written from the RFCs rather
/// than taken from the core (S15 and S16 judge the core's timers by it):
/// RFC 9568 §6.1, `((256 - Priority) * Master_Adver_Interval) / 256`;
/// RFC 3768 §6.1 (VRRPv2), `(256 - Priority) / 256` seconds.
pub fn rfc_skew(version: Version, priority: u8, interval_cs: u16) -> u64 {
    let unit = match version {
        Version::V3 => u64::from(interval_cs) * 10_000,
        Version::V2 => 1_000_000,
    };
    (256 - u64::from(priority)) * unit / 256
}

/// How long, by the RFC, a Backup at `priority` waits after following
/// `heard` before it takes over (RFC 9568 §6.4.2): Skew_Time after
/// priority 0, Master_Down_Interval (`3 * Master_Adver_Interval +
/// Skew_Time`, §6.1) otherwise.
pub fn rfc_wait(version: Version, priority: u8, heard: &Heard) -> u64 {
    if heard.stop {
        rfc_skew(version, priority, heard.interval)
    } else {
        rfc_master_down_interval(version, priority, heard.interval)
    }
}

/// Master_Down_Interval in microseconds, `3 * Master_Adver_Interval +
/// Skew_Time` (RFC 9568 §6.1; RFC 3768 §6.1 with its Skew_Time).
pub fn rfc_master_down_interval(version: Version, priority: u8, interval_cs: u16) -> u64 {
    3 * u64::from(interval_cs) * 10_000 + rfc_skew(version, priority, interval_cs)
}
