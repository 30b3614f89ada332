//! Routes and policy rules: add and delete (`ip route`, `ip rule`).
//!
//! [`Route`] and [`Rule`] say what to install in the kernel's terms (tables
//! and protocols by number, interfaces by name); the caller resolves names
//! of tables and protocols, and a route's interface to its index.

use std::net::IpAddr;

use rtnetlink::RouteMessageBuilder;
use rtnetlink::packet_core::NLM_F_APPEND;
use rtnetlink::packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope,
    RouteType as KernelRouteType,
};
use rtnetlink::packet_route::rule::RuleFlags;
use rtnetlink::packet_route::rule::{RuleAction as KernelRuleAction, RuleAttribute, RuleMessage};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};

use super::{FLAGS_CHANGE, FLAGS_CREATE, FLAGS_CREATE_OR_UPDATE, Netlink, NetlinkError, Seq};

/// `RT_SCOPE_NOWHERE`: on a delete, any scope matches.
const SCOPE_NOWHERE: u8 = 255;

/// An address prefix: `addr/len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prefix {
    /// The address (host bits may be set; the kernel refuses them for routes).
    pub addr: IpAddr,
    /// The prefix length, at most 32 (IPv4) or 128 (IPv6).
    pub len: u8,
}

impl Prefix {
    fn check(self) -> Result<Self, NetlinkError> {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.len > max {
            return Err(NetlinkError::PrefixTooLong {
                addr: self.addr,
                prefix_len: self.len,
            });
        }
        Ok(self)
    }
}

impl std::fmt::Display for Prefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// What a route does with the packets it matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RouteType {
    /// Forwarded (to `via`, or on `dev`).
    #[default]
    Unicast,
    /// Dropped silently.
    Blackhole,
    /// Dropped with ICMP "network unreachable".
    Unreachable,
    /// Dropped with ICMP "administratively prohibited".
    Prohibit,
    /// Lookup goes on in the next table (policy routing).
    Throw,
}

/// How a route is added next to a matching one (`ip route prepend|add|append`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AddMode {
    /// Before any matching route (the kernel's default).
    #[default]
    Prepend,
    /// Only if no matching route exists (`EEXIST` otherwise).
    Exclusive,
    /// After any matching route.
    Append,
}

/// One route (`ip route add ...`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Route {
    /// The destination.
    pub dst: Prefix,
    /// Unicast, or one of the types that drop packets.
    pub kind: RouteType,
    /// The gateway (`via`).
    pub via: Option<IpAddr>,
    /// The outgoing interface (`dev`), by name.
    pub dev: Option<String>,
    /// The preferred source address (`src`).
    pub src: Option<IpAddr>,
    /// The table's number (254: main).
    pub table: u32,
    /// The metric (`metric`, `priority`, `preference`).
    pub metric: Option<u32>,
    /// The scope's number (0 global, 253 link, 254 host); `None`: global.
    pub scope: Option<u8>,
    /// The protocol's number (`proto`): who installed the route.
    pub protocol: u8,
    /// The TOS the route matches (IPv4).
    pub tos: u8,
    /// The gateway is on the link even if no prefix says so (`onlink`).
    pub onlink: bool,
    /// How to add it next to a matching route.
    pub mode: AddMode,
    /// Put it back when someone else deletes it while it is installed.
    pub restore: bool,
}

/// What a rule does with the packets it selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleAction {
    /// Look the route up in this table.
    Table(u32),
    /// Go on at the rule with this preference.
    Goto(u32),
    /// Nothing (a placeholder).
    Nop,
    /// Drop silently.
    Blackhole,
    /// Drop with ICMP "network unreachable".
    Unreachable,
    /// Drop with ICMP "administratively prohibited".
    Prohibit,
}

