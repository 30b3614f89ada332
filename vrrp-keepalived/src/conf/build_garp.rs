//! keepalived's gratuitous ARP / NA pacing and extra-interface keywords
//! (`vrrp_parser.c`, `global_parser.c`): the `garp_group` block,
//! `vrrp_garp_interval` / `vrrp_gna_interval`, `garp_extra_if` /
//! `vrrp_garp_extra_if` and `vrrp_min_garp`.

use std::time::Duration;

use super::error::{ConfigError, Spanned};
use super::model::{GarpExtraIf, GarpGroup, GarpSettings};
use super::parser::Node;
use super::values::{Ctx, bad, missing, parse_unsigned};

/// keepalived reads these intervals as microseconds in an `unsigned`.
const MAX_INTERVAL: Duration = Duration::from_micros(u32::MAX as u64);
/// `garp_extra_if`'s longest period: a day.
const MAX_EXTRA_IF_SECS: u64 = 86_400;

/// `garp_group { garp_interval S  gna_interval S  interface IF
/// interfaces { IF ... } }`. An interface already in a group (this one or
/// an earlier one) keeps its first group, with a warning, as keepalived; a
/// group with neither interval is dropped, with a warning at its `}`.
pub(crate) fn garp_group(
    ctx: &mut Ctx<'_>,
    node: &Node,
    earlier: &[GarpGroup],
) -> Result<Option<GarpGroup>, ConfigError> {
    let nodes = ctx.block(node)?;
    let mut group = GarpGroup {
        at: node.at.clone(),
        garp_interval: None,
        gna_interval: None,
        interfaces: Vec::new(),
    };
    for item in nodes {
        match item.keyword.as_str() {
            "garp_interval" => group.garp_interval = Some(interval(ctx, item, Duration::ZERO)?),
            "gna_interval" => group.gna_interval = Some(interval(ctx, item, Duration::ZERO)?),
            "interface" => {
                let name = ctx.string(item, "an interface name")?;
                join(ctx, earlier, &mut group, name);
            }
            "interfaces" => {
                let names = ctx.block(item)?;
                if names.is_empty() {
                    // keepalived names the line of the block's `}`.
                    let close = item.block.as_ref().map_or(&item.at, |b| &b.close);
                    ctx.warn(
                        close,
                        "empty garp_group interfaces block: no interface joins the group",
                    );
                }
                for name in names {
                    ctx.no_block(name)?;
                    let words = std::iter::once((&name.keyword, &name.at))
                        .chain(name.args.iter().map(|a| (&a.text, &a.at)));
                    for (word, at) in words {
                        join(
                            ctx,
                            earlier,
                            &mut group,
                            Spanned::new(word.clone(), at.clone()),
                        );
                    }
                }
            }
            _ => ctx.unknown(item, "garp_group"),
        }
    }
    if group.garp_interval.is_none() && group.gna_interval.is_none() {
        let close = node.block.as_ref().map_or(&node.at, |b| &b.close);
        ctx.warn(
            close,
            "garp_group sets neither garp_interval nor gna_interval: group ignored, as keepalived \
             removes it",
        );
        return Ok(None);
    }
    Ok(Some(group))
}

/// Adds `name` to `group` unless some group already has it.
fn join(ctx: &mut Ctx<'_>, earlier: &[GarpGroup], group: &mut GarpGroup, name: Spanned<String>) {
    let taken = earlier
        .iter()
        .chain(std::iter::once(&*group))
        .flat_map(|g| &g.interfaces)
        .find(|i| i.value == name.value);
    if let Some(first) = taken {
        ctx.warn(
            &name.at,
            format!(
                "garp_group already specified for {} at {}: ignored here, as keepalived",
                name.value, first.at
            ),
        );
        return;
    }
    group.interfaces.push(name);
}

/// `vrrp_garp_interval` / `vrrp_gna_interval`: 0.000001..4294.967295 s.
pub(crate) fn global_interval(ctx: &mut Ctx<'_>, node: &Node) -> Result<Duration, ConfigError> {
    interval(ctx, node, Duration::from_micros(1))
}

/// Seconds with microseconds, `min`..4294.967295; a second or more is
/// noted, as keepalived logs it.
fn interval(ctx: &mut Ctx<'_>, node: &Node, min: Duration) -> Result<Duration, ConfigError> {
    let value = ctx.seconds(node)?;
    if value.value < min || value.value > MAX_INTERVAL {
        let expected = format!("seconds {}..4294.967295", min.as_secs_f64());
        return Err(bad(node, &node.args[0], &expected));
    }
    if value.value >= Duration::from_secs(1) {
        ctx.info(
            &value.at,
            format!(
                "the {} is very large: {} s",
                node.keyword, node.args[0].text
            ),
        );
    }
    Ok(value.value)
}

