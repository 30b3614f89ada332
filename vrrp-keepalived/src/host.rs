//! What keepalived checks on the host it starts on, once the file reads
//! well: each interface named exists (unless `dynamic_interfaces`):
//! an instance's, each address's `dev` (`virtual_ipaddress`,
//! `virtual_ipaddress_excluded`, `static_ipaddress`; a static address's
//! `default_interface` when it has no `dev`), a route's, a rule's;
//! keepalived 2.4.3 and 2.2.7 refuse to start without one ("Non-existent
//! interface specified in configuration", `tests/lab_static_interfaces.rs`),
//! as `-t` does; the names of tables, protocols and scopes are in this
//! host's iproute2 files (`iproute2.rs`: keepalived refuses an unknown one);
//! each `vrrp_script` can be run, each `track_file`'s directory exists, and
//! `nft` is there for an instance that drops traffic to its VIPs.
//! keepalived disables a script it cannot run ("Disabling track script X
//! since not found/accessible") and drops a file whose directory is missing
//! ("track file directory for X does not exist - removing", 2.4; 2.2.7
//! drops it at startup without a word under `-t`); [`check`] does the same
//! to the configuration. `-t` prints these
//! findings apart from the file's own, and `--no-host-checks` leaves them
//! out for a file meant for another host.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

use vrrp_io_linux::iface::Interface;

use crate::conf::{ConfigError, KeepalivedConfig, Span, Tracked, Warning};
use crate::security::executable;

/// Checks `config` against this host: an error naming every interface
/// that does not exist, each where the file names it (keepalived names
/// each too); warnings for interfaces that may come later
/// (`dynamic_interfaces`) and for each script disabled because it cannot be
/// run, which `config` no longer tracks.
pub fn check(config: &mut KeepalivedConfig) -> Result<Vec<Warning>, ConfigError> {
    crate::iproute2::resolve(config)?;
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    // One look-up per interface, not per instance: a reload of 255
    // instances on one interface must not stall the loop (keepalived 2159).
    let mut absent: HashMap<String, bool> = HashMap::new();
    for (name, at, what) in interfaces_named(config) {
        let missing = *absent
            .entry(name.clone())
            .or_insert_with(|| matches!(Interface::exists(&name), Ok(false)));
        if !missing {
            continue;
        }
        let message = format!("interface {name} of {what} does not exist on this host");
        if !config.global.dynamic_interfaces {
            errors.push(ConfigError::invalid(
                &at,
                format!(
                    "{message} (keepalived refuses it too); set `dynamic_interfaces` in \
                     global_defs if it appears later, or check this file with \
                     --no-host-checks on another host"
                ),
            ));
            continue;
        }
        let then = if what.starts_with("vrrp_instance") {
            "the instance waits for it (dynamic_interfaces)"
        } else if what == "a rule" {
            "the rule selects it once it exists (dynamic_interfaces)"
        } else if what == "garp_group" {
            "its announcements are paced once it exists (dynamic_interfaces)"
        } else if what == "interface_up_down_delays" {
            "its delays count once it exists (dynamic_interfaces)"
        } else if what == "linkbeat_interfaces" {
            "allowed by dynamic_interfaces; its link state comes from netlink once it exists"
        } else {
            "allowed by dynamic_interfaces, but the daemon needs it when it starts"
        };
        warnings.push(Warning::new(at, format!("{message}: {then}")));
    }
    // keepalived's garp_group_interface(s)_handler: "Cannot specify
    // garp_delay on a vmac"; its announcements go by its parent's pacing.
    for interface in config.garp_groups.iter().flat_map(|g| &g.interfaces) {
        if let Ok(Some(parent)) = Interface::macvlan_parent(&interface.value) {
            errors.push(ConfigError::invalid(
                &interface.at,
                format!(
                    "interface {} of garp_group is a macvlan, which a garp_group cannot \
                     pace (keepalived refuses it too): its announcements are paced as its \
                     parent's; name {parent} instead",
                    interface.value
                ),
            ));
        }
    }
    // In the order of the file, as keepalived reads it.
    errors.sort_by_key(|e| e.span().map(|at| (at.file.clone(), at.line, at.column)));
    match errors.len() {
        0 => {}
        1 => return Err(errors.remove(0)),
        _ => return Err(ConfigError::Each(errors)),
    }
    check_nft(config, cannot_run("nft"))?;
    check_local_igmp(config, IGMP_LINK_LOCAL_REPORTS, &mut warnings);
    check_vrf_devices(config, &mut warnings);
    let disabled: Vec<String> = config
        .scripts
        .iter()
        .filter_map(|script| {
            let command = script.script.as_ref()?;
            let why = cannot_run(&command.value)?;
            warnings.push(Warning::new(
                command.at.clone(),
                format!(
                    "vrrp_script {} disabled: `{}` {why}; keepalived disables it too, so no \
                     instance tracks it and it changes no priority",
                    script.name, command.value
                ),
            ));
            Some(script.name.clone())
        })
        .collect();
    let untrack = |tracks: &mut Vec<Tracked>| tracks.retain(|t| !disabled.contains(&t.name));
    config
        .instances
        .iter_mut()
        .for_each(|i| untrack(&mut i.track_scripts));
    config
        .sync_groups
        .iter_mut()
        .for_each(|g| untrack(&mut g.track_scripts));
    config.scripts.retain(|s| !disabled.contains(&s.name));
    untrack_files_without_directory(config, &mut warnings);
    check_cpus(config, online_cpus(), &mut warnings);
    Ok(warnings)
}

