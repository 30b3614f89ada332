//! keepalived's VRRP process keywords of `global_defs` (its
//! `global_parser.c`: `vrrp_prio_handler`, `vrrp_no_swap_handler`,
//! `vrrp_rt_priority_handler`, `vrrp_rt_rlimit_handler`,
//! `vrrp_cpu_affinity_handler`) into [`ProcessSettings`], and `umask`
//! (`umask_handler`), `random_seed`, `process_names`, and the top-level `instance` and
//! `use_pid_dir`. What keepalived's
//! `-t` reports and its daemon goes on without is warned here, and has
//! keepalived's effect; which CPUs this host has is the host checks' part
//! (`host.rs`).

use super::error::{ConfigError, Spanned};
use super::model::{GlobalDefs, ProcessSettings};
use super::parser::Node;
use super::values::{Ctx, missing};

/// SCHED_RR's priorities on Linux (`sched_get_priority_min/max`).
pub(crate) const RT_PRIORITIES: std::ops::RangeInclusive<i64> = 1..=99;

/// Reads `item` into `process` if it is one of the process keywords;
/// returns whether it was.
pub(crate) fn process_setting(
    ctx: &mut Ctx<'_>,
    item: &Node,
    process: &mut ProcessSettings,
) -> Result<bool, ConfigError> {
    match item.keyword.as_str() {
        "vrrp_priority" => process.nice = nice(ctx, item)?,
        "vrrp_no_swap" => process.no_swap = ctx.flag(item)?,
        "vrrp_rt_priority" => {
            if let Some(priority) = rt_priority(ctx, item)? {
                process.rt_priority = Some(priority);
            }
        }
        "vrrp_rlimit_rttime" | "vrrp_rlimit_rtime" => {
            process.rlimit_rttime = Some(rlimit_rttime(ctx, item)?);
        }
        "vrrp_cpu_affinity" => cpu_affinity(ctx, item, &mut process.cpus)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// `process_names`: keepalived ignores any argument; noted here.
pub(crate) fn process_names(ctx: &mut Ctx<'_>, item: &Node) -> Result<bool, ConfigError> {
    ctx.no_block(item)?;
    if let Some(arg) = item.args.first() {
        ctx.info(
            &arg.at,
            format!("`{}` after process_names ignored, as keepalived", arg.text),
        );
    }
    Ok(true)
}

/// The name `process_names` gives keepalived's VRRP process.
pub(crate) const VRRP_PROCESS_NAMES: &str = "keepalived_vrrp";

/// What keepalived keeps of a process name (`TASK_COMM_LEN` - 1 bytes).
const PROCESS_NAME_MAX: usize = 15;

/// `process_name NAME` / `vrrp_process_name NAME` (keepalived's
/// `save_process_name`): the first word, more ignored silently; longer
/// than 15 bytes is reported and cut to 15, as keepalived.
pub(crate) fn process_name(ctx: &mut Ctx<'_>, item: &Node) -> Result<String, ConfigError> {
    ctx.no_block(item)?;
    let arg = item
        .args
        .first()
        .ok_or_else(|| missing(item, "a process name"))?;
    let name = &arg.text;
    if name.len() <= PROCESS_NAME_MAX {
        return Ok(name.clone());
    }
    let mut end = PROCESS_NAME_MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    ctx.warn(
        &arg.at,
        format!(
            "Process name {name} more than {PROCESS_NAME_MAX} characters, truncating to {}",
            &name[..end]
        ),
    );
    Ok(name[..end].to_string())
}

/// The top-level `instance NAME`, `net_namespace NAME` and `use_pid_dir` (keepalived's
/// `install_keyword_root`: inside `global_defs` they are unknown). The
/// first name counts; a second, or none, is warned and ignored, as
/// keepalived's `instance_handler`.
pub(crate) fn root_setting(
    ctx: &mut Ctx<'_>,
    node: &Node,
    global: &mut GlobalDefs,
) -> Result<bool, ConfigError> {
    match node.keyword.as_str() {
        "use_pid_dir" => {
            ctx.no_block(node)?;
            global.use_pid_dir = true;
        }
        "instance" | "net_namespace" => {
            ctx.no_block(node)?;
            ctx.extra_args(node, 1);
            let keyword = node.keyword.as_str();
            let slot = match keyword {
                "instance" => &mut global.instance_name,
                _ => &mut global.net_namespace,
            };
            match (node.args.first(), &slot) {
                (None, _) => ctx.warn(&node.at, format!("{keyword} name missing - ignoring")),
                (Some(name), Some(_)) => ctx.warn(
                    &name.at,
                    format!("Duplicate {keyword} definition {} - ignoring", name.text),
                ),
                (Some(name), None) => {
                    *slot = Some(Spanned::new(name.text.clone(), name.at.clone()));
                    global.use_pid_dir = true;
                }
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `umask NUMBER` (C's `strtol` base 0: `0x1f`, `027`, `23`) or `umask
/// BITS` (`IWGRP|IRWXO`, words and `|` spaced as one likes), as keepalived
/// 2.4.3's `umask_handler` (2.2.7 lacks the `IRWX?` bits). A value it
/// reports is warned and ignored: the mask stays 0177, as keepalived's;
/// a missing one is refused (keepalived exits).
pub(crate) fn umask(ctx: &mut Ctx<'_>, item: &Node) -> Result<Option<Spanned<u32>>, ConfigError> {
    ctx.no_block(item)?;
    let first = item
        .args
        .first()
        .ok_or_else(|| missing(item, "a umask (e.g. 0027 or IWGRP|IRWXO)"))?;
    let at = first.at.clone();
    let mask = if first.text.starts_with(|c: char| c.is_ascii_digit()) {
        if item.args.len() > 1 {
            Err("Extra parameter(s) to umask option".to_owned())
        } else {
            c_unsigned(&first.text)
                .filter(|&n| n <= 0o777)
                .ok_or_else(|| format!("invalid umask value {}", first.text))
        }
    } else {
        umask_bits(item.args.iter().map(|a| a.text.as_str()))
    };
    match mask {
        Ok(mask) => Ok(Some(Spanned::new(mask, at))),
        Err(why) => {
            ctx.warn(&at, format!("{why}; line ignored, the umask stays 0177"));
            Ok(None)
        }
    }
}

/// `random_seed N`, N in 0..4294967295 (keepalived's
/// `read_unsigned_strvec`: decimal, a leading `+` allowed, more words
/// ignored). Anything else is warned and ignored, as keepalived's `-t`
/// reports it and its daemon goes on; none is refused (keepalived exits).
/// It seeds the `${_RANDOM}` of the file (`conf::read` reads it again).
pub(crate) fn random_seed(
    ctx: &mut Ctx<'_>,
    item: &Node,
) -> Result<Option<Spanned<u32>>, ConfigError> {
    ctx.no_block(item)?;
    let arg = item
        .args
        .first()
        .ok_or_else(|| missing(item, "a seed 0..4294967295"))?;
    let digits = arg.text.strip_prefix('+').unwrap_or(&arg.text);
    let seed = digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse::<u32>().ok())
        .flatten();
    let Some(seed) = seed else {
        ctx.warn(
            &arg.at,
            format!(
                "random_seed {} invalid: a number 0..4294967295 was expected; line ignored",
                arg.text
            ),
        );
        return Ok(None);
    };
    Ok(Some(Spanned::new(seed, arg.at.clone())))
}

/// C's `strtol(text, _, 0)` of a whole word of digits: hexadecimal after
/// `0x`, octal after `0`, else decimal.
pub(crate) fn c_unsigned(text: &str) -> Option<u32> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u32::from_str_radix(hex, 16).ok();
    }
    match text.strip_prefix('0') {
        Some("") => Some(0),
        Some(octal) => u32::from_str_radix(octal, 8).ok(),
        None => text.parse().ok(),
    }
}

/// `IRUSR|IWGRP...` over `words`: a 5-letter bit, then `|`, then a bit...
fn umask_bits<'w>(words: impl Iterator<Item = &'w str>) -> Result<u32, String> {
    const BITS: &[(&str, u32)] = &[
        ("IRUSR", 0o400),
        ("IWUSR", 0o200),
        ("IXUSR", 0o100),
        ("IRWXU", 0o700),
        ("IRGRP", 0o040),
        ("IWGRP", 0o020),
        ("IXGRP", 0o010),
        ("IRWXG", 0o070),
        ("IROTH", 0o004),
        ("IWOTH", 0o002),
        ("IXOTH", 0o001),
        ("IRWXO", 0o007),
    ];
    let mut mask = 0;
    let mut need_or = false;
    for word in words {
        let mut rest = word;
        while !rest.is_empty() {
            if need_or {
                rest = rest
                    .strip_prefix('|')
                    .ok_or_else(|| format!("Invalid umask syntax {word}"))?;
                need_or = false;
                continue;
            }
            let (name, bits) = BITS
                .iter()
                .find(|(name, _)| rest.starts_with(name))
                .ok_or_else(|| format!("Unknown umask bit {rest}"))?;
            mask |= bits;
            rest = &rest[name.len()..];
            need_or = true;
        }
    }
    if !need_or {
        return Err("umask missing bit value".into());
    }
    Ok(mask)
}

/// `vrrp_priority -20..19`; anything else leaves the nice value alone
/// (keepalived's `get_priority` returns 0, "no change").
fn nice(ctx: &mut Ctx<'_>, item: &Node) -> Result<Option<i8>, ConfigError> {
    ctx.no_block(item)?;
    ctx.extra_args(item, 1);
    let Some(arg) = item.args.first() else {
        ctx.warn(&item.at, "No vrrp process priority specified; line ignored");
        return Ok(None);
    };
    match arg
        .text
        .parse::<i8>()
        .ok()
        .filter(|n| (-20..=19).contains(n))
    {
        // 0: the nice value we started with, as keepalived.
        Some(nice) => Ok((nice != 0).then_some(nice)),
        None => {
            ctx.warn(
                &arg.at,
                format!(
                    "Invalid vrrp process priority `{}`: a nice value -20..19 was expected; \
                     line ignored",
                    arg.text
                ),
            );
            Ok(None)
        }
    }
}

/// `vrrp_rt_priority N`: a number outside 1..99 is taken to the nearer
/// end, warned (keepalived's `get_realtime_priority`); a word is ignored.
fn rt_priority(ctx: &mut Ctx<'_>, item: &Node) -> Result<Option<u8>, ConfigError> {
    ctx.no_block(item)?;
    ctx.extra_args(item, 1);
    let Some(arg) = item.args.first() else {
        ctx.warn(
            &item.at,
            "No vrrp process real-time priority specified; line ignored",
        );
        return Ok(None);
    };
    let Ok(asked) = arg.text.parse::<i64>() else {
        ctx.warn(
            &arg.at,
            format!(
                "vrrp process real-time priority '{}' invalid: a number 1..99 was expected; \
                 line ignored",
                arg.text
            ),
        );
        return Ok(None);
    };
    let priority = asked.clamp(*RT_PRIORITIES.start(), *RT_PRIORITIES.end());
    if priority != asked {
        let end = if asked < priority {
            "minimum"
        } else {
            "maximum"
        };
        ctx.warn(
            &arg.at,
            format!(
                "vrrp process real-time priority {asked} outside 1..99: the {end}, {priority}, \
                 is used, as keepalived"
            ),
        );
    }
    Ok(u8::try_from(priority).ok())
}

/// `vrrp_rlimit_rttime MICROSECONDS` (1 counts as 2; `vrrp_rlimit_rtime`
/// is its old name, noted). keepalived exits when the value is missing,
/// and runs without any limit when it is not 1..4294967295: 0 here.
fn rlimit_rttime(ctx: &mut Ctx<'_>, item: &Node) -> Result<u32, ConfigError> {
    ctx.no_block(item)?;
    ctx.extra_args(item, 1);
    let arg = item
        .args
        .first()
        .ok_or_else(|| missing(item, "microseconds 1..4294967295"))?;
    if item.keyword == "vrrp_rlimit_rtime" {
        ctx.info(
            &item.at,
            "`vrrp_rlimit_rtime` is deprecated: write `vrrp_rlimit_rttime`",
        );
    }
    match arg.text.parse::<u32>() {
        Ok(limit @ 1..) => Ok(limit.max(2)),
        _ => {
            ctx.warn(
                &arg.at,
                format!(
                    "Invalid vrrp real-time limit - {}: microseconds 1..4294967295 were \
                     expected; no RLIMIT_RTTIME is set, as keepalived",
                    arg.text
                ),
            );
            Ok(0)
        }
    }
}

/// `vrrp_cpu_affinity CPU...`: each line replaces the set; a word that is
/// not a CPU number empties it (keepalived's `get_cpu_affinity`).
fn cpu_affinity(
    ctx: &mut Ctx<'_>,
    item: &Node,
    cpus: &mut Vec<Spanned<u16>>,
) -> Result<(), ConfigError> {
    ctx.no_block(item)?;
    if item.args.is_empty() {
        ctx.warn(&item.at, "No vrrp cpu_id set specified; line ignored");
        return Ok(());
    }
    cpus.clear();
    for arg in &item.args {
        match arg.text.parse::<u16>() {
            Ok(cpu) => cpus.push(Spanned::new(cpu, arg.at.clone())),
            Err(_) => {
                ctx.warn(
                    &arg.at,
                    format!(
                        "Invalid cpu_id `{}` specified for vrrp process: a CPU number was \
                         expected; no CPU affinity is set, as keepalived",
                        arg.text
                    ),
                );
                cpus.clear();
                return Ok(());
            }
        }
    }
    Ok(())
}
