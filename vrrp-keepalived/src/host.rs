//! What keepalived checks on the host it starts on, once the file reads
//! well: each instance's interface exists (unless `dynamic_interfaces`),
//! each `vrrp_script` can be run, and each `track_file`'s directory exists.
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

use crate::conf::{ConfigError, KeepalivedConfig, Tracked, Warning};
use crate::security::executable;

/// Checks `config` against this host: an error for the first interface that
/// does not exist; warnings for interfaces that may come later
/// (`dynamic_interfaces`) and for each script disabled because it cannot be
/// run, which `config` no longer tracks.
pub fn check(config: &mut KeepalivedConfig) -> Result<Vec<Warning>, ConfigError> {
    let mut warnings = Vec::new();
    // One look-up per interface, not per instance: a reload of 255
    // instances on one interface must not stall the loop (keepalived 2159).
    let mut absent: HashMap<&str, bool> = HashMap::new();
    for instance in &config.instances {
        let Some(interface) = &instance.interface else {
            continue;
        };
        let name = interface.value.as_str();
        let missing = *absent
            .entry(name)
            .or_insert_with(|| matches!(Interface::exists(name), Ok(false)));
        if !missing {
            continue;
        }
        let message = format!(
            "interface {} of vrrp_instance {} does not exist on this host",
            interface.value, instance.name
        );
        if !config.global.dynamic_interfaces {
            return Err(ConfigError::invalid(
                &interface.at,
                format!(
                    "{message} (keepalived refuses it too); set `dynamic_interfaces` in \
                     global_defs if it appears later, or check this file with \
                     --no-host-checks on another host"
                ),
            ));
        }
        warnings.push(Warning::new(
            interface.at.clone(),
            format!("{message}: the instance waits for it (dynamic_interfaces)"),
        ));
    }
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
    Ok(warnings)
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
}