/// `vrrp_cpu_affinity` names only CPUs `0..online`: else keepalived's `-t`
/// reports the first other one and its daemon sets no affinity; so here.
fn check_cpus(config: &mut KeepalivedConfig, online: usize, warnings: &mut Vec<Warning>) {
    let cpus = &mut config.global.process.cpus;
    if let Some(cpu) = cpus.iter().find(|c| usize::from(c.value) >= online) {
        warnings.push(Warning::new(
            cpu.at.clone(),
            format!(
                "Invalid cpu_id:{} specified for vrrp process: this host has CPUs 0..{}; no \
                 CPU affinity is set, as keepalived",
                cpu.value,
                online.saturating_sub(1)
            ),
        ));
        cpus.clear();
    }
}

/// CPUs online, as glibc's `sysconf(_SC_NPROCESSORS_ONLN)` counts them
/// (`/sys/devices/system/cpu/online`, e.g. `0-3,6`); 1 if unreadable.
fn online_cpus() -> usize {
    count_cpus(&std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default())
}

/// The CPUs of a kernel CPU list (`0-3,6`: 5); 1 for none.
fn count_cpus(list: &str) -> usize {
    let count: usize = list
        .trim()
        .split(',')
        .filter_map(|range| match range.split_once('-') {
            Some((first, last)) => {
                Some(last.parse::<usize>().ok()? + 1 - first.parse::<usize>().ok()?)
            }
            None => range.parse::<usize>().ok().map(|_| 1),
        })
        .sum();
    count.max(1)
}

/// A non-owner without accept mode drops traffic to its VIPs while Master
/// through the `nft` command: without it the daemon would not enforce what
/// the file asks, so it is refused (keepalived links nftables' library).
/// `nft_missing` says why `nft` cannot run here, if it cannot.
fn check_nft(config: &KeepalivedConfig, nft_missing: Option<&str>) -> Result<(), ConfigError> {
    let Some(instance) = config.instances.iter().find(|i| i.drops_vip_traffic()) else {
        return Ok(());
    };
    let Some(why) = nft_missing else {
        return Ok(());
    };
    let at = instance.accept.as_ref().map_or(&instance.at, |a| &a.at);
    Err(ConfigError::invalid(
        at,
        format!(
            "vrrp_instance {} must drop traffic to its VIPs while Master (no_accept, the \
             default in strict mode for a non-owner), with nftables rules set by the `nft` \
             command, which {why}: install nftables (apt-get install nftables), or write \
             `accept`",
            instance.name
        ),
    ))
}

