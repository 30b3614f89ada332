//! Instances each on its own host of one LAN, driven one by one.

use vrrp_core::time::{Duration, Instant};
use vrrp_core::{Action, Command, Instance, Received, State, Tracking};

use super::observer::{Observer, Step};
use super::setup::{self, Hosts, Shared};
use super::{Datagrams, Input, check_sent, peer_advert, transmit};

/// One host: its instance, what the driver saw of it, and its inputs' state.
struct Node {
    instance: Instance,
    observer: Observer,
    /// The datagrams of the last advert it sent, to deliver again.
    last_sent: Option<Datagrams>,
    link_down: bool,
    track_failed: bool,
}

pub(super) struct Lan {
    now: Instant,
    nodes: Vec<Node>,
}

impl Lan {
    pub(super) fn new(shared: &Shared, hosts: &Hosts) -> Self {
        let family = shared.family();
        let nodes = hosts
            .0
            .iter()
            .enumerate()
            .map(|(k, host)| {
                let config = shared.config(host, k, shared.vrid(0), setup::host_address(family, k));
                Node {
                    instance: Instance::new(config).expect("setup makes valid configurations"),
                    observer: Observer::new(),
                    last_sent: None,
                    link_down: false,
                    track_failed: false,
                }
            })
            .collect();
        Self {
            now: Instant::ZERO,
            nodes,
        }
    }

    pub(super) fn run(mut self, inputs: &[Input]) {
        for (index, input) in inputs.iter().enumerate() {
            self.apply(input);
            for k in 0..self.nodes.len() {
                let step = Step {
                    index,
                    input,
                    instance: k,
                };
                self.check(k, input, &step);
            }
        }
    }

    fn pick(&self, k: u8) -> usize {
        usize::from(k) % self.nodes.len()
    }

    fn apply(&mut self, input: &Input) {
        let now = self.now;
        match *input {
            Input::Startup(k) => self.node(k).instance.handle_startup(now),
            Input::Shutdown(k) => self.node(k).instance.handle_shutdown(now),
            Input::Wait(ms) => {
                self.now += Duration::from_millis(u64::from(ms));
                self.fire_all();
            }
            Input::FireNext { late } => {
                let next = self
                    .nodes
                    .iter()
                    .filter_map(|n| n.instance.poll_timeout())
                    .map(|d| d.at)
                    .min();
                if let Some(at) = next {
                    self.now = self.now.max(at) + Duration::from_micros(u64::from(late));
                }
                self.fire_all();
            }
            Input::Peer(ref advert) => {
                let to = self.pick(advert.to);
                let (rx, bytes) = peer_advert(self.nodes[to].instance.config(), advert);
                self.deliver(to, &rx, &bytes);
            }
            Input::Raw {
                to,
                peer,
                ref bytes,
            } => {
                let to = self.pick(to);
                let family = self.nodes[to].instance.family();
                let rx = Received {
                    src: setup::peer_address(family, peer),
                    dst: family.multicast(),
                    ttl: vrrp_core::wire::TTL,
                };
                self.deliver(to, &rx, &bytes.0);
            }
            Input::Deliver { from, to, damage } => {
                let (from, to) = (self.pick(from), self.pick(to));
                if from == to {
                    return;
                }
                // The datagram of the last advert that went to `to`: the
                // group's, or the one to its address.
                let address = self.nodes[to].instance.config().primary_address;
                let Some((transmit, bytes)) = self.nodes[from]
                    .last_sent
                    .iter()
                    .flatten()
                    .find(|(t, _)| t.destination.is_multicast() || t.destination == address)
                else {
                    return;
                };
                let (dst, mut bytes) = (transmit.destination, bytes.clone());
                let sender = &self.nodes[from].instance;
                if let Some((at, bits)) = damage {
                    let at = usize::from(at) % bytes.len();
                    bytes[at] ^= bits;
                }
                let rx = Received {
                    src: sender.config().primary_address,
                    dst,
                    ttl: vrrp_core::wire::TTL,
                };
                self.deliver(to, &rx, &bytes);
            }
            Input::Link { to, down } => {
                let up = !down.0;
                let node = self.node(to);
                node.link_down = !up;
                node.instance.handle_link(now, up);
            }
            Input::Track { to, weight, failed } => {
                let failed = failed.0;
                let node = self.node(to);
                node.track_failed = failed;
                let weight = i32::from(weight);
                node.instance
                    .handle_tracking(now, Tracking { weight, failed });
            }
            Input::SetPriority { to, priority } => self
                .node(to)
                .instance
                .handle_command(now, Command::SetPriority(priority)),
            Input::SetPreempt { to, on } => self
                .node(to)
                .instance
                .handle_command(now, Command::SetPreempt(on)),
        }
    }

    fn node(&mut self, k: u8) -> &mut Node {
        let k = self.pick(k);
        &mut self.nodes[k]
    }

    /// Calls `handle_timeout` on every instance; one not due must not change.
    fn fire_all(&mut self) {
        let now = self.now;
        for node in &mut self.nodes {
            let due = node.instance.poll_timeout().is_some_and(|d| d.at <= now);
            if due {
                node.instance.handle_timeout(now);
            } else {
                let before = node.instance.clone();
                node.instance.handle_timeout(now);
                assert!(
                    node.instance == before,
                    "a timeout before the deadline acted"
                );
            }
        }
    }

    fn deliver(&mut self, to: usize, rx: &Received, bytes: &[u8]) {
        let now = self.now;
        let node = &mut self.nodes[to];
        node.observer.delivered += 1;
        let before = node.instance.clone();
        if !node.instance.handle_advert(now, rx, bytes) {
            assert!(
                node.instance == before,
                "a dropped advert changed the instance"
            );
        }
    }

    fn check(&mut self, k: usize, input: &Input, step: &Step<'_, Input>) {
        let now = self.now;
        let node = &mut self.nodes[k];
        let mut actions = Vec::new();
        let mut sent = Vec::new();
        while let Some(action) = node.instance.poll_action() {
            if let Action::SendAdvert { priority } = action {
                let instance = &mut node.instance;
                sent.push((priority, transmit(|buf| instance.poll_transmit(buf))));
            }
            actions.push(action);
        }
        let faulty = node.link_down || node.track_failed;
        node.observer
            .observe(&node.instance, &actions, now, faulty, step);
        for (priority, datagrams) in sent {
            check_sent(&node.instance, priority, &datagrams);
            node.last_sent = Some(datagrams);
        }
        let instance = &node.instance;
        if matches!(input, Input::Wait(_) | Input::FireNext { .. }) {
            let due = instance.poll_timeout().is_some_and(|d| d.at <= now);
            assert!(!due, "{step}: a due timer survived handle_timeout");
        }
        // RFC 9568 §6.4.1: the owner does not wait to become Master.
        assert!(
            !(instance.priority() == 255 && instance.state() == State::Backup),
            "{step}: the address owner is Backup"
        );
    }
}
