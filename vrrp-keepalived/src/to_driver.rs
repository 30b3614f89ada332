//! From keepalived's model to what the driver runs.

use std::collections::HashSet;
use std::time::Duration;

use nix::unistd::{Group, User};
use vrrp_io_linux::driver::{
    DriverConfig, InstanceSpec, IpvlanFlags, IpvlanSpec, LinkDelay, Tracked as DriverTracked, Vip,
    VipTraffic, VmacKind,
};
use vrrp_io_linux::firewall::ChainOptions;
use vrrp_io_linux::notify::{FifoSpec, GroupNotify, NotifyCommand, NotifyConfig, NotifyScripts};
use vrrp_io_linux::track::TrackWeight;
use vrrp_io_linux::track::file::{FileInit, FileSpec};
use vrrp_io_linux::track::process::{ParamMatch as TrackerMatch, ProcessSpec};
use vrrp_io_linux::track::script::ScriptSpec;

use crate::conf::{
    ConfigError, Family, IpvlanMode, KeepalivedConfig, Notify, NotifyScript, ParamMatch, RunAs,
    Tracked, VirtualAddress, VrrpInstance,
};
use crate::{buffer_spec, garp_spec, route_spec, vmac_spec};

/// The nftables table (`inet NAME`) of the rules that drop traffic to the
/// VIPs of a non-owner without accept mode (keepalived's is `keepalived`).
pub const DROP_TABLE: &str = "keepalive_haproxy";

/// keepalived's default `interval` of a `vrrp_script`.
const SCRIPT_INTERVAL: Duration = Duration::from_secs(1);

/// Maps a loaded configuration onto the driver's. Fails (with the position)
/// only where the host disagrees: a script user that does not exist.
pub fn driver_config(config: &KeepalivedConfig) -> Result<DriverConfig, ConfigError> {
    let scripts = config
        .scripts
        .iter()
        .map(|s| script_spec(config, s))
        .collect::<Result<Vec<_>, _>>()?;
    let processes = config.track_processes.iter().map(process_spec).collect();
    let files = config
        .track_files
        .iter()
        .map(|f| FileSpec {
            name: f.name.clone(),
            path: f.file.value.clone().into(),
            init: f.init_file.as_ref().map(|i| FileInit {
                value: i.value,
                overwrite: i.overwrite,
            }),
        })
        .collect();
    let mut instances: Vec<InstanceSpec> = config
        .instances
        .iter()
        .map(|i| instance_spec(config, i))
        .collect::<Result<_, _>>()?;
    let mut vmacs: HashSet<String> = instances.iter().filter_map(|s| s.vmac.clone()).collect();
    for (instance, spec) in config.instances.iter().zip(&mut instances) {
        vmac_spec::add_address_vmacs(config, instance, spec, &mut vmacs);
    }
    let sync_groups = config
        .sync_groups
        .iter()
        .map(|g| {
            g.members
                .iter()
                .filter_map(|m| config.instances.iter().position(|i| i.name == m.value))
                .collect()
        })
        .collect();
    let link_delays = link_delays(config, &instances);
    Ok(DriverConfig {
        instances,
        sync_groups,
        scripts,
        processes,
        files,
        process_interval: Duration::ZERO,
        notify: notify_config(config)?,
        statics: route_spec::statics(config)?,
        handle_signals: false,
        drop_table: Some(DROP_TABLE.to_owned()),
        start_delay: crate::startup::start_delay(&config.global),
        log_unknown_vrids: config.global.log_unknown_vrids,
        garp_groups: garp_spec::groups(config),
        netlink_buffer: buffer_spec::netlink(&config.global.buffers),
        link_delays,
        auto_priority: crate::process::auto_priority(&config.global),
        disable_local_igmp: config.global.disable_local_igmp.is_some(),
        nft_chains: ChainOptions {
            priority: config.global.nftables_priority.unwrap_or(-1),
            counters: config.global.nftables_counters,
        },
    })
}

