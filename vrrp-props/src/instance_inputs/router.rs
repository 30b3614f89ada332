//! Instances in one [`Router`], some in a sync group, driven through it.

use std::collections::BTreeMap;

use vrrp_core::time::{Duration, Instant};
use vrrp_core::wire::{Family, Packet};
use vrrp_core::{Action, Command, Instance, InstanceId, Received, Router, State, Tracking};

use super::observer::{Observer, Step};
use super::setup::{self, Hosts, Shared};
use super::{Datagrams, Input, check_sent, peer_advert, transmit};

pub(super) struct Rig {
    now: Instant,
    router: Router,
    ids: Vec<InstanceId>,
    observers: Vec<Observer>,
    group: Vec<InstanceId>,
    /// By interface key.
    link_down: Vec<bool>,
    /// By instance.
    track_failed: Vec<bool>,
    /// Packets the router could not give to any instance.
    undelivered: u64,
}

impl Rig {
    pub(super) fn new(shared: &Shared, hosts: &Hosts, one_interface: bool, group: u8) -> Self {
        let mut router = Router::new();
        let primary = setup::host_address(shared.family(), 0);
        let ids: Vec<InstanceId> = hosts
            .0
            .iter()
            .enumerate()
            .map(|(k, host)| {
                let config = shared.config(host, 0, shared.vrid(k), primary);
                let instance = Instance::new(config).expect("setup makes valid configurations");
                let interface = if one_interface { 0 } else { k as u32 };
                router.add(interface, instance).expect("distinct VRIDs")
            })
            .collect();
        let group: Vec<InstanceId> = ids
            .iter()
            .enumerate()
            .filter(|(k, _)| group & (1 << k) != 0)
            .map(|(_, &id)| id)
            .collect();
        if !group.is_empty() {
            router.add_sync_group(&group);
        }
        Self {
            now: Instant::ZERO,
            router,
            observers: ids.iter().map(|_| Observer::new()).collect(),
            link_down: vec![false; ids.len()],
            track_failed: vec![false; ids.len()],
            ids,
            group,
            undelivered: 0,
        }
    }

    pub(super) fn run(mut self, inputs: &[Input]) {
        for (index, input) in inputs.iter().enumerate() {
            self.apply(input);
            self.check(index, input);
        }
    }

    fn pick(&self, k: u8) -> InstanceId {
        self.ids[usize::from(k) % self.ids.len()]
    }

    fn interface(&self, id: InstanceId) -> u32 {
        self.router.interface_of(id)
    }

    fn apply(&mut self, input: &Input) {
        let now = self.now;
        match *input {
            Input::Startup(_) => self.router.handle_startup(now),
            // One more choice than instances: the whole router.
            Input::Shutdown(k) => match self.ids.get(usize::from(k) % (self.ids.len() + 1)) {
                Some(&id) => self.router.handle_instance_shutdown(now, id),
                None => self.router.handle_shutdown(now),
            },
            Input::Wait(ms) => {
                self.now += Duration::from_millis(u64::from(ms));
                self.fire();
            }
            Input::FireNext { late } => {
                if let Some((_, deadline)) = self.router.poll_timeout() {
                    self.now = self.now.max(deadline.at) + Duration::from_micros(u64::from(late));
                }
                self.fire();
            }
            Input::Peer(ref advert) => {
                let id = self.pick(advert.to);
                let (rx, bytes) = peer_advert(self.router.instance(id).config(), advert);
                self.deliver(self.interface(id), &rx, &bytes);
            }
            Input::Raw {
                to,
                peer,
                ref bytes,
            } => {
                let id = self.pick(to);
                let family = self.router.instance(id).family();
                let rx = Received {
                    src: setup::peer_address(family, peer),
                    dst: family.multicast(),
                    ttl: vrrp_core::wire::TTL,
                };
                self.deliver(self.interface(id), &rx, &bytes.0);
            }
            // One host: there is no other instance's advert to deliver.
            Input::Deliver { .. } => {}
            Input::Link { to, down } => {
                let up = !down.0;
                let interface = self.interface(self.pick(to));
                self.link_down[interface as usize] = !up;
                self.router.handle_link(now, interface, up);
            }
            Input::Track { to, weight, failed } => {
                let failed = failed.0;
                let id = self.pick(to);
                self.track_failed[id.index()] = failed;
                let weight = i32::from(weight);
                self.router
                    .handle_tracking(now, id, Tracking { weight, failed });
            }
            Input::SetPriority { to, priority } => {
                let id = self.pick(to);
                self.router
                    .handle_command(now, id, Command::SetPriority(priority));
            }
            Input::SetPreempt { to, on } => {
                let id = self.pick(to);
                self.router.handle_command(now, id, Command::SetPreempt(on));
            }
        }
    }

