//! A deployment's files, one per host → its virtual routers: the instances
//! that share a family and a VRID across files (and an interface name,
//! where one file has several instances of that family and VRID).

use std::collections::BTreeMap;
use std::path::Path;

use vrrp_keepalived::conf::{
    self, ConfigError, Family, KeepalivedConfig, Span, Tracked, VrrpInstance, Weight,
};

/// One host: one keepalived.conf.
#[derive(Clone, Debug)]
pub struct Host {
    /// Its name: the file's stem (`lb1` for `lb1.conf`).
    pub name: String,
    /// The file as given.
    pub path: String,
    /// What the daemon's reader made of it.
    pub config: KeepalivedConfig,
}

/// A tracked object as one instance sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackedObject {
    /// `haproxy_check`, `eth1`, ...
    pub name: String,
    /// `track_script`, `track_process`, `track_interface` or `track_file`.
    pub kind: &'static str,
    /// keepalived's weight, `reverse` applied: positive adds while up,
    /// negative while down, 0 puts the instance in Fault while down. A
    /// file is "up" holding the better of 0 and 1 and "down" holding the
    /// other (see [`file_weight`]).
    pub weight: i32,
    /// Where the weight (or, without one, the reference) is written.
    pub at: Span,
    /// The sync group it comes from, when it is a sibling's object that
    /// faults this instance through the group.
    pub via_group: Option<String>,
}

impl TrackedObject {
    /// What it adds to the priority while `up`; `None`: the instance is in
    /// Fault. keepalived's rule, as `vrrp_io_linux::track::TrackWeight`
    /// applies it in the daemon.
    pub fn contribution(&self, up: bool) -> Option<i32> {
        match (self.weight, up) {
            (0, false) => None,
            (w, true) if w > 0 => Some(w),
            (w, false) if w < 0 => Some(w),
            _ => Some(0),
        }
    }
}

/// One host's instance of a virtual router.
#[derive(Clone, Debug)]
pub struct Member {
    /// Index into the hosts.
    pub host: usize,
    /// The instance as written.
    pub instance: VrrpInstance,
    /// The protocol settings the daemon runs.
    pub config: vrrp_core::Config,
    /// Its tracked objects, those of its sync groups included.
    pub tracked: Vec<TrackedObject>,
    /// The sync group it belongs to, if any.
    pub sync_group: Option<String>,
}

/// The instances of one virtual router across the hosts.
#[derive(Clone, Debug)]
pub struct VirtualRouter {
    /// The first member's instance name.
    pub name: String,
    /// Its VRID.
    pub vrid: u8,
    /// Its address family.
    pub family: Family,
    /// One member per host that runs it, in host order.
    pub members: Vec<Member>,
}

/// Reads each file with the daemon's own reader; the first error stops.
pub fn read(paths: &[impl AsRef<Path>]) -> Result<Vec<Host>, ConfigError> {
    paths
        .iter()
        .map(|path| {
            let path = path.as_ref();
            let loaded = conf::load(path)?;
            let name = path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into(),
            );
            Ok(Host {
                name,
                path: path.display().to_string(),
                config: loaded.config,
            })
        })
        .collect()
}

/// Reads `(name, text)` pairs, one per host (positions name the file
/// `name`; `include` is an error): for callers that hold the text.
pub fn read_texts(files: &[(&str, &str)]) -> Result<Vec<Host>, ConfigError> {
    files
        .iter()
        .map(|&(name, text)| {
            let loaded = conf::parse_str(text, name)?;
            let stem = Path::new(name)
                .file_stem()
                .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into());
            Ok(Host {
                name: stem,
                path: name.to_string(),
                config: loaded.config,
            })
        })
        .collect()
}

