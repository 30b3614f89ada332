//! `global_defs { ... }` into [`GlobalDefs`].

use super::build_buffers::buffer_setting;
use super::build_garp;
use super::build_group::multicast_group;
use super::build_process::{self, process_setting};
use super::build_smtp::smtp_setting;
use std::time::Duration;

use super::error::{ConfigError, Spanned};
use super::model::{Family, GarpSettings, GlobalDefs, NotifyFifo, NotifyScript, VrrpVersion};
use super::parser::Node;
use super::values::{Ctx, bad, missing};

/// Global keywords of keepalived's other daemons (LVS, checkers, BFD, SNMP,
/// D-Bus, mail, process tuning): accepted and ignored, with an info note.
const OTHER_DAEMONS: &[&str] = &[
    "smtp_alert_checker",
    "checker_log_all_failures",
    "lvs_id",
    "lvs_sync_daemon",
    "lvs_timeouts",
    "lvs_flush",
    "lvs_flush_on_stop",
    "checker_priority",
    "checker_no_swap",
    "checker_rt_priority",
    "bfd_priority",
    "bfd_no_swap",
    "bfd_rt_priority",
    "enable_snmp_vrrp",
    "enable_snmp_keepalived",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_snmp_checker",
    "enable_traps",
    "snmp_socket",
    "enable_dbus",
    "enable_dbus_create_instance",
];

