//! Warnings for configurations that load but probably do not do what their
//! author wants: the seed's `weight 2`, scripts running as root, a sync
//! group of one. keepalived reports the last two as configuration errors
//! under `-t`; we load and say why.

use std::collections::BTreeSet;

use vrrp_core::config::PRIORITY_OWNER;

use super::config::KeepalivedConfig;
use super::error::{Span, Warning};
use super::instance::VrrpInstance;
use super::model::{RunAs, Tracked, Weight};

/// Positive or negative weights up to this size draw the one-file note when
/// the file does not show the other hosts' priorities.
const SMALL_WEIGHT: i32 = 2;

/// Adds every advisory warning about `config` to `warnings`.
pub(crate) fn advise(config: &KeepalivedConfig, warnings: &mut Vec<Warning>) {
    let mut warned_weights = BTreeSet::new();
    for instance in &config.instances {
        warn_small_weights(config, instance, &mut warned_weights, warnings);
    }
    warn_scripts_as_root(config, warnings);
    for instance in &config.instances {
        warn_owner_ignore_adverts(config, instance, warnings);
    }
    for (fifo, keyword) in [
        (&config.global.notify_fifo, "notify_fifo"),
        (&config.global.vrrp_notify_fifo, "vrrp_notify_fifo"),
    ] {
        if let (Some(script), None) = (&fifo.script, &fifo.path) {
            warnings.push(Warning::new(
                script.at.clone(),
                format!("{keyword}_script without {keyword} PATH: the script is not started"),
            ));
        }
    }
    for group in &config.sync_groups {
        if group.members.len() < 2 {
            warnings.push(Warning::new(
                group.at.clone(),
                format!(
                    "vrrp_sync_group {} has {} instance(s): a sync group moves several instances \
                     together, so this is probably not what you want (keepalived says the same)",
                    group.name,
                    group.members.len()
                ),
            ));
        }
    }
}

/// The seed configuration's trap: `weight 2` with priorities 100 and 98.
///
/// A failure moves the VIP only if the weight exceeds the priority gap
/// between the hosts. Where the file holds the other side (an instance of
/// the same VRID and family), the gap is known: warn only if the weight
/// does not exceed it. Usually the other host's priority lives in its own
/// file: then say so in one line, for small weights, and point to
/// `--verify`, which reads every host's file.
fn warn_small_weights(
    config: &KeepalivedConfig,
    inst: &VrrpInstance,
    warned: &mut BTreeSet<Span>,
    warnings: &mut Vec<Warning>,
) {
    let scripts = inst.track_scripts.iter().filter_map(|t| {
        t.weight
            .as_ref()
            .or(config.script(&t.name)?.weight.as_ref())
            .map(|w| (t, w))
    });
    let processes = inst.track_processes.iter().filter_map(|t| {
        t.weight
            .as_ref()
            .or(config.track_process(&t.name)?.weight.as_ref())
            .map(|w| (t, w))
    });
    // A file's weight is per unit of its value: 1, the value operators write.
    let files = inst.track_files.iter().filter_map(|t| {
        t.weight
            .as_ref()
            .or(config.track_file(&t.name)?.weight.as_ref())
            .map(|w| (t, w))
    });
    let tracked: Vec<_> = scripts.chain(processes).chain(files).collect();
    // The gap is a scan of every instance: only for an instance that has
    // weights to compare with it (4,080 instances, none tracked: the scan
    // for each was 16 million comparisons, half of a reload's time).
    if tracked.is_empty() {
        return;
    }
    let vrid = |i: &VrrpInstance| i.virtual_router_id.as_ref().map(|v| v.value);
    let gap = config
        .instances
        .iter()
        .filter(|other| other.name != inst.name)
        .filter(|other| vrid(other) == vrid(inst) && other.family() == inst.family())
        .map(|other| {
            let (a, b) = (inst.effective_priority(), other.effective_priority());
            (other, a.abs_diff(b))
        })
        .max_by_key(|&(_, gap)| gap);
    for (tracked, weight) in tracked {
        if weight.value == 0 || !warned.insert(weight.at.clone()) {
            continue;
        }
        let size = weight.value.unsigned_abs();
        match gap {
            Some((other, gap)) if size <= u32::from(gap) => warnings.push(Warning::new(
                weight.at.clone(),
                gap_message(tracked, weight, inst, other, gap),
            )),
            Some(_) => {}
            None if size <= SMALL_WEIGHT.unsigned_abs() => warnings.push(Warning::new(
                weight.at.clone(),
                format!(
                    "weight {} of `{}` moves the VIP only if it exceeds the priority gap to the \
                     other hosts (vrrp_instance {} has priority {}; theirs are in their own \
                     files): check with `keepalive-haproxy --verify` and every host's file",
                    weight.value,
                    tracked.name,
                    inst.name,
                    inst.effective_priority(),
                ),
            )),
            None => {}
        }
    }
}

