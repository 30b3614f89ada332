//! When to announce the VIPs again: keepalived's garp_master_delay,
//! garp_master_repeat, garp_master_refresh, garp_lower_prio_delay,
//! garp_lower_prio_repeat and garp_extra_if; each announcement then goes
//! through the per-interface [`Pacer`] (garp_group, vrrp_garp_interval).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use vrrp_core::InstanceId;

use super::garp_pace::Pacer;
use super::spec::{GarpGroupSpec, GarpSpec, InstanceSpec, Vip};

/// What a round announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A burst after becoming Master or hearing a lower priority.
    Burst,
    /// A periodic refresh (re-armed when done).
    Refresh,
    /// keepalived's `garp_extra_if`: one VIP per other interface, once,
    /// periodically.
    ExtraIf,
    /// Once, [`VMAC_SETTLE`] after the first burst: the VIPs on the
    /// instance's macvlan VMACs.
    Settle,
}

/// One pending round: announce every VIP of `instance` once at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Round {
    instance: InstanceId,
    at: Instant,
    /// Rounds left in this burst, this one included.
    left: u32,
    /// The burst's rounds in all (keepalived's `rep`: how many of one VIP
    /// may wait on a paced interface).
    repeat: u32,
    kind: Kind,
}

/// The least time between two bursts for a lower-priority Master, per
/// instance: a Master that resumes after a stop reads a backlog of the other
/// Master's adverts at once, and forged adverts may come in floods; one
/// burst answers them all.
const LOWER_PRIO_MIN_GAP: Duration = Duration::from_secs(1);

/// A new Master with a VMAC announces each VIP on it (a macvlan) once more
/// this long after its first burst. Every router of the VRID has the virtual MAC: the old
/// Master answers the burst's gratuitous ARP requests from it until it has
/// heard the new Master's advert and removed its VIPs, and each answer
/// moves the switch's entry for the virtual MAC back to the old Master,
/// whose VIPs are then gone: the VIP is lost until the next frame from the
/// new Master's VMAC, the second burst 5 s later with `vmac_xmit_base`
/// (measured: keepalived 2.2.7 answered all five of a burst sent 0.7 ms
/// after the advert, `tests/lab_vmac_takeover.rs`). keepalived has no such
/// round.
const VMAC_SETTLE: Duration = Duration::from_millis(100);

/// Pending announcement rounds of every instance, and the pacing of the
/// announcements they make.
#[derive(Debug, Default)]
pub(crate) struct GarpSchedule {
    rounds: Vec<Round>,
    /// When each instance last began a burst for a lower-priority Master.
    lower_prio: HashMap<InstanceId, Instant>,
    pacer: Pacer,
}

impl GarpSchedule {
    /// No rounds; announcements paced as `groups` say.
    pub(crate) fn new(groups: &[GarpGroupSpec]) -> Self {
        Self {
            pacer: Pacer::new(groups),
            ..Self::default()
        }
    }

    /// New pacing groups (a reload), before [`remap`](Self::remap):
    /// announcements waiting keep their turn on their interface's new lane
    /// (`specs`: the instances they were queued for).
    pub(crate) fn set_groups(&mut self, groups: &[GarpGroupSpec], specs: &[InstanceSpec]) {
        self.pacer.regroup(groups, |(id, k)| {
            let spec = specs.get(id.index())?;
            Some(spec.base_interface_of(spec.installed_at(k)?))
        });
    }

