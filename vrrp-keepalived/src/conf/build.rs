//! The top level of the file: dispatches each section to its builder.

use std::collections::HashMap;

use super::build_address::virtual_addresses;
use super::build_garp;
use super::build_global::build_global;
use super::build_instance::build_instance;
use super::build_link_delays::{cap_link_delays, link_delays};
use super::build_linkbeat;
use super::build_process;
use super::build_route;
use super::build_script::{build_script, build_track_process};
use super::build_track::{notify_script, track_block};
use super::build_track_file::build_track_file;
use super::config::KeepalivedConfig;
use super::error::{ConfigError, Span, Spanned, Warning};
use super::member_weights::{TrackerKind as Kind, restrict_member_weights};
use super::model::{DEFAULT_INTERFACE, Notify, SyncGroup, Tracked};
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
    ("bfd_instance", "BFD is not supported"),
];

/// Builds the typed configuration from the top-level statements, one at a
/// time as the parser completes them: each statement's tree is dropped once
/// built. The first error stops it; [`ConfigBuilder::finish`] returns it.
#[derive(Default)]
pub(crate) struct ConfigBuilder {
    config: KeepalivedConfig,
    /// Instance names seen, to their index: thousands of instances checked
    /// against a list were millions of name comparisons at every (re)load.
    instance_names: HashMap<String, usize>,
    /// What building found worth saying, in the order found.
    warnings: Vec<Warning>,
    error: Option<ConfigError>,
}

impl ConfigBuilder {
    /// Builds one top-level statement into the configuration.
    pub(crate) fn node(&mut self, node: &Node) {
        if self.error.is_some() {
            return;
        }
        let mut ctx = Ctx {
            warnings: &mut self.warnings,
        };
        if let Err(error) = statement(&mut ctx, &mut self.config, &mut self.instance_names, node) {
            self.error = Some(error);
        }
    }

    /// The configuration built and the builder's warnings, or its first
    /// error.
    pub(crate) fn finish(mut self) -> Result<(KeepalivedConfig, Vec<Warning>), ConfigError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut ctx = Ctx {
            warnings: &mut self.warnings,
        };
        restrict_member_weights(&mut ctx, &mut self.config);
        default_interface(&mut ctx, &mut self.config);
        cap_link_delays(&mut ctx, &mut self.config);
        Ok((self.config, self.warnings))
    }
}

/// One top-level statement into `config`.
fn statement(
    ctx: &mut Ctx<'_>,
    config: &mut KeepalivedConfig,
    instance_names: &mut HashMap<String, usize>,
    node: &Node,
) -> Result<(), ConfigError> {
    match node.keyword.as_str() {
        "global_defs" => build_global(ctx, node, &mut config.global)?,
        _ if build_process::root_setting(ctx, node, &mut config.global)? => {}
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
        // `vrrp_track_file` is keepalived's older name (2.4.3 logs that
        // it is deprecated; 2.2.7 says nothing): the same block.
        "track_file" | "vrrp_track_file" => {
            if let Some(file) = build_track_file(ctx, node)? {
                let existing = config.track_files.iter().map(|f| (&f.name, &f.at));
                unique("track_file", &file.name, &file.at, existing)?;
                config.track_files.push(file);
            }
        }
        "vrrp_instance" => {
            let mut instance = build_instance(ctx, node)?;
            let owner = format!("vrrp_instance {}", instance.name);
            resolve_tracks(
                ctx,
                config,
                &owner,
                &mut instance.track_scripts,
                Kind::Script,
            );
            resolve_tracks(
                ctx,
                config,
                &owner,
                &mut instance.track_processes,
                Kind::Process,
            );
            resolve_tracks(ctx, config, &owner, &mut instance.track_files, Kind::File);
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
            resolve_tracks(ctx, config, &owner, &mut group.track_scripts, Kind::Script);
            resolve_tracks(
                ctx,
                config,
                &owner,
                &mut group.track_processes,
                Kind::Process,
            );
            resolve_tracks(ctx, config, &owner, &mut group.track_files, Kind::File);
            let existing = config.sync_groups.iter().map(|g| (&g.name, &g.at));
            unique("vrrp_sync_group", &group.name, &group.at, existing)?;
            config.sync_groups.push(group);
        }
        "static_ipaddress" => config
            .static_addresses
            .extend(virtual_addresses(ctx, node)?),
        "garp_group" => {
            if let Some(group) = build_garp::garp_group(ctx, node, &config.garp_groups)? {
                config.garp_groups.push(group);
            }
        }
        "static_routes" => config
            .static_routes
            .extend(build_route::routes(ctx, node, true)?),
        "static_rules" => config
            .static_rules
            .extend(build_route::rules(ctx, node, true)?),
        "linkbeat_interfaces" => config
            .linkbeat_interfaces
            .extend(build_linkbeat::linkbeat_interfaces(ctx, node)?),
        "linkbeat_use_polling" => build_linkbeat::use_polling(ctx, node, false),
        "interface_up_down_delays" => link_delays(ctx, node, &mut config.link_delays)?,
        keyword => match IGNORED_SECTIONS.iter().find(|(name, _)| *name == keyword) {
            Some((_, why)) => ctx.warn(&node.at, format!("`{keyword}` block ignored: {why}")),
            None => ctx.unknown(node, "the top level"),
        },
    }
    Ok(())
}

