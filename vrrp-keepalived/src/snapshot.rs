//! One typed snapshot of a running driver, taken between two of its turns:
//! what the status dump ([`status::to_json`](crate::status::to_json)), the
//! metrics ([`metrics::render`](crate::metrics::render)) and keepalived's
//! dump files ([`dump`](crate::dump)) all render.

use std::net::IpAddr;
use std::time::SystemTime;

use vrrp_core::time::Duration;
use vrrp_core::wire::Family;
use vrrp_core::{Config, RouterStats, State, Statistics, Timer, Tracking};
use vrrp_io_linux::driver::{Driver, History, Tracked};
use vrrp_io_linux::track::TrackWeight;
use vrrp_io_linux::track::process::{ProcessSpec, ProcessState};
use vrrp_io_linux::track::script::{Outcome, ScriptSpec, ScriptState};

#[cfg(test)]
pub(crate) mod fixture;

/// Everything the status dump and the metrics show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// When it was taken, by the wall clock.
    pub time: SystemTime,
    /// The daemon's process id.
    pub pid: u32,
    /// The virtual routers, in configuration order.
    pub instances: Vec<InstanceStatus>,
    /// The track scripts and their states.
    pub scripts: Vec<(ScriptSpec, ScriptState)>,
    /// The tracked processes and their states.
    pub processes: Vec<(ProcessSpec, ProcessState)>,
    /// Notify scripts running or queued.
    pub notify_scripts_busy: usize,
    /// Route, rule and static address changes that failed (not sent, or
    /// refused by the kernel).
    pub route_failures: u64,
    /// Packets no instance took.
    pub router: RouterStats,
    /// Addresses whose traffic is dropped now (`no_accept` Masters).
    pub traffic_dropped: Vec<IpAddr>,
    /// Drop rule changes that failed since start.
    pub drop_rule_failures: u64,
}

/// One virtual router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceStatus {
    /// Its name (`vrrp_instance NAME`).
    pub name: String,
    /// The interface it runs on; `None` for a unicast instance bound to
    /// none (its VIPs name theirs).
    pub interface: Option<String>,
    /// Its VMAC (`use_vmac`), which carries the addresses meant for
    /// `interface` and sends the adverts.
    pub vmac: Option<String>,
    /// Its protocol configuration (base priority, interval, peers, ...).
    pub config: Config,
    /// Its address family.
    pub family: Family,
    /// Its state.
    pub state: State,
    /// Its state changes: how many, since when, why.
    pub history: History,
    /// Its effective priority: base plus track weights.
    pub priority: u8,
    /// The Master it hears, if any.
    pub master: Option<IpAddr>,
    /// Every address installed while Master: the advertised ones, then
    /// the excluded ones.
    pub vips: Vec<VipStatus>,
    /// Whether they are installed now.
    pub vips_installed: bool,
    /// Delay of the second gratuitous ARP burst after becoming Master
    /// (keepalived's `garp_master_delay`).
    pub garp_delay: std::time::Duration,
    /// Master_Adver_Interval, in centiseconds.
    pub master_adver_interval: u16,
    /// Skew_Time.
    pub skew_time: Duration,
    /// Master_Down_Interval.
    pub master_down_interval: Duration,
    /// The running timer and how long until it fires.
    pub next_timer: Option<(Timer, std::time::Duration)>,
    /// What the tracked objects sum to.
    pub tracking: Tracking,
    /// Each tracked object.
    pub tracked: Vec<TrackedStatus>,
    /// Its RFC 6527 counters.
    pub stats: Statistics,
}

/// A virtual address of an instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VipStatus {
    /// The address.
    pub addr: IpAddr,
    /// Its prefix length.
    pub prefix_len: u8,
    /// The interface it is installed on (the VMAC for those it carries).
    pub interface: String,
    /// Its IPv4 label, if any.
    pub label: Option<String>,
    /// Installed but not advertised (keepalived's `virtual_ipaddress_excluded`).
    pub excluded: bool,
}

/// A tracked object as one instance sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackedStatus {
    /// The script's, process's, interface's or file's name.
    pub name: String,
    /// Whether it counts as up (a file: it neither faults the instance nor
    /// lowers its priority); `None`: an interface the driver does not know.
    pub up: Option<bool>,
    /// Its weight for this instance.
    pub weight: TrackWeight,
    /// What kind of object, with what only that kind has.
    pub kind: TrackedKind,
}

