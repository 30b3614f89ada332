//! A virtual LAN for scenario tests: N real instances, virtual time, a
//! delivery delay, cut links, crashes. Modelled on quinn's `Pair`: `run_until`
//! steps to the earliest of the next timer and the next delivery.

#![allow(dead_code, unreachable_pub)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vrrp_core::time::{Duration, Instant};
use vrrp_core::wire::{self, Family};
use vrrp_core::{Action, Config, Instance, Reason, Received, State};

/// One state change seen on the LAN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub at: Instant,
    pub router: usize,
    pub from: State,
    pub to: State,
    pub reason: Reason,
}

struct InFlight {
    at: Instant,
    from: usize,
    to: usize,
    dst: IpAddr,
    ttl: u8,
    bytes: Vec<u8>,
}

pub struct Node {
    pub instance: Instance,
    /// A crashed router neither receives nor fires timers.
    pub alive: bool,
    /// Whether the virtual addresses are installed on this host.
    pub holds_vips: bool,
    /// Priorities of the adverts this router sent, in order.
    pub sent: Vec<(Instant, u8)>,
    /// When it announced its addresses again as a Master that heard a
    /// lower-priority Master.
    pub reannounced: Vec<Instant>,
}

pub struct Lan {
    pub now: Instant,
    pub nodes: Vec<Node>,
    pub delay: Duration,
    /// `cut[a][b]`: packets from a do not reach b.
    cut: Vec<Vec<bool>>,
    in_flight: Vec<InFlight>,
    pub transitions: Vec<Transition>,
}

/// 192.0.2.(i+1): router i's primary address.
pub fn v4(i: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, i + 1).into()
}

pub fn vip4() -> IpAddr {
    Ipv4Addr::new(192, 0, 2, 100).into()
}

/// fe80::(i+1): router i's link-local address.
pub fn v6(i: u8) -> IpAddr {
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(i) + 1).into()
}

pub fn vip6() -> IpAddr {
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100).into()
}

/// A VRRPv3 IPv4 config for router `i` with VRID 51 and the given priority.
pub fn config(i: u8, priority: u8) -> Config {
    let mut c = Config::new(51, v4(i), vec![vip4()]);
    c.priority = priority;
    c
}

impl Lan {
    pub fn new(configs: Vec<Config>) -> Self {
        let n = configs.len();
        let nodes = configs
            .into_iter()
            .map(|c| Node {
                instance: Instance::new(c).unwrap(),
                alive: true,
                holds_vips: false,
                sent: Vec::new(),
                reannounced: Vec::new(),
            })
            .collect();
        Self {
            now: Instant::ZERO,
            nodes,
            delay: Duration::ZERO,
            cut: vec![vec![false; n]; n],
            in_flight: Vec::new(),
            transitions: Vec::new(),
        }
    }

    /// Starts every router at the current time.
    pub fn start_all(&mut self) {
        for i in 0..self.nodes.len() {
            self.start(i);
        }
    }

    pub fn start(&mut self, i: usize) {
        self.nodes[i].alive = true;
        let now = self.now;
        self.nodes[i].instance.handle_startup(now);
        self.drain(i);
    }

    /// Graceful stop: priority 0 if Master.
    pub fn shutdown(&mut self, i: usize) {
        let now = self.now;
        self.nodes[i].instance.handle_shutdown(now);
        self.drain(i);
    }

    /// Crash: silence, addresses left where they were (as a SIGKILL would).
    pub fn crash(&mut self, i: usize) {
        self.nodes[i].alive = false;
        self.in_flight.retain(|p| p.from != i && p.to != i);
    }

    /// A crashed router comes back as a new process: a fresh instance.
    pub fn restart(&mut self, i: usize) {
        let config = self.nodes[i].instance.config().clone();
        self.nodes[i].instance = Instance::new(config).unwrap();
        self.start(i);
    }

    /// Cuts (or heals) the link between a and b, both ways.
    pub fn set_cut(&mut self, a: usize, b: usize, cut: bool) {
        self.cut[a][b] = cut;
        self.cut[b][a] = cut;
    }

    /// Runs `f` on router i's instance at the current time, then drains it.
    pub fn with(&mut self, i: usize, f: impl FnOnce(&mut Instance, Instant)) {
        let now = self.now;
        f(&mut self.nodes[i].instance, now);
        self.drain(i);
    }

    /// Delivers raw bytes to router i as if from `src` to the multicast group.
    pub fn inject(&mut self, i: usize, src: IpAddr, ttl: u8, bytes: &[u8]) -> bool {
        let dst = multicast(self.nodes[i].instance.family());
        let now = self.now;
        let accepted =
            self.nodes[i]
                .instance
                .handle_advert(now, &Received { src, dst, ttl }, bytes);
        self.drain(i);
        accepted
    }

