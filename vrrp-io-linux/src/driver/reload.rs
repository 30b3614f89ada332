//! A new configuration for a running driver (SIGHUP), as keepalived
//! reloads: an instance whose configuration did not change keeps its state,
//! its timers, its counters and its VIPs (no flap, no transition); a changed
//! one restarts; a removed one is released (priority 0 if Master, VIPs
//! removed); a new one starts.
//!
//! Everything that can fail is done before anything running changes:
//! interfaces are looked up, instances built and checked for duplicate
//! VRIDs, new sockets and VMACs opened. A reload that fails leaves the
//! driver exactly as it was.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use vrrp_core::{InstanceId, Router};

use super::error::DriverError;
use super::event::DriverEvent;
use super::installs::Installs;
use super::plumbing::{self, Plumbing};
use super::routes::Restorable;
use super::run::Driver;
use super::spec::{DriverConfig, InstanceSpec, Tracked};
use super::vip_traffic;
use crate::track::TrackWeight;
use crate::track::file::FileSpec;
use crate::track::process::ProcessSpec;
use crate::track::script::ScriptSpec;

/// What a reload did, by instance name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReloadSummary {
    /// Unchanged: kept running as they were.
    pub kept: Vec<String>,
    /// Changed: released and started again.
    pub restarted: Vec<String>,
    /// No longer configured: released.
    pub removed: Vec<String>,
    /// New: started.
    pub added: Vec<String>,
}

