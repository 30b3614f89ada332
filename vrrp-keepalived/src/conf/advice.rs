//! Warnings for configurations that load but probably do not do what their
//! author wants: the seed's `weight 2`, scripts running as root, a sync
//! group of one. keepalived reports the last two as configuration errors
//! under `-t`; we load and say why.

use std::collections::BTreeSet;

use super::config::KeepalivedConfig;
use super::error::{Span, Warning};
use super::instance::VrrpInstance;
use super::model::{RunAs, Tracked, Weight};

/// Positive or negative weights up to this size draw the priority-gap warning.
const SMALL_WEIGHT: i32 = 2;

/// Adds every advisory warning about `config` to `warnings`.
pub(crate) fn advise(config: &KeepalivedConfig, warnings: &mut Vec<Warning>) {
    let mut warned_weights = BTreeSet::new();
    for instance in &config.instances {
        warn_small_weights(config, instance, &mut warned_weights, warnings);
    }
    warn_scripts_as_root(config, warnings);
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
    for (tracked, weight) in scripts.chain(processes) {
        if weight.value == 0
            || weight.value.abs() > SMALL_WEIGHT
            || !warned.insert(weight.at.clone())
        {
            continue;
        }
        warnings.push(Warning::new(
            weight.at.clone(),
            small_weight_message(tracked, weight, inst),
        ));
    }
}

fn small_weight_message(tracked: &Tracked, weight: &Weight, inst: &VrrpInstance) -> String {
    format!(
        "weight {} of `{}` may not exceed the priority gap between MASTER and BACKUP: when the \
         check fails on the master its priority drops by only {}, so with priorities 100 and 98 \
         and weight 2 both end at 100, a backup never preempts on a tie, and the VIP stays on \
         the failed node. Use a weight larger than the gap between the priorities \
         (vrrp_instance {} has priority {})",
        weight.value,
        tracked.name,
        weight.value.abs(),
        inst.name,
        inst.effective_priority(),
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

#[cfg(test)]
mod tests {
    use crate::conf::parse_str;
    use crate::conf::test_support::{instance, load, messages};

    #[test]
    fn small_weight_warns_once_at_the_weight_that_applies() {
        let body = instance("A", 1, "track_script { small }\n")
            + &instance("B", 2, "track_script { small }\n");
        let warnings = messages(&load(&body).unwrap());
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(warnings[0].starts_with("v.conf:4:2: weight 2 of `small`"));

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