/// Reads the `global_defs` block at `node` into `global` (a second
/// `global_defs` adds to the first, as in keepalived).
pub(crate) fn build_global(
    ctx: &mut Ctx<'_>,
    node: &Node,
    global: &mut GlobalDefs,
) -> Result<(), ConfigError> {
    let nodes = ctx.block(node)?;
    global.at.get_or_insert_with(|| node.at.clone());
    for item in nodes {
        if let Some(garp_keyword) = item.keyword.strip_prefix("vrrp_") {
            if garp_setting(ctx, item, garp_keyword, &mut global.garp)? {
                continue;
            }
        }
        match item.keyword.as_str() {
            "notify_fifo" | "vrrp_notify_fifo" => {
                let fifo = fifo_of(global, &item.keyword);
                ctx.no_block(item)?;
                let path = item
                    .args
                    .first()
                    .ok_or_else(|| missing(item, "the FIFO's path"))?;
                fifo.path = Some(Spanned::new(path.text.clone(), path.at.clone()));
                fifo.owner = ctx.run_as(item, 1)?;
            }
            "notify_fifo_script" | "vrrp_notify_fifo_script" => {
                ctx.no_block(item)?;
                let command = item
                    .args
                    .first()
                    .ok_or_else(|| missing(item, "a script (quote it if it has arguments)"))?;
                let fifo = fifo_of(global, item.keyword.trim_end_matches("_script"));
                fifo.script = Some(NotifyScript {
                    command: command.text.clone(),
                    run_as: ctx.run_as(item, 1)?,
                    at: item.at.clone(),
                });
            }
            "router_id" => global.router_id = Some(ctx.string(item, "a router name")?.value),
            "enable_script_security" => global.enable_script_security = ctx.flag(item)?,
            "script_user" => global.script_user = Some(ctx.run_as_statement(item)?),
            "vrrp_version" => global.vrrp_version = Some(version(ctx, item)?),
            _ if process_setting(ctx, item, &mut global.process)? => {}
            "process_names" => {
                global.process_names = build_process::process_names(ctx, item)?;
                global.vrrp_process_name = Some(build_process::VRRP_PROCESS_NAMES.to_string());
            }
            "process_name" => global.process_name = Some(build_process::process_name(ctx, item)?),
            "vrrp_process_name" => {
                global.vrrp_process_name = Some(build_process::process_name(ctx, item)?);
            }
            "random_seed" => {
                if let Some(seed) = build_process::random_seed(ctx, item)? {
                    global.random_seed = Some(seed);
                }
            }
            "umask" => {
                if let Some(mask) = build_process::umask(ctx, item)? {
                    global.umask = Some(mask);
                }
            }
            keyword if smtp_setting(ctx, item, keyword, &mut global.smtp)? => {}
            _ if buffer_setting(ctx, item, &mut global.buffers)? => {}
            "vrrp_mcast_group4" => {
                let group = multicast_group(ctx, item, Some(Family::Ipv4))?;
                global.vrrp_mcast_group4 = group.or(global.vrrp_mcast_group4.take());
            }
            "vrrp_mcast_group6" => {
                let group = multicast_group(ctx, item, Some(Family::Ipv6))?;
                global.vrrp_mcast_group6 = group.or(global.vrrp_mcast_group6.take());
            }
            "vrrp_garp_interval" => {
                global.vrrp_garp_interval = Some(build_garp::global_interval(ctx, item)?);
            }
            "vrrp_gna_interval" => {
                global.vrrp_gna_interval = Some(build_garp::global_interval(ctx, item)?);
            }
            "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl" => {
                global.vrrp_garp_extra_if = Some(build_garp::extra_if(ctx, item)?);
            }
            "vrrp_min_garp" => build_garp::min_garp(ctx, item, &mut global.garp)?,
            "vrrp_check_unicast_src" => global.vrrp_check_unicast_src = ctx.flag(item)?,
            "vrrp_skip_check_adv_addr" => global.vrrp_skip_check_adv_addr = ctx.bool_flag(item)?,
            "vrrp_strict" => global.vrrp_strict = ctx.bool_flag(item)?,
            "v3_checksum_as_v2" => global.v3_checksum_as_v2 = ctx.bool_flag(item)?,
            "vrrp_lower_prio_no_advert" => {
                global.vrrp_lower_prio_no_advert = ctx.bool_flag(item)?
            }
            "vrrp_higher_prio_send_advert" => {
                global.vrrp_higher_prio_send_advert = Some(ctx.bool_flag(item)?);
            }
            "vrrp_down_timer_adverts" => {
                global.vrrp_down_timer_adverts = Some(ctx.u8_in(item, 1, 100)?);
            }
            "vrrp_owner_ignore_adverts" => {
                let on = ctx.bool_flag(item)?;
                global.vrrp_owner_ignore_adverts = Some(Spanned::new(on, item.at.clone()));
            }
            "log_unknown_vrids" => global.log_unknown_vrids = ctx.flag(item)?,
            "disable_local_igmp" => {
                ctx.flag(item)?;
                global.disable_local_igmp = Some(item.at.clone());
            }
            "vrrp_notify_priority_changes" => {
                global.vrrp_notify_priority_changes = ctx.bool_flag(item)?;
            }
            "vrrp_startup_delay" => {
                let delay = startup_delay(ctx, item)?;
                global.vrrp_startup_delay = global.vrrp_startup_delay.max(Some(delay));
            }
            "vrrp_delay_after_boot" => {
                let delay = startup_delay(ctx, item)?;
                global.vrrp_delay_after_boot = global.vrrp_delay_after_boot.max(Some(delay));
            }
            "max_auto_priority" => global.max_auto_priority = Some(max_auto_priority(ctx, item)?),
            "min_auto_priority_delay" => {
                if let Some(delay) = min_auto_priority_delay(ctx, item)? {
                    global.min_auto_priority_delay = Some(delay);
                }
            }
            "dynamic_interfaces" => {
                ctx.no_block(item)?;
                ctx.extra_args(item, 1);
                global.dynamic_interfaces = true;
                match item.args.first() {
                    None => {}
                    Some(arg) if arg.text == "allow_if_changes" => {
                        global.dynamic_interfaces_allow_if_changes = true;
                    }
                    Some(arg) => return Err(bad(item, arg, "allow_if_changes or nothing")),
                }
            }
            "default_interface" => {
                ctx.no_block(item)?;
                ctx.extra_args(item, 1);
                match item.args.first() {
                    Some(name) => {
                        global.default_interface =
                            Some(Spanned::new(name.text.clone(), name.at.clone()));
                    }
                    None => ctx.warn(
                        &item.at,
                        "default_interface without an interface name: ignored (keepalived \
                         ignores it too)",
                    ),
                }
            }
            "vmac_prefix" | "vmac_addr_prefix" => {
                let prefix = ctx.string(item, "a prefix for VMAC names")?.value;
                let (slot, what) = match item.keyword.as_str() {
                    "vmac_prefix" => (&mut global.vmac_prefix, "vmac"),
                    _ => (&mut global.vmac_addr_prefix, "vmac_addr"),
                };
                match slot {
                    Some(_) => ctx.warn(
                        &item.at,
                        format!("{what} prefix has already been specified - ignoring {prefix}"),
                    ),
                    None => *slot = Some(prefix),
                }
            }
            "startup_script" | "shutdown_script" => hook_script(ctx, item, global)?,
            "startup_script_timeout" | "shutdown_script_timeout" => {
                ctx.no_block(item)?;
                ctx.extra_args(item, 1);
                let timeout = match item.keyword.as_str() {
                    "startup_script_timeout" => &mut global.startup_script_timeout,
                    _ => &mut global.shutdown_script_timeout,
                };
                match item.args.first().map(|a| a.text.parse::<u32>()) {
                    Some(Ok(seconds @ 1..=1000)) => *timeout = Some(seconds),
                    _ => ctx.warn(
                        &item.at,
                        format!("{} requires 1..1000 (seconds); line ignored", item.keyword),
                    ),
                }
            }
            // keepalived reads no argument: `off` turns it on too (warned).
            "fifo_write_vrrp_states_on_reload" => {
                global.fifo_write_vrrp_states_on_reload = ctx.flag(item)?;
            }
            "state_dump_file" => {
                if let Some(path) = dump_file(ctx, item)? {
                    global.state_dump_file = Some(path);
                }
            }
            "stats_dump_file" | "json_dump_file" => {
                if dump_file(ctx, item)?.is_some() {
                    let name = match item.keyword.as_str() {
                        "stats_dump_file" => "keepalived.stats",
                        _ => "keepalived.json",
                    };
                    ctx.info(
                        &item.at,
                        format!(
                            "`{}` read, not used: {name} stays in the temporary directory, as \
                             keepalived 2.4.3 keeps it (its keepalived(8) says otherwise)",
                            item.keyword
                        ),
                    );
                }
            }
            "vrrp_iptables" | "vrrp_ipsets" | "nftables" | "nftables_priority"
            | "nftables_ifindex" | "nftables_counters" => firewall(ctx, item, global)?,
            keyword if OTHER_DAEMONS.contains(&keyword) => {
                ctx.ignored(
                    item,
                    "it configures e-mail, LVS, SNMP or process tuning, not VRRP",
                );
            }
            _ => ctx.unknown(item, "global_defs"),
        }
    }
    Ok(())
}