/// `interface_up_down_delays`, and the same delays for the VMACs on those
/// interfaces (keepalived 2.4.3 `vrrp.c`: "The VMAC uses the same up/down
/// debounce delays as its parent interface").
fn link_delays(config: &KeepalivedConfig, instances: &[InstanceSpec]) -> Vec<LinkDelay> {
    let mut delays: Vec<LinkDelay> = config
        .link_delays
        .iter()
        .map(|d| LinkDelay {
            interface: d.interface.value.clone(),
            down: d.down,
            up: d.up,
        })
        .collect();
    for spec in instances {
        let Some(vmac) = &spec.vmac else { continue };
        let parent = (delays.iter()).find(|d| spec.interface.as_ref() == Some(&d.interface));
        if let Some(parent) = parent.filter(|_| !delays.iter().any(|d| &d.interface == vmac)) {
            let inherited = LinkDelay {
                interface: vmac.clone(),
                ..parent.clone()
            };
            delays.push(inherited);
        }
    }
    delays
}

/// The notify scripts of every instance and group, and the FIFOs, with
/// their users resolved.
fn notify_config(config: &KeepalivedConfig) -> Result<NotifyConfig, ConfigError> {
    let command = |script: &NotifyScript| notify_command(config, script);
    let scripts = |notify: &Notify| -> Result<NotifyScripts, ConfigError> {
        let each = |s: &Option<Box<NotifyScript>>| s.as_deref().map(command).transpose();
        Ok(NotifyScripts {
            master: each(&notify.master)?,
            backup: each(&notify.backup)?,
            fault: each(&notify.fault)?,
            stop: each(&notify.stop)?,
            deleted: each(&notify.deleted)?,
            notify_deleted: notify.notify_deleted.is_some(),
            any: each(&notify.any)?,
            master_rx_lower_pri: each(&notify.master_rx_lower_pri)?,
            priority_changes: false,
        })
    };
    let instances = config
        .instances
        .iter()
        .map(|i| {
            Ok(NotifyScripts {
                priority_changes: config.notify_priority_changes(i),
                ..scripts(&i.notify)?
            })
        })
        .collect::<Result<_, ConfigError>>()?;
    let groups = config
        .sync_groups
        .iter()
        .map(|g| {
            Ok(GroupNotify {
                name: g.name.clone(),
                members: g
                    .members
                    .iter()
                    .filter_map(|m| config.instances.iter().position(|i| i.name == m.value))
                    .collect(),
                scripts: scripts(&g.notify)?,
            })
        })
        .collect::<Result<_, ConfigError>>()?;
    let mut fifos = Vec::new();
    for fifo in [&config.global.notify_fifo, &config.global.vrrp_notify_fifo] {
        let Some(path) = &fifo.path else { continue };
        fifos.push(FifoSpec {
            path: path.value.clone().into(),
            owner: match &fifo.owner {
                Some(owner) => Some(resolve(owner, &path.at)?),
                None => None,
            },
            script: fifo.script.as_ref().map(command).transpose()?,
        });
    }
    Ok(NotifyConfig {
        instances,
        groups,
        fifos,
        timeout: Duration::ZERO,
        states_on_reload: config.global.fifo_write_vrrp_states_on_reload,
    })
}

