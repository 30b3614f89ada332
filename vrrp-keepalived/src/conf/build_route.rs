//! `virtual_routes`, `virtual_rules`, `static_routes`, `static_rules`: each
//! line read as keepalived reads it (`ip route add` / `ip rule add` words,
//! no abbreviations). What this daemon does not install is an error when it
//! would send traffic elsewhere than keepalived does (multipath, MPLS,
//! VRF, IPv6 source routing, more selectors), and a warning when only a
//! TCP metric of the route is left out.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::error::{ConfigError, Span, Spanned};
use super::parser::Node;
use super::routes::{
    IpPrefix, IpRoute, IpRule, PROTOCOL_KEEPALIVED, RouteKind, RouteMode, RtName, RuleAction,
    TABLE_MAIN,
};
use super::rt_names::{self, PROTOCOLS, SCOPES, TABLES};
use super::values::Ctx;

/// Route metrics (`RTA_METRICS`) keepalived sets and this daemon leaves
/// out, and whether each may be preceded by `lock`.
const IGNORED_METRICS: &[(&str, bool)] = &[
    ("mtu", true),
    ("hoplimit", false),
    ("advmss", true),
    ("rtt", true),
    ("rttvar", true),
    ("reordering", true),
    ("window", false),
    ("cwnd", true),
    ("ssthresh", true),
    ("rto_min", true),
    ("initcwnd", false),
    ("initrwnd", false),
    ("features", false),
    ("quickack", false),
    ("congctl", true),
    ("fastopen_no_cookie", false),
    ("pref", false),
    ("ttl-propagate", false),
    ("realms", false),
];

/// Route words keepalived knows that would change where traffic goes.
const REFUSED_ROUTE_WORDS: &[(&str, &str)] = &[
    ("nexthop", "multipath routes are not implemented"),
    ("or", "multipath routes are not implemented"),
    (
        "encap",
        "encapsulation (MPLS, IP tunnels, seg6) is not implemented",
    ),
    ("as", "MPLS is not implemented"),
    (
        "vrf",
        "VRFs are not implemented; name the VRF's table with `table`",
    ),
    ("from", "IPv6 source-specific routes are not implemented"),
    ("expires", "expiring routes are not implemented"),
];

/// Rule words keepalived knows that this daemon does not implement.
const REFUSED_RULE_WORDS: &[&str] = &[
    "realms",
    "suppress_prefixlength",
    "sup_pl",
    "suppress_ifgroup",
    "sup_group",
    "tunnel-id",
    "uidrange",
    "l3mdev",
    "ipproto",
    "sport",
    "dport",
];

/// The words of one line, with positions, read front to back.
struct Words<'n> {
    words: Vec<(&'n str, &'n Span)>,
    next: usize,
}

impl<'n> Words<'n> {
    fn new(line: &'n Node) -> Self {
        let mut words = vec![(line.keyword.as_str(), &line.at)];
        words.extend(line.args.iter().map(|a| (a.text.as_str(), &a.at)));
        Self { words, next: 0 }
    }

    fn take(&mut self) -> Option<(&'n str, &'n Span)> {
        let word = self.words.get(self.next).copied();
        self.next += usize::from(word.is_some());
        word
    }

    /// The value after `option`.
    fn value(
        &mut self,
        option: (&str, &Span),
        expected: &str,
    ) -> Result<(&'n str, &'n Span), ConfigError> {
        self.take().ok_or_else(|| ConfigError::MissingValue {
            at: option.1.clone(),
            keyword: option.0.into(),
            expected: expected.into(),
        })
    }
}

/// `Err(BadValue)` for `word` of a line of `block`.
fn bad(block: &str, word: (&str, &Span), expected: impl Into<String>) -> ConfigError {
    ConfigError::BadValue {
        at: word.1.clone(),
        keyword: block.into(),
        expected: expected.into(),
        found: word.0.into(),
    }
}

/// The address family a line settled on, and where.
#[derive(Default)]
struct FamilyOf {
    ipv6: Option<bool>,
}

