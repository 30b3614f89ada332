//! Counterexamples as readable timelines: one line per event, with the
//! absolute time (the state keeps time relative, so it is rebuilt by adding
//! up the `Advance` steps), the router, what happened, and every router's
//! state after it.
//!
//! ```text
//!     tick      time  router  event                                  states
//!     0.00   0.000ms  R0      Initialize -> Backup (Startup)         B100 B150
//! ```

use std::fmt::Write as _;

use stateright::Path;
use vrrp_core::State;

pub use crate::event::Event;
use crate::model::{Step, VrrpModel};
use crate::partition;
use crate::state::World;

/// Every router's state in a few characters: `M150` (Master at priority
/// 150), `B100`, `F` (Fault), `I` (stopped), `x` (crashed), `/` after a
/// router whose link is down; then the partition.
pub fn summary(model: &VrrpModel, w: &World) -> String {
    let mut out = String::new();
    for node in &w.nodes {
        let instance = &node.instance;
        let letter = match (node.up, instance.state()) {
            (false, _) => "x",
            (true, State::Initialize) => "I",
            (true, State::Backup) => "B",
            (true, State::Master) => "M",
            (true, State::Fault) => "F",
        };
        let link = if node.link_down { "/" } else { "" };
        let entry = if node.running() {
            format!("{letter}{}{link}", instance.priority())
        } else {
            format!("{letter}{link}")
        };
        let _ = write!(out, "{entry:<4} ");
    }
    let groups = model.groups(w);
    if groups.iter().any(|&g| g != 0) {
        out.push_str(&partition::show(groups));
    }
    out.trim_end().to_string()
}

/// Renders `path` as a timeline.
pub fn timeline(model: &VrrpModel, path: &Path<World, Step>) -> String {
    let tick = model.timing.tick as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>8} {:>11}  {:<6}  {:<44} states",
        "tick", "time", "router", "event"
    );
    let mut now = 0u64;
    let line = |out: &mut String, now: u64, router: &str, event: &str, w: &World| {
        let _ = writeln!(
            out,
            "{:>8.2} {:>9.3}ms  {:<6}  {:<44} {}",
            now as f64 / tick,
            now as f64 / 1000.0,
            router,
            event,
            summary(model, w)
        );
    };
    let mut events = Vec::new();
    let initial = model.initial_logged(&mut Some(&mut events));
    for event in events {
        let router = event.router().map_or("-".to_string(), |r| format!("R{r}"));
        line(&mut out, 0, &router, &event.to_string(), &initial);
    }
    let steps = path.clone().into_vec();
    for (state, step) in steps {
        let Some(step) = step else { continue };
        if let Step::Advance(dt) = step {
            now += dt;
            continue;
        }
        let mut events = Vec::new();
        let next = model.apply(&state, step, &mut Some(&mut events));
        if events.is_empty() {
            line(&mut out, now, "-", &step.to_string(), &next);
        }
        for event in events {
            let router = event.router().map_or("-".to_string(), |r| format!("R{r}"));
            line(&mut out, now, &router, &event.to_string(), &next);
        }
    }
    out
}