/// One policy routing rule (`ip rule add ...`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// IPv6 (true) or IPv4.
    pub ipv6: bool,
    /// Source selector.
    pub from: Option<Prefix>,
    /// Destination selector.
    pub to: Option<Prefix>,
    /// What to do.
    pub action: RuleAction,
    /// The preference (order among rules); `None`: the kernel picks one.
    pub priority: Option<u32>,
    /// Incoming interface selector, by name.
    pub iif: Option<String>,
    /// Outgoing interface selector, by name.
    pub oif: Option<String>,
    /// Firewall mark selector and its mask.
    pub fwmark: Option<(u32, Option<u32>)>,
    /// TOS selector.
    pub tos: u8,
    /// `not`: the selectors are inverted.
    pub invert: bool,
    /// The protocol's number: who installed the rule.
    pub protocol: Option<u8>,
    /// Put it back when someone else deletes it while it is installed.
    pub restore: bool,
}

/// A route the kernel reports deleted (`RTM_DELROUTE`): what tells it apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RemovedRoute {
    /// The destination (`0.0.0.0/0` or `::/0` for a default route).
    pub dst: Prefix,
    /// Its table.
    pub table: u32,
    /// Who installed it.
    pub protocol: u8,
}

/// A rule the kernel reports deleted (`RTM_DELRULE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RemovedRule {
    /// IPv6 or IPv4.
    pub ipv6: bool,
    /// Its preference.
    pub priority: Option<u32>,
    /// The table it looked up (0 for other actions).
    pub table: u32,
}

impl Route {
    /// Whether the kernel's `removed` is this route.
    pub fn is(&self, removed: &RemovedRoute) -> bool {
        self.removed() == *removed
    }

    /// What the kernel reports when this route is deleted.
    pub fn removed(&self) -> RemovedRoute {
        RemovedRoute {
            dst: self.dst,
            table: self.table,
            protocol: self.protocol,
        }
    }
}

impl Rule {
    /// Whether the kernel's `removed` is this rule.
    pub fn is(&self, removed: &RemovedRule) -> bool {
        self.removed() == *removed
    }

    /// What the kernel reports when this rule is deleted.
    pub fn removed(&self) -> RemovedRule {
        let table = match self.action {
            RuleAction::Table(table) => table,
            _ => 0,
        };
        RemovedRule {
            ipv6: self.ipv6,
            priority: self.priority,
            table,
        }
    }
}

/// The route a `RTM_DELROUTE` names, if it names one of IPv4 or IPv6.
pub(crate) fn removed_route(message: &RouteMessage) -> Option<RemovedRoute> {
    let ipv6 = match message.header.address_family {
        AddressFamily::Inet => false,
        AddressFamily::Inet6 => true,
        _ => return None,
    };
    let mut addr: IpAddr = if ipv6 {
        std::net::Ipv6Addr::UNSPECIFIED.into()
    } else {
        std::net::Ipv4Addr::UNSPECIFIED.into()
    };
    let mut table = u32::from(message.header.table);
    for attribute in &message.attributes {
        match attribute {
            RouteAttribute::Destination(RouteAddress::Inet(v4)) => addr = (*v4).into(),
            RouteAttribute::Destination(RouteAddress::Inet6(v6)) => addr = (*v6).into(),
            RouteAttribute::Table(id) => table = *id,
            _ => {}
        }
    }
    Some(RemovedRoute {
        dst: Prefix {
            addr,
            len: message.header.destination_prefix_length,
        },
        table,
        protocol: u8::from(message.header.protocol),
    })
}