/// The kind of a tracked object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackedKind {
    /// A `vrrp_script`.
    Script {
        /// How its last run ended.
        last: Option<Outcome>,
        /// Runs so far.
        runs: u64,
    },
    /// A `vrrp_track_process`.
    Process {
        /// Matching processes at the last scan.
        count: u32,
    },
    /// A `track_interface`.
    Interface,
    /// A `track_file`.
    File {
        /// The value it holds; `None`: not tracked (no such directory).
        value: Option<i64>,
    },
}

impl TrackedKind {
    /// keepalived's word for it: `script`, `process`, `interface` or `file`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Script { .. } => "script",
            Self::Process { .. } => "process",
            Self::Interface => "interface",
            Self::File { .. } => "file",
        }
    }
}

impl InstanceStatus {
    /// Times it left Master: every time it became Master, except the
    /// current one (keepalived's `release_master`, counted on leaving
    /// Master for Backup or Fault).
    pub fn masters_released(&self) -> u64 {
        self.stats
            .master_transitions
            .saturating_sub(u64::from(self.state == State::Master))
    }
}

impl Snapshot {
    /// Takes the snapshot of `driver` (call it between two turns, e.g.
    /// through [`Handle::inspect`](vrrp_io_linux::driver::Handle::inspect)).
    pub fn take(driver: &Driver) -> Self {
        let scripts: Vec<_> = driver
            .scripts()
            .scripts()
            .map(|(spec, state)| (spec.clone(), state))
            .collect();
        let processes: Vec<_> = driver
            .processes()
            .processes()
            .map(|(spec, state)| (spec.clone(), state))
            .collect();
        let files: Vec<_> = driver
            .files()
            .files()
            .map(|(spec, value)| (spec.clone(), value))
            .collect();
        let instances = driver
            .router()
            .instances()
            .map(|(id, instance)| {
                let index = id.index();
                let spec = &driver.specs()[index];
                let tracked = spec
                    .track
                    .iter()
                    .map(|(object, weight)| match object {
                        Tracked::Script(i) => {
                            let (script, state) = &scripts[*i];
                            TrackedStatus {
                                name: script.name.clone(),
                                up: Some(state.up),
                                weight: *weight,
                                kind: TrackedKind::Script {
                                    last: state.last,
                                    runs: state.runs,
                                },
                            }
                        }
                        Tracked::Process(i) => {
                            let (process, state) = &processes[*i];
                            TrackedStatus {
                                name: process.name.clone(),
                                up: Some(state.up),
                                weight: *weight,
                                kind: TrackedKind::Process { count: state.count },
                            }
                        }
                        Tracked::Interface(name) => TrackedStatus {
                            name: name.clone(),
                            up: driver.link_up(name),
                            weight: *weight,
                            kind: TrackedKind::Interface,
                        },
                        Tracked::File(i) => {
                            let (file, value) = &files[*i];
                            let effect = weight.file_contribution(*value);
                            TrackedStatus {
                                name: file.name.clone(),
                                up: Some(effect.is_some_and(|e| e >= 0)),
                                weight: *weight,
                                kind: TrackedKind::File { value: *value },
                            }
                        }
                    })
                    .collect();
                InstanceStatus {
                    name: spec.name.clone(),
                    interface: spec.interface.clone(),
                    vmac: spec.vmac.clone(),
                    config: instance.config().clone(),
                    family: instance.family(),
                    state: instance.state(),
                    history: driver.history().get(index).cloned().unwrap_or_default(),
                    priority: instance.priority(),
                    master: instance.master(),
                    vips: spec
                        .installed()
                        .enumerate()
                        .map(|(k, v)| VipStatus {
                            addr: v.addr,
                            prefix_len: v.prefix_len,
                            interface: spec.interface_of(v).to_owned(),
                            label: v.label.clone(),
                            excluded: k >= spec.vips.len(),
                        })
                        .collect(),
                    vips_installed: driver.vips_installed(index),
                    garp_delay: spec.garp.delay,
                    master_adver_interval: instance.master_adver_interval(),
                    skew_time: instance.skew_time(),
                    master_down_interval: instance.master_down_interval(),
                    next_timer: driver.next_timer(index),
                    tracking: instance.tracking(),
                    tracked,
                    stats: instance.stats().clone(),
                }
            })
            .collect();
        Self {
            time: SystemTime::now(),
            pid: std::process::id(),
            instances,
            scripts,
            processes,
            notify_scripts_busy: driver.notifier().busy(),
            route_failures: driver.route_failures(),
            router: driver.router().stats().clone(),
            traffic_dropped: driver
                .drop_rules()
                .map(|r| r.dropped().copied().collect())
                .unwrap_or_default(),
            drop_rule_failures: driver.drop_rules().map_or(0, |r| r.failures()),
        }
    }
}
