//! Names of routing tables, protocols and scopes, as `ip` and keepalived
//! read them: a number, a built-in name, or a name of iproute2's files.
//! The reader knows the first two; a name of the files stays a name
//! ([`RtName::Name`]) for the host checks to look up (`iproute2.rs`), so
//! that a file read for another host (`--no-host-checks`, `--verify`)
//! never depends on this one's files.

use super::config::KeepalivedConfig;
use super::routes::{IpRoute, IpRule, RtName, RuleAction};

/// A kind of name (table, protocol, scope), its file and what is always
/// known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameKind {
    /// iproute2's file of such names (`rt_tables`, ...).
    pub(crate) file: &'static str,
    /// The names every iproute2 knows.
    builtin: &'static [(&'static str, u32)],
    /// The largest number.
    pub(crate) max: u32,
    /// What it is, for messages.
    pub(crate) what: &'static str,
}

/// Routing tables: `table`, `lookup`.
pub(crate) const TABLES: NameKind = NameKind {
    file: "rt_tables",
    builtin: &[("default", 253), ("main", 254), ("local", 255)],
    max: u32::MAX,
    what: "a routing table",
};

/// Route protocols: who installed a route.
pub(crate) const PROTOCOLS: NameKind = NameKind {
    file: "rt_protos",
    builtin: &[
        ("none", 0),
        ("redirect", 1),
        ("kernel", 2),
        ("boot", 3),
        ("static", 4),
        ("gated", 8),
        ("ra", 9),
        ("mrt", 10),
        ("zebra", 11),
        ("bird", 12),
        ("dnrouted", 13),
        ("xorp", 14),
        ("ntk", 15),
        ("dhcp", 16),
        ("keepalived", 18),
        ("babel", 42),
    ],
    max: 255,
    what: "a route protocol",
};

/// Route scopes.
pub(crate) const SCOPES: NameKind = NameKind {
    file: "rt_scopes",
    builtin: &[
        ("global", 0),
        ("site", 200),
        ("link", 253),
        ("host", 254),
        ("nowhere", 255),
    ],
    max: 255,
    what: "a scope",
};

/// What the reader makes of `name`: `Some(number)` for a number up to the
/// kind's maximum or a built-in name, `None` for a name left to the host's
/// files; `Err` for a number out of range.
pub(crate) fn known(kind: NameKind, name: &str) -> Result<Option<u32>, ()> {
    if let Some(number) = number(name) {
        return if number <= kind.max {
            Ok(Some(number))
        } else {
            Err(())
        };
    }
    Ok(kind
        .builtin
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, id)| id))
}

/// A decimal or `0x` hexadecimal number.
pub(crate) fn number(text: &str) -> Option<u32> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => u32::from_str_radix(hex, 16).ok(),
        _ if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
        _ => None,
    }
}

/// Every table, protocol and scope of `config`'s routes and rules, with
/// its kind: each instance's, then the static ones (for the host checks,
/// which look names up).
pub fn names_mut(config: &mut KeepalivedConfig) -> Vec<(NameKind, &mut RtName)> {
    let mut names = Vec::new();
    for instance in &mut config.instances {
        push_routes(&mut names, &mut instance.virtual_routes);
        push_rules(&mut names, &mut instance.virtual_rules);
    }
    push_routes(&mut names, &mut config.static_routes);
    push_rules(&mut names, &mut config.static_rules);
    names
}

fn push_routes<'c>(names: &mut Vec<(NameKind, &'c mut RtName)>, routes: &'c mut [IpRoute]) {
    for route in routes {
        names.push((TABLES, &mut route.table));
        names.push((PROTOCOLS, &mut route.protocol));
        if let Some(scope) = &mut route.scope {
            names.push((SCOPES, scope));
        }
    }
}

fn push_rules<'c>(names: &mut Vec<(NameKind, &'c mut RtName)>, rules: &'c mut [IpRule]) {
    for rule in rules {
        if let RuleAction::Table(table) = &mut rule.action {
            names.push((TABLES, table));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_builtin_names_are_known_other_names_are_left() {
        assert_eq!(known(TABLES, "main"), Ok(Some(254)));
        assert_eq!(known(TABLES, "1000"), Ok(Some(1000)));
        assert_eq!(known(PROTOCOLS, "0x12"), Ok(Some(18)));
        assert_eq!(known(PROTOCOLS, "256"), Err(()));
        assert_eq!(known(SCOPES, "link"), Ok(Some(253)));
        assert_eq!(known(TABLES, "vrrp"), Ok(None));
    }
}