/// The rule a `RTM_DELRULE` names.
pub(crate) fn removed_rule(message: &RuleMessage) -> Option<RemovedRule> {
    let ipv6 = match message.header.family {
        AddressFamily::Inet => false,
        AddressFamily::Inet6 => true,
        _ => return None,
    };
    let mut removed = RemovedRule {
        ipv6,
        priority: None,
        table: u32::from(message.header.table),
    };
    for attribute in &message.attributes {
        match attribute {
            RuleAttribute::Priority(priority) => removed.priority = Some(*priority),
            RuleAttribute::Table(table) => removed.table = *table,
            _ => {}
        }
    }
    Some(removed)
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind != RouteType::Unicast {
            write!(f, "{:?} ", self.kind)?;
        }
        write!(f, "{}", self.dst)?;
        if let Some(via) = self.via {
            write!(f, " via {via}")?;
        }
        if let Some(dev) = &self.dev {
            write!(f, " dev {dev}")?;
        }
        if let Some(src) = self.src {
            write!(f, " src {src}")?;
        }
        if self.table != u32::from(RouteHeader::RT_TABLE_MAIN) {
            write!(f, " table {}", self.table)?;
        }
        if let Some(metric) = self.metric {
            write!(f, " metric {metric}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(priority) = self.priority {
            write!(f, "{priority}: ")?;
        }
        if self.invert {
            f.write_str("not ")?;
        }
        match self.from {
            Some(from) => write!(f, "from {from}")?,
            None => f.write_str("from all")?,
        }
        if let Some(to) = self.to {
            write!(f, " to {to}")?;
        }
        if let Some(iif) = &self.iif {
            write!(f, " iif {iif}")?;
        }
        if let Some(oif) = &self.oif {
            write!(f, " oif {oif}")?;
        }
        if let Some((mark, mask)) = self.fwmark {
            write!(f, " fwmark {mark:#x}")?;
            if let Some(mask) = mask {
                write!(f, "/{mask:#x}")?;
            }
        }
        match self.action {
            RuleAction::Table(table) => write!(f, " lookup {table}"),
            RuleAction::Goto(target) => write!(f, " goto {target}"),
            other => write!(f, " {other:?}"),
        }
    }
}

/// The `RTM_NEWROUTE` / `RTM_DELROUTE` message for `route`, its
/// interface `oif` resolved.
pub(crate) fn route_message(
    route: &Route,
    oif: Option<u32>,
    delete: bool,
) -> Result<RouteMessage, NetlinkError> {
    let dst = route.dst.check()?;
    let kind = match route.kind {
        RouteType::Unicast => KernelRouteType::Unicast,
        RouteType::Blackhole => KernelRouteType::BlackHole,
        RouteType::Unreachable => KernelRouteType::Unreachable,
        RouteType::Prohibit => KernelRouteType::Prohibit,
        RouteType::Throw => KernelRouteType::Throw,
    };
    let family = |addr: IpAddr| addr.is_ipv4() == dst.addr.is_ipv4();
    let mismatch = |addr| NetlinkError::FamilyMismatch {
        route: route.to_string(),
        addr,
    };
    let mut builder = RouteMessageBuilder::<IpAddr>::new()
        .destination_prefix(dst.addr, dst.len)
        .map_err(|_| mismatch(dst.addr))?
        .table_id(route.table)
        .protocol(RouteProtocol::from(route.protocol))
        .kind(kind)
        .tos(route.tos);
    let scope = match (delete, route.scope) {
        (_, Some(scope)) => scope,
        (true, None) => SCOPE_NOWHERE,
        (false, None) => 0,
    };
    builder = builder.scope(RouteScope::from(scope));
    if let Some(via) = route.via {
        if !family(via) {
            return Err(mismatch(via));
        }
        builder = builder.gateway(via).map_err(|_| mismatch(via))?;
    }
    if let Some(src) = route.src {
        if !family(src) {
            return Err(mismatch(src));
        }
        builder = builder.pref_source(src).map_err(|_| mismatch(src))?;
    }
    if let Some(index) = oif {
        builder = builder.output_interface(index);
    }
    if let Some(metric) = route.metric {
        builder = builder.priority(metric);
    }
    if route.onlink {
        builder = builder.onlink();
    }
    Ok(builder.build())
}

