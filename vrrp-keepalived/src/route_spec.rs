//! keepalived's routes, rules and static addresses as the driver installs
//! them (`virtual_routes`, `virtual_rules`, `static_*`).

use vrrp_io_linux::driver::{
    AddMode, Prefix, Route, RouteType, Rule, RuleAction as DriverRuleAction, Statics, Vip,
};

use crate::conf::{IpPrefix, IpRoute, IpRule, KeepalivedConfig, RouteKind, RouteMode, RuleAction};

/// The static addresses, routes and rules of `config`.
pub(crate) fn statics(config: &KeepalivedConfig) -> Statics {
    Statics {
        addresses: config
            .static_addresses
            .iter()
            .map(|address| Vip {
                addr: address.addr,
                prefix_len: address.prefix_len,
                // The reader gave each its `dev` or the default_interface.
                interface: address.dev.clone(),
                label: address.label.clone(),
            })
            .collect(),
        routes: config.static_routes.iter().map(route).collect(),
        rules: config.static_rules.iter().map(rule).collect(),
    }
}

fn prefix(prefix: IpPrefix) -> Prefix {
    Prefix {
        addr: prefix.addr,
        len: prefix.len,
    }
}

/// One route line as the driver installs it.
pub(crate) fn route(route: &IpRoute) -> Route {
    Route {
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
        table: route.table,
        metric: route.metric,
        scope: route.scope,
        protocol: route.protocol,
        tos: route.tos,
        onlink: route.onlink,
        mode: match route.mode {
            RouteMode::Prepend => AddMode::Prepend,
            RouteMode::Add => AddMode::Exclusive,
            RouteMode::Append => AddMode::Append,
        },
        restore: !route.no_track,
    }
}

/// One rule line as the driver installs it.
pub(crate) fn rule(rule: &IpRule) -> Rule {
    Rule {
        ipv6: rule.ipv6,
        from: rule.from.map(prefix),
        to: rule.to.map(prefix),
        action: match rule.action {
            RuleAction::Table(table) => DriverRuleAction::Table(table),
            RuleAction::Goto(target) => DriverRuleAction::Goto(target),
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
    }
}