/// `vrrp_iptables`, `vrrp_ipsets` and the `nftables*` keywords: where
/// keepalived puts the rules that drop traffic to a non-accepting Master's
/// VIPs. Ours always go in nftables, in a table of our own.
fn firewall(ctx: &mut Ctx<'_>, item: &Node, global: &mut GlobalDefs) -> Result<(), ConfigError> {
    ctx.no_block(item)?;
    let names: Vec<String> = item.args.iter().map(|a| a.text.clone()).collect();
    let ours = "the rules go in nftables, table `inet keepalive_haproxy`";
    match item.keyword.as_str() {
        "vrrp_iptables" => {
            global.vrrp_iptables = Some(names);
            ctx.warn(
                &item.at,
                format!(
                    "`vrrp_iptables`: iptables is not used, {ours} (keepalived 2.2.7 and 2.4.3 \
                     built with nftables only do the same and say so); write `nftables`"
                ),
            );
        }
        "vrrp_ipsets" => {
            global.vrrp_ipsets = Some(names);
            ctx.warn(
                &item.at,
                format!(
                    "`vrrp_ipsets` ignored: no ipsets are used, {ours} (keepalived built with \
                     nftables only reports it as unknown)"
                ),
            );
        }
        "nftables" => {
            ctx.extra_args(item, 1);
            // keepalived's nftables handler sets the chain priority back to -1.
            global.nftables_priority = None;
            if let Some(table) = item.args.first() {
                ctx.info(
                    &table.at,
                    format!("nftables table `{}` not used: {ours}", table.text),
                );
            }
        }
        "nftables_priority" => {
            ctx.extra_args(item, 1);
            let arg = item
                .args
                .first()
                .ok_or_else(|| missing(item, "a chain priority (an integer)"))?;
            let priority = arg
                .text
                .parse::<i32>()
                .map_err(|_| bad(item, arg, "a chain priority (an integer)"))?;
            global.nftables_priority = Some(priority);
        }
        "nftables_counters" => global.nftables_counters = ctx.flag(item)?,
        _ => {
            global.nftables_ifindex = ctx.flag(item)?;
            ctx.info(
                &item.at,
                "`nftables_ifindex`: no rule of ours matches an interface by name (the VMAC \
                 rules match interface indices, as keepalived's; the no_accept rules only \
                 addresses, link-local IPv6 ones included); nothing to change",
            );
        }
    }
    Ok(())
}

