//! `verify`: model-check a deployment's own keepalived.conf files, one per
//! host, before it goes live.
//!
//! - [`hosts`]: the files, read by the daemon's own reader, and their
//!   instances matched into virtual routers.
//! - [`findings`]: settings that make two hosts deaf to each other.
//! - [`groups`]: sync-group members that prefer different hosts.
//! - [`build`]: a virtual router → the model's [`Setup`](crate::Setup).
//! - [`scenario`]: one disturbance on one host, explored exhaustively
//!   against the expectation.
//! - [`report`]: the table; `explain`: a failing row's timeline and
//!   sentence; `names`: the deployment's names for the model's routers.
//!
//! ```no_run
//! let report = vrrp_model::verify::verify(&["lb1.conf", "lb2.conf"], 2)?;
//! print!("{}", report.render());
//! std::process::exit(if report.ok() { 0 } else { 1 });
//! # Ok::<(), vrrp_keepalived::conf::ConfigError>(())
//! ```

pub mod build;
mod explain;
pub mod findings;
pub mod groups;
pub mod hosts;
mod names;
pub mod report;
pub mod scenario;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use stateright::{Checker, HasDiscoveries, Model};
use vrrp_keepalived::conf::ConfigError;

use crate::model::{Step, VrrpModel};
use crate::state::World;
use crate::timing::Timing;
use build::Built;
use findings::Finding;
use hosts::{Host, VirtualRouter};
use scenario::{Disturbance, EXPECTATION, Scenario, ScenarioModel};

/// Generated states after which a scenario stops, unfinished: a bound on
/// memory (about 1 GB), far above what one fault on three hosts needs.
pub const MAX_STATES: usize = 4_000_000;

