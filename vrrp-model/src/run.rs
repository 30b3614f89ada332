//! Running the checker and reporting what it found.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use stateright::{Checker, Expectation, HasDiscoveries, Model, Path};

use crate::model::{Step, VrrpModel};
use crate::state::World;
use crate::{properties, trace};

/// How to search.
#[derive(Clone, Debug)]
pub struct Options {
    /// Worker threads.
    pub threads: usize,
    /// Depth-first instead of breadth-first (less memory, longer traces).
    pub dfs: bool,
    /// Stop after about this many generated states (then the check is not exhaustive).
    pub max_states: Option<usize>,
    /// Stop after this long (then the check is not exhaustive).
    pub timeout: Option<Duration>,
    /// Stop as soon as one of these properties has a discovery.
    pub stop_at: Option<BTreeSet<&'static str>>,
    /// Stop at the first violated safety property (a broken router can make
    /// the state space far larger than a correct one).
    pub stop_on_violation: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            dfs: false,
            max_states: None,
            timeout: None,
            stop_at: None,
            stop_on_violation: false,
        }
    }
}

/// One property's result.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The property's name.
    pub name: &'static str,
    /// `Always` (safety) or `Sometimes` (reachability).
    pub expectation: Expectation,
    /// A counterexample (Always) or an example (Sometimes).
    pub discovery: Option<Path<World, Step>>,
    /// A reachability property the faults make reachable
    /// ([`properties::required`]).
    pub required: bool,
}

impl Verdict {
    /// Safety holds, or the reachable state was reached.
    pub fn ok(&self) -> bool {
        match self.expectation {
            Expectation::Always | Expectation::Eventually => self.discovery.is_none(),
            Expectation::Sometimes => self.discovery.is_some(),
        }
    }

    /// Whether this is a required reachability property left unreached.
    pub fn vacuous(&self) -> bool {
        self.required && self.discovery.is_none()
    }

    /// Whether this is a safety property with a counterexample.
    pub fn violated(&self) -> bool {
        self.expectation != Expectation::Sometimes && self.discovery.is_some()
    }
}

/// What a check found.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// States generated, repeats included.
    pub generated: usize,
    /// Unique states.
    pub unique: usize,
    /// The deepest path explored.
    pub max_depth: usize,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Whether every reachable state was visited.
    pub exhaustive: bool,
    /// Each property, in the model's order.
    pub verdicts: Vec<Verdict>,
}

impl Outcome {
    /// The verdict of `name`.
    ///
    /// # Panics
    /// If there is no such property.
    pub fn verdict(&self, name: &str) -> &Verdict {
        self.verdicts
            .iter()
            .find(|v| v.name == name)
            .unwrap_or_else(|| panic!("no property {name}"))
    }

    /// Whether any safety property failed.
    pub fn any_violation(&self) -> bool {
        self.verdicts.iter().any(Verdict::violated)
    }

    /// The required reachability properties an exhaustive check did not
    /// reach (none if the check stopped early: it may not have got there).
    pub fn vacuous(&self) -> Vec<&'static str> {
        let unreached = self.verdicts.iter().filter(|v| v.vacuous());
        unreached
            .filter(|_| self.exhaustive)
            .map(|v| v.name)
            .collect()
    }

    /// Whether the check failed: a safety property is violated, or a
    /// required reachability property was not reached.
    pub fn failed(&self) -> bool {
        self.any_violation() || !self.vacuous().is_empty()
    }

    /// The report: counts, time, each property, and a timeline per
    /// counterexample.
    pub fn render(&self, model: &VrrpModel) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "states generated {}, unique {}, max depth {}, {:.2} s, {}",
            self.generated,
            self.unique,
            self.max_depth,
            self.elapsed.as_secs_f64(),
            if self.exhaustive {
                "exhaustive"
            } else {
                "NOT exhaustive (stopped early)"
            }
        );
        for v in &self.verdicts {
            let status = match (v.expectation == Expectation::Sometimes, v.ok()) {
                (false, true) if !self.exhaustive => "no counterexample (search incomplete)",
                (false, true) => "holds",
                (false, false) => "VIOLATED",
                (true, true) => "reached",
                (true, false) if v.required && self.exhaustive => "NOT REACHED: vacuous",
                (true, false) => "not reached",
            };
            let _ = writeln!(out, "  {:<46} {status}", v.name);
        }
        for v in self.verdicts.iter().filter(|v| v.violated()) {
            let path = v.discovery.as_ref().expect("violated means discovered");
            let _ = writeln!(out, "\ncounterexample to {}:", v.name);
            out.push_str(&trace::timeline(model, path));
        }
        out
    }
}

/// Checks `model` exhaustively (within `options`' limits).
pub fn check(model: VrrpModel, options: &Options) -> Outcome {
    let properties = model.properties();
    let mut builder = model.clone().checker().threads(options.threads.max(1));
    if let Some(max) = options.max_states {
        builder = builder.target_state_count(max);
    }
    if let Some(timeout) = options.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(names) = &options.stop_at {
        builder = builder.finish_when(HasDiscoveries::AnyOf(names.clone()));
    } else if options.stop_on_violation {
        builder = builder.finish_when(HasDiscoveries::AnyFailures);
    }
    let start = Instant::now();
    let (generated, unique, max_depth, mut discoveries) = if options.dfs {
        let checker = builder.spawn_dfs().join();
        let d = checker.discoveries();
        (
            checker.state_count(),
            checker.unique_state_count(),
            checker.max_depth(),
            d,
        )
    } else {
        let checker = builder.spawn_bfs().join();
        let d = checker.discoveries();
        (
            checker.state_count(),
            checker.unique_state_count(),
            checker.max_depth(),
            d,
        )
    };
    let elapsed = start.elapsed();
    let all_found = discoveries.len() == properties.len();
    let stopped_at = options
        .stop_at
        .as_ref()
        .is_some_and(|names| names.iter().any(|n| discoveries.contains_key(n)))
        || (options.stop_on_violation
            && properties.iter().any(|p| {
                p.expectation != Expectation::Sometimes && discoveries.contains_key(p.name)
            }));
    let timed_out = options.timeout.is_some_and(|t| elapsed >= t);
    let capped = options.max_states.is_some_and(|max| generated >= max);
    let required = properties::required(&model.setup);
    let verdicts = properties
        .iter()
        .map(|p| Verdict {
            name: p.name,
            expectation: p.expectation.clone(),
            discovery: discoveries.remove(p.name),
            required: required.contains(&p.name),
        })
        .collect();
    Outcome {
        generated,
        unique,
        max_depth,
        elapsed,
        exhaustive: !all_found && !stopped_at && !timed_out && !capped,
        verdicts,
    }
}