fn instance_spec(
    config: &KeepalivedConfig,
    instance: &VrrpInstance,
) -> Result<InstanceSpec, ConfigError> {
    let family = instance.family();
    let vips: Vec<Vip> = instance.virtual_ipaddress.iter().map(vip).collect();
    let vrrp = crate::conf::vrrp_config(config, instance);

    let groups = config.sync_groups_of(instance);
    let mut track = Vec::new();
    for (tracked, group_tracked) in [(
        &instance.track_scripts,
        groups
            .clone()
            .flat_map(|g| &g.track_scripts)
            .collect::<Vec<_>>(),
    )] {
        for t in tracked.iter().chain(group_tracked) {
            if let Some(index) = config.scripts.iter().position(|s| s.name == t.name) {
                let default = config.scripts[index].weight.as_ref();
                track.push((DriverTracked::Script(index), weight(t, default)));
            }
        }
    }
    for t in instance
        .track_processes
        .iter()
        .chain(groups.clone().flat_map(|g| &g.track_processes))
    {
        if let Some(index) = config.track_processes.iter().position(|p| p.name == t.name) {
            let default = config.track_processes[index].weight.as_ref();
            track.push((DriverTracked::Process(index), weight(t, default)));
        }
    }
    for t in instance
        .track_files
        .iter()
        .chain(groups.clone().flat_map(|g| &g.track_files))
    {
        if let Some(index) = config.track_files.iter().position(|f| f.name == t.name) {
            // A file's weight defaults to 1, not 0 (keepalived's).
            let default = config.track_files[index].weight.as_ref();
            let weight = match (&t.weight, default) {
                (None, None) => TrackWeight {
                    weight: 1,
                    reverse: false,
                },
                _ => weight(t, default),
            };
            track.push((DriverTracked::File(index), weight));
        }
    }
    for t in instance
        .track_interfaces
        .iter()
        .chain(groups.flat_map(|g| &g.track_interfaces))
    {
        track.push((DriverTracked::Interface(t.name.clone()), weight(t, None)));
    }

    Ok(InstanceSpec {
        name: instance.name.clone(),
        interface: instance.interface.as_ref().map(|i| i.value.clone()),
        vrrp,
        vips,
        excluded_vips: instance
            .virtual_ipaddress_excluded
            .iter()
            .map(vip)
            .collect(),
        track,
        routes: instance
            .virtual_routes
            .iter()
            .map(route_spec::route)
            .collect::<Result<_, _>>()?,
        rules: instance
            .virtual_rules
            .iter()
            .map(route_spec::rule)
            .collect::<Result<_, _>>()?,
        garp: garp_spec::garp(config, instance),
        vmac: vmac_name(config, instance, family),
        vmac_kind: match &instance.use_ipvlan {
            Some(ipvlan) => VmacKind::Ipvlan(IpvlanSpec {
                address: ipvlan.address.as_ref().map(|a| a.value),
                flags: match ipvlan.mode {
                    IpvlanMode::Bridge => IpvlanFlags::Bridge,
                    IpvlanMode::Private => IpvlanFlags::Private,
                    IpvlanMode::Vepa => IpvlanFlags::Vepa,
                },
                group: ipvlan.group,
            }),
            None => VmacKind::Macvlan,
        },
        addr_vmacs: Vec::new(),
        vmac_xmit_base: instance.vmac_xmit_base,
        // keepalived's firewall rule: a non-owner without accept mode.
        vip_traffic: if instance.drops_vip_traffic() {
            VipTraffic::DropWhileMaster
        } else {
            VipTraffic::Accept
        },
        config_fault: instance.faults_without_peers() || instance.ipvlan_fault().is_some(),
        track_source: instance.tracked_source(),
        dont_track_primary: instance.dont_track_primary,
        rx_buffer: buffer_spec::rx_buffer(&config.global.buffers, instance),
        promote_secondaries: instance.promotes_secondaries(),
        foreign_macvlans: Vec::new(),
    })
}

/// The VMAC's (or ipvlan's) name: as written, else keepalived's default
/// ([`KeepalivedConfig::vmac_prefix`]).
fn vmac_name(config: &KeepalivedConfig, instance: &VrrpInstance, family: Family) -> Option<String> {
    let written = match (&instance.use_ipvlan, &instance.use_vmac) {
        (Some(ipvlan), _) => ipvlan.name.clone(),
        (None, Some(vmac)) => vmac.name.clone(),
        (None, None) => return None,
    };
    let vrid = instance.virtual_router_id.as_ref().map_or(0, |v| v.value);
    Some(written.unwrap_or_else(|| {
        vrrp_io_linux::vmac::prefixed_vmac_name(config.vmac_prefix(), vrid, family)
    }))
}

