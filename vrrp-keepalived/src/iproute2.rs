//! The names of routing tables, route protocols and scopes that only
//! iproute2's files know (`vrrp` in `/etc/iproute2/rt_tables`, say), looked
//! up as `ip` and keepalived do: `/etc/iproute2/FILE`, `FILE.d/*.conf`,
//! then the same under `/usr/share/iproute2` and `/usr/lib/iproute2`. Part
//! of the host checks ([`crate::host::check`]): a file read for another
//! host (`-t --no-host-checks`, `--verify`) never reads this one's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::conf::rt_names::{self, NameKind};
use crate::conf::{ConfigError, IpRoute, IpRule, KeepalivedConfig, RtName, RuleAction, Warning};

/// Where iproute2 keeps its name files, the administrator's first.
const DIRS: &[&str] = &["/etc/iproute2", "/usr/share/iproute2", "/usr/lib/iproute2"];

/// Turns every name of `config`'s routes and rules into its number from
/// this host's files; an unknown one is refused, as keepalived refuses it.
pub(crate) fn resolve(config: &mut KeepalivedConfig) -> Result<(), ConfigError> {
    let dirs: Vec<PathBuf> = DIRS.iter().map(PathBuf::from).collect();
    resolve_in(config, &dirs)
}

fn resolve_in(config: &mut KeepalivedConfig, dirs: &[PathBuf]) -> Result<(), ConfigError> {
    // One look-up per name, not per route.
    let mut found: HashMap<(&'static str, String), Option<u32>> = HashMap::new();
    for (kind, name) in rt_names::names_mut(config) {
        let RtName::Name(written) = name else {
            continue;
        };
        let number = *found
            .entry((kind.file, written.value.clone()))
            .or_insert_with(|| lookup(dirs, kind, &written.value));
        let Some(number) = number else {
            return Err(ConfigError::invalid(
                &written.at,
                format!(
                    "{} `{}` is in none of this host's iproute2 files ({}): write its number, \
                     or add it there (keepalived refuses an unknown name too)",
                    kind.what, written.value, kind.file
                ),
            ));
        };
        *name = RtName::Number(number);
    }
    Ok(())
}

/// For a file checked for another host: leaves out the routes and rules
/// whose names this host cannot be asked for, each with a note, so that
/// the rest can be mapped for the driver.
pub(crate) fn leave_out_names(config: &mut KeepalivedConfig) -> Vec<Warning> {
    let mut notes = Vec::new();
    let mut note = |name: &RtName| {
        if let RtName::Name(written) = name {
            notes.push(Warning::info(
                written.at.clone(),
                format!(
                    "`{}` is looked up in the iproute2 files of the host that runs this file \
                     (not here: --no-host-checks)",
                    written.value
                ),
            ));
        }
    };
    let named_route = |route: &IpRoute| {
        [
            Some(&route.table),
            Some(&route.protocol),
            route.scope.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|name| name.number().is_none())
    };
    let named_rule = |rule: &IpRule| matches!(&rule.action, RuleAction::Table(table) if table.number().is_none());
    for (_, name) in rt_names::names_mut(config) {
        note(name);
    }
    for instance in &mut config.instances {
        instance.virtual_routes.retain(|r| !named_route(r));
        instance.virtual_rules.retain(|r| !named_rule(r));
    }
    config.static_routes.retain(|r| !named_route(r));
    config.static_rules.retain(|r| !named_rule(r));
    notes
}

/// `name`'s number in the first of `dirs` that has it, within the kind's range.
fn lookup(dirs: &[PathBuf], kind: NameKind, name: &str) -> Option<u32> {
    dirs.iter()
        .find_map(|dir| lookup_in(dir, kind.file, name))
        .filter(|id| *id <= kind.max)
}

/// `name` in `dir/file` or `dir/file.d/*.conf`.
fn lookup_in(dir: &Path, file: &str, name: &str) -> Option<u32> {
    let mut files = vec![dir.join(file)];
    if let Ok(entries) = std::fs::read_dir(dir.join(format!("{file}.d"))) {
        let mut extra: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "conf"))
            .collect();
        extra.sort();
        files.extend(extra);
    }
    files
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .find_map(|text| find_in_text(&text, name))
}

/// `ID NAME` lines; `#` starts a comment.
fn find_in_text(text: &str, name: &str) -> Option<u32> {
    text.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let id = rt_names::number(words.next()?)?;
        (words.next()? == name).then_some(id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conf::parse_str;

    const TEXT: &str = "vrrp_instance V {\n interface lo\n virtual_router_id 1\n \
                        virtual_ipaddress { 192.0.2.1 }\n virtual_routes {\n  \
                        198.18.0.0/16 via 192.0.2.254 table ho13t protocol ho13p no_track\n }\n}\n\
                        static_rules {\n from 192.0.2.9 table ho13t preference 5\n \
                        from 192.0.2.10 table main preference 6\n}\n";

    /// A directory of iproute2 files of our own.
    fn dir(tables: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ho13-iproute2-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("rt_tables.d")).unwrap();
        std::fs::write(dir.join("rt_tables"), "255 local # comment\n").unwrap();
        std::fs::write(dir.join("rt_tables.d/vrrp.conf"), tables).unwrap();
        std::fs::write(dir.join("rt_protos"), "0x63 ho13p\n").unwrap();
        dir
    }

    #[test]
    fn names_are_looked_up_in_the_files_and_an_unknown_one_is_refused() {
        let loaded = parse_str(TEXT, "r.conf").unwrap();
        let names = |config: &KeepalivedConfig| -> Vec<Option<u32>> {
            let mut config = config.clone();
            rt_names::names_mut(&mut config)
                .into_iter()
                .map(|(_, n)| n.number())
                .collect()
        };
        // The reader left the names of the files alone.
        assert_eq!(names(&loaded.config), [None, None, None, Some(254)]);
        let dirs = [dir("77 ho13t\n")];
        let mut config = loaded.config.clone();
        resolve_in(&mut config, &dirs).unwrap();
        assert_eq!(names(&config), [Some(77), Some(99), Some(77), Some(254)]);

        let dirs = [dir("77 other\n")];
        let mut config = loaded.config.clone();
        let error = resolve_in(&mut config, &dirs).unwrap_err().to_string();
        assert!(
            error.starts_with("r.conf:6:39: a routing table `ho13t` is in none of this host's"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dirs[0]);
    }

    #[test]
    fn without_host_checks_named_routes_are_left_out_with_a_note() {
        let mut config = parse_str(TEXT, "r.conf").unwrap().config;
        let notes: Vec<String> = leave_out_names(&mut config)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(
            notes[0].starts_with("r.conf:6:39: `ho13t` is looked up"),
            "{notes:?}"
        );
        assert!(config.instances[0].virtual_routes.is_empty());
        assert_eq!(config.static_rules.len(), 1, "the rule with `main` stays");
    }
}
