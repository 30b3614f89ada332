//! The steps of the model and which are enabled in a state; the checker
//! explores them through the stateright `Model` of `graph.rs`.
//!
//! A custom model with a discrete global clock, not stateright's `ActorModel`
//! (whose timers may fire at any step, regardless of their duration). Steps:
//!
//! - `Fire(i)`: router `i`'s timer is due (its relative deadline is zero).
//! - `Deliver`: the oldest packet on a link (links are FIFO), when it has
//!   been in flight a whole number of ticks in `d_min..=d_max`: every
//!   packet's delay is a whole number of ticks, so deliveries fall on a grid
//!   per packet instead of at every instant something else happens.
//! - `Replay`: the forger delivers a captured advert again to a router
//!   that had it or a later one of its sender, while its budget lasts, at
//!   an instant that may still be disturbed (not a disturbance itself).
//! - `Drop`: a packet just sent is lost, while the loss budget lasts (or,
//!   on lossy links, if the link has lost fewer than `loss_run` in a row).
//! - one disturbance per instant, while its budget lasts: `Partition`,
//!   `Toggle` (priority), `Crash`, `Shutdown`, `Link` down; and, for free,
//!   `Restart` of a down router and `Link` up of a downed interface.
//! - `Advance(dt)`: time passes. Urgent semantics: disabled while a timer is
//!   due or a packet has been in flight for `d_max`. It moves to the next
//!   deadline or the next whole tick of a packet in flight, whichever is first.

use std::fmt;

use vrrp_core::{Instance, State};

use crate::partition::{self, Groups};
use crate::setup::{Mutation, Setup};
use crate::state::World;
use crate::timing::Timing;

/// One step of the model (stateright's `Action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// Router `i`'s timer fires.
    Fire(u8),
    /// The oldest packet on `from -> to` arrives.
    Deliver {
        /// Sender.
        from: u8,
        /// Receiver.
        to: u8,
    },
    /// The newest packet on `from -> to`, sent this instant, is lost.
    Drop {
        /// Sender.
        from: u8,
        /// Receiver.
        to: u8,
    },
    /// Time passes by this many microseconds.
    Advance(u64),
    /// The LAN splits or heals into partition number `k`.
    Partition(u8),
    /// Router `i`'s tracked object dies or comes back.
    Toggle(u8),
    /// Router `i` crashes silently.
    Crash(u8),
    /// Router `i` shuts down gracefully.
    Shutdown(u8),
    /// Router `i` (crashed or shut down) starts again.
    Restart(u8),
    /// Router `i`'s interface goes down, or comes back if it is down.
    Link(u8),
    /// The forger delivers its capture of `from`'s advert at `priority` to
    /// router `to`, which already had it or a later one of `from`.
    Replay {
        /// The captured advert's sender.
        from: u8,
        /// Its priority.
        priority: u8,
        /// Receiver.
        to: u8,
    },
}

impl Step {
    /// Whether this step disturbs the system (resets the quiet clock).
    pub fn is_disturbance(self) -> bool {
        matches!(
            self,
            Self::Partition(_)
                | Self::Toggle(_)
                | Self::Crash(_)
                | Self::Shutdown(_)
                | Self::Restart(_)
                | Self::Link(_)
        )
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Fire(i) => write!(f, "R{i} timer fires"),
            Self::Deliver { from, to } => write!(f, "R{from} -> R{to} delivered"),
            Self::Drop { from, to } => write!(f, "R{from} -> R{to} lost"),
            Self::Advance(dt) => write!(f, "{dt} us pass"),
            Self::Partition(k) => write!(f, "partition #{k}"),
            Self::Toggle(i) => write!(f, "R{i} tracked object toggles"),
            Self::Crash(i) => write!(f, "R{i} crashes"),
            Self::Shutdown(i) => write!(f, "R{i} shuts down"),
            Self::Restart(i) => write!(f, "R{i} restarts"),
            Self::Link(i) => write!(f, "R{i} link toggles"),
            Self::Replay { from, priority, to } => {
                write!(f, "forger replays R{from}'s p{priority} to R{to}")
            }
        }
    }
}

