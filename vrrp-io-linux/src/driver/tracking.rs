//! Tracked objects (track scripts, processes, interfaces): their runners,
//! and each instance's total for the core's `handle_tracking`.

use std::time::{Duration, Instant};

use super::spec::{InstanceSpec, Tracked};
use crate::track;
use crate::track::process::{ProcessChange, ProcessSpec, ProcessTracker};
use crate::track::script::{ScriptChange, ScriptRunner, ScriptSpec};

/// Default /proc scan period for tracked processes.
const PROCESS_INTERVAL: Duration = Duration::from_secs(1);

/// The track scripts and tracked processes, and the buffers their changes
/// are read into (reused across turns: no allocation).
pub(super) struct Trackers {
    scripts: ScriptRunner,
    processes: ProcessTracker,
    script_changes: Vec<ScriptChange>,
    process_changes: Vec<ProcessChange>,
}

impl Trackers {
    /// Scripts first run and processes first scanned from `now`; a zero
    /// `process_interval` is the default, a second.
    pub(super) fn new(
        scripts: Vec<ScriptSpec>,
        processes: Vec<ProcessSpec>,
        process_interval: Duration,
        now: Instant,
    ) -> Self {
        let process_interval = if process_interval.is_zero() {
            PROCESS_INTERVAL
        } else {
            process_interval
        };
        Self {
            scripts: ScriptRunner::new(scripts, now),
            processes: ProcessTracker::new(processes, process_interval, now),
            script_changes: Vec::new(),
            process_changes: Vec::new(),
        }
    }

    /// Track scripts and their states.
    pub(super) fn scripts(&self) -> &ScriptRunner {
        &self.scripts
    }

    /// Tracked processes and their states.
    pub(super) fn processes(&self) -> &ProcessTracker {
        &self.processes
    }

    /// When the next script run or process scan is due.
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        [self.scripts.poll_timeout(), self.processes.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Runs the scripts and process scans that are due (and reaps scripts
    /// that ended); whether any object went up or down.
    pub(super) fn handle_timeout(&mut self, now: Instant) -> bool {
        let (scripts, processes) = (&mut self.script_changes, &mut self.process_changes);
        self.scripts.handle_timeout(now, scripts);
        self.processes.handle_timeout(now, processes);
        for change in scripts.iter() {
            tracing::info!(script = %self.scripts.scripts().nth(change.index).map_or("", |(s, _)| &s.name), up = change.up, "track script changed");
        }
        for change in processes.iter() {
            tracing::info!(process = %self.processes.processes().nth(change.index).map_or("", |(s, _)| &s.name), up = change.up, "tracked process changed");
        }
        let changed = !scripts.is_empty() || !processes.is_empty();
        scripts.clear();
        processes.clear();
        changed
    }

    /// The total of `spec`'s tracked objects; `link_up` tells whether an
    /// interface is up (`None`: not one the driver uses, counted as up).
    pub(super) fn tracking(
        &self,
        spec: &InstanceSpec,
        link_up: impl Fn(&str) -> Option<bool>,
    ) -> vrrp_core::Tracking {
        track::tracking(spec.track.iter().map(|(object, weight)| {
            let up = match object {
                Tracked::Script(i) => self.scripts.is_up(*i),
                Tracked::Process(i) => self.processes.is_up(*i),
                Tracked::Interface(name) => link_up(name).unwrap_or(true),
            };
            (*weight, up)
        }))
    }

    /// A new configuration's scripts and processes.
    pub(super) fn reconfigure(
        &mut self,
        scripts: Vec<ScriptSpec>,
        processes: Vec<ProcessSpec>,
        now: Instant,
    ) {
        self.scripts.reconfigure(scripts, now);
        self.processes.reconfigure(processes);
    }
}