/// The weight a `track_*` entry gives: its own, else the tracked object's.
fn weight(tracked: &Tracked, default: Option<&crate::conf::Weight>) -> TrackWeight {
    match tracked.weight.as_ref().or(default) {
        Some(w) => TrackWeight {
            weight: w.value,
            reverse: w.reverse,
        },
        None => TrackWeight {
            weight: 0,
            reverse: false,
        },
    }
}

fn vip(address: &VirtualAddress) -> Vip {
    Vip {
        addr: address.addr,
        prefix_len: address.prefix_len,
        interface: address.dev.clone(),
        label: address.label.clone(),
        no_track: address.no_track,
    }
}

fn script_spec(
    config: &KeepalivedConfig,
    script: &crate::conf::VrrpScript,
) -> Result<ScriptSpec, ConfigError> {
    let interval = script.interval.unwrap_or(SCRIPT_INTERVAL);
    let run_as = match script.user.as_ref().or(config.global.script_user.as_ref()) {
        Some(user) => Some(resolve(user, &script.at)?),
        None => None,
    };
    Ok(ScriptSpec {
        name: script.name.clone(),
        command: script
            .script
            .as_ref()
            .map_or_else(String::new, |s| s.value.clone()),
        interval,
        timeout: script.timeout.unwrap_or(interval),
        rise: script.rise.unwrap_or(1),
        fall: script.fall.unwrap_or(1),
        init_fail: script.init_fail,
        run_as,
    })
}

/// A user (and group) name to uid and gid.
/// `script` with its user resolved: its own, else `script_user`.
pub(crate) fn notify_command(
    config: &KeepalivedConfig,
    script: &NotifyScript,
) -> Result<NotifyCommand, ConfigError> {
    let run_as = match script
        .run_as
        .as_ref()
        .or(config.global.script_user.as_ref())
    {
        Some(user) => Some(resolve(user, &script.at)?),
        None => None,
    };
    Ok(NotifyCommand {
        command: script.command.clone(),
        run_as,
    })
}

fn resolve(run_as: &RunAs, at: &crate::conf::Span) -> Result<(u32, u32), ConfigError> {
    let user = User::from_name(&run_as.user)
        .ok()
        .flatten()
        .ok_or_else(|| {
            ConfigError::invalid(
                at,
                format!("script user {:?} does not exist on this host", run_as.user),
            )
        })?;
    let gid = match &run_as.group {
        Some(name) => {
            Group::from_name(name)
                .ok()
                .flatten()
                .ok_or_else(|| {
                    ConfigError::invalid(
                        at,
                        format!("script group {name:?} does not exist on this host"),
                    )
                })?
                .gid
        }
        None => user.gid,
    };
    Ok((user.uid.as_raw(), gid.as_raw()))
}

fn process_spec(process: &crate::conf::TrackProcess) -> ProcessSpec {
    let words = process.process.as_ref().map_or(&[][..], |p| &p.value[..]);
    let (name, params) = words
        .split_first()
        .map_or((String::new(), Vec::new()), |(n, p)| {
            (n.clone(), p.to_vec())
        });
    ProcessSpec {
        name: process.name.clone(),
        process: name,
        param_match: process
            .param_match
            .or((!params.is_empty()).then_some(ParamMatch::Exact))
            .map(|m| match m {
                ParamMatch::Exact => TrackerMatch::Exact,
                ParamMatch::Partial => TrackerMatch::Partial,
                ParamMatch::Initial => TrackerMatch::Initial,
            }),
        params,
        quorum: process.quorum.unwrap_or(1),
        quorum_max: process.quorum_max.unwrap_or(u32::MAX),
        delay: process.terminate_delay.unwrap_or(Duration::ZERO),
    }
}

#[cfg(test)]
mod test {
    use vrrp_core::wire::{Auth, Version};

    use super::*;
    use crate::conf::parse_str;