/// `startup_script` or `shutdown_script` (keepalived 2.4.3's
/// `startup_shutdown_script`): one of each; a second one, or one without
/// a command, fails keepalived's `-t` and is dropped by its daemon: warned
/// and ignored here.
fn hook_script(ctx: &mut Ctx<'_>, item: &Node, global: &mut GlobalDefs) -> Result<(), ConfigError> {
    ctx.no_block(item)?;
    let (slot, kind) = match item.keyword.as_str() {
        "startup_script" => (&mut global.startup_script, "startup"),
        _ => (&mut global.shutdown_script, "shutdown"),
    };
    match item.args.first() {
        _ if slot.is_some() => ctx.warn(
            &item.at,
            format!("{kind} script already specified; line ignored"),
        ),
        None => ctx.warn(&item.at, format!("{kind} script missing; line ignored")),
        Some(command) => {
            *slot = Some(NotifyScript {
                command: command.text.clone(),
                run_as: ctx.run_as(item, 1)?,
                at: item.at.clone(),
            });
        }
    }
    Ok(())
}

/// The path of `state_dump_file`, `stats_dump_file` or `json_dump_file`
/// (keepalived 2.4.3's `*_dump_file_handler`): exactly one non-empty
/// word; else keepalived's `-t` fails and its daemon goes on without the
/// line, so we warn and ignore it.
fn dump_file(ctx: &mut Ctx<'_>, item: &Node) -> Result<Option<Spanned<String>>, ConfigError> {
    ctx.no_block(item)?;
    match &item.args[..] {
        [path] if !path.text.is_empty() => {
            Ok(Some(Spanned::new(path.text.clone(), path.at.clone())))
        }
        _ => {
            ctx.warn(
                &item.at,
                format!("{} requires one non-empty path; line ignored", item.keyword),
            );
            Ok(None)
        }
    }
}

/// The FIFO a `notify_fifo*` or `vrrp_notify_fifo*` keyword configures.
fn fifo_of<'g>(global: &'g mut GlobalDefs, keyword: &str) -> &'g mut NotifyFifo {
    if keyword == "vrrp_notify_fifo" {
        &mut global.vrrp_notify_fifo
    } else {
        &mut global.notify_fifo
    }
}

/// The `garp_*` keywords shared by `global_defs` (as `vrrp_garp_*`) and
/// instances. Returns whether `keyword` was one of them.
pub(crate) fn garp_setting(
    ctx: &mut Ctx<'_>,
    node: &Node,
    keyword: &str,
    garp: &mut GarpSettings,
) -> Result<bool, ConfigError> {
    match keyword {
        "garp_master_delay" => garp.master_delay = Some(ctx.whole_seconds(node)?),
        "garp_master_repeat" => garp.master_repeat = Some(at_least_one(ctx, node)?),
        "garp_master_refresh" => garp.master_refresh = Some(ctx.whole_seconds(node)?),
        "garp_master_refresh_repeat" => garp.master_refresh_repeat = Some(at_least_one(ctx, node)?),
        "garp_lower_prio_delay" => garp.lower_prio_delay = Some(ctx.whole_seconds(node)?),
        "garp_lower_prio_repeat" => garp.lower_prio_repeat = Some(ctx.count(node)?),
        _ => return Ok(false),
    }
    Ok(true)
}