/// One scenario's result.
#[derive(Clone, Debug)]
pub struct Row {
    /// What happens.
    pub scenario: Scenario,
    /// Whether the expectation held in every reachable state.
    pub ok: bool,
    /// Whether every reachable state was explored (or a counterexample found).
    pub exhaustive: bool,
    /// Whether it is another row's exploration (the same model: another
    /// tracked object of the same weight on the same host).
    pub shared: bool,
    /// The sets of VIP holders once converged (model routers), as seen.
    pub holders: Vec<Vec<usize>>,
    /// The latest instant after the last disturbance at which the
    /// expectation did not hold yet.
    pub worst: Duration,
    /// The convergence bound the expectation was checked against.
    pub t_conv: Duration,
    /// The shortest path to a state that breaks the expectation.
    pub counterexample: Option<stateright::Path<World, Step>>,
    /// The scenario's model (to replay the counterexample).
    pub model: VrrpModel,
    /// Unique states explored.
    pub states: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// One virtual router's verification.
#[derive(Clone, Debug)]
pub struct RouterReport {
    /// Its instances.
    pub router: VirtualRouter,
    /// Its model, or why there is none.
    pub built: Result<Built, String>,
    /// Hosts that cannot hear each other.
    pub findings: Vec<Finding>,
    /// What the model leaves out for this router, in words.
    pub notes: Vec<String>,
    /// One per scenario.
    pub rows: Vec<Row>,
}

/// The whole verification.
#[derive(Clone, Debug)]
pub struct Report {
    /// The hosts, in the order given.
    pub hosts: Vec<Host>,
    /// One per virtual router.
    pub routers: Vec<RouterReport>,
    /// Wall time.
    pub elapsed: Duration,
}

impl Report {
    /// No finding and every scenario ok (a router alone on its host, or
    /// one that cannot be modelled, fails nothing but is reported).
    pub fn ok(&self) -> bool {
        self.routers
            .iter()
            .all(|r| r.findings.is_empty() && r.rows.iter().all(|row| row.ok))
    }
}

/// Reads `paths` (one per host) and verifies every virtual router that
/// two of them or more run, with `threads` checker threads.
pub fn verify(paths: &[impl AsRef<Path>], threads: usize) -> Result<Report, ConfigError> {
    let start = Instant::now();
    Ok(verify_hosts(hosts::read(paths)?, threads, start))
}

/// [`verify`] on `(name, text)` pairs, one per host.
pub fn verify_texts(files: &[(&str, &str)], threads: usize) -> Result<Report, ConfigError> {
    let start = Instant::now();
    Ok(verify_hosts(hosts::read_texts(files)?, threads, start))
}

fn verify_hosts(hosts: Vec<Host>, threads: usize, start: Instant) -> Report {
    let routers = hosts::virtual_routers(&hosts);
    let disagreements = groups::disagreements(&hosts, &routers);
    let mut routers: Vec<RouterReport> = routers
        .into_iter()
        .map(|router| verify_router(&hosts, router, threads))
        .collect();
    for (r, disagreement) in disagreements {
        match disagreement {
            groups::Disagreement::Finding(f) => routers[r].findings.push(f),
            groups::Disagreement::Note(n) => routers[r].notes.push(n),
        }
    }
    Report {
        hosts,
        routers,
        elapsed: start.elapsed(),
    }
}

fn verify_router(hosts: &[Host], router: VirtualRouter, threads: usize) -> RouterReport {
    let findings = findings::deafness(hosts, &router);
    let notes = findings::notes(hosts, &router);
    let built = if router.members.len() < 2 {
        Err("runs on one host only: nothing to verify".into())
    } else {
        build::build(&router)
    };
    let mut rows: Vec<Row> = Vec::new();
    if let Ok(built) = &built {
        for scenario in scenarios(&router, built) {
            let model = scenario_model(&router, built, scenario);
            // Two objects of one host with the same effect (weight) make
            // the same model: explored once, reported twice.
            let same = rows.iter().find(|row| {
                row.scenario.router == scenario.router
                    && same_kind(row.scenario.disturbance, scenario.disturbance)
                    && row.model.setup == model.setup
            });
            let row = match same {
                Some(row) => Row {
                    scenario,
                    shared: true,
                    ..row.clone()
                },
                None => run(model, scenario, threads),
            };
            rows.push(row);
        }
    }
    RouterReport {
        router,
        built,
        findings,
        notes,
        rows,
    }
}

/// Every scenario of `router`: the start alone; per host, each tracked object failing and
/// recovering, then the host crashing, coming back, stopped, losing its
/// link, cut off.
pub fn scenarios(router: &VirtualRouter, built: &Built) -> Vec<Scenario> {
    let mut out = vec![Scenario {
        router: 0,
        disturbance: Disturbance::Start,
    }];
    for (i, &m) in built.order.iter().enumerate() {
        let objects = router.members[m].tracked.len();
        let on = |disturbance| Scenario {
            router: i,
            disturbance,
        };
        for k in 0..objects {
            out.push(on(Disturbance::Fails(k)));
            out.push(on(Disturbance::Recovers(k)));
        }
        for d in [
            Disturbance::Crashes,
            Disturbance::ComesBack,
            Disturbance::Stopped,
            Disturbance::LinkDown,
            Disturbance::CutOff,
        ] {
            out.push(on(d));
        }
    }
    out
}

/// The model of `scenario`: the router's setup, the scenario's object as
/// the one that toggles, its budget, the loss VRRP tolerates at this
/// timing, and `T_conv` plus the longest `preempt_delay`.
pub fn scenario_model(router: &VirtualRouter, built: &Built, scenario: Scenario) -> VrrpModel {
    let mut setup = built.setup.clone();
    let member = &router.members[built.order[scenario.router]];
    setup.hosts[scenario.router].degraded = build::tracking(member, scenario.object());
    let losses = Timing::new(&setup).tolerated_loss_run().unwrap_or(0);
    setup.budget = scenario.budget(losses);
    let preempt_delay = router
        .members
        .iter()
        .map(|m| m.config.preempt_delay.as_micros())
        .max()
        .unwrap_or(0);
    setup.t_conv_us = Some(Timing::new(&setup).t_conv + preempt_delay);
    VrrpModel::new(setup)
}

/// Whether `a` and `b` are the same disturbance but for the object.
fn same_kind(a: Disturbance, b: Disturbance) -> bool {
    matches!(
        (a, b),
        (Disturbance::Fails(_), Disturbance::Fails(_))
            | (Disturbance::Recovers(_), Disturbance::Recovers(_))
    )
}

fn run(model: VrrpModel, scenario: Scenario, threads: usize) -> Row {
    let checked = ScenarioModel::new(model.clone(), scenario);
    let observed = checked.observed.clone();
    let start = Instant::now();
    let checker = checked
        .checker()
        .threads(threads.max(1))
        .finish_when(HasDiscoveries::AnyFailures)
        .target_state_count(MAX_STATES)
        .spawn_bfs()
        .join();
    let counterexample = checker.discovery(EXPECTATION);
    let exhaustive = counterexample.is_some() || checker.state_count() < MAX_STATES;
    let masks = observed.holders.load(Ordering::Relaxed);
    let n = model.routers();
    let holders = (0..64u64)
        .filter(|mask| masks & (1 << mask) != 0)
        .map(|mask| (0..n).filter(|i| mask & (1 << i) != 0).collect())
        .collect();
    Row {
        scenario,
        ok: counterexample.is_none() && exhaustive,
        exhaustive,
        shared: false,
        holders,
        worst: Duration::from_micros(observed.worst_us.load(Ordering::Relaxed)),
        t_conv: Duration::from_micros(model.timing.t_conv),
        counterexample,
        model,
        states: checker.unique_state_count(),
        elapsed: start.elapsed(),
    }
}