    /// Advances virtual time to `until`, delivering packets and firing timers in order.
    pub fn run_until(&mut self, until: Instant) {
        while let Some(next) = self.next_event().filter(|&t| t <= until) {
            self.now = next;
            self.deliver_due();
            for i in 0..self.nodes.len() {
                let due = self.nodes[i].alive
                    && self.nodes[i]
                        .instance
                        .poll_timeout()
                        .is_some_and(|d| d.at <= next);
                if due {
                    self.nodes[i].instance.handle_timeout(next);
                    self.drain(i);
                }
            }
        }
        self.now = until;
    }

    /// Runs for `d` more.
    pub fn run_for(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    /// Runs until router i enters `state`; returns when, or panics after `limit`.
    pub fn run_until_state(&mut self, i: usize, state: State, limit: Duration) -> Instant {
        self.run_until_transition(i, state, limit).at
    }

    /// Runs until router i enters `state`; returns that transition, or panics after `limit`.
    pub fn run_until_transition(&mut self, i: usize, state: State, limit: Duration) -> Transition {
        let end = self.now + limit;
        let seen = self.transitions.len();
        loop {
            let Some(next) = self.next_event().filter(|&t| t <= end) else {
                panic!(
                    "router {i} did not reach {state:?} by {end}; transitions: {:#?}",
                    self.transitions
                );
            };
            self.run_until(next);
            if let Some(t) = self.transitions[seen..]
                .iter()
                .find(|t| t.router == i && t.to == state)
            {
                return t.clone();
            }
        }
    }

    pub fn state(&self, i: usize) -> State {
        self.nodes[i].instance.state()
    }

    pub fn states(&self) -> Vec<State> {
        self.nodes.iter().map(|n| n.instance.state()).collect()
    }

    /// The routers in Master state.
    pub fn masters(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].alive && self.state(i) == State::Master)
            .collect()
    }

    /// The routers holding the virtual addresses.
    pub fn vip_holders(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].holds_vips)
            .collect()
    }

    fn next_event(&self) -> Option<Instant> {
        let timers = self
            .nodes
            .iter()
            .filter(|n| n.alive)
            .filter_map(|n| n.instance.poll_timeout())
            .map(|d| d.at);
        let packets = self.in_flight.iter().map(|p| p.at);
        timers.chain(packets).min()
    }

    fn deliver_due(&mut self) {
        let now = self.now;
        let (due, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.in_flight)
            .into_iter()
            .partition(|p| p.at <= now);
        self.in_flight = rest;
        for p in due {
            if !self.nodes[p.to].alive || self.cut[p.from][p.to] {
                continue;
            }
            let src = self.nodes[p.from].instance.config().primary_address;
            let rx = Received {
                src,
                dst: p.dst,
                ttl: p.ttl,
            };
            self.nodes[p.to].instance.handle_advert(now, &rx, &p.bytes);
            self.drain(p.to);
        }
    }

    /// Carries out router i's actions: adverts onto the wire, addresses onto the host.
    fn drain(&mut self, i: usize) {
        while let Some(action) = self.nodes[i].instance.poll_action() {
            match action {
                Action::SendAdvert { priority } => self.send(i, priority),
                Action::AddVips => self.nodes[i].holds_vips = true,
                Action::RemoveVips => self.nodes[i].holds_vips = false,
                Action::AnnounceVips => {}
                Action::ReannounceVips { .. } => {
                    assert!(
                        self.nodes[i].holds_vips,
                        "re-announced VIPs it does not hold"
                    );
                    self.nodes[i].reannounced.push(self.now);
                }
                Action::StateChanged {
                    from, to, reason, ..
                } => self.transitions.push(Transition {
                    at: self.now,
                    router: i,
                    from,
                    to,
                    reason,
                }),
                other => panic!("unexpected action {other:?}"),
            }
        }
    }

    /// Puts each datagram of the advert on the wire: to every other router
    /// when multicast, to the one with that address when unicast.
    fn send(&mut self, from: usize, priority: u8) {
        self.nodes[from].sent.push((self.now, priority));
        let mut buf = [0u8; 1024];
        while let Some(transmit) = self.nodes[from].instance.poll_transmit(&mut buf) {
            if !self.nodes[from].alive {
                continue;
            }
            let dst = transmit.destination;
            for to in 0..self.nodes.len() {
                let addressed =
                    dst.is_multicast() || self.nodes[to].instance.config().primary_address == dst;
                if to != from && addressed {
                    self.in_flight.push(InFlight {
                        at: self.now + self.delay,
                        from,
                        to,
                        dst,
                        ttl: wire::TTL,
                        bytes: buf[..transmit.len].to_vec(),
                    });
                }
            }
        }
    }
}

/// A Backup (router 0) that has heard its Master (router 1) for a while.
pub fn converged(c0: Config, c1: Config) -> Lan {
    let mut lan = Lan::new(vec![c0, c1]);
    lan.start_all();
    lan.run_until(Instant::from_millis(10_000));
    assert_eq!(lan.states(), [State::Backup, State::Master]);
    lan
}

pub fn multicast(family: Family) -> IpAddr {
    family.multicast()
}

/// Micros as an instant, for exact expectations.
pub fn at_micros(us: u64) -> Instant {
    Instant::from_micros(us)
}
