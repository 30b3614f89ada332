//! The top level of the file: dispatches each section to its builder.

use std::collections::HashMap;

use super::build_global::build_global;
use super::build_instance::build_instance;
use super::build_script::{build_script, build_track_process};
use super::build_track::{notify_script, track_block};
use super::config::KeepalivedConfig;
use super::error::{ConfigError, Span, Spanned};
use super::model::{Notify, SyncGroup, Tracked};
use super::parser::Node;
use super::values::Ctx;

/// Top-level blocks of keepalived's other features: skipped whole, with a
/// warning, so that a real configuration still loads.
const IGNORED_SECTIONS: &[(&str, &str)] = &[
    (
        "virtual_server",
        "LVS virtual servers are not managed by this daemon",
    ),
    (
        "virtual_server_group",
        "LVS virtual servers are not managed by this daemon",
    ),
    ("static_ipaddress", "static addresses are not installed"),
    ("static_routes", "static routes are not installed"),
    ("static_rules", "static rules are not installed"),
    ("vrrp_track_file", "tracking files is not supported"),
    ("track_file", "tracking files is not supported"),
    ("linkbeat_interfaces", "link state comes from netlink"),
    (
        "garp_group",
        "per-interface gratuitous ARP groups are not supported",
    ),
    ("bfd_instance", "BFD is not supported"),
    (
        "interface_up_down_delays",
        "interface debouncing is not supported",
    ),
];

/// Builds the typed configuration from the top-level statements.
pub(crate) fn build_config(
    ctx: &mut Ctx<'_>,
    nodes: &[Node],
) -> Result<KeepalivedConfig, ConfigError> {
    let mut config = KeepalivedConfig::default();
    // Instance names seen, to their index: thousands of instances checked
    // against a list were millions of name comparisons at every (re)load.
    let mut instance_names: HashMap<String, usize> = HashMap::new();
    for node in nodes {
        match node.keyword.as_str() {
            "global_defs" => build_global(ctx, node, &mut config.global)?,
            "vrrp_script" => {
                let script = build_script(ctx, node)?;
                unique(
                    "vrrp_script",
                    &script.name,
                    &script.at,
                    config.scripts.iter().map(|s| (&s.name, &s.at)),
                )?;
                config.scripts.push(script);
            }
            "vrrp_track_process" => {
                let process = build_track_process(ctx, node)?;
                let existing = config.track_processes.iter().map(|p| (&p.name, &p.at));
                unique("vrrp_track_process", &process.name, &process.at, existing)?;
                config.track_processes.push(process);
            }
            "vrrp_instance" => {
                let mut instance = build_instance(ctx, node)?;
                let owner = format!("vrrp_instance {}", instance.name);
                resolve_tracks(ctx, &config, &owner, &mut instance.track_scripts, false);
                resolve_tracks(ctx, &config, &owner, &mut instance.track_processes, true);
                let first = instance_names
                    .get(&instance.name)
                    .map(|&k| &config.instances[k]);
                let existing = first.into_iter().map(|i| (&i.name, &i.at));
                unique("vrrp_instance", &instance.name, &instance.at, existing)?;
                instance_names.insert(instance.name.clone(), config.instances.len());
                config.instances.push(instance);
            }
            "vrrp_sync_group" => {
                let mut group = build_sync_group(ctx, node)?;
                let owner = format!("vrrp_sync_group {}", group.name);
                resolve_tracks(ctx, &config, &owner, &mut group.track_scripts, false);
                resolve_tracks(ctx, &config, &owner, &mut group.track_processes, true);
                let existing = config.sync_groups.iter().map(|g| (&g.name, &g.at));
                unique("vrrp_sync_group", &group.name, &group.at, existing)?;
                config.sync_groups.push(group);
            }
            keyword => match IGNORED_SECTIONS.iter().find(|(name, _)| *name == keyword) {
                Some((_, why)) => ctx.warn(&node.at, format!("`{keyword}` block ignored: {why}")),
                None => ctx.unknown(node, "the top level"),
            },
        }
    }
    Ok(config)
}

/// Keeps the `track_script` (or, with `process`, `track_process`) entries
/// of `owner` that name a definition read before it, once each. As in
/// keepalived, which looks a name up when it reads it, any other entry is
/// ignored with a warning, also when its definition comes later in the file.
fn resolve_tracks(
    ctx: &mut Ctx<'_>,
    config: &KeepalivedConfig,
    owner: &str,
    tracks: &mut Vec<Tracked>,
    process: bool,
) {
    let (keyword, section) = if process {
        ("track_process", "vrrp_track_process")
    } else {
        ("track_script", "vrrp_script")
    };
    let mut kept: Vec<Tracked> = Vec::with_capacity(tracks.len());
    for track in tracks.drain(..) {
        let defined = if process {
            config.track_process(&track.name).is_some()
        } else {
            config.script(&track.name).is_some()
        };
        let why = if kept.iter().any(|k| k.name == track.name) {
            format!("{owner} already tracks it")
        } else if !defined {
            format!(
                "no {section} {} is defined before {owner} (keepalived looks the name up \
                 where it reads it, so a later definition does not count)",
                track.name
            )
        } else {
            kept.push(track);
            continue;
        };
        ctx.warn(
            &track.at,
            format!(
                "{keyword} `{}` ignored, as keepalived ignores it: {why}",
                track.name
            ),
        );
    }
    *tracks = kept;
}

/// `vrrp_sync_group NAME { group { ... } notify_* track_* }`.
fn build_sync_group(ctx: &mut Ctx<'_>, node: &Node) -> Result<SyncGroup, ConfigError> {
    let (name, nodes) = ctx.named_block(node)?;
    let mut group = SyncGroup {
        name: name.text.clone(),
        at: node.at.clone(),
        members: Vec::new(),
        notify: Notify::default(),
        track_scripts: Vec::new(),
        track_interfaces: Vec::new(),
        track_processes: Vec::new(),
        smtp_alert: None,
    };
    for item in nodes {
        if track_block(
            ctx,
            item,
            &mut group.track_scripts,
            &mut group.track_interfaces,
            &mut group.track_processes,
        )? || notify_script(ctx, item, &mut group.notify, false)?
        {
            continue;
        }
        match item.keyword.as_str() {
            "group" => {
                // keepalived reads the block as a list of words: several
                // names may share a line.
                for member in ctx.block(item)? {
                    ctx.no_block(member)?;
                    group
                        .members
                        .push(Spanned::new(member.keyword.clone(), member.at.clone()));
                    for arg in &member.args {
                        group
                            .members
                            .push(Spanned::new(arg.text.clone(), arg.at.clone()));
                    }
                }
            }
            "smtp_alert" => group.smtp_alert = Some(ctx.bool_flag(item)?),
            _ => ctx.unknown(item, "vrrp_sync_group"),
        }
    }
    Ok(group)
}

/// Names of a kind must be unique: a second definition is an error.
fn unique<'a>(
    kind: &str,
    name: &str,
    at: &Span,
    mut existing: impl Iterator<Item = (&'a String, &'a Span)>,
) -> Result<(), ConfigError> {
    match existing.find(|(other, _)| other.as_str() == name) {
        Some((_, first)) => Err(ConfigError::invalid(
            at,
            format!("{kind} {name} is defined twice (first at {first})"),
        )),
        None => Ok(()),
    }
}