    /// An instance became Master at `now`: a burst now, another after the
    /// delay, refreshes and extra-interface rounds if configured, each
    /// first after the delay and its period (keepalived's
    /// `vrrp_state_become_master`); with a VMAC, one more round after
    /// [`VMAC_SETTLE`].
    pub(crate) fn start(&mut self, instance: InstanceId, spec: &InstanceSpec, now: Instant) {
        self.cancel(instance);
        let shared_mac = spec.vmac_parents().next().is_some();
        let spec = &spec.garp;
        let round = |at, left, kind| Round {
            instance,
            at,
            left,
            repeat: left,
            kind,
        };
        self.rounds
            .push(round(now, spec.repeat.max(1), Kind::Burst));
        if shared_mac {
            self.rounds.push(round(now + VMAC_SETTLE, 1, Kind::Settle));
        }
        if !spec.delay.is_zero() && spec.repeat > 0 {
            self.rounds
                .push(round(now + spec.delay, spec.repeat, Kind::Burst));
        }
        if let Some(period) = spec.refresh.filter(|p| !p.is_zero()) {
            let left = spec.refresh_repeat.max(1);
            self.rounds
                .push(round(now + spec.delay + period, left, Kind::Refresh));
        }
        if let Some(period) = spec.extra_if.filter(|p| !p.is_zero()) {
            self.rounds
                .push(round(now + spec.delay + period, 1, Kind::ExtraIf));
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
        match self.lower_prio.get_mut(&instance) {
            Some(at) if now < *at + LOWER_PRIO_MIN_GAP => return false,
            Some(at) => *at = now,
            None => {
                self.lower_prio.insert(instance, now);
            }
        }
        if spec.lower_prio_repeat == 0 {
            return false;
        }
        let burst = |at| Round {
            instance,
            at,
            left: spec.lower_prio_repeat,
            repeat: spec.lower_prio_repeat,
            kind: Kind::Burst,
        };
        self.rounds.push(burst(now));
        if !spec.lower_prio_delay.is_zero() {
            self.rounds.push(burst(now + spec.lower_prio_delay));
        }
        true
    }

    /// The instance left Master: no more announcements, also none waiting
    /// for their interface.
    pub(crate) fn cancel(&mut self, instance: InstanceId) {
        self.rounds.retain(|r| r.instance != instance);
        self.pacer.cancel(instance);
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
        self.lower_prio = std::mem::take(&mut self.lower_prio)
            .into_iter()
            .filter_map(|(instance, at)| Some((map(instance)?, at)))
            .collect();
        self.pacer.remap(&map);
    }

    /// The next round's time, or the next paced announcement's.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let rounds = self.rounds.iter().map(|r| r.at).min();
        rounds.into_iter().chain(self.pacer.poll_timeout()).min()
    }

    /// Takes the announcements due at `now` onto `due`, as (instance, index
    /// into its [`installed`](InstanceSpec::installed) VIPs): first those
    /// that waited for their interface, then the due rounds' (an instance
    /// whose VIPs are not `installed` announces nothing), as long as `due`
    /// is shorter than `limit`: the rest stay due, for the next turn. A
    /// mass failover's bursts (4,080 instances, five rounds each) are paced
    /// this way, so an advert due meanwhile waits for one slice of them,
    /// not for all. Re-arms the rest of the rounds' bursts.
    pub(crate) fn take_due_at_most(
        &mut self,
        now: Instant,
        specs: &[InstanceSpec],
        installed: impl Fn(InstanceId) -> bool,
        due: &mut Vec<(InstanceId, usize)>,
        limit: usize,
    ) {
        self.pacer.take_due(now, due);
        for round in &mut self.rounds {
            while round.left > 0 && round.at <= now && due.len() < limit {
                round.left -= 1;
                let spec = &specs[round.instance.index()];
                if installed(round.instance) {
                    offer_round(&mut self.pacer, now, round, spec, due);
                }
                if round.left == 0 {
                    let period = match round.kind {
                        Kind::Burst | Kind::Settle => None,
                        Kind::Refresh => spec.garp.refresh,
                        Kind::ExtraIf => spec.garp.extra_if,
                    };
                    if let Some(period) = period.filter(|p| !p.is_zero()) {
                        round.left = round.repeat;
                        round.at += period;
                    }
                }
            }
        }
        self.rounds.retain(|r| r.left > 0);
    }
}