fn gap_message(
    tracked: &Tracked,
    weight: &Weight,
    inst: &VrrpInstance,
    other: &VrrpInstance,
    gap: u8,
) -> String {
    format!(
        "weight {} of `{}` does not exceed the priority gap of {gap} between vrrp_instance {} \
         ({}) and {} ({}): when the check fails on the higher one, it ends at or above the \
         other, a backup never preempts on a tie, and the VIP stays on the failed node. Use a \
         weight larger than {gap}",
        weight.value,
        tracked.name,
        inst.name,
        inst.effective_priority(),
        other.name,
        other.effective_priority(),
    )
}

/// keepalived runs scripts as `script_user`, else as `keepalived_script` if
/// that user exists, else as root, and `keepalived -t` calls root scripts
/// without `enable_script_security` a SECURITY VIOLATION.
fn warn_scripts_as_root(config: &KeepalivedConfig, warnings: &mut Vec<Warning>) {
    let global = &config.global;
    if global.enable_script_security {
        return;
    }
    let is_root = |run_as: Option<&RunAs>| match run_as.or(global.script_user.as_ref()) {
        Some(user) => user.user == "root",
        None => true,
    };
    let notify = config
        .instances
        .iter()
        .map(|i| &i.notify)
        .chain(config.sync_groups.iter().map(|g| &g.notify))
        .flat_map(|n| {
            [
                &n.master,
                &n.backup,
                &n.fault,
                &n.stop,
                &n.deleted,
                &n.any,
                &n.master_rx_lower_pri,
            ]
        })
        .flatten()
        .map(|script| (&script.at, script.run_as.as_ref()));
    let checks = config.scripts.iter().map(|s| (&s.at, s.user.as_ref()));
    let first_root_script = checks
        .chain(notify)
        .filter(|(_, run_as)| is_root(*run_as))
        .map(|(at, _)| at)
        .min();
    if let Some(at) = first_root_script {
        warnings.push(Warning::new(
            at.clone(),
            "this script may run as root: with no `script_user` (or script_user root) keepalived \
             runs scripts as root unless a user keepalived_script exists, and `keepalived -t` \
             reports that as a SECURITY VIOLATION; set `script_user` to an unprivileged user, \
             or `enable_script_security`, in global_defs",
        ));
    }
}

/// keepalived 2.4.3 (vrrp.c): `owner_ignore_adverts` on a non-owner is
/// reported and dropped. Our address owner always drops adverts (RFC 9568
/// §7.1), so turning it off (keepalived's default outside strict mode,
/// where its owner reads them) cannot take effect here.
fn warn_owner_ignore_adverts(
    config: &KeepalivedConfig,
    instance: &VrrpInstance,
    warnings: &mut Vec<Warning>,
) {
    let owner = instance.effective_priority() == PRIORITY_OWNER;
    let name = &instance.name;
    let Some(set) = config.owner_ignore_adverts(instance) else {
        return;
    };
    let own = instance.owner_ignore_adverts.is_some();
    match (set.value, owner) {
        (true, false) if own => warnings.push(Warning::new(
            set.at.clone(),
            format!(
                "owner_ignore_adverts ignored: vrrp_instance {name} has priority {}, not 255 \
                 (keepalived says the same)",
                instance.effective_priority()
            ),
        )),
        (false, true) => warnings.push(owner_reads_none(&set.at, name)),
        _ => {}
    }
}