    #[test]
    fn the_seeds_master_maps_onto_the_driver() {
        let text = include_str!("../tests/fixtures/seed-master.conf");
        let loaded = parse_str(text, "seed-master.conf").unwrap();
        let driver = driver_config(&loaded.config).unwrap();
        assert_eq!(driver.instances.len(), 1);
        let spec = &driver.instances[0];
        assert_eq!(spec.name, "OCP_EXT");
        assert_eq!(
            (
                spec.vrrp.vrid,
                spec.vrrp.priority,
                spec.vrrp.advert_interval
            ),
            (51, 100, 100)
        );
        assert_eq!(spec.vrrp.version, Version::V2);
        assert_eq!(spec.vrrp.auth, Auth::simple(b"1cee4b6e"));
        assert!(
            spec.vrrp.primary_address.is_unspecified(),
            "taken from the interface at start"
        );
        assert_eq!(
            spec.track,
            [(
                DriverTracked::Script(0),
                TrackWeight {
                    weight: 2,
                    reverse: false
                }
            )]
        );
        assert_eq!(driver.scripts[0].command, "killall -0 haproxy");
        assert_eq!(driver.scripts[0].interval, Duration::from_secs(2));
        assert_eq!(spec.garp, garp_spec::GARP_DEFAULTS);
    }

    #[test]
    fn overrides_and_defaults() {
        let text = r#"
global_defs {
    vrrp_garp_master_repeat 2
    vrrp_garp_interval 0.01
}
vrrp_script chk {
    script "true"
    weight -20
    rise 3
    fall 2
}
vrrp_track_process hap {
    process haproxy -f /etc/haproxy.cfg
    weight 30
    delay 2
}
vrrp_instance V6 {
    interface eth0
    virtual_router_id 7
    priority 150
    advert_int 0.25
    nopreempt
    native_ipv6
    virtual_ipaddress { 2001:db8::100/64 dev eth1 }
    track_script { chk weight -50 }
    track_process { hap }
    track_interface { eth1 weight -10 }
    garp_master_delay 1
}
"#;
        let loaded = parse_str(text, "t.conf").unwrap();
        let driver = driver_config(&loaded.config).unwrap();
        let spec = &driver.instances[0];
        assert_eq!(spec.vrrp.version, Version::V3);
        assert_eq!(spec.vrrp.advert_interval, 25);
        assert!(!spec.vrrp.preempt);
        assert_eq!(spec.vips[0].interface.as_deref(), Some("eth1"));
        assert_eq!(spec.vips[0].prefix_len, 64);
        assert_eq!(
            spec.track[0],
            (
                DriverTracked::Script(0),
                TrackWeight {
                    weight: -50,
                    reverse: false
                }
            )
        );
        assert_eq!(
            spec.track[1],
            (
                DriverTracked::Process(0),
                TrackWeight {
                    weight: 30,
                    reverse: false
                }
            )
        );
        assert_eq!(
            spec.track[2],
            (
                DriverTracked::Interface("eth1".into()),
                TrackWeight {
                    weight: -10,
                    reverse: false
                }
            )
        );
        assert_eq!(spec.garp.delay, Duration::from_secs(1));
        assert_eq!(spec.garp.repeat, 2);
        assert!(
            driver.garp_groups.is_empty(),
            "an IPv6 instance: vrrp_garp_interval paces none of its interfaces"
        );
        // keepalived: garp_lower_prio_* default to the global garp_master_*,
        // not the instance's (garp_master_delay 1 is the instance's here).
        assert_eq!(spec.garp.lower_prio_repeat, 2);
        assert_eq!(spec.garp.lower_prio_delay, Duration::from_secs(5));
        assert_eq!((driver.scripts[0].rise, driver.scripts[0].fall), (3, 2));
        let process = &driver.processes[0];
        assert_eq!(
            (process.process.as_str(), process.params.len()),
            ("haproxy", 2)
        );
        assert_eq!(
            process.param_match,
            Some(vrrp_io_linux::track::process::ParamMatch::Exact)
        );
        assert_eq!(process.delay, Duration::from_secs(2));
    }

