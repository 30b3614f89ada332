//! Tracked objects to the core's `handle_tracking`.

use std::time::Instant;

use vrrp_core::InstanceId;

use super::{Driver, Tracked};
use crate::track;

impl Driver {
    /// Runs scripts and process scans that are due; on any change, gives the
    /// instances tracking them their new totals.
    pub(super) fn run_trackers(&mut self, now: Instant) {
        let mut scripts = std::mem::take(&mut self.scratch.scripts);
        let mut processes = std::mem::take(&mut self.scratch.processes);
        self.scripts.handle_timeout(now, &mut scripts);
        self.processes.handle_timeout(now, &mut processes);
        for change in &scripts {
            tracing::info!(script = %self.scripts.scripts().nth(change.index).map_or("", |(s, _)| &s.name), up = change.up, "track script changed");
        }
        for change in &processes {
            tracing::info!(process = %self.processes.processes().nth(change.index).map_or("", |(s, _)| &s.name), up = change.up, "tracked process changed");
        }
        if !scripts.is_empty() || !processes.is_empty() {
            self.update_all_tracking(now);
        }
        scripts.clear();
        processes.clear();
        self.scratch.scripts = scripts;
        self.scratch.processes = processes;
    }

    /// Recomputes every instance's tracking; the core hears only changes.
    pub(super) fn update_all_tracking(&mut self, now: Instant) {
        let core_now = self.clock.to_core(now);
        for index in 0..self.specs.len() {
            let id = self.router.id(index).expect("one instance per spec");
            let tracking = self.tracking_of(id);
            if tracking != self.router.instance(id).tracking() {
                self.router.handle_tracking(core_now, id, tracking);
            }
        }
    }

    fn tracking_of(&self, id: InstanceId) -> vrrp_core::Tracking {
        let spec = &self.specs[id.index()];
        track::tracking(spec.track.iter().map(|(object, weight)| {
            let up = match object {
                Tracked::Script(i) => self.scripts.is_up(*i),
                Tracked::Process(i) => self.processes.is_up(*i),
                Tracked::Interface(name) => self
                    .links
                    .iter()
                    .find(|l| &l.name == name)
                    .is_none_or(|l| l.up),
            };
            (*weight, up)
        }))
    }
}
