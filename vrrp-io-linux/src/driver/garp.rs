//! When to announce the VIPs again: keepalived's garp_master_delay,
//! garp_master_repeat, garp_master_refresh, garp_lower_prio_delay,
//! garp_lower_prio_repeat and vrrp_garp_interval.

use std::time::{Duration, Instant};

use vrrp_core::InstanceId;

use super::spec::GarpSpec;

/// One pending round: announce every VIP of `instance` once at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Round {
    instance: InstanceId,
    at: Instant,
    /// Rounds left in this burst, this one included.
    left: u32,
    /// Whether this burst is a periodic refresh (re-armed when done).
    refresh: bool,
}

/// The least time between two bursts for a lower-priority Master, per
/// instance: a Master that resumes after a stop reads a backlog of the other
/// Master's adverts at once, and forged adverts may come in floods; one
/// burst answers them all.
const LOWER_PRIO_MIN_GAP: Duration = Duration::from_secs(1);

/// Pending announcement rounds of every instance.
#[derive(Debug, Default)]
pub(crate) struct GarpSchedule {
    rounds: Vec<Round>,
    /// When each instance last began a burst for a lower-priority Master.
    lower_prio: Vec<(InstanceId, Instant)>,
}

impl GarpSchedule {
    /// An instance became Master at `now`: a burst now, another after the
    /// delay, and refreshes if configured.
    pub(crate) fn start(&mut self, instance: InstanceId, spec: &GarpSpec, now: Instant) {
        self.cancel(instance);
        let burst = |at, left, refresh| Round {
            instance,
            at,
            left,
            refresh,
        };
        self.rounds.push(burst(now, spec.repeat.max(1), false));
        if !spec.delay.is_zero() && spec.repeat > 0 {
            self.rounds
                .push(burst(now + spec.delay, spec.repeat, false));
        }
        if let Some(period) = spec.refresh.filter(|p| !p.is_zero()) {
            self.rounds
                .push(burst(now + period, spec.refresh_repeat.max(1), true));
        }
    }

    /// A Master heard a lower-priority Master at `now`: a burst now and
    /// another after the delay (keepalived's `garp_lower_prio_*`), unless
    /// one began less than [`LOWER_PRIO_MIN_GAP`] ago. Whether it began one.
    pub(crate) fn start_lower_prio(
        &mut self,
        instance: InstanceId,
        spec: &GarpSpec,
        now: Instant,
    ) -> bool {
        let last = self.lower_prio.iter_mut().find(|(id, _)| *id == instance);
        match last {
            Some((_, at)) if now < *at + LOWER_PRIO_MIN_GAP => return false,
            Some((_, at)) => *at = now,
            None => self.lower_prio.push((instance, now)),
        }
        if spec.lower_prio_repeat == 0 {
            return false;
        }
        let burst = |at| Round {
            instance,
            at,
            left: spec.lower_prio_repeat,
            refresh: false,
        };
        self.rounds.push(burst(now));
        if !spec.lower_prio_delay.is_zero() {
            self.rounds.push(burst(now + spec.lower_prio_delay));
        }
        true
    }

    /// The instance left Master: no more announcements.
    pub(crate) fn cancel(&mut self, instance: InstanceId) {
        self.rounds.retain(|r| r.instance != instance);
    }

    /// Instance ids changed (a reload): `map` gives each its new id, or
    /// `None` for an instance that is gone, whose rounds are dropped.
    pub(crate) fn remap(&mut self, map: impl Fn(InstanceId) -> Option<InstanceId>) {
        self.rounds.retain_mut(|round| match map(round.instance) {
            Some(id) => {
                round.instance = id;
                true
            }
            None => false,
        });
        self.lower_prio
            .retain_mut(|(instance, _)| match map(*instance) {
                Some(id) => {
                    *instance = id;
                    true
                }
                None => false,
            });
    }

    /// The next round's time.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.rounds.iter().map(|r| r.at).min()
    }

    /// Takes the rounds due at `now`, pushing each instance once per round
    /// onto `due`, and re-arms the rest of their bursts.
    #[cfg(test)]
    pub(crate) fn take_due(
        &mut self,
        now: Instant,
        specs: impl Fn(InstanceId) -> GarpSpec,
        due: &mut Vec<InstanceId>,
    ) {
        self.take_due_at_most(now, specs, due, usize::MAX);
    }

    /// [`take_due`](Self::take_due), stopping at `limit` rounds in `due`:
    /// the rest stay due, for the next turn. A mass failover's bursts
    /// (4,080 instances, five rounds each) are paced this way, so an advert
    /// due meanwhile waits for one slice of them, not for all.
    pub(crate) fn take_due_at_most(
        &mut self,
        now: Instant,
        specs: impl Fn(InstanceId) -> GarpSpec,
        due: &mut Vec<InstanceId>,
        limit: usize,
    ) {
        for round in &mut self.rounds {
            while round.left > 0 && round.at <= now && due.len() < limit {
                due.push(round.instance);
                round.left -= 1;
                let spec = specs(round.instance);
                if round.left > 0 {
                    round.at += spec.interval;
                } else if round.refresh {
                    if let Some(period) = spec.refresh {
                        round.left = spec.refresh_repeat.max(1);
                        round.at += period;
                    }
                }
            }
        }
        self.rounds.retain(|r| r.left > 0);
    }
}