impl FamilyOf {
    fn decide(&mut self, block: &str, ipv6: bool, at: (&str, &Span)) -> Result<(), ConfigError> {
        match self.ipv6 {
            Some(decided) if decided != ipv6 => Err(bad(
                block,
                at,
                format!(
                    "an {} address: the line already is {} (keepalived cannot mix them either)",
                    if ipv6 { "IPv4" } else { "IPv6" },
                    if decided { "IPv6" } else { "IPv4" }
                ),
            )),
            _ => {
                self.ipv6 = Some(ipv6);
                Ok(())
            }
        }
    }
}

/// Every line of a routes block.
pub(crate) fn routes(
    ctx: &mut Ctx<'_>,
    node: &Node,
    is_static: bool,
) -> Result<Vec<IpRoute>, ConfigError> {
    let mut out = Vec::new();
    for line in ctx.block(node)? {
        ctx.no_block(line)?;
        out.push(route(ctx, &node.keyword, line, is_static)?);
    }
    Ok(out)
}

/// Every line of a rules block.
pub(crate) fn rules(
    ctx: &mut Ctx<'_>,
    node: &Node,
    is_static: bool,
) -> Result<Vec<IpRule>, ConfigError> {
    let mut out = Vec::new();
    for line in ctx.block(node)? {
        ctx.no_block(line)?;
        out.push(rule(ctx, &node.keyword, line, is_static)?);
    }
    Ok(out)
}