/// One round's announcements through the pacer: those that may leave now
/// go onto `due`.
fn offer_round(
    pacer: &mut Pacer,
    now: Instant,
    round: &Round,
    spec: &InstanceSpec,
    due: &mut Vec<(InstanceId, usize)>,
) {
    let mut offer = |k: usize, vip: &Vip| {
        let key = (round.instance, k);
        let interface = spec.base_interface_of(vip);
        if pacer.offer(now, interface, vip.addr.is_ipv6(), key, round.repeat) {
            due.push(key);
        }
    };
    match round.kind {
        Kind::ExtraIf => {
            for (k, vip) in extra_if_vips(spec) {
                offer(k, vip);
            }
        }
        Kind::Settle => {
            let on_vmac = |vip: &Vip| {
                let name = spec.interface_of(vip);
                spec.vmac_parents().any(|(vmac, _, _)| vmac == name)
            };
            for (k, vip) in spec.installed().enumerate().filter(|(_, v)| on_vmac(v)) {
                offer(k, vip);
            }
        }
        Kind::Burst | Kind::Refresh => {
            for (k, vip) in spec.installed().enumerate() {
                offer(k, vip);
            }
        }
    }
}

/// What a `garp_extra_if` round announces, keepalived 2.4.3's
/// `vrrp_send_vmac_update`: the first VIP on each interface that gets one
/// (with its index into [`installed`](InstanceSpec::installed)). An
/// interface gets one if it is a VMAC of the instance (its own or a
/// per-address one, `use_vmac_addr`), any interface with `all`; the
/// instance's own (its VMAC, else its interface) only with
/// `vmac_xmit_base`, its adverts refreshing it otherwise. None at all
/// unless some VIP that would get one is on another interface than the
/// instance's own (keepalived turns the timer off: `vrrp.c`, "If there are
/// no extra interfaces").
fn extra_if_vips(spec: &InstanceSpec) -> Vec<(usize, &Vip)> {
    let own = spec.own_interface();
    let is_vmac = |name: &str| {
        spec.vmac.as_deref() == Some(name) || spec.addr_vmacs.iter().any(|v| v.name == name)
    };
    let gets_one = |name: &str| spec.garp.extra_if_all || is_vmac(name);
    let elsewhere = spec.installed().any(|vip| {
        let name = spec.interface_of(vip);
        name != own && gets_one(name)
    });
    if !elsewhere {
        return Vec::new();
    }
    let mut done = HashSet::new();
    spec.installed()
        .enumerate()
        .filter(|&(_, vip)| {
            let name = spec.interface_of(vip);
            gets_one(name) && (name != own || spec.vmac_xmit_base) && done.insert(name)
        })
        .collect()
}

#[cfg(test)]
mod test {
    use std::net::IpAddr;
    use std::time::Duration;

    use super::*;
    use crate::driver::spec::AddrVmac;

    /// `n` instances on eth0, VRIDs 1.., each with VIP 192.0.2.VRID, and
    /// their ids (= their index).
    fn setup(n: u8, garp: GarpSpec) -> (Vec<InstanceId>, Vec<InstanceSpec>) {
        let mut router = vrrp_core::Router::new();
        let mut specs = Vec::new();
        let ids = (1..=n)
            .map(|vrid| {
                let me = std::net::Ipv4Addr::new(192, 0, 2, 1).into();
                let vip: IpAddr = std::net::Ipv4Addr::new(192, 0, 2, vrid).into();
                let mut spec = InstanceSpec::new("v", "eth0", vrid, &[vip]);
                spec.garp = garp;
                specs.push(spec);
                let config = vrrp_core::Config::new(vrid, me, vec![vip]);
                router
                    .add(1, vrrp_core::Instance::new(config).unwrap())
                    .unwrap()
            })
            .collect();
        (ids, specs)
    }