    #[test]
    fn notify_scripts_of_instances_and_groups() {
        let text = r#"
global_defs {
    script_user nobody
    notify_fifo /run/vrrp.fifo
}
vrrp_instance A {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress { 192.0.2.1 }
    notify_master "/bin/m a"
    notify /bin/any root
    notify_master_rx_lower_pri /bin/lower
}
vrrp_instance B {
    interface eth0
    virtual_router_id 2
    virtual_ipaddress { 192.0.2.2 }
}
vrrp_sync_group G {
    group { B A }
    notify_fault /bin/f
}
"#;
        let loaded = parse_str(text, "n.conf").unwrap();
        let notify = driver_config(&loaded.config).unwrap().notify;
        let nobody = User::from_name("nobody").unwrap().unwrap();
        let nobody = Some((nobody.uid.as_raw(), nobody.gid.as_raw()));
        let a = &notify.instances[0];
        assert_eq!(a.master.as_ref().unwrap().command, "/bin/m a");
        assert_eq!(a.master.as_ref().unwrap().run_as, nobody);
        assert_eq!(a.any.as_ref().unwrap().run_as, Some((0, 0)));
        let lower = a.master_rx_lower_pri.as_ref().unwrap();
        assert_eq!(
            (lower.command.as_str(), lower.run_as),
            ("/bin/lower", nobody)
        );
        assert_eq!(notify.instances[1], NotifyScripts::default());
        assert_eq!(notify.groups[0].name, "G");
        assert_eq!(notify.groups[0].members, [1, 0]);
        assert_eq!(
            notify.groups[0].scripts.fault.as_ref().unwrap().command,
            "/bin/f"
        );
        assert_eq!(notify.fifos[0].path, std::path::Path::new("/run/vrrp.fifo"));
        assert_eq!(notify.fifos[0].owner, None);
    }

    #[test]
    fn an_unknown_script_user_is_an_error_with_its_position() {
        let text = "vrrp_script chk {\n  script \"true\"\n  user no-such-user-here\n}\n";
        let loaded = parse_str(text, "t.conf").unwrap();
        let error = driver_config(&loaded.config).unwrap_err().to_string();
        assert!(error.starts_with("t.conf:1:"), "{error}");
        assert!(error.contains("no-such-user-here"), "{error}");
    }

    #[test]
    fn traffic_to_the_vips_is_dropped_by_non_owners_without_accept() {
        let instance = |name: &str, vrid: u8, extra: &str| {
            format!(
                "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n{extra}\n \
                 virtual_ipaddress {{ 192.0.2.{vrid} }}\n virtual_ipaddress_excluded {{ 198.18.0.{vrid} }}\n}}\n"
            )
        };
        let text = format!(
            "global_defs {{\n vrrp_strict\n}}\n{}{}{}{}",
            instance("STRICT", 1, " priority 100"),
            instance("OWNER", 2, " priority 255"),
            instance("V3_ACCEPT", 3, " version 3\n accept"),
            instance("LAX", 4, " strict_mode off"),
        );
        let loaded = parse_str(&text, "t.conf").unwrap();
        let driver = driver_config(&loaded.config).unwrap();
        let traffic: Vec<(&str, VipTraffic, Vec<std::net::IpAddr>)> = driver
            .instances
            .iter()
            .map(|s| (s.name.as_str(), s.vip_traffic, s.dropped_while_master()))
            .collect();
        let addrs = |a: &str, b: &str| vec![a.parse().unwrap(), b.parse().unwrap()];
        assert_eq!(
            traffic,
            [
                (
                    "STRICT",
                    VipTraffic::DropWhileMaster,
                    addrs("192.0.2.1", "198.18.0.1")
                ),
                ("OWNER", VipTraffic::Accept, vec![]),
                ("V3_ACCEPT", VipTraffic::Accept, vec![]),
                ("LAX", VipTraffic::Accept, vec![]),
            ]
        );
        assert_eq!(driver.needed_drop_table(), Some(DROP_TABLE));
        assert!(!driver.instances[0].vrrp.accept_mode && driver.instances[2].vrrp.accept_mode);
    }
}