    /// `handle_timeout` on the router; with nothing due it must change nothing.
    fn fire(&mut self) {
        let now = self.now;
        let due = self.router.poll_timeout().is_some_and(|(_, d)| d.at <= now);
        if due {
            self.router.handle_timeout(now);
        } else {
            let before: Vec<Instance> = self.router.instances().map(|(_, i)| i.clone()).collect();
            self.router.handle_timeout(now);
            assert!(
                self.router.instances().map(|(_, i)| i).eq(&before),
                "a timeout before any deadline acted"
            );
        }
    }

    fn deliver(&mut self, interface: u32, rx: &Received, bytes: &[u8]) {
        let now = self.now;
        let expected = Packet::new_checked(bytes)
            .ok()
            .and_then(|p| self.router.find(interface, Family::of(&rx.src), p.vrid()));
        let before = expected.map(|id| self.router.instance(id).clone());
        let got = self.router.handle_packet(now, interface, rx, bytes);
        assert_eq!(got, expected, "dispatched to the wrong instance");
        let Some(id) = got else {
            self.undelivered += 1;
            return;
        };
        self.observers[id.index()].delivered += 1;
        let before = before.expect("found above");
        let after = self.router.instance(id);
        if after.stats().adverts_dropped > before.stats().adverts_dropped {
            assert!(*after == before, "a dropped advert changed the instance");
        }
    }

    fn faulty(&self, id: InstanceId) -> bool {
        self.link_down[self.interface(id) as usize] || self.track_failed[id.index()]
    }

    fn check(&mut self, index: usize, input: &Input) {
        let now = self.now;
        let mut actions: BTreeMap<InstanceId, Vec<Action>> = BTreeMap::new();
        let mut sent: Vec<(InstanceId, u8, Datagrams)> = Vec::new();
        while let Some((id, action)) = self.router.poll_action() {
            if let Action::SendAdvert { priority } = action {
                let router = &mut self.router;
                let datagrams = transmit(|buf| {
                    router.poll_transmit(buf).map(|(from, t)| {
                        assert_eq!(from, id, "a datagram of another instance");
                        t
                    })
                });
                sent.push((id, priority, datagrams));
            }
            actions.entry(id).or_default().push(action);
        }
        for (id, priority, datagrams) in &sent {
            check_sent(self.router.instance(*id), *priority, datagrams);
        }
        let group_faulty = self.group.iter().any(|&m| self.faulty(m));
        for (k, &id) in self.ids.iter().enumerate() {
            let step = Step {
                index,
                input,
                instance: k,
            };
            let instance = self.router.instance(id);
            let faulty = self.faulty(id) || (group_faulty && self.group.contains(&id));
            let mine = actions.remove(&id).unwrap_or_default();
            self.observers[k].observe(instance, &mine, now, faulty, &step);
            if matches!(input, Input::Wait(_) | Input::FireNext { .. }) {
                let due = instance.poll_timeout().is_some_and(|d| d.at <= now);
                assert!(!due, "{step}: a due timer survived handle_timeout");
            }
        }
        assert!(
            actions.is_empty(),
            "actions of an unknown instance: {actions:?}"
        );

        let earliest = self
            .router
            .instances()
            .filter_map(|(_, inst)| inst.poll_timeout())
            .map(|d| d.at)
            .min();
        assert_eq!(
            self.router.poll_timeout().map(|(_, d)| d.at),
            earliest,
            "after input {index} ({input:?}): the folded deadline is not the earliest"
        );
        let stats = self.router.stats();
        assert_eq!(
            stats.packet_length_errors + stats.vrid_errors,
            self.undelivered,
            "after input {index}: undelivered packets miscounted"
        );

        let running: Vec<State> = self
            .group
            .iter()
            .map(|&m| self.router.instance(m).state())
            .filter(|&s| s != State::Initialize)
            .collect();
        assert!(
            !(running.contains(&State::Master) && running.contains(&State::Backup)),
            "after input {index} ({input:?}): sync group split {running:?}"
        );
    }
}
