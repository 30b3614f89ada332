//! Routes and rules of `virtual_routes`, `virtual_rules`, `static_routes`
//! and `static_rules`: one line each, as keepalived (and `ip route add`,
//! `ip rule add`) reads it. Numbers and iproute2's built-in names of
//! tables, protocols and scopes are numbers here; other names stay names
//! until this host's iproute2 files turn them into numbers (`host.rs`).

use std::net::IpAddr;

use super::error::{Span, Spanned};

/// keepalived's route and rule protocol (`RTPROT_KEEPALIVED`).
pub const PROTOCOL_KEEPALIVED: u8 = 18;

/// The main routing table (`RT_TABLE_MAIN`).
pub const TABLE_MAIN: u32 = 254;

/// A routing table, route protocol or scope as written: a number (also
/// for iproute2's built-in names), or a name only the iproute2 files of
/// the host it runs on can turn into one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RtName {
    /// Known without the host.
    Number(u32),
    /// A name of `/etc/iproute2/rt_tables` and its kin, where written.
    Name(Spanned<String>),
}

impl RtName {
    /// The number, once known.
    pub fn number(&self) -> Option<u32> {
        match self {
            Self::Number(number) => Some(*number),
            Self::Name(_) => None,
        }
    }
}

/// `ADDR[/LEN]`, or `default` (length 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpPrefix {
    /// The address.
    pub addr: IpAddr,
    /// The prefix length.
    pub len: u8,
}

/// A route's type: `unicast` (the default) or one that drops packets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RouteKind {
    /// Forwarded.
    #[default]
    Unicast,
    /// `blackhole`: dropped silently.
    Blackhole,
    /// `unreachable`: dropped, ICMP network unreachable.
    Unreachable,
    /// `prohibit`: dropped, ICMP administratively prohibited.
    Prohibit,
    /// `throw`: the lookup goes on in the next rule's table.
    Throw,
}

/// `prepend` (the default), `add` or `append`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RouteMode {
    /// Before any matching route.
    #[default]
    Prepend,
    /// Only if no matching route exists.
    Add,
    /// After any matching route.
    Append,
}

/// One line of `virtual_routes` / `static_routes`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpRoute {
    /// `[to] [TYPE] PREFIX`.
    pub dst: IpPrefix,
    /// `blackhole`, `unreachable`, `prohibit`, `throw` before the prefix.
    pub kind: RouteKind,
    /// `via ADDR` (or `gw ADDR`).
    pub via: Option<IpAddr>,
    /// `dev IF` (or `oif IF`).
    pub dev: Option<Spanned<String>>,
    /// `src ADDR`: the preferred source address.
    pub src: Option<IpAddr>,
    /// `table T`; main when not written.
    pub table: RtName,
    /// `metric N` (or `priority`, `preference`).
    pub metric: Option<u32>,
    /// `scope S` (0..=255); global when not written.
    pub scope: Option<RtName>,
    /// `protocol P` (0..=255); keepalived's own (18) unless `no_track`
    /// keeps another.
    pub protocol: RtName,
    /// `tos N` (or `dsfield`).
    pub tos: u8,
    /// `onlink`.
    pub onlink: bool,
    /// `prepend`, `add` or `append`.
    pub mode: RouteMode,
    /// `no_track`: left deleted when someone else deletes it.
    pub no_track: bool,
    /// Where the line starts.
    pub at: Span,
}

/// What a rule does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RuleAction {
    /// `table T` / `lookup T` (not 0).
    Table(RtName),
    /// `goto PREF`.
    Goto(u32),
    /// `nop`.
    Nop,
    /// `blackhole`.
    Blackhole,
    /// `unreachable`.
    Unreachable,
    /// `prohibit`.
    Prohibit,
}

/// One line of `virtual_rules` / `static_rules`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpRule {
    /// IPv6 (by its addresses or `inet6`), else IPv4.
    pub ipv6: bool,
    /// `from PREFIX`.
    pub from: Option<IpPrefix>,
    /// `to PREFIX`.
    pub to: Option<IpPrefix>,
    /// `table`, `goto`, `nop`, `blackhole`, `unreachable`, `prohibit`.
    pub action: RuleAction,
    /// `preference N` (or `priority`, `order`); the kernel picks one if
    /// not written.
    pub priority: Option<u32>,
    /// `iif IF` (or `dev IF`).
    pub iif: Option<Spanned<String>>,
    /// `oif IF`.
    pub oif: Option<Spanned<String>>,
    /// `fwmark MARK[/MASK]`.
    pub fwmark: Option<(u32, Option<u32>)>,
    /// `tos N` (or `dsfield`).
    pub tos: u8,
    /// `not`.
    pub invert: bool,
    /// `protocol N`; keepalived's own (18) unless `no_track`.
    pub protocol: Option<u8>,
    /// `no_track`.
    pub no_track: bool,
    /// Where the line starts.
    pub at: Span,
}
