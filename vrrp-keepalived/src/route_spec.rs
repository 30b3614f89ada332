//! keepalived's routes, rules and static addresses as the driver installs
//! them (`virtual_routes`, `virtual_rules`, `static_*`).

use vrrp_io_linux::driver::{
    AddMode, Prefix, Route, RouteType, Rule, RuleAction as DriverRuleAction, Statics, Vip,
};

use crate::conf::{
    ConfigError, IpPrefix, IpRoute, IpRule, KeepalivedConfig, RouteKind, RouteMode, RtName,
    RuleAction,
};

/// The static addresses, routes and rules of `config`.
pub(crate) fn statics(config: &KeepalivedConfig) -> Result<Statics, ConfigError> {
    Ok(Statics {
        addresses: config
            .static_addresses
            .iter()
            .map(|address| Vip {
                addr: address.addr,
                prefix_len: address.prefix_len,
                // The reader gave each its `dev` or the default_interface.
                interface: address.dev.clone(),
                label: address.label.clone(),
                // Static addresses belong to no instance.
                no_track: true,
            })
            .collect(),
        routes: config
            .static_routes
            .iter()
            .map(route)
            .collect::<Result<_, _>>()?,
        rules: config
            .static_rules
            .iter()
            .map(rule)
            .collect::<Result<_, _>>()?,
    })
}

/// The number of a table, protocol or scope: the host checks looked names
/// up in this host's iproute2 files (`iproute2.rs`); a name still here
/// was not looked up.
fn number(name: &RtName) -> Result<u32, ConfigError> {
    match name {
        RtName::Number(number) => Ok(*number),
        RtName::Name(name) => Err(ConfigError::invalid(
            &name.at,
            format!(
                "`{}` was not looked up in this host's iproute2 files (the host checks do it)",
                name.value
            ),
        )),
    }
}

/// [`number`], for protocols and scopes (0..=255 by the reader and the look-up).
fn byte(name: &RtName) -> Result<u8, ConfigError> {
    number(name).map(|n| u8::try_from(n).unwrap_or(u8::MAX))
}

fn prefix(prefix: IpPrefix) -> Prefix {
    Prefix {
        addr: prefix.addr,
        len: prefix.len,
    }
}

/// One route line as the driver installs it.
pub(crate) fn route(route: &IpRoute) -> Result<Route, ConfigError> {
    Ok(Route {
        dst: prefix(route.dst),
        kind: match route.kind {
            RouteKind::Unicast => RouteType::Unicast,
            RouteKind::Blackhole => RouteType::Blackhole,
            RouteKind::Unreachable => RouteType::Unreachable,
            RouteKind::Prohibit => RouteType::Prohibit,
            RouteKind::Throw => RouteType::Throw,
        },
        via: route.via,
        dev: route.dev.as_ref().map(|d| d.value.clone()),
        src: route.src,
        table: number(&route.table)?,
        metric: route.metric,
        scope: route.scope.as_ref().map(byte).transpose()?,
        protocol: byte(&route.protocol)?,
        tos: route.tos,
        onlink: route.onlink,
        mode: match route.mode {
            RouteMode::Prepend => AddMode::Prepend,
            RouteMode::Add => AddMode::Exclusive,
            RouteMode::Append => AddMode::Append,
        },
        restore: !route.no_track,
    })
}

/// One rule line as the driver installs it.
pub(crate) fn rule(rule: &IpRule) -> Result<Rule, ConfigError> {
    Ok(Rule {
        ipv6: rule.ipv6,
        from: rule.from.map(prefix),
        to: rule.to.map(prefix),
        action: match &rule.action {
            RuleAction::Table(table) => DriverRuleAction::Table(number(table)?),
            RuleAction::Goto(target) => DriverRuleAction::Goto(*target),
            RuleAction::Nop => DriverRuleAction::Nop,
            RuleAction::Blackhole => DriverRuleAction::Blackhole,
            RuleAction::Unreachable => DriverRuleAction::Unreachable,
            RuleAction::Prohibit => DriverRuleAction::Prohibit,
        },
        priority: rule.priority,
        iif: rule.iif.as_ref().map(|i| i.value.clone()),
        oif: rule.oif.as_ref().map(|i| i.value.clone()),
        fwmark: rule.fwmark,
        tos: rule.tos,
        invert: rule.invert,
        protocol: rule.protocol,
        restore: !rule.no_track,
    })
}