/// The model: immutable configuration and what is derived from it.
#[derive(Clone, Debug)]
pub struct VrrpModel {
    /// What the user chose.
    pub setup: Setup,
    /// The bounds derived from it.
    pub timing: Timing,
    /// Every set partition of the routers; the state holds an index.
    pub partitions: Vec<Groups>,
    /// A fresh instance per router, cloned on crash.
    pub(crate) templates: Vec<Instance>,
}

impl VrrpModel {
    /// Builds the model of `setup`.
    ///
    /// # Panics
    /// If a router's configuration is one the core refuses, or there are
    /// more than 255 routers.
    pub fn new(setup: Setup) -> Self {
        assert!(setup.routers() <= 255, "at most 255 routers");
        // A core keeps the last sequence of 4 senders (keepalived's number
        // for multicast): with more, an evicted sender's replay would pass,
        // and the captures' `had` bits would not say what the core knows.
        assert!(
            setup.budget.replays == 0 || (setup.routers() <= 5 && setup.hosts.is_empty()),
            "the forger works on up to 5 routers of the uniform setup"
        );
        let timing = Timing::new(&setup);
        let partitions = partition::all(setup.routers());
        let templates = (0..setup.routers()).map(|i| setup.instance(i)).collect();
        Self {
            setup,
            timing,
            partitions,
            templates,
        }
    }

    /// The number of routers.
    pub fn routers(&self) -> usize {
        self.setup.routers()
    }

