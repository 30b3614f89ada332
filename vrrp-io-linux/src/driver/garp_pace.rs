//! keepalived's per-interface pacing of gratuitous ARPs and unsolicited
//! NAs (`garp_group`, `vrrp_garp_interval`, `vrrp_gna_interval`;
//! `vrrp_arp.c`, `vrrp_ndisc.c`, `vrrp_scheduler.c`'s `vrrp_arp_thread`).
//!
//! A group of interfaces has one lane per family. An announcement on a lane
//! whose last one left less than its interval ago waits in the lane's
//! queue; a VIP already waiting there counts one more, up to the burst's
//! repeat, instead of queueing twice. The queue sends one announcement
//! per interval, round robin, whatever instance it belongs to.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use vrrp_core::InstanceId;

use super::spec::GarpGroupSpec;

/// One VIP of an instance: `.1` indexes the instance's
/// [`installed`](super::spec::InstanceSpec::installed) addresses.
pub(crate) type Key = (InstanceId, usize);

/// One family of one group.
#[derive(Debug, Default)]
struct Lane {
    interval: Option<Duration>,
    /// When the next announcement may leave (set by the last one sent).
    next: Option<Instant>,
    /// The VIPs waiting, in turn; each once.
    queue: VecDeque<Key>,
    /// Per waiting VIP, the announcements still owed: a look-up per offer,
    /// not a search of the queue (a mass failover queues thousands).
    left: HashMap<Key, u32>,
}

/// The groups, and which group each interface is in.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    /// Per group: the IPv4 (ARP) lane, then the IPv6 (NA) lane.
    lanes: Vec<[Lane; 2]>,
    by_interface: HashMap<String, usize>,
    /// Announcements that waited on an interface a reload left unpaced:
    /// they leave at `released_at`, when their old lane would have let
    /// the next one go.
    released: Vec<Key>,
    released_at: Option<Instant>,
}

impl Pacer {
    /// Pacing as `groups` say, nothing waiting.
    pub(crate) fn new(groups: &[GarpGroupSpec]) -> Self {
        let mut pacer = Self::default();
        for group in groups {
            let index = pacer.lanes.len();
            let lane = |interval| Lane {
                interval,
                ..Lane::default()
            };
            pacer
                .lanes
                .push([lane(group.garp_interval), lane(group.gna_interval)]);
            for name in &group.interfaces {
                pacer.by_interface.entry(name.clone()).or_insert(index);
            }
        }
        pacer
    }