/// A tracked object by what it is rather than by its index, so two
/// configurations can be compared.
#[derive(Debug, PartialEq, Eq)]
enum TrackKey<'a> {
    Script(&'a ScriptSpec),
    Process(&'a ProcessSpec),
    Interface(&'a str),
    File(&'a FileSpec),
}

/// Everything that decides whether an instance is unchanged.
#[derive(Debug, PartialEq, Eq)]
struct Identity<'a> {
    /// The spec without its index-based tracking.
    spec: InstanceSpec,
    track: Vec<(TrackKey<'a>, TrackWeight)>,
    /// The names of its sync group's members, sorted.
    group: Option<Vec<&'a str>>,
}

fn identity<'a>(
    specs: &'a [InstanceSpec],
    index: usize,
    scripts: &'a [ScriptSpec],
    processes: &'a [ProcessSpec],
    files: &'a [FileSpec],
    groups: &[Vec<usize>],
) -> Identity<'a> {
    let spec = &specs[index];
    let track = spec
        .track
        .iter()
        .map(|(object, weight)| {
            let key = match object {
                Tracked::Script(i) => TrackKey::Script(&scripts[*i]),
                Tracked::Process(i) => TrackKey::Process(&processes[*i]),
                Tracked::Interface(name) => TrackKey::Interface(name),
                Tracked::File(i) => TrackKey::File(&files[*i]),
            };
            (key, *weight)
        })
        .collect();
    let group = groups.iter().rev().find(|g| g.contains(&index)).map(|g| {
        let mut names: Vec<&str> = g.iter().map(|&m| specs[m].name.as_str()).collect();
        names.sort_unstable();
        names
    });
    // auth_hmac changes in place (keys rotated, the roll-out's next mode):
    // no restart, no transition.
    let mut spec = InstanceSpec {
        track: Vec::new(),
        ..spec.clone()
    };
    spec.vrrp.auth_hmac = None;
    Identity { spec, track, group }
}

impl Driver {
    /// Applies `config` to the running driver (see the module docs).
    /// Events of the instances released and started are appended to `out`:
    /// the release events first, whose `instance` indices are those of the
    /// configuration before the reload, then the start events, with the
    /// new configuration's. On error nothing changed.
    pub fn reload(
        &mut self,
        config: DriverConfig,
        out: &mut Vec<DriverEvent>,
    ) -> Result<ReloadSummary, DriverError> {
        if self.stopping.is_some() {
            return Err(DriverError::Reload("the driver is stopping"));
        }
        let now = Instant::now();
        let core_now = self.clock.to_core(now);
        let config_delay = config.start_delay;
        let log_unknown_vrids = config.log_unknown_vrids;
        let auto_priority = config.auto_priority;
        let link_delays = config.link_delays.clone();

        // 1. Resolve and compare, touching nothing (but a first drop table).
        if self.drop_rules.is_none() {
            self.drop_rules = vip_traffic::set_up(&config)?;
        }
        let mut specs = config.instances;
        let ifaces = plumbing::resolve_all(&mut specs)?;
        self.host.resolve_links(&specs, &config.statics)?;
        self.host.watch_routes(&specs, &config.statics)?;
        let old_scripts: Vec<ScriptSpec> =
            self.scripts().scripts().map(|(s, _)| s.clone()).collect();
        let old_processes: Vec<ProcessSpec> = self
            .processes()
            .processes()
            .map(|(p, _)| p.clone())
            .collect();
        let old_files: Vec<FileSpec> = self
            .trackers
            .files()
            .files()
            .map(|(f, _)| f.clone())
            .collect();
        // By name, hashed: 4,080 instances looked up one by one in a list
        // were 8 million name comparisons, a fifth of a reload (perf).
        let old_index: HashMap<&str, usize> = self
            .specs
            .iter()
            .enumerate()
            .map(|(j, s)| (s.name.as_str(), j))
            .collect();
        let kept_from: Vec<Option<usize>> = (0..specs.len())
            .map(|i| {
                let j = *old_index.get(specs[i].name.as_str())?;
                let old = identity(
                    &self.specs,
                    j,
                    &old_scripts,
                    &old_processes,
                    &old_files,
                    &self.sync_groups,
                );
                let new = identity(
                    &specs,
                    i,
                    &config.scripts,
                    &config.processes,
                    &config.files,
                    &config.sync_groups,
                );
                (old == new).then_some(j)
            })
            .collect();
        let mut router = Router::new();
        for (i, spec) in specs.iter().enumerate() {
            let (interface, instance) = match kept_from[i] {
                Some(j) => {
                    let id = self.old_id(j);
                    let mut instance = self.router.instance(id).clone();
                    if instance.config().auth_hmac != spec.vrrp.auth_hmac {
                        instance
                            .handle_auth_hmac(spec.vrrp.auth_hmac.clone())
                            .map_err(|error| DriverError::Config {
                                instance: spec.name.clone(),
                                error,
                            })?;
                        tracing::info!(instance = %spec.name, "auth_hmac changed in place");
                    }
                    (self.router.interface_of(id), instance)
                }
                None => (
                    plumbing::router_key(ifaces[i].as_ref()),
                    plumbing::instance(spec)?,
                ),
            };
            router
                .add(interface, instance)
                .map_err(|error| DriverError::Duplicate {
                    instance: spec.name.clone(),
                    error,
                })?;
        }
        for group in &config.sync_groups {
            let ids: Vec<InstanceId> = group.iter().filter_map(|&m| router.id(m)).collect();
            router.add_sync_group(&ids);
        }

        // 2. Links, VMACs and sockets of the new and changed instances:
        //    nothing running changes yet.
        let (mut socket_of, mut sender_of) = (Vec::new(), Vec::new());
        let mut plumbing = Plumbing {
            registry: self.wakeups.registry(),
            host: &mut self.host,
            sockets: &mut self.adverts.sockets,
            senders: &mut self.adverts.senders,
        };
        for (i, spec) in specs.iter_mut().enumerate() {
            let (socket, sender) = match kept_from[i] {
                Some(j) => (self.adverts.socket_of[j], self.adverts.sender_of[j]),
                None => plumbing.plumb(spec, ifaces[i].as_ref())?,
            };
            socket_of.push(socket);
            sender_of.push(sender);
        }
        plumbing::size_receive_buffers(&self.adverts.sockets, &socket_of, &specs, &ifaces);

        // 3. Release the removed and changed instances, on the old router.
        let mut summary = ReloadSummary::default();
        let new_of: HashMap<usize, usize> = kept_from
            .iter()
            .enumerate()
            .filter_map(|(i, j)| Some(((*j)?, i)))
            .collect();
        // By name, hashed (a list search each was 16 million comparisons
        // at 4,080 instances).
        let new_names: HashSet<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        // The old instances whose name is gone: told DELETED.
        let mut deleted = Vec::new();
        for (j, old) in self.specs.iter().enumerate() {
            if new_of.contains_key(&j) {
                summary.kept.push(old.name.clone());
            } else if new_names.contains(old.name.as_str()) {
                summary.restarted.push(old.name.clone());
            } else {
                summary.removed.push(old.name.clone());
                deleted.push(j);
            }
        }
        drop(new_names);
        summary.added = specs
            .iter()
            .filter(|s| !old_index.contains_key(s.name.as_str()))
            .map(|s| s.name.clone())
            .collect();
        self.observers.deleting(deleted);
        for j in (0..self.specs.len()).filter(|j| !new_of.contains_key(j)) {
            let id = self.old_id(j);
            self.router.handle_instance_shutdown(core_now, id);
        }
        self.run_actions(now, out);

        // New Masters' VIPs still queued go in now, under the old ids.
        self.install_vips(now, usize::MAX);

        // 4. Swap in the new configuration; per-instance state follows its instance.
        let new_index: HashMap<&str, usize> = specs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        let by_name: Vec<Option<usize>> = self
            .specs
            .iter()
            .map(|old| new_index.get(old.name.as_str()).copied())
            .collect();
        drop(new_index);
        let follow = |j: InstanceId| new_of.get(&j.index()).and_then(|&i| router.id(i));
        self.garp.set_groups(&config.garp_groups, &self.specs);
        self.garp.remap(follow);
        self.host.remap(&kept_from, follow);
        self.installs = Installs::new(specs.len());
        self.router = router;
        self.specs = specs;
        self.install_vmac_rules(&config.drop_table, config.nft_chains);
        self.adverts.socket_of = socket_of;
        self.adverts.set_instances(self.specs.len());
        self.adverts.sender_of = sender_of;
        self.sync_groups = config.sync_groups;
        self.host.change_statics(&self.statics, &config.statics);
        self.restorable = Restorable::new(&self.specs, &config.statics);
        self.statics = config.statics;
        self.log_unknown_vrids = log_unknown_vrids;
        self.auto_priority = auto_priority;
        self.debounce.reconfigure(&link_delays);
        self.trackers
            .reconfigure(config.scripts, config.processes, config.files, now);
        self.observers
            .reconfigure(&kept_from, config.notify, &by_name);

        // 5. Start the new and changed instances (Fault first if their link is down).
        // (One without an interface: from its VIPs' links, as tracking.)
        for (i, iface) in ifaces.iter().enumerate() {
            let Some(iface) = iface else { continue };
            let link_down = self
                .host
                .links()
                .iter()
                .any(|l| l.ifindex == iface.ifindex && !l.up);
            if kept_from[i].is_none() && link_down {
                self.tell_link(core_now, iface.ifindex, false);
            }
        }
        self.recheck_sources();
        self.update_all_tracking(now);
        // During a startup delay, the loop starts them all when it ends.
        self.start_delay.reconfigure(config_delay);
        if !self.start_delay.is_pending() {
            self.router.handle_startup(core_now);
        }
        self.run_actions(now, out);
        self.observers.check_priorities(&self.router, &self.specs);
        self.observers
            .states_on_reload(&self.router, &self.specs, &kept_from);
        Ok(summary)
    }

    /// The id of the old router's `j`-th instance.
    fn old_id(&self, j: usize) -> InstanceId {
        self.router.id(j).expect("one instance per spec")
    }
}