#[cfg(test)]
mod test {
    use std::time::Duration;

    use super::*;

    fn id(router: &mut vrrp_core::Router, vrid: u8) -> InstanceId {
        let me = std::net::Ipv4Addr::new(192, 0, 2, 1).into();
        let vip = std::net::Ipv4Addr::new(192, 0, 2, 100).into();
        let config = vrrp_core::Config::new(vrid, me, vec![vip]);
        router
            .add(1, vrrp_core::Instance::new(config).unwrap())
            .unwrap()
    }

    #[test]
    fn keepalived_defaults_two_bursts_of_five() {
        let mut router = vrrp_core::Router::new();
        let a = id(&mut router, 1);
        let spec = GarpSpec::default();
        let t0 = Instant::now();
        let mut s = GarpSchedule::default();
        s.start(a, &spec, t0);
        let mut due = Vec::new();
        s.take_due(t0, |_| spec, &mut due);
        assert_eq!(due.len(), 5, "first burst back to back");
        assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(5)));
        due.clear();
        s.take_due(t0 + Duration::from_secs(5), |_| spec, &mut due);
        assert_eq!(due.len(), 5);
        assert_eq!(s.poll_timeout(), None);
    }

    #[test]
    fn a_limit_leaves_the_rest_due() {
        let mut router = vrrp_core::Router::new();
        let (a, b) = (id(&mut router, 1), id(&mut router, 2));
        let spec = GarpSpec::default();
        let t0 = Instant::now();
        let mut s = GarpSchedule::default();
        s.start(a, &spec, t0);
        s.start(b, &spec, t0);
        let mut due = Vec::new();
        s.take_due_at_most(t0, |_| spec, &mut due, 7);
        assert_eq!(due, [a, a, a, a, a, b, b]);
        assert_eq!(s.poll_timeout(), Some(t0), "the rest is still due");
        due.clear();
        s.take_due_at_most(t0, |_| spec, &mut due, 7);
        assert_eq!(due, [b, b, b]);
        assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(5)));
    }

    #[test]
    fn spaced_rounds_refresh_and_cancel() {
        let mut router = vrrp_core::Router::new();
        let (a, b) = (id(&mut router, 1), id(&mut router, 2));
        let ms = Duration::from_millis;
        let spec = GarpSpec {
            delay: Duration::ZERO,
            repeat: 2,
            refresh: Some(ms(1000)),
            refresh_repeat: 1,
            interval: ms(10),
            ..GarpSpec::default()
        };
        let t0 = Instant::now();
        let mut s = GarpSchedule::default();
        s.start(a, &spec, t0);
        s.start(b, &spec, t0);
        let mut due = Vec::new();
        s.take_due(t0, |_| spec, &mut due);
        assert_eq!(due, [a, b]);
        assert_eq!(s.poll_timeout(), Some(t0 + ms(10)));
        s.cancel(b);
        due.clear();
        s.take_due(t0 + ms(10), |_| spec, &mut due);
        assert_eq!(due, [a]);
        due.clear();
        s.take_due(t0 + ms(1000), |_| spec, &mut due);
        s.take_due(t0 + ms(2000), |_| spec, &mut due);
        assert_eq!(due, [a, a], "a refresh every second");
    }

    #[test]
    fn a_lower_priority_master_gets_two_bursts_and_at_most_one_per_second() {
        let mut router = vrrp_core::Router::new();
        let a = id(&mut router, 1);
        let spec = GarpSpec {
            lower_prio_repeat: 3,
            lower_prio_delay: Duration::from_secs(2),
            ..GarpSpec::default()
        };
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut s = GarpSchedule::default();
        assert!(s.start_lower_prio(a, &spec, t0));
        // A backlog of the other Master's adverts read at once: one burst.
        assert!(!s.start_lower_prio(a, &spec, t0));
        assert!(!s.start_lower_prio(a, &spec, t0 + ms(999)));
        let mut due = Vec::new();
        s.take_due(t0, |_| spec, &mut due);
        assert_eq!(due, [a, a, a]);
        assert_eq!(s.poll_timeout(), Some(t0 + ms(2000)));
        assert!(
            s.start_lower_prio(a, &spec, t0 + ms(1000)),
            "a second later"
        );
        due.clear();
        s.take_due(t0 + ms(2000), |_| spec, &mut due);
        assert_eq!(
            due.len(),
            6,
            "the first burst's second half, the second's first"
        );
        // Leaving Master cancels the rest; repeat 0 announces nothing.
        s.cancel(a);
        assert_eq!(s.poll_timeout(), None);
        let none = GarpSpec {
            lower_prio_repeat: 0,
            ..spec
        };
        assert!(!s.start_lower_prio(a, &none, t0 + ms(5000)));
        assert_eq!(s.poll_timeout(), None);
    }
}