/// The `RTM_NEWRULE` / `RTM_DELRULE` message for `rule`.
pub(crate) fn rule_message(rule: &Rule) -> Result<RuleMessage, NetlinkError> {
    let mut message = RuleMessage::default();
    message.header.family = if rule.ipv6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    };
    message.header.tos = rule.tos;
    if rule.invert {
        message.header.flags = RuleFlags::Invert;
    }
    for (prefix, is_from) in [(rule.from, true), (rule.to, false)] {
        let Some(prefix) = prefix else { continue };
        let prefix = prefix.check()?;
        if prefix.addr.is_ipv6() != rule.ipv6 {
            return Err(NetlinkError::FamilyMismatch {
                route: rule.to_string(),
                addr: prefix.addr,
            });
        }
        if is_from {
            message.header.src_len = prefix.len;
            message.attributes.push(RuleAttribute::Source(prefix.addr));
        } else {
            message.header.dst_len = prefix.len;
            message
                .attributes
                .push(RuleAttribute::Destination(prefix.addr));
        }
    }
    message.header.action = match rule.action {
        RuleAction::Table(table) => {
            if let Ok(small) = u8::try_from(table) {
                message.header.table = small;
            } else {
                message.attributes.push(RuleAttribute::Table(table));
            }
            KernelRuleAction::ToTable
        }
        RuleAction::Goto(target) => {
            message.attributes.push(RuleAttribute::Goto(target));
            KernelRuleAction::Goto
        }
        RuleAction::Nop => KernelRuleAction::Nop,
        RuleAction::Blackhole => KernelRuleAction::Blackhole,
        RuleAction::Unreachable => KernelRuleAction::Unreachable,
        RuleAction::Prohibit => KernelRuleAction::Prohibit,
    };
    if let Some(priority) = rule.priority {
        message.attributes.push(RuleAttribute::Priority(priority));
    }
    if let Some(iif) = &rule.iif {
        message.attributes.push(RuleAttribute::Iifname(iif.clone()));
    }
    if let Some(oif) = &rule.oif {
        message.attributes.push(RuleAttribute::Oifname(oif.clone()));
    }
    if let Some((mark, mask)) = rule.fwmark {
        message.attributes.push(RuleAttribute::FwMark(mark));
        if let Some(mask) = mask {
            message.attributes.push(RuleAttribute::FwMask(mask));
        }
    }
    if let Some(protocol) = rule.protocol {
        message
            .attributes
            .push(RuleAttribute::Protocol(RouteProtocol::from(protocol)));
    }
    Ok(message)
}

impl Netlink {
    /// Adds `route` (`ip route prepend|add|append`), `oif` the index of
    /// its `dev`. The answer comes later from [`Netlink::poll_events`];
    /// [`Errno::is_already_exists`](super::Errno::is_already_exists) means
    /// an identical route is there.
    pub fn add_route(&mut self, route: &Route, oif: Option<u32>) -> Result<Seq, NetlinkError> {
        let message = route_message(route, oif, false)?;
        let flags = match route.mode {
            AddMode::Prepend => FLAGS_CREATE_OR_UPDATE,
            AddMode::Exclusive => FLAGS_CREATE,
            AddMode::Append => FLAGS_CREATE_OR_UPDATE | NLM_F_APPEND,
        };
        self.send_request(RouteNetlinkMessage::NewRoute(message), flags)
    }

    /// Deletes `route` (`ip route del`): the one installed with the same
    /// destination, table, type and protocol. The answer comes later;
    /// [`Errno::is_not_found`](super::Errno::is_not_found) means it was
    /// already gone.
    pub fn del_route(&mut self, route: &Route, oif: Option<u32>) -> Result<Seq, NetlinkError> {
        let message = route_message(route, oif, true)?;
        self.send_request(RouteNetlinkMessage::DelRoute(message), FLAGS_CHANGE)
    }

    /// Adds `rule` (`ip rule add`); `EEXIST` if the same rule is there.
    pub fn add_rule(&mut self, rule: &Rule) -> Result<Seq, NetlinkError> {
        let message = rule_message(rule)?;
        self.send_request(RouteNetlinkMessage::NewRule(message), FLAGS_CREATE)
    }

