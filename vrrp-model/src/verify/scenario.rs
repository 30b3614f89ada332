//! One scenario: one disturbance on one host, explored exhaustively.
//!
//! A scenario is the model with one fault budget: the steps of the
//! [`VrrpModel`] (deliveries with bounded delay, loss up to the run VRRP
//! tolerates, timers), of which only this scenario's disturbance, on this
//! host, is enabled. The hosts start together; a disturbance may come at
//! any instant once what came before has converged (`T_conv` of quiet):
//! the first after the start, a second one (a recovery, a heal, a
//! restart) after the first. The scenario is *done* once its disturbances
//! have all happened; from then on nothing disturbs the system, and after
//! `T_conv` of quiet the [expectation](ScenarioModel::problem) must hold in
//! every reachable state.
//!
//! Exploring each scenario on its own is what keeps three hosts small: one
//! fault on two hosts is a few thousand states, on three at most a few
//! hundred thousand; every fault together would be millions. It is sound
//! for the question a row asks ("what happens when X happens"): its verdict
//! covers every interleaving of that one disturbance with the protocol,
//! the delays and the losses. Combinations of disturbances, at any
//! instant, are `vrrp-model check`'s job.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use stateright::{Model, Property};
use vrrp_core::State;

use crate::model::{Step, VrrpModel};
use crate::setup::Budget;
use crate::state::{World, violation};

/// What happens to the scenario's host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Disturbance {
    /// Nothing: every host starts at once, and that is all.
    Start,
    /// Tracked object `k` (of the host's) fails.
    Fails(usize),
    /// Tracked object `k` fails and then recovers.
    Recovers(usize),
    /// The host crashes and stays down.
    Crashes,
    /// The host crashes and comes back.
    ComesBack,
    /// The daemon is stopped (SIGTERM): a Master sends priority 0.
    Stopped,
    /// The host's interface goes down.
    LinkDown,
    /// The host is cut off from the others, then the partition heals.
    CutOff,
}

/// A disturbance on a host (a router of the model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scenario {
    /// The model's router.
    pub router: usize,
    /// What happens to it.
    pub disturbance: Disturbance,
}

impl Scenario {
    /// The budget that lets it happen once.
    pub fn budget(self, losses: u8) -> Budget {
        let mut budget = Budget {
            losses,
            ..Budget::default()
        };
        match self.disturbance {
            Disturbance::Start => {}
            Disturbance::Fails(_) => budget.toggles = 1,
            Disturbance::Recovers(_) => budget.toggles = 2,
            Disturbance::Crashes | Disturbance::ComesBack => budget.crashes = 1,
            Disturbance::Stopped => budget.shutdowns = 1,
            Disturbance::LinkDown => budget.links = 1,
            Disturbance::CutOff => budget.partitions = 2,
        }
        budget
    }

    /// The tracked object it toggles, if any.
    pub fn object(self) -> Option<usize> {
        match self.disturbance {
            Disturbance::Fails(k) | Disturbance::Recovers(k) => Some(k),
            _ => None,
        }
    }
}

/// What the exploration saw, beyond the verdict: shared by the checker's
/// threads, each a maximum or a union over every reachable state, so the
/// result does not depend on the search order.
#[derive(Debug, Default)]
pub struct Observed {
    /// The latest instant, counted from the scenario's last disturbance,
    /// at which the expectation did not hold yet (microseconds).
    pub worst_us: AtomicU64,
    /// The sets of VIP holders seen once converged, one bit per set
    /// (bit `mask` for the routers of `mask`).
    pub holders: AtomicU64,
}

/// Why a converged state is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Nobody holds the VIP though a host could.
    NoHolder,
    /// Several hosts hold it.
    Several(Vec<usize>),
    /// The holder's tracked object failed (or it is in Fault) while
    /// `healthy` could serve.
    Unhealthy {
        /// The holder.
        holder: usize,
        /// The best healthy host.
        healthy: usize,
    },
    /// With preemption, a host of a higher priority does not hold it.
    Lower {
        /// The holder.
        holder: usize,
        /// A live host of a higher priority.
        better: usize,
    },
    /// The state still changes after `T_conv` of quiet.
    Flaps,
}

/// The model of one scenario: the [`VrrpModel`], this scenario's
/// disturbance only, and the deployment's expectation as the property.
#[derive(Clone, Debug)]
pub struct ScenarioModel {
    /// The model of the virtual router.
    pub model: VrrpModel,
    /// The scenario.
    pub scenario: Scenario,
    /// The partition that cuts the host off (for [`Disturbance::CutOff`]).
    cut: u8,
    /// What the exploration saw.
    pub observed: Arc<Observed>,
}

/// The name of the expectation (the property).
pub const EXPECTATION: &str = "one healthy host holds the VIP after T_conv";

impl ScenarioModel {
    /// The model of `scenario` on `model`.
    pub fn new(model: VrrpModel, scenario: Scenario) -> Self {
        let cut = model
            .partitions
            .iter()
            .position(|groups| {
                let r = scenario.router;
                (0..groups.len()).all(|j| (groups[j] == groups[r]) == (j == r))
            })
            .and_then(|k| u8::try_from(k).ok())
            .unwrap_or(0);
        Self {
            model,
            scenario,
            cut,
            observed: Arc::default(),
        }
    }