/// Puts each static address without `dev` on the `default_interface`
/// (eth0 unless global_defs names one), with a warning. keepalived 2.4.3
/// reads global_defs before the rest, so the setting counts wherever it
/// is written; routes and instances never use it.
fn default_interface(ctx: &mut Ctx<'_>, config: &mut KeepalivedConfig) {
    let (name, whose) = match &config.global.default_interface {
        Some(name) => (name.value.as_str(), format!("set at {}", name.at)),
        None => (DEFAULT_INTERFACE, "keepalived's default".to_owned()),
    };
    for address in config
        .static_addresses
        .iter_mut()
        .filter(|a| a.dev.is_none())
    {
        ctx.warn(
            &address.at,
            format!(
                "static_ipaddress {} has no `dev`: it goes on {name}, the default_interface \
                 ({whose})",
                address.addr
            ),
        );
        address.dev = Some(name.to_owned());
    }
}

/// Keeps the `track_script` (`track_process`, `track_file`) entries of
/// `owner` that name a definition read before it, once each. As in
/// keepalived, which looks a name up when it reads it, any other entry is
/// ignored with a warning, also when its definition comes later in the file.
fn resolve_tracks(
    ctx: &mut Ctx<'_>,
    config: &KeepalivedConfig,
    owner: &str,
    tracks: &mut Vec<Tracked>,
    kind: Kind,
) {
    let keyword = kind.keyword();
    let section = match kind {
        Kind::Script => "vrrp_script",
        Kind::Process => "vrrp_track_process",
        Kind::File => "track_file block",
        Kind::Interface => "interface",
    };
    let mut kept: Vec<Tracked> = Vec::with_capacity(tracks.len());
    for track in tracks.drain(..) {
        let defined = match kind {
            Kind::Script => config.script(&track.name).is_some(),
            Kind::Process => config.track_process(&track.name).is_some(),
            Kind::File => config.track_file(&track.name).is_some(),
            // Links come and go: a name is looked up on the host, not here.
            Kind::Interface => true,
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
        track_files: Vec::new(),
        tracking_weight: false,
        smtp_alert: None,
        notify_priority_changes: None,
    };
    for item in nodes {
        if track_block(
            ctx,
            item,
            &mut group.track_scripts,
            &mut group.track_interfaces,
            &mut group.track_processes,
            &mut group.track_files,
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
            "sync_group_tracking_weight" => group.tracking_weight = ctx.flag(item)?,
            // keepalived (2.2.7 and 2.4.3) reports it deprecated, and sets
            // the same flag.
            "global_tracking" => {
                group.tracking_weight = ctx.flag(item)?;
                ctx.warn(
                    &item.at,
                    format!(
                        "global_tracking is deprecated (keepalived says so too): it is read as \
                         `sync_group_tracking_weight`, so the members' own tracker weights \
                         move their priorities; write that, or track from vrrp_sync_group {}",
                        group.name
                    ),
                );
            }
            "notify_priority_changes" => {
                group.notify_priority_changes = Some(ctx.bool_flag(item)?);
            }
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
