//! Address lists of an instance (`virtual_ipaddress`, `unicast_peer`) and its
//! `authentication` block.

use std::net::IpAddr;

use super::error::{ConfigError, Span, Spanned};
use super::instance::VrrpInstance;
use super::model::{AuthType, Authentication, Family, UnicastPeer, VirtualAddress};
use super::parser::{Arg, Node};
use super::values::{Ctx, bad, number_in};

/// Bytes of an `auth_pass` that VRRPv2 carries.
pub(crate) const AUTH_PASS_LEN: usize = 8;

/// `ip address add` options keepalived accepts on a VIP line that this daemon
/// does not act on, and whether each takes a value.
const IGNORED_VIP_OPTIONS: &[(&str, bool)] = &[
    ("peer", true),
    ("preferred_lft", true),
    ("track_group", true),
    ("home", false),
    ("-nodad", false),
    ("nodad", false),
    ("mngtmpaddr", false),
    ("noprefixroute", false),
    ("autojoin", false),
];

const SCOPES: &[&str] = &["site", "link", "host", "nowhere", "global"];

/// Every line of a `virtual_ipaddress`-style block.
pub(crate) fn virtual_addresses(
    ctx: &mut Ctx<'_>,
    node: &Node,
) -> Result<Vec<VirtualAddress>, ConfigError> {
    let lines = ctx.block(node)?;
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        ctx.no_block(line)?;
        out.push(virtual_address(ctx, &node.keyword, line)?);
    }
    Ok(out)
}

/// `ADDR[/PREFIX] [brd X] [dev IF] [scope S] [label L] [no_track] ...`
fn virtual_address(
    ctx: &mut Ctx<'_>,
    block: &str,
    line: &Node,
) -> Result<VirtualAddress, ConfigError> {
    let bad_address = || ConfigError::BadValue {
        at: line.at.clone(),
        keyword: block.into(),
        expected: "an IPv4 or IPv6 address, optionally with /PREFIX".into(),
        found: line.keyword.clone(),
    };
    let (addr_text, prefix_text) = match line.keyword.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (line.keyword.as_str(), None),
    };
    let addr: IpAddr = addr_text.parse().map_err(|_| bad_address())?;
    let max_prefix = if addr.is_ipv4() { 32 } else { 128 };
    let prefix_len = match prefix_text {
        None => max_prefix,
        Some(text) => text
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= max_prefix && text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(bad_address)?,
    };
    let mut vip = VirtualAddress {
        addr,
        prefix_len,
        brd: None,
        dev: None,
        scope: None,
        label: None,
        no_track: false,
        use_vmac: false,
        at: line.at.clone(),
    };
    let mut args = line.args.iter();
    while let Some(option) = args.next() {
        let mut value = |expected: &str| {
            args.next().ok_or_else(|| ConfigError::MissingValue {
                at: option.at.clone(),
                keyword: option.text.clone(),
                expected: expected.into(),
            })
        };
        match option.text.as_str() {
            "brd" => {
                let arg = value("a broadcast address")?;
                vip.brd = Some(option_ip(arg, "brd")?);
            }
            "dev" => vip.dev = Some(value("an interface name")?.text.clone()),
            "label" => vip.label = Some(value("a label")?.text.clone()),
            "scope" => {
                let arg = value("a scope")?;
                let known = SCOPES.contains(&arg.text.as_str()) || arg.text.parse::<u8>().is_ok();
                if !known {
                    return Err(ConfigError::BadValue {
                        at: arg.at.clone(),
                        keyword: "scope".into(),
                        expected: "site, link, host, nowhere, global or a number 0..255".into(),
                        found: arg.text.clone(),
                    });
                }
                vip.scope = Some(arg.text.clone());
            }
            "no_track" => vip.no_track = true,
            "use_vmac" if block == "static_ipaddress" => ctx.warn(
                &option.at,
                "`use_vmac` does not apply to a static address; ignored (as keepalived)",
            ),
            "use_vmac" => vip.use_vmac = true,
            other => match IGNORED_VIP_OPTIONS.iter().find(|(name, _)| *name == other) {
                Some((name, takes_value)) => {
                    if *takes_value {
                        value("a value")?;
                    }
                    ctx.warn(
                        &option.at,
                        format!("address option `{name}` is not supported; ignored"),
                    );
                }
                None => {
                    return Err(ConfigError::BadValue {
                        at: option.at.clone(),
                        keyword: line.keyword.clone(),
                        expected: "brd, dev, scope, label, no_track or use_vmac".into(),
                        found: option.text.clone(),
                    });
                }
            },
        }
    }
    Ok(vip)
}

fn option_ip(arg: &Arg, keyword: &str) -> Result<IpAddr, ConfigError> {
    arg.text.parse().map_err(|_| ConfigError::BadValue {
        at: arg.at.clone(),
        keyword: keyword.into(),
        expected: "an IPv4 or IPv6 address".into(),
        found: arg.text.clone(),
    })
}

