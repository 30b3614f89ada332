//! What instances and sync groups share: `track_*` blocks and notify scripts.

use super::build_script::{PROCESS_WEIGHT, SCRIPT_WEIGHT};
use super::build_track_file::FILE_WEIGHT;
use super::error::ConfigError;
use super::model::{Notify, NotifyScript, Tracked};
use super::parser::Node;
use super::values::{Ctx, bad, missing};

/// Weight range of `track_interface` entries.
const INTERFACE_WEIGHT: (i32, i32) = (-253, 253);

/// Reads `node` if it is a `track_script`, `track_interface`,
/// `track_process` or `track_file` block, appending to the matching list.
/// Returns whether it was one.
pub(crate) fn track_block(
    ctx: &mut Ctx<'_>,
    node: &Node,
    scripts: &mut Vec<Tracked>,
    interfaces: &mut Vec<Tracked>,
    processes: &mut Vec<Tracked>,
    files: &mut Vec<Tracked>,
) -> Result<bool, ConfigError> {
    let (list, range) = match node.keyword.as_str() {
        "track_script" => (scripts, SCRIPT_WEIGHT),
        "track_interface" => (interfaces, INTERFACE_WEIGHT),
        "track_process" => (processes, PROCESS_WEIGHT),
        "track_file" => (files, FILE_WEIGHT),
        _ => return Ok(false),
    };
    for entry in ctx.block(node)? {
        ctx.no_block(entry)?;
        let weight = match entry.args.first() {
            None => None,
            Some(arg) if arg.text == "weight" => {
                let (weight, used) = ctx.weight_at(entry, 0, range.0, range.1)?;
                ctx.extra_args(entry, used);
                Some(weight)
            }
            Some(arg) => return Err(bad(entry, arg, "`weight N [reverse]` or nothing")),
        };
        list.push(Tracked {
            name: entry.keyword.clone(),
            weight,
            at: entry.at.clone(),
        });
    }
    Ok(true)
}

/// Reads `node` if it is a notify keyword (`notify_master_rx_lower_pri` and
/// `notify_deleted` only when `instance`), storing it in `notify`. Returns whether it was one.
pub(crate) fn notify_script(
    ctx: &mut Ctx<'_>,
    node: &Node,
    notify: &mut Notify,
    instance: bool,
) -> Result<bool, ConfigError> {
    let slot = match node.keyword.as_str() {
        "notify_master" => &mut notify.master,
        "notify_backup" => &mut notify.backup,
        "notify_fault" => &mut notify.fault,
        "notify_stop" => &mut notify.stop,
        "notify" => &mut notify.any,
        "notify_master_rx_lower_pri" if instance => &mut notify.master_rx_lower_pri,
        "notify_deleted" if instance => return notify_deleted(ctx, node, notify).map(|()| true),
        _ => return Ok(false),
    };
    ctx.no_block(node)?;
    let command = node
        .args
        .first()
        .ok_or_else(|| missing(node, "a script (quote it if it has arguments)"))?;
    if let Some(previous) = slot.as_ref() {
        ctx.warn(
            &node.at,
            format!(
                "{} given again; this one replaces the one at {}",
                node.keyword, previous.at
            ),
        );
    }
    *slot = Some(Box::new(NotifyScript {
        command: command.text.clone(),
        run_as: ctx.run_as(node, 1)?,
        at: node.at.clone(),
    }));
    Ok(true)
}

/// `notify_deleted [SCRIPT [USER [GROUP]]]`: a reload that removes the
/// instance notifies DELETED (keepalived 2.4.3, vrrp_parser.c); given
/// again, the first stays, warned, as keepalived.
fn notify_deleted(ctx: &mut Ctx<'_>, node: &Node, notify: &mut Notify) -> Result<(), ConfigError> {
    ctx.no_block(node)?;
    if let Some(first) = &notify.notify_deleted {
        ctx.warn(
            &node.at,
            format!("notify_deleted given again; the one at {first} stays (keepalived ignores this one too)"),
        );
        return Ok(());
    }
    if let Some(command) = node.args.first() {
        notify.deleted = Some(Box::new(NotifyScript {
            command: command.text.clone(),
            run_as: ctx.run_as(node, 1)?,
            at: node.at.clone(),
        }));
    }
    notify.notify_deleted = Some(node.at.clone());
    Ok(())
}