/// `garp_extra_if [all] SECS` (instance: 0..86400, 0 turns it off) and
/// `vrrp_garp_extra_if [all] SECS` (global: 1..86400); the words may come
/// in any order. The older names `vmac_garp_intvl` / `vrrp_vmac_garp_intvl`
/// are read the same, with a warning.
pub(crate) fn extra_if(ctx: &mut Ctx<'_>, node: &Node) -> Result<GarpExtraIf, ConfigError> {
    ctx.no_block(node)?;
    let global = node.keyword.starts_with("vrrp_");
    if node.keyword.ends_with("vmac_garp_intvl") {
        let new = if global {
            "vrrp_garp_extra_if"
        } else {
            "garp_extra_if"
        };
        ctx.warn(
            &node.at,
            format!("`{}` is deprecated: it is `{new}`", node.keyword),
        );
    }
    let min = u64::from(global);
    let expected = format!("[all] and whole seconds {min}..{MAX_EXTRA_IF_SECS}");
    let mut extra = GarpExtraIf {
        period: Duration::ZERO,
        all: false,
    };
    let mut period = None;
    for arg in &node.args {
        if arg.text == "all" {
            extra.all = true;
            continue;
        }
        let secs = parse_unsigned(&arg.text)
            .filter(|s| (min..=MAX_EXTRA_IF_SECS).contains(s))
            .ok_or_else(|| bad(node, arg, &expected))?;
        period = Some(secs);
    }
    let secs = period.ok_or_else(|| missing(node, &expected))?;
    extra.period = Duration::from_secs(secs);
    Ok(extra)
}

/// `vrrp_min_garp [BOOL]`: one announcement, no second burst and no
/// refresh, for each of these still at keepalived's default when the
/// keyword is read (a later keyword changes it again).
pub(crate) fn min_garp(
    ctx: &mut Ctx<'_>,
    node: &Node,
    garp: &mut GarpSettings,
) -> Result<(), ConfigError> {
    if !ctx.bool_flag(node)? {
        return Ok(());
    }
    // keepalived's defaults that `vrrp_min_garp` replaces.
    let (repeat, refresh_repeat, delay) = (
        GarpSettings::DEFAULT_REPEAT,
        GarpSettings::DEFAULT_REFRESH_REPEAT,
        GarpSettings::DEFAULT_DELAY,
    );
    if garp.master_repeat.unwrap_or(repeat) == repeat {
        garp.master_repeat = Some(1);
    }
    if garp.master_refresh.unwrap_or_default().is_zero() {
        garp.master_refresh = Some(Duration::ZERO);
    }
    if garp.master_refresh_repeat.unwrap_or(refresh_repeat) == refresh_repeat {
        garp.master_refresh_repeat = Some(0);
    }
    if garp.master_delay.unwrap_or(delay) == delay {
        garp.master_delay = Some(Duration::ZERO);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::conf::{ConfigError, Loaded, parse_str};

    fn parse(text: &str) -> Result<Loaded, ConfigError> {
        parse_str(text, "g.conf")
    }

    #[test]
    fn groups_pace_their_interfaces_and_refuse_a_second_group() {
        let text = "garp_group {\n garp_interval 0.5\n interfaces {\n  eth0 eth1\n }\n}\n\
                    garp_group {\n gna_interval 0.000001\n interface eth1\n}\n\
                    garp_group {\n interface eth2\n}\n";
        let loaded = parse(text).unwrap();
        let groups = &loaded.config.garp_groups;
        assert_eq!(groups.len(), 2, "the group without interval is dropped");
        assert_eq!(groups[0].garp_interval, Some(Duration::from_millis(500)));
        let names: Vec<_> = groups[0].interfaces.iter().map(|i| &i.value).collect();
        assert_eq!(names, ["eth0", "eth1"]);
        assert!(
            groups[1].interfaces.is_empty(),
            "eth1 keeps its first group"
        );
        let lines: Vec<u32> = loaded
            .warnings
            .iter()
            .filter(|w| w.message.contains("garp_group"))
            .map(|w| w.at.line)
            .collect();
        assert_eq!(lines, [9, 13], "{:?}", loaded.warnings);
    }

    #[test]
    fn extra_if_takes_all_in_any_place_and_min_garp_keeps_what_is_set() {
        let text = "global_defs {\n vrrp_garp_master_delay 2\n vrrp_min_garp\n \
                    vrrp_garp_extra_if 30 all\n}\nvrrp_instance V {\n interface eth0\n \
                    virtual_router_id 1\n garp_extra_if 0\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n";
        let loaded = parse(text).unwrap();
        let global = &loaded.config.global;
        assert_eq!(global.garp.master_delay, Some(Duration::from_secs(2)));
        assert_eq!(global.garp.master_repeat, Some(1));
        let extra = global.vrrp_garp_extra_if.unwrap();
        assert_eq!((extra.period, extra.all), (Duration::from_secs(30), true));
        let inst = loaded.config.instances[0].garp_extra_if.unwrap();
        assert_eq!(inst.period, Duration::ZERO);
        for refused in [
            "global_defs {\n vrrp_garp_extra_if 0\n}\n",
            "global_defs {\n vrrp_garp_extra_if all\n}\n",
            "global_defs {\n vrrp_garp_interval 0\n}\n",
            "garp_group {\n garp_interval 4294.967296\n interface eth0\n}\n",
        ] {
            assert!(parse(refused).is_err(), "{refused}");
        }
    }
}