/// Every line of `unicast_peer { ADDR [min_ttl N] [max_ttl N] ... }`.
pub(crate) fn unicast_peers(
    ctx: &mut Ctx<'_>,
    node: &Node,
) -> Result<Vec<UnicastPeer>, ConfigError> {
    let mut peers = Vec::new();
    for line in ctx.block(node)? {
        ctx.no_block(line)?;
        let addr = line.keyword.parse().map_err(|_| ConfigError::BadValue {
            at: line.at.clone(),
            keyword: node.keyword.clone(),
            expected: "an IPv4 or IPv6 address".into(),
            found: line.keyword.clone(),
        })?;
        let mut peer = UnicastPeer {
            addr,
            min_ttl: None,
            max_ttl: None,
            at: line.at.clone(),
        };
        let mut args = line.args.iter();
        while let Some(option) = args.next() {
            let slot = match option.text.as_str() {
                "min_ttl" => &mut peer.min_ttl,
                "max_ttl" => &mut peer.max_ttl,
                _ => return Err(bad(line, option, "min_ttl N, max_ttl N or nothing")),
            };
            let value = args.next().ok_or_else(|| ConfigError::MissingValue {
                at: option.at.clone(),
                keyword: option.text.clone(),
                expected: "a TTL 0..255".into(),
            })?;
            let option_node = Node {
                keyword: option.text.clone(),
                at: option.at.clone(),
                args: Vec::new(),
                block: None,
            };
            let ttl = number_in(&option_node, value, 0, 255)?;
            *slot = Some(u8::try_from(ttl).unwrap_or(u8::MAX));
        }
        peers.push(peer);
    }
    Ok(peers)
}

/// The address family of a `vrrp_instance`, decided as keepalived decides
/// it while reading: by the first `virtual_ipaddress` or `unicast_peer`
/// address in file order, or by `native_ipv6`.
#[derive(Debug, Default)]
pub(crate) struct FamilyChoice {
    /// The family, once an address or `native_ipv6` has decided it.
    pub(crate) decided: Option<Family>,
}

impl FamilyChoice {
    /// Decides by `first`, the first address of a list just read, unless
    /// decided already.
    pub(crate) fn decide(&mut self, first: Option<IpAddr>) {
        if self.decided.is_none() {
            self.decided = first.map(|addr| Family::of(&addr));
        }
    }

    /// Drops the virtual addresses and peers of the other family, each with
    /// a warning: keepalived ignores them the same way.
    pub(crate) fn keep_one(&self, ctx: &mut Ctx<'_>, inst: &mut VrrpInstance) {
        let Some(family) = self.decided else {
            return;
        };
        let name = inst.name.clone();
        let mut dropped = |keyword: &str, addr: &IpAddr, at: &Span| {
            ctx.warn(
                at,
                format!(
                    "{keyword} {addr} ignored: it is {}, but vrrp_instance {name} is {family} \
                     (decided by its first address), as keepalived ignores it; put it in \
                     virtual_ipaddress_excluded or in an instance of its own family",
                    Family::of(addr)
                ),
            );
        };
        inst.virtual_ipaddress.retain(|vip| {
            let keep = Family::of(&vip.addr) == family;
            if !keep {
                dropped("virtual_ipaddress", &vip.addr, &vip.at);
            }
            keep
        });
        inst.unicast_peers.retain(|peer| {
            let keep = Family::of(&peer.addr) == family;
            if !keep {
                dropped("unicast_peer", &peer.addr, &peer.at);
            }
            keep
        });
    }
}

/// `authentication { auth_type PASS|AH  auth_pass SECRET }`.
pub(crate) fn authentication(
    ctx: &mut Ctx<'_>,
    node: &Node,
) -> Result<Authentication, ConfigError> {
    let mut auth = Authentication {
        at: node.at.clone(),
        auth_type: None,
        auth_pass: None,
    };
    let mut type_written = false;
    for item in ctx.block(node)? {
        match item.keyword.as_str() {
            "auth_type" => {
                type_written = true;
                let arg = ctx.value(item, "PASS or AH")?;
                let kind = match arg.text.as_str() {
                    "PASS" => AuthType::Pass,
                    "AH" => AuthType::Ah,
                    other => {
                        ctx.warn(
                            &arg.at,
                            format!(
                                "unknown auth_type `{other}`: adverts carry no authentication \
                                 (as keepalived does); write PASS or AH"
                            ),
                        );
                        continue;
                    }
                };
                auth.auth_type = Some(Spanned::new(kind, arg.at.clone()));
            }
            "auth_pass" => {
                let arg = ctx.value(item, "a password")?;
                let bytes = arg.text.as_bytes();
                if bytes.len() > AUTH_PASS_LEN {
                    let kept = String::from_utf8_lossy(&bytes[..AUTH_PASS_LEN]);
                    ctx.warn(
                        &item.at,
                        format!(
                            "auth_pass is {} bytes long; VRRPv2 carries only 8, so it is truncated \
                             to \"{kept}\" (as keepalived does): peers must use the same first 8 bytes",
                            bytes.len()
                        ),
                    );
                }
                let kept = bytes[..bytes.len().min(AUTH_PASS_LEN)].to_vec();
                auth.auth_pass = Some(Spanned::new(kept, arg.at.clone()));
            }
            _ => ctx.unknown(item, "authentication"),
        }
    }
    if !type_written {
        ctx.warn(
            &node.at,
            "authentication without auth_type: adverts carry no authentication \
             (as keepalived does); add `auth_type PASS`",
        );
    }
    Ok(auth)
}