/// The virtual routers of `hosts`, in the order first met.
pub fn virtual_routers(hosts: &[Host]) -> Vec<VirtualRouter> {
    let mut keys: Vec<(Family, u8, Option<String>)> = Vec::new();
    let mut routers: BTreeMap<usize, VirtualRouter> = BTreeMap::new();
    for (h, host) in hosts.iter().enumerate() {
        for instance in &host.config.instances {
            let vrid = instance.virtual_router_id.as_ref().map_or(0, |v| v.value);
            let family = instance.family();
            let same = |i: &VrrpInstance| {
                i.family() == family && i.virtual_router_id.as_ref().map(|v| v.value) == Some(vrid)
            };
            // One instance of this family and VRID in the file: the interface
            // name may differ from host to host. Several: it tells them apart.
            let interface = (host.config.instances.iter().filter(|i| same(i)).count() > 1)
                .then(|| instance.interface.as_ref().map(|i| i.value.clone()))
                .flatten();
            let key = (family, vrid, interface);
            let index = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
                keys.push(key);
                keys.len() - 1
            });
            let router = routers.entry(index).or_insert_with(|| VirtualRouter {
                name: instance.name.clone(),
                vrid,
                family,
                members: Vec::new(),
            });
            router.members.push(member(&host.config, h, instance));
        }
    }
    routers.into_values().collect()
}

fn member(config: &KeepalivedConfig, host: usize, instance: &VrrpInstance) -> Member {
    let groups: Vec<_> = config.sync_groups_of(instance).collect();
    let mut tracked = objects(
        config,
        instance
            .track_scripts
            .iter()
            .chain(groups.iter().flat_map(|g| &g.track_scripts)),
        instance
            .track_processes
            .iter()
            .chain(groups.iter().flat_map(|g| &g.track_processes)),
        instance
            .track_interfaces
            .iter()
            .chain(groups.iter().flat_map(|g| &g.track_interfaces)),
        instance
            .track_files
            .iter()
            .chain(groups.iter().flat_map(|g| &g.track_files)),
    );
    // A sibling in Fault puts the whole group in Fault (the core's
    // `set_group_fault`): its weight-0 objects fault this instance too.
    for group in &groups {
        let siblings = group
            .members
            .iter()
            .filter(|m| m.value != instance.name)
            .filter_map(|m| config.instance(&m.value));
        for sibling in siblings {
            let own = objects(
                config,
                &sibling.track_scripts,
                &sibling.track_processes,
                &sibling.track_interfaces,
                &sibling.track_files,
            );
            for mut object in own {
                if object.weight == 0 && !tracked.iter().any(|t| t.name == object.name) {
                    object.via_group = Some(group.name.clone());
                    tracked.push(object);
                }
            }
        }
    }
    Member {
        host,
        instance: instance.clone(),
        config: conf::vrrp_config(config, instance),
        tracked,
        sync_group: groups.first().map(|g| g.name.clone()),
    }
}

/// The tracked objects of these `track_*` entries (unknown names are the
/// reader's to report).
fn objects<'a>(
    config: &KeepalivedConfig,
    scripts: impl IntoIterator<Item = &'a Tracked>,
    processes: impl IntoIterator<Item = &'a Tracked>,
    interfaces: impl IntoIterator<Item = &'a Tracked>,
    files: impl IntoIterator<Item = &'a Tracked>,
) -> Vec<TrackedObject> {
    let scripts = scripts.into_iter().filter_map(|t| {
        let script = config.script(&t.name)?;
        Some(object(t, "track_script", script.weight.as_ref()))
    });
    let processes = processes.into_iter().filter_map(|t| {
        let process = config.track_process(&t.name)?;
        Some(object(t, "track_process", process.weight.as_ref()))
    });
    let interfaces = interfaces
        .into_iter()
        .map(|t| object(t, "track_interface", None));
    let files = files.into_iter().filter_map(|t| {
        let file = config.track_file(&t.name)?;
        let mut object = object(t, "track_file", file.weight.as_ref());
        object.weight = file_weight(t.weight.as_ref().or(file.weight.as_ref()));
        Some(object)
    });
    scripts
        .chain(processes)
        .chain(interfaces)
        .chain(files)
        .collect()
}

