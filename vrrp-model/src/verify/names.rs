//! The deployment's names for the model's routers and scenarios: host
//! names from the files, objects by their keepalived names.

use std::time::Duration;

use super::build::Built;
use super::hosts::{Host, Member, VirtualRouter};
use super::scenario::{Disturbance, Scenario};
use crate::state::World;

/// The names of the model's routers.
pub(super) struct Names<'a> {
    pub(super) hosts: &'a [Host],
    pub(super) router: &'a VirtualRouter,
    pub(super) built: &'a Built,
}

impl Names<'_> {
    pub(super) fn member(&self, i: usize) -> &Member {
        &self.router.members[self.built.order[i]]
    }

    pub(super) fn host(&self, i: usize) -> &str {
        &self.hosts[self.member(i).host].name
    }

    /// The widest host name, for the columns.
    pub(super) fn width(&self) -> usize {
        let n = self.built.order.len();
        (0..n).map(|i| self.host(i).len()).max().unwrap_or(0).max(4)
    }

    pub(super) fn object(&self, scenario: Scenario) -> &str {
        scenario
            .object()
            .map_or("", |k| &self.member(scenario.router).tracked[k].name)
    }

    /// What happens, in words.
    pub(super) fn scenario(&self, s: Scenario) -> String {
        let host = self.host(s.router);
        match s.disturbance {
            Disturbance::Start => "all hosts start".into(),
            Disturbance::Fails(_) => format!("{} fails on {host}", self.object(s)),
            Disturbance::Recovers(_) => format!("{} fails, recovers on {host}", self.object(s)),
            Disturbance::Crashes => format!("{host} crashes"),
            Disturbance::ComesBack => format!("{host} crashes, comes back"),
            Disturbance::Stopped => format!("{host} is stopped (SIGTERM)"),
            Disturbance::LinkDown => format!("{host}'s link goes down"),
            Disturbance::CutOff => format!("{host} is cut off, partition heals"),
        }
    }

    /// `98 + 2`: the base priority and what the tracked objects add.
    pub(super) fn priority(&self, i: usize, w: &World) -> String {
        let base = self.member(i).config.priority;
        let now = w.nodes[i].instance.priority();
        match i32::from(now) - i32::from(base) {
            0 => base.to_string(),
            d if d > 0 => format!("{base} + {d}"),
            d => format!("{base} - {}", -d),
        }
    }
}

/// A duration as `3.61 s`, or `at once`.
pub(super) fn seconds(d: Duration) -> String {
    if d.is_zero() {
        "at once".into()
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}