fn owner_reads_none(at: &Span, name: &str) -> Warning {
    Warning::new(
        at.clone(),
        format!(
            "vrrp_instance {name} is the address owner, which ignores adverts here whatever \
             this says (RFC 9568 §7.1; keepalived's owner reads them without \
             owner_ignore_adverts)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use crate::conf::parse_str;
    use crate::conf::test_support::{instance, load, messages};

    #[test]
    fn small_weight_says_once_that_the_gap_is_in_another_file() {
        let body = instance("A", 1, "track_script { small }\n")
            + &instance("B", 2, "track_script { small }\n");
        let warnings = messages(&load(&body).unwrap());
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(warnings[0].starts_with("v.conf:4:2: weight 2 of `small` moves the VIP only if"));
        assert!(warnings[0].contains("--verify"), "{warnings:#?}");

        let overridden = instance(
            "A",
            1,
            "track_script {\n small weight 20\n big weight -1\n}\n",
        );
        let warnings = messages(&load(&overridden).unwrap());
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(warnings[0].starts_with("v.conf:16:6: weight -1 of `big`"));

        let fine = instance("A", 1, "track_script {\n big\n small weight 0\n}\n");
        assert!(load(&fine).unwrap().warnings.is_empty());
    }

    #[test]
    fn a_gap_the_file_shows_decides() {
        // Both sides of VRID 1 in one file (on two interfaces): the gap is known.
        let pair = |a: u8, b: u8| {
            instance(
                "A",
                1,
                &format!(" priority {a}\n track_script {{ small }}\n"),
            ) + &instance("B", 1, &format!(" priority {b}\n interface eth1\n"))
        };
        assert!(messages(&load(&pair(101, 100)).unwrap()).is_empty());
        let warnings = messages(&load(&pair(100, 98)).unwrap());
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0].contains("does not exceed the priority gap of 2 between vrrp_instance A"),
            "{warnings:#?}"
        );
    }

    #[test]
    fn root_scripts_warn_once_at_the_first() {
        let text = "vrrp_script a {\n script x\n user nobody\n}\nvrrp_script b {\n script y\n}\n\
                    vrrp_instance V {\n interface eth0\n virtual_router_id 1\n\
                    virtual_ipaddress { 192.0.2.1 }\n notify_master /bin/m root\n}\n";
        let warnings = messages(&parse_str(text, "r.conf").unwrap());
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(warnings[0].starts_with("r.conf:5:1: this script may run as root"));
        let secure = format!("global_defs {{\n enable_script_security\n}}\n{text}");
        assert!(parse_str(&secure, "r.conf").unwrap().warnings.is_empty());
    }

    #[test]
    fn notify_fifo_and_its_script() {
        let text = concat!(
            "global_defs {\n",
            " notify_fifo /run/k.fifo nobody\n",
            " notify_fifo_script \"/bin/reader -v\" nobody\n",
            " vrrp_notify_fifo_script /bin/other nobody\n",
            "}\n"
        );
        let loaded = parse_str(text, "f.conf").unwrap();
        let fifo = &loaded.config.global.notify_fifo;
        assert_eq!(fifo.path.as_ref().unwrap().value, "/run/k.fifo");
        assert_eq!(fifo.owner.as_ref().unwrap().user, "nobody");
        assert_eq!(fifo.script.as_ref().unwrap().command, "/bin/reader -v");
        let warnings = messages(&loaded);
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0].starts_with("f.conf:4:2: vrrp_notify_fifo_script without vrrp_notify_fifo"),
            "{warnings:#?}"
        );
    }

    #[test]
    fn a_sync_group_of_one_warns() {
        let text = format!(
            "{}vrrp_sync_group G {{\n group {{ A }}\n}}\n",
            instance("A", 1, "")
        );
        let warnings = messages(&load(&text).unwrap());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("v.conf:15:1: vrrp_sync_group G has 1 instance(s)"));
    }
}