/// `ADDR[/LEN]`, `default`, `any`, `all` (family open) or `default6`.
fn prefix(text: &str) -> Option<(Option<IpAddr>, u8)> {
    match text {
        "default" | "any" | "all" => return Some((None, 0)),
        "default6" => return Some((Some(Ipv6Addr::UNSPECIFIED.into()), 0)),
        _ => {}
    }
    let (addr, len) = match text.split_once('/') {
        Some((addr, len)) => (addr, Some(len)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(len) => u8::try_from(rt_names::number(len).filter(|_| !len.starts_with("0x"))?)
            .ok()
            .filter(|l| *l <= max)?,
    };
    Some((Some(addr), len))
}

/// A prefix word, its family decided.
fn prefix_word(
    block: &str,
    family: &mut FamilyOf,
    word: (&str, &Span),
) -> Result<(Option<IpAddr>, u8), ConfigError> {
    let expected = "an address, ADDR/LEN or default";
    let (addr, len) = prefix(word.0).ok_or_else(|| bad(block, word, expected))?;
    if let Some(addr) = addr {
        family.decide(block, addr.is_ipv6(), word)?;
    }
    Ok((addr, len))
}

/// An address word, its family decided.
fn address(block: &str, family: &mut FamilyOf, word: (&str, &Span)) -> Result<IpAddr, ConfigError> {
    let addr: IpAddr = word
        .0
        .parse()
        .map_err(|_| bad(block, word, "an IPv4 or IPv6 address"))?;
    family.decide(block, addr.is_ipv6(), word)?;
    Ok(addr)
}

/// A number up to `max`.
fn number(block: &str, word: (&str, &Span), max: u32) -> Result<u32, ConfigError> {
    rt_names::number(word.0)
        .filter(|n| *n <= max)
        .ok_or_else(|| bad(block, word, format!("a number 0..{max}")))
}

/// A name of `kind`, or its number: a name neither a number nor built in
/// is left for this host's iproute2 files (the host checks).
fn named(
    block: &str,
    word: (&str, &Span),
    kind: rt_names::NameKind,
) -> Result<RtName, ConfigError> {
    match rt_names::known(kind, word.0) {
        Ok(Some(number)) => Ok(RtName::Number(number)),
        Ok(None) => Ok(RtName::Name(Spanned::new(
            word.0.to_owned(),
            word.1.clone(),
        ))),
        Err(()) => Err(bad(
            block,
            word,
            format!("{}: a number 0..{} or a name", kind.what, kind.max),
        )),
    }
}

/// A table, protocol or scope as written.
fn shown(name: &RtName) -> String {
    match name {
        RtName::Number(number) => number.to_string(),
        RtName::Name(name) => format!("`{}`", name.value),
    }
}

/// Fills an open family (`default`) once the line is read: IPv4 unless
/// something said IPv6, as keepalived does.
fn settle(addr: Option<IpAddr>, ipv6: bool) -> IpAddr {
    addr.unwrap_or(if ipv6 {
        Ipv6Addr::UNSPECIFIED.into()
    } else {
        Ipv4Addr::UNSPECIFIED.into()
    })
}

/// One route line.
fn route(
    ctx: &mut Ctx<'_>,
    block: &str,
    line: &Node,
    is_static: bool,
) -> Result<IpRoute, ConfigError> {
    let mut words = Words::new(line);
    let mut family = FamilyOf::default();
    let mut dst = None;
    let mut kind = RouteKind::Unicast;
    let (mut via, mut dev, mut src, mut metric, mut scope, mut protocol) =
        (None, None, None, None, None, None);
    let (mut table, mut tos, mut onlink, mut mode, mut no_track) = (
        RtName::Number(TABLE_MAIN),
        0,
        false,
        RouteMode::Prepend,
        false,
    );
    while let Some(word) = words.take() {
        match word.0 {
            "inet" | "inet6" => family.decide(block, word.0 == "inet6", word)?,
            "src" => {
                src = Some(address(
                    block,
                    &mut family,
                    words.value(word, "an address")?,
                )?)
            }
            "via" | "gw" => {
                if word.0 == "gw" {
                    ctx.warn(
                        word.1,
                        "`gw` is deprecated (keepalived says so too): write `via`",
                    );
                }
                let mut value = words.value(word, "an address")?;
                if matches!(value.0, "inet" | "inet6") {
                    family.decide(block, value.0 == "inet6", value)?;
                    value = words.value(value, "an address")?;
                }
                via = Some(address(block, &mut family, value)?);
            }
            "tos" | "dsfield" => tos = number(block, words.value(word, "a TOS")?, 255)? as u8,
            "table" => table = named(block, words.value(word, "a table")?, TABLES)?,
            "protocol" => {
                let value = words.value(word, "a protocol")?;
                protocol = Some((named(block, value, PROTOCOLS)?, value.1));
            }
            "scope" => scope = Some(named(block, words.value(word, "a scope")?, SCOPES)?),
            "metric" | "priority" | "preference" => {
                metric = Some(number(block, words.value(word, "a metric")?, u32::MAX)?);
            }
            "dev" | "oif" => {
                let value = words.value(word, "an interface name")?;
                dev = Some(Spanned::new(value.0.to_owned(), value.1.clone()));
            }
            "onlink" => onlink = true,
            "add" => mode = RouteMode::Add,
            "prepend" => mode = RouteMode::Prepend,
            "append" => mode = RouteMode::Append,
            "no_track" => no_track = true,
            "track_group" if is_static => {
                words.value(word, "a track_group name")?;
                ctx.warn(
                    word.1,
                    "`track_group` is not supported: the route is not tracked; ignored",
                );
            }
            other => {
                if let Some(&(_, lock)) = IGNORED_METRICS.iter().find(|(name, _)| *name == other) {
                    let mut value = words.value(word, "a value")?;
                    if lock && value.0 == "lock" {
                        value = words.value(value, "a value")?;
                    }
                    let _ = value;
                    ctx.warn(
                        word.1,
                        format!("route option `{other}` is not supported: the route is installed without it"),
                    );
                    continue;
                }
                if let Some((_, why)) = REFUSED_ROUTE_WORDS.iter().find(|(name, _)| *name == other)
                {
                    return Err(ConfigError::invalid(
                        word.1,
                        format!("route option `{other}` is not supported: {why}"),
                    ));
                }
                if dst.is_some() {
                    let hint = if other == "proto" {
                        " (keepalived writes `protocol`)"
                    } else {
                        ""
                    };
                    return Err(bad(block, word, format!("a route option{hint}")));
                }
                let mut word = word;
                if other == "to" {
                    word = words.value(word, "a destination")?;
                } else if let Some(found) = route_kind(other) {
                    kind = found.map_err(|why| ConfigError::invalid(word.1, why))?;
                    word = words.value(word, "a destination")?;
                }
                dst = Some(prefix_word(block, &mut family, word)?);
            }
        }
    }
    let Some((dst_addr, dst_len)) = dst else {
        return Err(ConfigError::invalid(
            &line.at,
            format!("{block}: the route has no destination"),
        ));
    };
    let keepalived = RtName::Number(PROTOCOL_KEEPALIVED.into());
    let protocol = match protocol {
        Some((value, _)) if no_track => value,
        Some((value, at)) if value != keepalived => {
            ctx.warn(
                at,
                format!(
                    "protocol {} ignored: a tracked route gets protocol keepalived (18), as \
                     keepalived does; add no_track to keep it",
                    shown(&value)
                ),
            );
            keepalived
        }
        _ => keepalived,
    };
    let ipv6 = family.ipv6.unwrap_or(false);
    Ok(IpRoute {
        dst: IpPrefix {
            addr: settle(dst_addr, ipv6),
            len: dst_len,
        },
        kind,
        via,
        dev,
        src,
        table,
        metric,
        scope,
        protocol,
        tos,
        onlink,
        mode,
        no_track,
        at: line.at.clone(),
    })
}

/// A route type word: `Some(Ok)` for the types installed, `Some(Err)` for
/// the others keepalived knows, `None` for a word that is no type.
fn route_kind(word: &str) -> Option<Result<RouteKind, String>> {
    Some(Ok(match word {
        "unicast" => RouteKind::Unicast,
        "blackhole" => RouteKind::Blackhole,
        "unreachable" => RouteKind::Unreachable,
        "prohibit" => RouteKind::Prohibit,
        "throw" => RouteKind::Throw,
        "local" | "nat" | "broadcast" | "brd" | "anycast" | "multicast" | "xresolve" => {
            return Some(Err(format!(
                "route type `{word}` is not supported: only unicast, blackhole, unreachable, \
                 prohibit and throw routes are installed"
            )));
        }
        _ => return None,
    }))
}

/// One rule line.
fn rule(
    ctx: &mut Ctx<'_>,
    block: &str,
    line: &Node,
    is_static: bool,
) -> Result<IpRule, ConfigError> {
    let mut words = Words::new(line);
    let mut family = FamilyOf::default();
    let (mut from, mut to, mut action, mut priority) = (None, None, None, None);
    let (mut iif, mut oif, mut fwmark, mut protocol) = (None, None, None, None);
    let (mut tos, mut invert, mut no_track) = (0, false, false);
    let mut set_action = |word: (&str, &Span), new: RuleAction| -> Result<(), ConfigError> {
        if action.replace(new).is_some() {
            return Err(ConfigError::invalid(
                word.1,
                "a rule takes one of table, goto, nop, blackhole, unreachable, prohibit \
                 (keepalived refuses more)",
            ));
        }
        Ok(())
    };
    while let Some(word) = words.take() {
        match word.0 {
            "inet" | "inet6" => family.decide(block, word.0 == "inet6", word)?,
            "from" => {
                from = Some(prefix_word(
                    block,
                    &mut family,
                    words.value(word, "a prefix")?,
                )?)
            }
            "to" => {
                to = Some(prefix_word(
                    block,
                    &mut family,
                    words.value(word, "a prefix")?,
                )?)
            }
            "table" | "lookup" => {
                let value = words.value(word, "a table")?;
                let table = named(block, value, TABLES)?;
                if table == RtName::Number(0) {
                    return Err(bad(block, value, "a table other than 0"));
                }
                set_action(word, RuleAction::Table(table))?;
            }
            "not" => invert = true,
            "preference" | "order" | "priority" => {
                priority = Some(number(block, words.value(word, "a preference")?, u32::MAX)?);
            }
            "tos" | "dsfield" => tos = number(block, words.value(word, "a TOS")?, 255)? as u8,
            "fwmark" => {
                let value = words.value(word, "MARK[/MASK]")?;
                let (mark, mask) = match value.0.split_once('/') {
                    Some((mark, mask)) => (mark, Some(mask)),
                    None => (value.0, None),
                };
                let parse = |text: &str| {
                    rt_names::number(text).ok_or_else(|| bad(block, value, "MARK or MARK/MASK"))
                };
                fwmark = Some((parse(mark)?, mask.map(parse).transpose()?));
            }
            "dev" | "iif" | "oif" => {
                let value = words.value(word, "an interface name")?;
                let name = Some(Spanned::new(value.0.to_owned(), value.1.clone()));
                if word.0 == "oif" {
                    oif = name
                } else {
                    iif = name
                }
            }
            "protocol" => {
                protocol = Some(number(block, words.value(word, "a protocol number")?, 255)? as u8)
            }
            "no_track" => no_track = true,
            "track_group" if is_static => {
                words.value(word, "a track_group name")?;
                ctx.warn(
                    word.1,
                    "`track_group` is not supported: the rule is not tracked; ignored",
                );
            }
            other if REFUSED_RULE_WORDS.contains(&other) => {
                return Err(ConfigError::invalid(
                    word.1,
                    format!(
                        "rule option `{other}` is not supported: the rule would select other packets than keepalived's"
                    ),
                ));
            }
            other => {
                let word = if other == "type" {
                    words.value(word, "a rule action")?
                } else {
                    word
                };
                let new = match word.0 {
                    "goto" => RuleAction::Goto(number(
                        block,
                        words.value(word, "a preference")?,
                        u32::MAX,
                    )?),
                    "nop" => RuleAction::Nop,
                    "blackhole" => RuleAction::Blackhole,
                    "unreachable" => RuleAction::Unreachable,
                    "prohibit" => RuleAction::Prohibit,
                    _ => return Err(bad(block, word, "a rule option or action")),
                };
                set_action(word, new)?;
            }
        }
    }
    let Some(action) = action else {
        return Err(ConfigError::invalid(
            &line.at,
            format!(
                "{block}: the rule has no action (table, goto, nop, blackhole, unreachable, prohibit)"
            ),
        ));
    };
    if let RuleAction::Goto(target) = &action {
        let target = *target;
        if priority.is_none_or(|p| p >= target) {
            return Err(ConfigError::invalid(
                &line.at,
                format!(
                    "{block}: `goto {target}` needs a preference below {target} (keepalived refuses it too)"
                ),
            ));
        }
    }
    if priority.is_none() {
        ctx.warn(
            &line.at,
            "the rule has no preference: the kernel picks one (keepalived picks its own); \
             give it one so that rules keep their order",
        );
    }
    if let (Some(value), false) = (protocol, no_track) {
        if value != PROTOCOL_KEEPALIVED {
            ctx.warn(
                &line.at,
                format!(
                    "protocol {value} ignored: a tracked rule gets protocol keepalived (18), as \
                     keepalived does; add no_track to keep it"
                ),
            );
        }
    }
    let protocol = if no_track {
        protocol
    } else {
        Some(PROTOCOL_KEEPALIVED)
    };
    let ipv6 = family.ipv6.unwrap_or(false);
    let settle_prefix = |p: Option<(Option<IpAddr>, u8)>| {
        p.map(|(addr, len)| IpPrefix {
            addr: settle(addr, ipv6),
            len,
        })
    };
    Ok(IpRule {
        ipv6,
        from: settle_prefix(from),
        to: settle_prefix(to),
        action,
        priority,
        iif,
        oif,
        fwmark,
        tos,
        invert,
        protocol,
        no_track,
        at: line.at.clone(),
    })
}
