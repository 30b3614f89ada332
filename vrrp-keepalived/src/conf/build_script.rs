//! `vrrp_script` and `vrrp_track_process` blocks.

use super::error::{ConfigError, Spanned};
use super::model::{ParamMatch, TrackProcess, VrrpScript};
use super::parser::{Arg, Node};
use super::values::{Ctx, bad, missing};

/// Weight range of `vrrp_script` and `track_script` (keepalived's).
pub(crate) const SCRIPT_WEIGHT: (i32, i32) = (-253, 253);
/// Weight range of `vrrp_track_process` and `track_process`.
pub(crate) const PROCESS_WEIGHT: (i32, i32) = (-254, 254);

/// `vrrp_script NAME { ... }`.
pub(crate) fn build_script(ctx: &mut Ctx<'_>, node: &Node) -> Result<VrrpScript, ConfigError> {
    let (name, nodes) = ctx.named_block(node)?;
    let mut script = VrrpScript {
        name: name.text.clone(),
        at: node.at.clone(),
        script: None,
        interval: None,
        timeout: None,
        weight: None,
        rise: None,
        fall: None,
        user: None,
        init_fail: false,
    };
    for item in nodes {
        match item.keyword.as_str() {
            "script" => script.script = Some(command_line(ctx, item)?),
            "interval" => script.interval = Some(positive_seconds(ctx, item)?),
            "timeout" => script.timeout = Some(positive_seconds(ctx, item)?),
            "weight" => script.weight = Some(ctx.weight(item, SCRIPT_WEIGHT.0, SCRIPT_WEIGHT.1)?),
            "rise" => script.rise = Some(at_least_one(ctx, item)?),
            "fall" => script.fall = Some(at_least_one(ctx, item)?),
            "user" => script.user = Some(ctx.run_as_statement(item)?),
            "init_fail" => script.init_fail = ctx.flag(item)?,
            _ => ctx.unknown(item, "vrrp_script"),
        }
    }
    if script.script.is_none() {
        return Err(missing(
            node,
            &format!("a `script` line inside vrrp_script {}", script.name),
        ));
    }
    Ok(script)
}

/// `vrrp_track_process NAME { ... }`.
pub(crate) fn build_track_process(
    ctx: &mut Ctx<'_>,
    node: &Node,
) -> Result<TrackProcess, ConfigError> {
    let (name, nodes) = ctx.named_block(node)?;
    let mut process = TrackProcess {
        name: name.text.clone(),
        at: node.at.clone(),
        process: None,
        param_match: None,
        weight: None,
        quorum: None,
        quorum_max: None,
        fork_delay: None,
        terminate_delay: None,
        full_command: false,
    };
    for item in nodes {
        match item.keyword.as_str() {
            "process" => {
                ctx.no_block(item)?;
                let first = item
                    .args
                    .first()
                    .ok_or_else(|| missing(item, "a process name"))?;
                let words = item.args.iter().map(|a| a.text.clone()).collect();
                process.process = Some(Spanned::new(words, first.at.clone()));
            }
            "param_match" => {
                ctx.no_block(item)?;
                ctx.extra_args(item, 1);
                process.param_match = Some(match item.args.first() {
                    None => ParamMatch::Exact,
                    Some(arg) if arg.text == "partial" => ParamMatch::Partial,
                    Some(arg) if arg.text == "initial" => ParamMatch::Initial,
                    Some(arg) => return Err(bad(item, arg, "partial, initial or nothing")),
                });
            }
            "weight" => {
                process.weight = Some(ctx.weight(item, PROCESS_WEIGHT.0, PROCESS_WEIGHT.1)?)
            }
            "quorum" => process.quorum = Some(at_least_one(ctx, item)?),
            "quorum_max" => process.quorum_max = Some(ctx.count(item)?),
            "delay" => {
                let delay = ctx.seconds(item)?.value;
                process.fork_delay = Some(delay);
                process.terminate_delay = Some(delay);
            }
            "fork_delay" => process.fork_delay = Some(ctx.seconds(item)?.value),
            "terminate_delay" => process.terminate_delay = Some(ctx.seconds(item)?.value),
            "full_command" => process.full_command = ctx.flag(item)?,
            _ => ctx.unknown(item, "vrrp_track_process"),
        }
    }
    if process.process.is_none() {
        return Err(missing(
            node,
            &format!(
                "a `process` line inside vrrp_track_process {}",
                process.name
            ),
        ));
    }
    if let (Some(min), Some(max)) = (process.quorum, process.quorum_max) {
        if max < min {
            return Err(ConfigError::invalid(
                &node.at,
                format!(
                    "vrrp_track_process {}: quorum_max {max} is below quorum {min}",
                    process.name
                ),
            ));
        }
    }
    Ok(process)
}

/// A command line: one (usually quoted) string, or several words that are
/// joined back with spaces; a word that itself holds spaces is put in single
/// quotes, which is how keepalived splits script parameters.
pub(crate) fn command_line(ctx: &mut Ctx<'_>, node: &Node) -> Result<Spanned<String>, ConfigError> {
    ctx.no_block(node)?;
    let first = node
        .args
        .first()
        .ok_or_else(|| missing(node, "a command"))?;
    let text = match node.args.as_slice() {
        [only] => only.text.clone(),
        args => args.iter().map(quote_word).collect::<Vec<_>>().join(" "),
    };
    Ok(Spanned::new(text, first.at.clone()))
}

fn quote_word(arg: &Arg) -> String {
    if arg.text.chars().any(char::is_whitespace) || arg.text.is_empty() {
        format!("'{}'", arg.text)
    } else {
        arg.text.clone()
    }
}

/// Seconds that must not be zero (an interval of 0 would spin).
fn positive_seconds(ctx: &mut Ctx<'_>, node: &Node) -> Result<std::time::Duration, ConfigError> {
    let value = ctx.seconds(node)?;
    if value.value.is_zero() {
        return Err(ConfigError::BadValue {
            at: value.at,
            keyword: node.keyword.clone(),
            expected: "a time above 0 seconds".into(),
            found: node.args[0].text.clone(),
        });
    }
    Ok(value.value)
}

fn at_least_one(ctx: &mut Ctx<'_>, node: &Node) -> Result<u32, ConfigError> {
    Ok(u32::try_from(ctx.number(node, 1, u32::MAX.into())?.value).unwrap_or(u32::MAX))
}