/// A tracked file as an up/down object. A file holds any integer, and
/// value × weight ≤ -254 is Fault, so for every non-zero weight some value
/// faults the instance: "the worst value" would make every file a Fault
/// and say nothing of the weight the operator chose. The scenarios use the
/// values operators write instead, 0 and 1: the file "fails" when it holds
/// the worse of the two and "recovers" to the better. With weight 0 that is
/// Fault (1, or 0 with `reverse`); with weight W (sign flipped by
/// `reverse`) it is W when W < 0 (the value 1 lowers the priority) and 0
/// when W > 0 (the value 1, the healthy state, raised it), the same as a
/// script of weight W; W = -254 is Fault (keepalived: -254 and below). The
/// model starts every object healthy: a file with W > 0 holding 1.
fn file_weight(weight: Option<&Weight>) -> i32 {
    let signed = weight.map_or(1, |w| if w.reverse { -w.value } else { w.value });
    if signed <= -254 { 0 } else { signed.min(253) }
}

/// The weight a `track_*` entry gives: its own, else the object's, else 0.
fn object(tracked: &Tracked, kind: &'static str, default: Option<&Weight>) -> TrackedObject {
    let weight = tracked.weight.as_ref().or(default);
    TrackedObject {
        name: tracked.name.clone(),
        kind,
        weight: weight.map_or(0, |w| if w.reverse { -w.value } else { w.value }),
        at: weight.map_or_else(|| tracked.at.clone(), |w| w.at.clone()),
        via_group: None,
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn object(weight: i32) -> TrackedObject {
        TrackedObject {
            name: "chk".into(),
            kind: "track_script",
            weight,
            at: Span::new(&"x.conf".into(), 1, 1),
            via_group: None,
        }
    }

    /// keepalived's rule: a positive weight is added while up, a negative
    /// one while down, weight 0 down is Fault.
    #[test]
    fn contribution_follows_keepalived() {
        assert_eq!(object(2).contribution(true), Some(2));
        assert_eq!(object(2).contribution(false), Some(0));
        assert_eq!(object(-20).contribution(true), Some(0));
        assert_eq!(object(-20).contribution(false), Some(-20));
        assert_eq!(object(0).contribution(true), Some(0));
        assert_eq!(object(0).contribution(false), None);
    }

    /// A file fails to the worse of 0 and 1 (module docs of `file_weight`).
    #[test]
    fn a_file_is_an_object_of_its_weight_with_keepalived_limits() {
        let at = Span::new(&"x.conf".into(), 1, 1);
        let w = |value, reverse| {
            file_weight(Some(&Weight {
                value,
                reverse,
                at: at.clone(),
            }))
        };
        assert_eq!(file_weight(None), 1, "keepalived's default weight");
        assert_eq!((w(0, false), w(0, true)), (0, 0));
        assert_eq!((w(-60, false), w(60, true), w(60, false)), (-60, -60, 60));
        assert_eq!((w(-254, false), w(254, true)), (0, 0), "-254 is Fault");
        assert_eq!(w(254, false), 253);
    }

    #[test]
    fn reverse_flips_the_weight_and_groups_add_their_objects() {
        let text = "vrrp_script s {\n script x\n weight 5 reverse\n}\n\
                    vrrp_script g {\n script y\n}\n\
                    vrrp_instance A {\n interface eth0\n virtual_router_id 1\n\
                    virtual_ipaddress { 192.0.2.1 }\n track_script { s }\n}\n\
                    vrrp_instance B {\n interface eth1\n virtual_router_id 2\n\
                    virtual_ipaddress { 192.0.2.2 }\n track_script { g }\n}\n\
                    vrrp_sync_group G {\n group { A B }\n sync_group_tracking_weight\n}\n";
        // Without sync_group_tracking_weight keepalived drops a member's
        // weighted track_script (conf/member_weights.rs): the group keeps it.
        let hosts = read_texts(&[("h1.conf", text), ("h2.conf", text)]).unwrap();
        let routers = virtual_routers(&hosts);
        assert_eq!(routers.len(), 2);
        let a = &routers[0].members[0];
        let seen: Vec<_> = a
            .tracked
            .iter()
            .map(|t| (t.name.as_str(), t.weight, t.via_group.as_deref()))
            .collect();
        assert_eq!(seen, [("s", -5, None), ("g", 0, Some("G"))]);
        assert_eq!(routers[0].members.len(), 2);
    }
}