/// Each `vrf` device must exist (unless `dynamic_interfaces`) and not be
/// a loopback: keepalived reports it otherwise and runs the instance
/// without VRF (vrrp_parser.c); so do we, warned. (We bind to no VRF
/// anyway: `conf/build_vrf.rs`.)
fn check_vrf_devices(config: &mut KeepalivedConfig, warnings: &mut Vec<Warning>) {
    let dynamic = config.global.dynamic_interfaces;
    for instance in &mut config.instances {
        let Some(vrf) = &instance.vrf else { continue };
        let why = match Interface::exists(&vrf.value) {
            Ok(false) if !dynamic => "doesn't exist",
            _ if is_loopback(&vrf.value) => "is a loopback interface, which cannot be a VRF",
            _ => continue,
        };
        warnings.push(Warning::new(
            vrf.at.clone(),
            format!(
                "({}) VRF interface {} {why}: ignored, as keepalived ignores it (its -t \
                 reports it)",
                instance.name, vrf.value
            ),
        ));
        instance.vrf = None;
    }
}

/// Whether interface `name` is a loopback (`ARPHRD_LOOPBACK`).
fn is_loopback(name: &str) -> bool {
    std::fs::read_to_string(format!("/sys/class/net/{name}/type")).is_ok_and(|t| t.trim() == "772")
}

/// The sysctl `disable_local_igmp` sets (Linux 4.3 and later).
const IGMP_LINK_LOCAL_REPORTS: &str = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";

/// `disable_local_igmp` needs `sysctl` (the file) writable here: keepalived
/// reports it otherwise ("kernel does not support ...") and runs without;
/// so does the daemon, warned.
fn check_local_igmp(config: &mut KeepalivedConfig, sysctl: &str, warnings: &mut Vec<Warning>) {
    let Some(at) = &config.global.disable_local_igmp else {
        return;
    };
    let writable = nix::unistd::access(sysctl, nix::unistd::AccessFlags::W_OK);
    if let Err(errno) = writable {
        warnings.push(Warning::new(
            at.clone(),
            format!(
                "disable_local_igmp ignored: {sysctl} cannot be written here ({errno}; the \
                 kernel predates Linux 4.3, or not root); keepalived ignores it too"
            ),
        ));
        config.global.disable_local_igmp = None;
    }
}

/// Drops each `track_file` whose directory does not exist, and the
/// references to it, each warned (keepalived 2.4.3 names both lines).
fn untrack_files_without_directory(config: &mut KeepalivedConfig, warnings: &mut Vec<Warning>) {
    let mut dropped = Vec::new();
    config.track_files.retain(|file| {
        let path = std::path::Path::new(&file.file.value);
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => std::path::Path::new("."),
        };
        if dir.is_dir() {
            return true;
        }
        warnings.push(Warning::new(
            file.file.at.clone(),
            format!(
                "track_file {} dropped: directory {} does not exist, so `{}` cannot be \
                 watched; keepalived drops it too",
                file.name,
                dir.display(),
                file.file.value
            ),
        ));
        dropped.push(file.name.clone());
        false
    });
    let mut untrack = |owner: &str, tracks: &mut Vec<Tracked>| {
        tracks.retain(|t| {
            let gone = dropped.contains(&t.name);
            if gone {
                warnings.push(Warning::new(
                    t.at.clone(),
                    format!(
                        "track_file `{}` of {owner} not tracked: its directory does not exist",
                        t.name
                    ),
                ));
            }
            !gone
        });
    };
    for instance in &mut config.instances {
        untrack(
            &format!("vrrp_instance {}", instance.name),
            &mut instance.track_files,
        );
    }
    for group in &mut config.sync_groups {
        untrack(
            &format!("vrrp_sync_group {}", group.name),
            &mut group.track_files,
        );
    }
}