    /// Deletes `rule` (`ip rule del`); `ENOENT` if it was already gone.
    pub fn del_rule(&mut self, rule: &Rule) -> Result<Seq, NetlinkError> {
        let message = rule_message(rule)?;
        self.send_request(RouteNetlinkMessage::DelRule(message), FLAGS_CHANGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(dst: &str, len: u8) -> Route {
        Route {
            dst: Prefix {
                addr: dst.parse().unwrap(),
                len,
            },
            kind: RouteType::Unicast,
            via: None,
            dev: None,
            src: None,
            table: 254,
            metric: None,
            scope: None,
            protocol: 18,
            tos: 0,
            onlink: false,
            mode: AddMode::Prepend,
            restore: true,
        }
    }

    #[test]
    fn a_route_carries_what_ip_route_would_send() {
        let mut r = route("198.18.0.0", 16);
        r.via = Some("192.0.2.254".parse().unwrap());
        r.src = Some("192.0.2.100".parse().unwrap());
        r.metric = Some(7);
        r.table = 1000;
        let m = route_message(&r, Some(3), false).unwrap();
        assert_eq!(m.header.destination_prefix_length, 16);
        assert_eq!(m.header.address_family, AddressFamily::Inet);
        assert_eq!(m.header.protocol, RouteProtocol::from(18));
        assert_eq!(m.header.scope, RouteScope::Universe);
        let has = |a: RouteAttribute| m.attributes.contains(&a);
        assert!(has(RouteAttribute::Table(1000)));
        assert!(has(RouteAttribute::Oif(3)));
        assert!(has(RouteAttribute::Priority(7)));
        assert!(has(RouteAttribute::Gateway(RouteAddress::Inet(
            "192.0.2.254".parse().unwrap()
        ))));
        assert!(has(RouteAttribute::PrefSource(RouteAddress::Inet(
            "192.0.2.100".parse().unwrap()
        ))));
        // A delete matches any scope.
        let d = route_message(&r, Some(3), true).unwrap();
        assert_eq!(d.header.scope, RouteScope::from(SCOPE_NOWHERE));
        // The kernel's notification of its deletion names it.
        assert!(r.is(&removed_route(&d).unwrap()));
        let default = route_message(&route("0.0.0.0", 0), None, true).unwrap();
        assert!(route("0.0.0.0", 0).is(&removed_route(&default).unwrap()));
        assert!(!r.is(&removed_route(&default).unwrap()));
    }

    #[test]
    fn mixed_families_and_long_prefixes_are_refused_before_sending() {
        let mut r = route("2001:db8::", 64);
        r.via = Some("192.0.2.1".parse().unwrap());
        assert!(matches!(
            route_message(&r, None, false),
            Err(NetlinkError::FamilyMismatch { .. })
        ));
        assert!(matches!(
            route_message(&route("192.0.2.0", 33), None, false),
            Err(NetlinkError::PrefixTooLong { .. })
        ));
    }

    #[test]
    fn a_rule_carries_its_selectors_and_action() {
        let rule = Rule {
            ipv6: false,
            from: Some(Prefix {
                addr: "192.0.2.100".parse().unwrap(),
                len: 32,
            }),
            to: None,
            action: RuleAction::Table(100),
            priority: Some(100),
            iif: Some("eth0".into()),
            oif: None,
            fwmark: Some((24, Some(0xff))),
            tos: 0,
            invert: true,
            protocol: Some(18),
            restore: true,
        };
        let m = rule_message(&rule).unwrap();
        assert_eq!(m.header.table, 100);
        assert_eq!(m.header.src_len, 32);
        assert_eq!(m.header.action, KernelRuleAction::ToTable);
        assert_eq!(m.header.flags, RuleFlags::Invert);
        for attribute in [
            RuleAttribute::Priority(100),
            RuleAttribute::Iifname("eth0".into()),
            RuleAttribute::FwMark(24),
            RuleAttribute::FwMask(0xff),
            RuleAttribute::Source("192.0.2.100".parse().unwrap()),
        ] {
            assert!(m.attributes.contains(&attribute), "{attribute:?}");
        }
        assert!(rule.is(&removed_rule(&m).unwrap()));
        assert_eq!(
            rule.to_string(),
            "100: not from 192.0.2.100/32 iif eth0 fwmark 0x18/0xff lookup 100"
        );
    }
}