    /// Whether `step` is this scenario's (every protocol step is). Each
    /// disturbance waits until what came before has converged.
    fn allows(&self, w: &World, step: Step) -> bool {
        let on_host = |i: u8| usize::from(i) == self.scenario.router;
        if step.is_disturbance() && w.clocks.quiet < self.model.timing.t_conv {
            return false;
        }
        match (step, self.scenario.disturbance) {
            (Step::Fire(_) | Step::Deliver { .. } | Step::Drop { .. } | Step::Advance(_), _) => {
                true
            }
            (Step::Toggle(i), Disturbance::Fails(_) | Disturbance::Recovers(_)) => on_host(i),
            (Step::Crash(i), Disturbance::Crashes | Disturbance::ComesBack) => on_host(i),
            (Step::Restart(i), Disturbance::ComesBack) => on_host(i),
            (Step::Shutdown(i), Disturbance::Stopped) => on_host(i),
            // Down only: the free way back up is not this scenario.
            (Step::Link(i), Disturbance::LinkDown) => {
                on_host(i) && !w.nodes[usize::from(i)].link_down
            }
            (Step::Partition(k), Disturbance::CutOff) => k == self.cut || k == 0,
            _ => false,
        }
    }

    /// Whether every disturbance of the scenario has happened.
    pub fn done(&self, w: &World) -> bool {
        let b = w.budget;
        let spent = b.toggles == 0
            && b.crashes == 0
            && b.shutdowns == 0
            && b.links == 0
            && b.partitions == 0;
        let back =
            self.scenario.disturbance != Disturbance::ComesBack || w.nodes[self.scenario.router].up;
        spent && back
    }

    /// Whether router `i` can serve: running, in Backup or Master.
    pub fn alive(w: &World, i: usize) -> bool {
        let node = &w.nodes[i];
        node.running() && !node.link_down && node.instance.state() != State::Fault
    }

    /// Whether router `i` can serve and its tracked objects are all up.
    pub fn healthy(w: &World, i: usize) -> bool {
        Self::alive(w, i) && !w.nodes[i].degraded
    }

    /// What is wrong with `w` as a converged state, if anything: exactly one
    /// host holds the VIP; a healthy one when there is one; with
    /// preemption one of the highest priority among the live hosts.
    pub fn problem(&self, w: &World) -> Option<Problem> {
        if w.violations & violation::FLAP != 0 {
            return Some(Problem::Flaps);
        }
        let n = w.nodes.len();
        let holders: Vec<usize> = (0..n)
            .filter(|&i| w.nodes[i].up && w.nodes[i].holds_vips)
            .collect();
        let alive: Vec<usize> = (0..n).filter(|&i| Self::alive(w, i)).collect();
        let priority = |i: usize| w.nodes[i].instance.priority();
        let best = |of: &[usize]| of.iter().copied().max_by_key(|&i| (priority(i), i));
        let holder = match holders[..] {
            [] if alive.is_empty() => return None,
            [] => return Some(Problem::NoHolder),
            [holder] => holder,
            _ => return Some(Problem::Several(holders)),
        };
        let healthy: Vec<usize> = alive
            .iter()
            .copied()
            .filter(|&i| Self::healthy(w, i))
            .collect();
        if !Self::healthy(w, holder) {
            if let Some(healthy) = best(&healthy) {
                return Some(Problem::Unhealthy { holder, healthy });
            }
        }
        if self.model.setup.preempt {
            if let Some(better) = alive
                .iter()
                .copied()
                .find(|&i| priority(i) > priority(holder))
            {
                return Some(Problem::Lower { holder, better });
            }
        }
        None
    }

    /// The property: in a done state, after `T_conv` of quiet, no problem.
    /// Before that, it records the latest instant of a problem, and after,
    /// who holds the VIP ([`Observed`]).
    fn expectation(&self, w: &World) -> bool {
        if !self.done(w) {
            return true;
        }
        let problem = self.problem(w);
        if w.clocks.quiet < self.model.timing.t_conv {
            if problem.is_some() {
                self.observed
                    .worst_us
                    .fetch_max(w.clocks.quiet, Ordering::Relaxed);
            }
            return true;
        }
        if problem.is_none() {
            let mask = (0..w.nodes.len())
                .filter(|&i| w.nodes[i].up && w.nodes[i].holds_vips)
                .fold(0u64, |m, i| m | 1 << i);
            if mask < 64 {
                self.observed.holders.fetch_or(1 << mask, Ordering::Relaxed);
            }
        }
        problem.is_none()
    }
}

impl Model for ScenarioModel {
    type State = World;
    type Action = Step;

    fn init_states(&self) -> Vec<World> {
        self.model.init_states()
    }

    fn actions(&self, world: &World, out: &mut Vec<Step>) {
        self.model.actions(world, out);
        out.retain(|&step| self.allows(world, step));
    }

    fn next_state(&self, world: &World, step: Step) -> Option<World> {
        self.model.next_state(world, step)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::always(EXPECTATION, |m: &Self, w: &World| {
            m.expectation(w)
        })]
    }
}