/// Every interface the configuration names, where, and by what: the
/// instances' (their own, then their addresses' `dev`), then those of
/// routes, rules, garp groups, static addresses and `linkbeat_interfaces`.
fn interfaces_named(config: &KeepalivedConfig) -> Vec<(String, Span, String)> {
    let mut named = Vec::new();
    for instance in &config.instances {
        if let Some(interface) = &instance.interface {
            let what = format!("vrrp_instance {}", instance.name);
            named.push((interface.value.clone(), interface.at.clone(), what));
        }
        // keepalived's parse_ipaddress: "interface X for ip address Y doesn't exist".
        let vips = [
            ("virtual_ipaddress", &instance.virtual_ipaddress),
            (
                "virtual_ipaddress_excluded",
                &instance.virtual_ipaddress_excluded,
            ),
        ];
        for (block, addresses) in vips {
            for address in addresses {
                let Some(dev) = &address.dev else { continue };
                let what = format!(
                    "{block} {} of vrrp_instance {}",
                    address.addr, instance.name
                );
                named.push((dev.clone(), address.at.clone(), what));
            }
        }
    }
    let routes = config
        .instances
        .iter()
        .flat_map(|i| &i.virtual_routes)
        .chain(&config.static_routes);
    for dev in routes.filter_map(|r| r.dev.as_ref()) {
        named.push((dev.value.clone(), dev.at.clone(), "a route".into()));
    }
    let rules = config
        .instances
        .iter()
        .flat_map(|i| &i.virtual_rules)
        .chain(&config.static_rules);
    for interface in rules.flat_map(|r| r.iif.iter().chain(&r.oif)) {
        named.push((
            interface.value.clone(),
            interface.at.clone(),
            "a rule".into(),
        ));
    }
    for interface in config.garp_groups.iter().flat_map(|g| &g.interfaces) {
        let at = interface.at.clone();
        named.push((interface.value.clone(), at, "garp_group".into()));
    }
    // The reader put each static address without `dev` on the
    // default_interface.
    for address in &config.static_addresses {
        let Some(name) = &address.dev else { continue };
        let what = format!("static_ipaddress {}", address.addr);
        named.push((name.clone(), address.at.clone(), what));
    }
    // keepalived: "unknown interface X specified for linkbeat interface".
    for interface in &config.linkbeat_interfaces {
        let at = interface.at.clone();
        named.push((interface.value.clone(), at, "linkbeat_interfaces".into()));
    }
    // keepalived: "unknown interface X specified for up/down delay".
    for delay in &config.link_delays {
        let at = delay.interface.at.clone();
        let what = "interface_up_down_delays".into();
        named.push((delay.interface.value.clone(), at, what));
    }
    named
}