    /// New groups (a reload): each announcement waiting keeps its turn and
    /// its count, on the lane its interface (`interface_of`; `None`: its
    /// instance is gone, and so is it) has in `groups`, and leaves no
    /// sooner than its old lane would have let it; on an interface no
    /// longer paced, it leaves then.
    pub(crate) fn regroup<'a>(
        &mut self,
        groups: &[GarpGroupSpec],
        interface_of: impl Fn(Key) -> Option<&'a str>,
    ) {
        let old = std::mem::replace(self, Self::new(groups));
        self.released = old.released;
        self.released_at = old.released_at;
        for [v4, v6] in old.lanes {
            for (family, lane) in [v4, v6].into_iter().enumerate() {
                for key in lane.queue {
                    let (Some(&left), Some(name)) = (lane.left.get(&key), interface_of(key)) else {
                        continue;
                    };
                    let group = self.by_interface.get(name).copied();
                    let new = group
                        .map(|g| &mut self.lanes[g][family])
                        .filter(|new| new.interval.is_some());
                    match new {
                        Some(new) => {
                            if new.left.insert(key, left).is_none() {
                                new.queue.push_back(key);
                            }
                            new.next = new.next.max(lane.next);
                        }
                        None => {
                            let times = usize::try_from(left).unwrap_or(1);
                            self.released.extend(std::iter::repeat_n(key, times));
                            self.released_at = self.released_at.min(lane.next).or(lane.next);
                        }
                    }
                }
            }
        }
    }

    /// One announcement of `instance`'s VIP number `vip` (IPv6: `v6`) on
    /// `interface`, in a burst of `repeat`: whether it may leave now (and
    /// the lane's clock starts), or waits.
    pub(crate) fn offer(
        &mut self,
        now: Instant,
        interface: &str,
        v6: bool,
        (instance, vip): Key,
        repeat: u32,
    ) -> bool {
        let Some(&group) = self.by_interface.get(interface) else {
            return true;
        };
        let lane = &mut self.lanes[group][usize::from(v6)];
        let Some(interval) = lane.interval else {
            return true;
        };
        // vrrp_arp.c send_gratuitous_arp: already queued, one more (to `rep`).
        let key = (instance, vip);
        if let Some(left) = lane.left.get_mut(&key) {
            if *left < repeat {
                *left += 1;
            }
            return false;
        }
        if lane.next.is_some_and(|next| now < next) {
            lane.queue.push_back(key);
            lane.left.insert(key, 1);
            return false;
        }
        lane.next = Some(now + interval);
        true
    }

    /// Moves the waiting announcements whose time came onto `due`: at most
    /// one per lane and interval.
    pub(crate) fn take_due(&mut self, now: Instant, due: &mut Vec<(InstanceId, usize)>) {
        if self.released_at.is_some_and(|at| at <= now) {
            due.append(&mut self.released);
            self.released_at = None;
        }
        for lane in self.lanes.iter_mut().flatten() {
            let interval = lane.interval.unwrap_or_default();
            while lane.next.is_none_or(|next| next <= now) {
                let Some(first) = lane.queue.pop_front() else {
                    break;
                };
                due.push(first);
                lane.next = Some(now + interval);
                match lane.left.get_mut(&first) {
                    Some(left) if *left > 1 => {
                        *left -= 1;
                        lane.queue.push_back(first);
                    }
                    _ => {
                        lane.left.remove(&first);
                    }
                }
                if interval.is_zero() {
                    break;
                }
            }
        }
    }

    /// When the next waiting announcement may leave.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.lanes
            .iter()
            .flatten()
            .filter(|lane| !lane.queue.is_empty())
            .filter_map(|lane| lane.next)
            .chain(self.released_at)
            .min()
    }

    /// The instance left Master: its waiting announcements go (keepalived's
    /// `vrrp_remove_delayed_arp`).
    pub(crate) fn cancel(&mut self, instance: InstanceId) {
        for lane in self.lanes.iter_mut().flatten() {
            lane.queue.retain(|&(id, _)| id != instance);
            lane.left.retain(|&(id, _), _| id != instance);
        }
        self.released.retain(|&(id, _)| id != instance);
    }

    /// Instance ids changed (a reload): see [`GarpSchedule::remap`](super::garp::GarpSchedule::remap).
    pub(crate) fn remap(&mut self, map: &impl Fn(InstanceId) -> Option<InstanceId>) {
        for lane in self.lanes.iter_mut().flatten() {
            lane.queue.retain_mut(|(instance, _)| match map(*instance) {
                Some(id) => {
                    *instance = id;
                    true
                }
                None => false,
            });
            lane.left = std::mem::take(&mut lane.left)
                .into_iter()
                .filter_map(|((instance, vip), left)| Some(((map(instance)?, vip), left)))
                .collect();
        }
        self.released = std::mem::take(&mut self.released)
            .into_iter()
            .filter_map(|(instance, vip)| Some((map(instance)?, vip)))
            .collect();
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn ids(n: u8) -> Vec<InstanceId> {
        let mut router = vrrp_core::Router::new();
        (1..=n)
            .map(|vrid| {
                let me = std::net::Ipv4Addr::new(192, 0, 2, 1).into();
                let vip = std::net::Ipv4Addr::new(192, 0, 2, vrid).into();
                let config = vrrp_core::Config::new(vrid, me, vec![vip]);
                router
                    .add(1, vrrp_core::Instance::new(config).unwrap())
                    .unwrap()
            })
            .collect()
    }

    fn group(interfaces: &[&str], garp_ms: Option<u64>) -> GarpGroupSpec {
        GarpGroupSpec {
            interfaces: interfaces.iter().map(|s| s.to_string()).collect(),
            garp_interval: garp_ms.map(Duration::from_millis),
            gna_interval: None,
        }
    }

    #[test]
    fn a_burst_of_two_vips_leaves_one_per_interval_round_robin() {
        let id = ids(1)[0];
        let ms = Duration::from_millis;
        let mut pacer = Pacer::new(&[group(&["eth0"], Some(100))]);
        let t0 = Instant::now();
        // vrrp_send_link_update: repeat 3 times over VIPs 0 and 1.
        let mut now_sent = Vec::new();
        for _ in 0..3 {
            for vip in 0..2 {
                if pacer.offer(t0, "eth0", false, (id, vip), 3) {
                    now_sent.push(vip);
                }
            }
        }
        assert_eq!(now_sent, [0], "only the first leaves at once");
        let mut due = Vec::new();
        let mut at = t0;
        let mut order = Vec::new();
        while let Some(next) = pacer.poll_timeout() {
            assert_eq!(next, at + ms(100), "one per interval");
            at = next;
            pacer.take_due(at, &mut due);
            order.extend(due.drain(..).map(|(_, vip)| vip));
        }
        assert_eq!(order, [1, 0, 1, 0, 1], "3 of each, 5 after the first");
        // NAs and other interfaces are not paced here.
        assert!(pacer.offer(at, "eth0", true, (id, 2), 1));
        assert!(pacer.offer(at, "eth0", true, (id, 2), 1));
        assert!(pacer.offer(at, "eth1", false, (id, 3), 1));
    }

    #[test]
    fn a_reload_keeps_what_waits_on_the_new_lanes_and_frees_what_is_no_longer_paced() {
        let v = ids(3);
        let ms = Duration::from_millis;
        let groups = [group(&["eth0"], Some(100)), group(&["eth1"], Some(100))];
        let mut pacer = Pacer::new(&groups);
        let t0 = Instant::now();
        assert!(pacer.offer(t0, "eth0", false, (v[0], 0), 2));
        assert!(!pacer.offer(t0, "eth0", false, (v[0], 0), 2));
        assert!(!pacer.offer(t0, "eth0", false, (v[1], 0), 2));
        assert!(!pacer.offer(t0, "eth0", false, (v[2], 0), 2));
        assert!(pacer.offer(t0, "eth1", false, (v[1], 1), 2));
        assert!(!pacer.offer(t0, "eth1", false, (v[1], 1), 2));
        // The reload: v[2] is gone; eth1 is no longer paced.
        let interface_of = |(id, vip): Key| match (id, vip) {
            _ if id == v[2] => None,
            (_, 0) => Some("eth0"),
            _ => Some("eth1"),
        };
        pacer.regroup(&groups[..1], interface_of);
        assert_eq!(pacer.poll_timeout(), Some(t0 + ms(100)));
        let mut due = Vec::new();
        pacer.take_due(t0 + ms(99), &mut due);
        assert!(due.is_empty(), "not sooner than the old lanes allowed");
        pacer.take_due(t0 + ms(100), &mut due);
        assert_eq!(due, [(v[1], 1), (v[0], 0)], "eth1's freed, eth0's next");
        due.clear();
        pacer.take_due(t0 + ms(200), &mut due);
        assert_eq!(due, [(v[1], 0)], "in turn");
        assert_eq!(pacer.poll_timeout(), None, "v[2]'s dropped");
    }

    #[test]
    fn interfaces_of_a_group_share_one_lane_and_cancel_drops_an_instance() {
        let v = ids(2);
        let mut pacer = Pacer::new(&[group(&["eth0", "eth1"], Some(50)), group(&["eth2"], None)]);
        let t0 = Instant::now();
        assert!(pacer.offer(t0, "eth0", false, (v[0], 0), 1));
        assert!(!pacer.offer(t0, "eth1", false, (v[1], 0), 1));
        assert!(!pacer.offer(t0, "eth1", false, (v[0], 1), 1));
        assert!(pacer.offer(t0, "eth2", false, (v[1], 1), 1), "no interval");
        pacer.cancel(v[1]);
        let mut due = Vec::new();
        pacer.take_due(t0 + Duration::from_millis(49), &mut due);
        assert!(due.is_empty());
        pacer.take_due(t0 + Duration::from_millis(50), &mut due);
        assert_eq!(due, [(v[0], 1)]);
        assert_eq!(pacer.poll_timeout(), None);
    }
}