    fn take(s: &mut GarpSchedule, now: Instant, specs: &[InstanceSpec]) -> Vec<InstanceId> {
        let mut due = Vec::new();
        s.take_due_at_most(now, specs, |_| true, &mut due, usize::MAX);
        due.into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn keepalived_defaults_two_bursts_of_five() {
        let spec = GarpSpec::default();
        let (ids, specs) = setup(1, spec);
        let a = ids[0];
        let t0 = Instant::now();
        let mut s = GarpSchedule::default();
        s.start(a, &specs[0], t0);
        assert_eq!(
            take(&mut s, t0, &specs).len(),
            5,
            "first burst back to back"
        );
        assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(5)));
        assert_eq!(take(&mut s, t0 + Duration::from_secs(5), &specs).len(), 5);
        assert_eq!(s.poll_timeout(), None);
        // Not installed: nothing to announce.
        s.start(a, &specs[0], t0);
        let mut due = Vec::new();
        s.take_due_at_most(t0, &specs, |_| false, &mut due, usize::MAX);
        assert!(due.is_empty());
    }

    #[test]
    fn a_vmac_instance_announces_once_more_after_the_settle_time() {
        let spec = GarpSpec::default();
        let (ids, mut specs) = setup(1, spec);
        specs[0].vmac = Some("vrrp.1".into());
        specs[0].vips[0].interface = Some("vrrp.1".into());
        specs[0].vips.push(Vip {
            interface: Some("mv0".into()),
            ..Vip::new(IpAddr::from([198, 18, 0, 1]))
        });
        let t0 = Instant::now();
        let mut s = GarpSchedule::default();
        s.start(ids[0], &specs[0], t0);
        assert_eq!(take(&mut s, t0, &specs).len(), 10, "both VIPs, 5 each");
        assert_eq!(s.poll_timeout(), Some(t0 + VMAC_SETTLE));
        let mut due = Vec::new();
        s.take_due_at_most(t0 + VMAC_SETTLE, &specs, |_| true, &mut due, usize::MAX);
        assert_eq!(due, [(ids[0], 0)], "the VIP on the VMAC only");
        assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(5)));
        assert_eq!(take(&mut s, t0 + Duration::from_secs(5), &specs).len(), 10);
        assert_eq!(s.poll_timeout(), None);
    }

    #[test]
    fn a_limit_leaves_the_rest_due() {
        let spec = GarpSpec::default();
        let (ids, specs) = setup(2, spec);
        let (a, b) = (ids[0], ids[1]);
        let t0 = Instant::now();
        let mut s = GarpSchedule::default();
        s.start(a, &specs[0], t0);
        s.start(b, &specs[1], t0);
        let mut due = Vec::new();
        s.take_due_at_most(t0, &specs, |_| true, &mut due, 7);
        let instances: Vec<_> = due.iter().map(|(id, _)| *id).collect();
        assert_eq!(instances, [a, a, a, a, a, b, b]);
        assert_eq!(s.poll_timeout(), Some(t0), "the rest is still due");
        assert_eq!(take(&mut s, t0, &specs), [b, b, b]);
        assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(5)));
    }

    #[test]
    fn refresh_after_the_delay_and_cancel() {
        let ms = Duration::from_millis;
        let spec = GarpSpec {
            delay: ms(500),
            repeat: 2,
            refresh: Some(ms(1000)),
            refresh_repeat: 1,
            ..GarpSpec::default()
        };
        let (ids, specs) = setup(2, spec);
        let (a, b) = (ids[0], ids[1]);
        let t0 = Instant::now();
        let mut s = GarpSchedule::default();
        s.start(a, &specs[0], t0);
        s.start(b, &specs[1], t0);
        assert_eq!(take(&mut s, t0, &specs), [a, a, b, b]);
        s.cancel(b);
        assert_eq!(take(&mut s, t0 + ms(500), &specs), [a, a]);
        // keepalived: the first refresh after garp_master_delay + refresh.
        assert_eq!(s.poll_timeout(), Some(t0 + ms(1500)));
        assert_eq!(take(&mut s, t0 + ms(1500), &specs), [a]);
        assert_eq!(
            take(&mut s, t0 + ms(2500), &specs),
            [a],
            "then every second"
        );
    }

    #[test]
    fn extra_if_rounds_announce_once_per_other_interface_through_the_pacer() {
        let ms = Duration::from_millis;
        let spec = GarpSpec {
            delay: Duration::ZERO,
            repeat: 1,
            extra_if: Some(ms(1000)),
            extra_if_all: true,
            ..GarpSpec::default()
        };
        let (ids, mut specs) = setup(1, spec);
        let a = ids[0];
        let on = |addr: [u8; 4], dev: Option<&str>| Vip {
            interface: dev.map(str::to_owned),
            ..Vip::new(IpAddr::from(addr))
        };
        specs[0].vips = vec![
            on([192, 0, 2, 1], None),
            on([198, 18, 0, 1], Some("eth1")),
            on([198, 18, 0, 2], Some("eth1")),
            on([198, 18, 1, 1], Some("eth2")),
        ];
        let paced = GarpGroupSpec {
            interfaces: vec!["eth1".into(), "eth2".into()],
            garp_interval: Some(ms(100)),
            gna_interval: None,
        };
        let mut s = GarpSchedule::new(&[paced]);
        let t0 = Instant::now();
        s.start(a, &specs[0], t0);
        let mut due = Vec::new();
        s.take_due_at_most(t0, &specs, |_| true, &mut due, usize::MAX);
        assert_eq!(due, [(a, 0), (a, 1)], "eth2 waits behind eth1: one group");
        assert_eq!(s.poll_timeout(), Some(t0 + ms(100)));
        due.clear();
        s.take_due_at_most(t0 + ms(100), &specs, |_| true, &mut due, usize::MAX);
        assert_eq!(due, [(a, 2)], "one per interval");
        due.clear();
        s.take_due_at_most(t0 + ms(200), &specs, |_| true, &mut due, usize::MAX);
        assert_eq!(due, [(a, 3)]);
        due.clear();
        assert_eq!(s.poll_timeout(), Some(t0 + ms(1000)));
        s.take_due_at_most(t0 + ms(1000), &specs, |_| true, &mut due, usize::MAX);
        assert_eq!(due, [(a, 1)], "eth1's first VIP; eth2 waits for the lane");
        due.clear();
        s.take_due_at_most(t0 + ms(1100), &specs, |_| true, &mut due, usize::MAX);
        assert_eq!(due, [(a, 3)]);
        assert_eq!(s.poll_timeout(), Some(t0 + ms(2000)), "every period");
    }

    #[test]
    fn extra_if_without_all_announces_on_the_instance_s_vmacs_only() {
        let (_, mut specs) = setup(1, GarpSpec::default());
        let spec = &mut specs[0];
        let on = |addr: [u8; 4], dev: &str| Vip {
            interface: Some(dev.to_owned()),
            ..Vip::new(IpAddr::from(addr))
        };
        spec.vmac = Some("vrrp.1".into());
        spec.vips = vec![
            on([192, 0, 2, 1], "vrrp.1"),
            on([198, 18, 0, 1], "eth1"),
            on([198, 18, 1, 1], "vrrp4.1"),
            on([198, 18, 1, 2], "vrrp4.1"),
        ];
        let picked = |spec: &InstanceSpec| -> Vec<usize> {
            extra_if_vips(spec).into_iter().map(|(k, _)| k).collect()
        };
        assert_eq!(picked(spec), [], "no VMAC but the own one: off");
        spec.addr_vmacs.push(AddrVmac {
            name: "vrrp4.1".into(),
            parent: "eth2".into(),
            family: crate::socket::Family::Ipv4,
        });
        assert_eq!(picked(spec), [2], "the address VMAC, its first VIP");
        spec.vmac_xmit_base = true;
        assert_eq!(picked(spec), [0, 2], "and the own VMAC with xmit_base");
        spec.garp.extra_if_all = true;
        assert_eq!(picked(spec), [0, 1, 2], "all: every interface");
        spec.vmac_xmit_base = false;
        spec.vips.truncate(1);
        assert_eq!(picked(spec), [], "all, but nothing elsewhere");
    }

    #[test]
    fn a_lower_priority_master_gets_two_bursts_and_at_most_one_per_second() {
        let spec = GarpSpec {
            lower_prio_repeat: 3,
            lower_prio_delay: Duration::from_secs(2),
            ..GarpSpec::default()
        };
        let (ids, specs) = setup(1, spec);
        let a = ids[0];
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut s = GarpSchedule::default();
        assert!(s.start_lower_prio(a, &spec, t0));
        // A backlog of the other Master's adverts read at once: one burst.
        assert!(!s.start_lower_prio(a, &spec, t0));
        assert!(!s.start_lower_prio(a, &spec, t0 + ms(999)));
        assert_eq!(take(&mut s, t0, &specs), [a, a, a]);
        assert_eq!(s.poll_timeout(), Some(t0 + ms(2000)));
        assert!(
            s.start_lower_prio(a, &spec, t0 + ms(1000)),
            "a second later"
        );
        assert_eq!(
            take(&mut s, t0 + ms(2000), &specs).len(),
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