/// Why `command` cannot be run here, if it cannot.
fn cannot_run(command: &str) -> Option<&'static str> {
    let Some(path) = executable(command) else {
        return Some("is not found (in PATH, or at its path)");
    };
    match std::fs::metadata(&path) {
        Err(_) => Some("is not found (in PATH, or at its path)"),
        Ok(meta) if !meta.is_file() => Some("is not a file"),
        Ok(meta) if meta.permissions().mode() & 0o111 == 0 => Some("is not executable"),
        Ok(_) => None,
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::conf::parse_str;

    fn config(interface: &str, script: &str, dynamic: bool) -> KeepalivedConfig {
        let global = if dynamic {
            "global_defs {\n dynamic_interfaces\n}\n"
        } else {
            ""
        };
        let text = format!(
            "{global}vrrp_script chk {{\n script \"{script}\"\n weight 20\n}}\n\
             vrrp_instance V {{\n interface {interface}\n virtual_router_id 1\n \
             virtual_ipaddress {{ 192.0.2.1 }}\n track_script {{\n  chk\n }}\n}}\n"
        );
        parse_str(&text, "h.conf").unwrap().config
    }

    #[test]
    fn disable_local_igmp_needs_its_sysctl() {
        let text = "global_defs {\n disable_local_igmp\n}\n";
        let mut config = parse_str(text, "i.conf").unwrap().config;
        let mut warnings = Vec::new();
        check_local_igmp(
            &mut config,
            "/proc/sys/net/ipv4/no_such_sysctl",
            &mut warnings,
        );
        assert!(config.global.disable_local_igmp.is_none());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].at.line, 2);
        assert!(warnings[0].message.contains("disable_local_igmp ignored"));

        let mut config = parse_str(text, "i.conf").unwrap().config;
        let writable = std::env::temp_dir().join(format!("igmp_{}", std::process::id()));
        std::fs::write(&writable, "1\n").unwrap();
        check_local_igmp(&mut config, writable.to_str().unwrap(), &mut warnings);
        let _ = std::fs::remove_file(&writable);
        assert!(config.global.disable_local_igmp.is_some(), "{warnings:?}");
    }

    #[test]
    fn a_missing_interface_is_an_error_unless_dynamic() {
        let mut missing = config("no-such-if0", "/bin/true", false);
        let error = check(&mut missing).unwrap_err().to_string();
        assert!(
            error.starts_with(
                "h.conf:6:12: interface no-such-if0 of vrrp_instance V does not exist"
            ),
            "{error}"
        );
        let mut dynamic = config("no-such-if0", "/bin/true", true);
        let warnings = check(&mut dynamic).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].message.contains("dynamic_interfaces"));
    }

    #[test]
    fn every_missing_interface_is_named_in_the_file_s_order() {
        let text = "vrrp_instance V {\n interface no-such-if0\n virtual_router_id 1\n \
                    virtual_ipaddress {\n  192.0.2.1 dev no-such-if1\n }\n}\n\
                    static_routes {\n 198.18.7.0/24 dev no-such-if2\n}\n\
                    vrrp_instance W {\n interface no-such-if0\n virtual_router_id 2\n \
                    virtual_ipaddress {\n  192.0.2.2\n }\n}\n";
        let mut config = parse_str(text, "h.conf").unwrap().config;
        let error = check(&mut config).unwrap_err();
        let lines: Vec<_> = error.to_string().lines().map(str::to_owned).collect();
        let starts = [
            "h.conf:2:12: interface no-such-if0 of vrrp_instance V",
            "h.conf:5:3: interface no-such-if1 of virtual_ipaddress 192.0.2.1",
            "h.conf:9:20: interface no-such-if2 of a route",
            "h.conf:12:12: interface no-such-if0 of vrrp_instance W",
        ];
        assert_eq!(lines.len(), starts.len(), "{error}");
        for (line, start) in lines.iter().zip(starts) {
            assert!(line.starts_with(start), "{line:?} is not {start:?}...");
        }
        assert_eq!(error.span().map(|at| at.line), Some(2));
    }

    #[test]
    fn interfaces_of_routes_rules_and_static_addresses_are_checked_too() {
        let text = "vrrp_instance V {\n interface lo\n virtual_router_id 1\n \
                    virtual_ipaddress { 192.0.2.1 }\n virtual_routes {\n  \
                    198.18.0.0/16 via 192.0.2.254 dev no-such-if1\n }\n}\n";
        let mut config = parse_str(text, "h.conf").unwrap().config;
        let error = check(&mut config).unwrap_err().to_string();
        assert!(
            error.starts_with("h.conf:6:37: interface no-such-if1 of a route does not exist"),
            "{error}"
        );
        let text = "global_defs {\n dynamic_interfaces\n}\n\
                    static_ipaddress {\n 192.0.2.9/24 dev no-such-if2\n}\n\
                    static_rules {\n from 192.0.2.9 iif no-such-if3 table 5 preference 5\n}\n";
        let mut config = parse_str(text, "h.conf").unwrap().config;
        let warnings: Vec<String> = check(&mut config)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with(
            "h.conf:8:21: interface no-such-if3 of a rule does not exist on this host: \
             the rule selects it once it exists"
        ));
        assert!(warnings[1].starts_with("h.conf:5:2: interface no-such-if2 of static_ipaddress"));
    }

    #[test]
    fn a_virtual_address_on_a_missing_interface_is_an_error_unless_dynamic() {
        let text = "vrrp_instance V {\n interface lo\n virtual_router_id 1\n \
                    virtual_ipaddress {\n  192.0.2.1/24 dev lo\n }\n \
                    virtual_ipaddress_excluded {\n  198.18.0.1/24 dev no-such-if4\n }\n}\n";
        let mut config = parse_str(text, "h.conf").unwrap().config;
        let error = check(&mut config).unwrap_err().to_string();
        assert!(
            error.starts_with(
                "h.conf:8:3: interface no-such-if4 of virtual_ipaddress_excluded 198.18.0.1 of \
                 vrrp_instance V does not exist"
            ),
            "{error}"
        );
        let dynamic = format!("global_defs {{\n dynamic_interfaces\n}}\n{text}");
        let mut config = parse_str(&dynamic, "h.conf").unwrap().config;
        let warnings = check(&mut config).unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .to_string()
                .starts_with("h.conf:11:3: interface no-such-if4"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn a_script_that_cannot_run_is_disabled_and_untracked() {
        let plain = std::env::temp_dir().join(format!("host-check-{}.sh", std::process::id()));
        std::fs::write(&plain, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
        let plain = plain.display().to_string();
        for (script, why) in [
            ("/no/such/check.sh", "is not found"),
            ("no-such-command-here --flag", "is not found"),
            (plain.as_str(), "is not executable"),
        ] {
            let mut config = config("lo", script, false);
            let warnings = check(&mut config).unwrap();
            assert_eq!(warnings.len(), 1, "{script}: {warnings:?}");
            assert!(
                warnings[0]
                    .to_string()
                    .starts_with("h.conf:2:9: vrrp_script chk disabled")
                    && warnings[0].message.contains(why),
                "{script}: {}",
                warnings[0]
            );
            assert!(config.scripts.is_empty(), "{script}");
            assert!(config.instances[0].track_scripts.is_empty(), "{script}");
        }
        let _ = std::fs::remove_file(&plain);
        let mut fine = config("lo", "/bin/true", false);
        assert!(check(&mut fine).unwrap().is_empty());
        assert_eq!(fine.instances[0].track_scripts.len(), 1);
    }

    #[test]
    fn a_track_file_without_its_directory_is_dropped_and_untracked() {
        let text = "track_file gone {\n file /no/such/dir/flag\n}\ntrack_file here {\n \
                    file /tmp/flag\n}\nvrrp_instance V {\n interface lo\n virtual_router_id 1\n \
                    virtual_ipaddress { 192.0.2.1 }\n track_file {\n  gone\n  here\n }\n}\n";
        let mut config = parse_str(text, "h.conf").unwrap().config;
        let warnings = check(&mut config).unwrap();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0]
                .to_string()
                .starts_with("h.conf:2:7: track_file gone dropped: directory /no/such/dir"),
            "{}",
            warnings[0]
        );
        assert!(
            warnings[1]
                .to_string()
                .starts_with("h.conf:12:3: track_file `gone` of vrrp_instance V not tracked"),
            "{}",
            warnings[1]
        );
        assert_eq!(config.track_files.len(), 1);
        let names: Vec<_> = config.instances[0]
            .track_files
            .iter()
            .map(|t| &t.name)
            .collect();
        assert_eq!(names, ["here"]);
    }

    #[test]
    fn dropping_vip_traffic_without_nft_is_refused_at_the_instance() {
        let text = "global_defs {\n vrrp_strict\n}\nvrrp_instance V {\n interface eth0\n \
                    virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n\
                    vrrp_instance W {\n interface eth0\n virtual_router_id 2\n version 3\n \
                    accept\n virtual_ipaddress { 192.0.2.2 }\n}\n";
        let config = parse_str(text, "n.conf").unwrap().config;
        let error = check_nft(&config, Some("is not found"))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("n.conf:4:1: vrrp_instance V must drop"),
            "{error}"
        );
        assert!(error.contains("apt-get install nftables"), "{error}");
        assert!(check_nft(&config, None).is_ok());
        let accepting = text.replace(" vrrp_strict\n", "");
        let config = parse_str(&accepting, "n.conf").unwrap().config;
        assert!(
            check_nft(&config, Some("is not found")).is_ok(),
            "nothing to drop"
        );
    }

    #[test]
    fn cpu_lists_are_counted_as_glibc_counts_them() {
        assert_eq!(count_cpus("0-1\n"), 2);
        assert_eq!(count_cpus("0-3,6"), 5);
        assert_eq!(count_cpus("0"), 1);
        assert_eq!(count_cpus(""), 1);
    }
}
