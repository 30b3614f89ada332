//! Tracked objects (track scripts, processes, interfaces, files, and
//! `track_src_ip`'s source addresses): their runners, and each instance's
//! total for the core's `handle_tracking`.

use std::time::{Duration, Instant};

use std::net::IpAddr;

use super::sources::SourceTracker;
use super::spec::{InstanceSpec, Tracked};
use crate::track::file::{FileSpec, FileTracker};
use crate::track::process::{ProcessChange, ProcessSpec, ProcessTracker};
use crate::track::script::{ScriptChange, ScriptRunner, ScriptSpec};

/// Default /proc scan period for tracked processes.
const PROCESS_INTERVAL: Duration = Duration::from_secs(1);

/// The track scripts and tracked processes, and the buffers their changes
/// are read into (reused across turns: no allocation).
pub(super) struct Trackers {
    scripts: ScriptRunner,
    processes: ProcessTracker,
    files: FileTracker,
    /// `track_src_ip`: the configured source addresses missing.
    sources: SourceTracker,
    script_changes: Vec<ScriptChange>,
    process_changes: Vec<ProcessChange>,
    file_changes: Vec<usize>,
}

impl Trackers {
    /// Scripts first run and processes first scanned from `now`; a zero
    /// `process_interval` is the default, a second. Files are initialised
    /// (`init_file`) and read now.
    pub(super) fn new(
        scripts: Vec<ScriptSpec>,
        processes: Vec<ProcessSpec>,
        files: Vec<FileSpec>,
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
            files: FileTracker::new(files, true),
            sources: SourceTracker::default(),
            script_changes: Vec::new(),
            process_changes: Vec::new(),
            file_changes: Vec::new(),
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

    /// Tracked files and their values.
    pub(super) fn files(&self) -> &FileTracker {
        &self.files
    }

    /// Reads the tracked files' inotify events; whether a value changed.
    pub(super) fn handle_files(&mut self) -> bool {
        self.files.handle_readable(&mut self.file_changes);
        let changed = !self.file_changes.is_empty();
        self.file_changes.clear();
        changed
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

    /// `track_src_ip`'s sources, (interface index, address) each, looked
    /// up afresh (at start, reload, and after a netlink overflow).
    pub(super) fn recheck_sources(&mut self, tracked: impl IntoIterator<Item = (u32, IpAddr)>) {
        self.sources.recheck(tracked);
    }

    /// `addr` came (`present`) or went on `ifindex`: whether that changed a
    /// tracked source's standing.
    pub(super) fn handle_source_address(
        &mut self,
        ifindex: u32,
        addr: IpAddr,
        present: bool,
    ) -> bool {
        self.sources.on_address(ifindex, addr, present)
    }

    /// The total of `spec`'s tracked objects; `link_up` tells whether an
    /// interface is up (`None`: not one the driver uses, counted as up);
    /// `ifindex` is the instance's interface's (its source, with
    /// `track_src_ip`, missing from it is a failure).
    pub(super) fn tracking(
        &self,
        spec: &InstanceSpec,
        link_up: impl Fn(&str) -> Option<bool>,
        ifindex: Option<u32>,
    ) -> vrrp_core::Tracking {
        let mut tracking = vrrp_core::Tracking::sum(spec.track.iter().map(|(object, weight)| {
            let up = match object {
                Tracked::Script(i) => self.scripts.is_up(*i),
                Tracked::Process(i) => self.processes.is_up(*i),
                Tracked::Interface(name) => link_up(name).unwrap_or(true),
                Tracked::File(i) => return weight.file_contribution(self.files.value(*i)),
            };
            weight.contribution(up)
        }));
        tracking.failed |= spec.config_fault;
        // In Fault while a link of its VIPs is down (keepalived's
        // TRACK_ADDR; an instance bound to no interface has only those).
        tracking.failed |= spec.vip_links().any(|link| link_up(link) == Some(false));
        tracking.failed |= spec
            .track_source
            .zip(ifindex)
            .is_some_and(|(source, ifindex)| self.sources.is_missing(ifindex, source));
        tracking
    }

    /// A new configuration's scripts, processes and files (not
    /// initialised: keepalived writes `init_file` only at startup).
    pub(super) fn reconfigure(
        &mut self,
        scripts: Vec<ScriptSpec>,
        processes: Vec<ProcessSpec>,
        files: Vec<FileSpec>,
        now: Instant,
    ) {
        self.scripts.reconfigure(scripts, now);
        self.processes.reconfigure(processes);
        self.files.reconfigure(files);
    }
}