    /// The group of each router in `world`.
    pub fn groups<'a>(&'a self, world: &World) -> &'a [u8] {
        &self.partitions[usize::from(world.partition)]
    }

    /// Router `i`'s component: its group of the partition, or, while its
    /// link is down, a component of its own (numbered from `routers()` up).
    pub fn component(&self, world: &World, i: usize) -> usize {
        if world.nodes[i].link_down {
            self.routers() + i
        } else {
            usize::from(self.groups(world)[i])
        }
    }

    /// Whether routers `a` and `b` (distinct) can hear each other.
    pub fn connected(&self, world: &World, a: usize, b: usize) -> bool {
        a != b && self.component(world, a) == self.component(world, b)
    }

    /// Whether the mutation is `m`.
    pub(crate) fn mutated(&self, m: Mutation) -> bool {
        self.setup.mutation == Some(m)
    }

    /// How far router `i`'s host clock moves while `dt` passes: as far,
    /// unless it runs fast ([`Mutation::FastClock`], router 0).
    pub(crate) fn host_time(&self, i: usize, dt: u64) -> u64 {
        if i == 0 && self.mutated(Mutation::FastClock) {
            dt * 11 / 10
        } else {
            dt
        }
    }

    /// How long until router `i`'s host clock has moved by `host_dt`, at
    /// least (the inverse of [`host_time`](Self::host_time), rounded up).
    fn real_time(&self, i: usize, host_dt: u64) -> u64 {
        if i == 0 && self.mutated(Mutation::FastClock) {
            (host_dt * 10).div_ceil(11)
        } else {
            host_dt
        }
    }

    /// The next time advance, or `None` if it is disabled (something is
    /// urgent) or nothing will ever happen.
    fn advance(&self, world: &World) -> Option<u64> {
        let t = &self.timing;
        let mut next = u64::MAX;
        for (i, node) in world.nodes.iter().enumerate().filter(|(_, n)| n.up) {
            if let Some(deadline) = node.instance.poll_timeout() {
                match deadline.at.as_micros() {
                    0 => return None,
                    at => next = next.min(self.real_time(i, at)),
                }
            }
        }
        for frame in &world.frames {
            let age = frame.age();
            if age >= t.d_max {
                return None;
            }
            let to_grid = if age < t.d_min {
                t.d_min - age
            } else {
                t.tick - age % t.tick
            };
            next = next.min(to_grid);
        }
        (next != u64::MAX).then_some(next)
    }

    /// The steps enabled in `world` (stateright's `actions`).
    pub fn enabled(&self, world: &World, out: &mut Vec<Step>) {
        for (i, node) in world.nodes.iter().enumerate() {
            let due = node
                .instance
                .poll_timeout()
                .is_some_and(|d| d.at.as_micros() == 0);
            if node.up && due {
                out.push(Step::Fire(i as u8));
            }
        }
        let mut last_link = None;
        for frame in &world.frames {
            let link = (frame.from, frame.to);
            if last_link != Some(link) && self.timing.deliverable(frame.age()) {
                out.push(Step::Deliver {
                    from: link.0,
                    to: link.1,
                });
            }
            last_link = Some(link);
        }
        // A packet sent this instant may be lost: from the budget, or as the
        // noise of a lossy link that has not lost `loss_run` in a row.
        let mut last_drop = None;
        for frame in world.frames.iter().filter(|f| f.age() == 0) {
            let link = (frame.from, frame.to);
            let may_lose = match self.setup.loss_run {
                Some(run) => {
                    world.lost[usize::from(link.0) * self.routers() + usize::from(link.1)] < run
                }
                None => world.budget.losses > 0,
            };
            if last_drop != Some(link) && may_lose {
                out.push(Step::Drop {
                    from: link.0,
                    to: link.1,
                });
            }
            last_drop = Some(link);
        }
        if !world.disturbed_now {
            self.disturbances(world, out);
            self.replays(world, out);
        }
        if let Some(dt) = self.advance(world) {
            out.push(Step::Advance(dt));
        }
    }

    /// The forger's replays: a capture to a running router with its link
    /// up, not an owner (which drops every advert before it is
    /// authenticated), that had it or a later advert of its sender.
    fn replays(&self, world: &World, out: &mut Vec<Step>) {
        if world.budget.replays == 0 {
            return;
        }
        for capture in &world.captures {
            for (r, node) in world.nodes.iter().enumerate() {
                let target = node.running()
                    && !node.link_down
                    && !node.instance.config().is_owner()
                    && capture.had & (1 << r) != 0;
                if target {
                    out.push(Step::Replay {
                        from: capture.frame.from,
                        priority: capture.frame.priority(),
                        to: r as u8,
                    });
                }
            }
        }
    }

    fn disturbances(&self, world: &World, out: &mut Vec<Step>) {
        let budget = world.budget;
        let n = u8::try_from(self.routers()).expect("checked in new");
        // A disturbance that does not depend on the time, right after time
        // advanced, is offered before the advance instead (README,
        // "Reductions"): a partition, a crash, a link failure, the
        // shutdown of a router that is not Master (it sends nothing), and a
        // priority change but the rise of a Backup's (the core clamps its
        // timer to the new, shorter Master_Down_Interval from now).
        let timeless = !world.just_advanced;
        if budget.partitions > 0 && timeless {
            let count = u8::try_from(self.partitions.len()).unwrap_or(u8::MAX);
            out.extend(
                (0..count)
                    .filter(|&k| k != world.partition)
                    .map(Step::Partition),
            );
        }
        for i in 0..n {
            let node = &world.nodes[usize::from(i)];
            if node.running() {
                let rise = node.degraded && node.instance.state() == State::Backup;
                if budget.toggles > 0 && (timeless || rise) {
                    out.push(Step::Toggle(i));
                }
                if budget.crashes > 0 && timeless {
                    out.push(Step::Crash(i));
                }
                if budget.shutdowns > 0 && (timeless || node.is_master()) {
                    out.push(Step::Shutdown(i));
                }
                if budget.links > 0 && !node.link_down && timeless {
                    out.push(Step::Link(i));
                }
            } else {
                out.push(Step::Restart(i));
            }
            if node.up && node.link_down {
                out.push(Step::Link(i));
            }
        }
    }
}