/// A repeat count of 1 and up: 0 becomes 1 with a warning, as keepalived
/// (`vrrp_parser.c`: "must be greater than 0, setting to 1").
fn at_least_one(ctx: &mut Ctx<'_>, node: &Node) -> Result<u32, ConfigError> {
    let count = ctx.count(node)?;
    if count == 0 {
        let at = &node.args[0].at;
        ctx.warn(
            at,
            format!(
                "{} must be greater than 0: 1 is used, as keepalived",
                node.keyword
            ),
        );
        return Ok(1);
    }
    Ok(count)
}

/// `2` or `3`.
pub(crate) fn version(ctx: &mut Ctx<'_>, node: &Node) -> Result<VrrpVersion, ConfigError> {
    let arg = ctx.value(node, "2 or 3")?;
    match arg.text.as_str() {
        "2" => Ok(VrrpVersion::V2),
        "3" => Ok(VrrpVersion::V3),
        _ => Err(bad(node, arg, "2 or 3")),
    }
}

/// keepalived's startup delays are timers of 0.001..4294.967295 s
/// (`global_parser.c`, `read_timer` up to `UINT_MAX` microseconds); -t
/// refuses anything else.
fn startup_delay(ctx: &mut Ctx<'_>, node: &Node) -> Result<Duration, ConfigError> {
    const RANGE: &str = "seconds 0.001..4294.967295";
    let delay = ctx.seconds(node)?.value;
    let arg = &node.args[0];
    if delay < Duration::from_millis(1) || delay > Duration::from_micros(u32::MAX.into()) {
        return Err(bad(node, arg, RANGE));
    }
    // keepalived says so for the after-boot delay only once uptime is off it.
    if delay >= Duration::from_secs(60) && node.keyword == "vrrp_startup_delay" {
        ctx.info(
            &arg.at,
            format!("`{}` is very large: {} s", node.keyword, arg.text),
        );
    }
    Ok(delay)
}

/// `min_auto_priority_delay MICROSECONDS`, 1..10000000. Another number or
/// none is warned and the line ignored (keepalived reports it and goes on
/// with its 1 s).
fn min_auto_priority_delay(
    ctx: &mut Ctx<'_>,
    node: &Node,
) -> Result<Option<Duration>, ConfigError> {
    ctx.no_block(node)?;
    ctx.extra_args(node, 1);
    let Some(arg) = node.args.first() else {
        ctx.warn(
            &node.at,
            "min_auto_priority_delay needs a delay in microseconds; line ignored, the delay stays 1 s",
        );
        return Ok(None);
    };
    match arg.text.parse::<u64>() {
        Ok(micros @ 1..=10_000_000) => Ok(Some(Duration::from_micros(micros))),
        _ => {
            ctx.warn(
                &arg.at,
                format!(
                    "min_auto_priority_delay {} is not 1..10000000 microseconds; line ignored, \
                     the delay stays 1 s",
                    arg.text
                ),
            );
            Ok(None)
        }
    }
}

/// `max_auto_priority [-1..99]`; bare means the maximum, 99.
fn max_auto_priority(ctx: &mut Ctx<'_>, node: &Node) -> Result<i32, ConfigError> {
    ctx.no_block(node)?;
    ctx.extra_args(node, 1);
    match node.args.first() {
        None => Ok(99),
        Some(arg) => arg
            .text
            .parse::<i32>()
            .ok()
            .filter(|p| (-1..=99).contains(p))
            .ok_or_else(|| bad(node, arg, "a priority -1..99")),
    }
}
