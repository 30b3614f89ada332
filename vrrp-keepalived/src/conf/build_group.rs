//! Where adverts go: the multicast group (`vrrp_mcast_group4`,
//! `vrrp_mcast_group6` in `global_defs`, `mcast_dst_ip` in an instance) and
//! the TTL of unicast adverts (`unicast_ttl`).
//!
//! keepalived skips a value it cannot use with an error and runs the rest
//! of the file; so do we, with a warning at the value.

use std::net::IpAddr;

use super::error::{ConfigError, Spanned};
use super::instance::VrrpInstance;
use super::model::Family;
use super::parser::Node;
use super::values::Ctx;

/// `vrrp_mcast_group4` / `vrrp_mcast_group6` (`family` given: the keyword's)
/// or `mcast_dst_ip` (`family` None: the instance's, checked once it is
/// known). `None` when keepalived would skip it: not an address, of the
/// other family, not multicast, or (`mcast_dst_ip`) an IPv6 group that is
/// not link-local. A global IPv6 group that is not link-local is used with a
/// warning, as keepalived uses it.
pub(crate) fn multicast_group(
    ctx: &mut Ctx<'_>,
    node: &Node,
    family: Option<Family>,
) -> Result<Option<Spanned<IpAddr>>, ConfigError> {
    let arg = ctx.value(node, "a multicast group address")?;
    let keyword = &node.keyword;
    let Ok(group) = arg.text.parse::<IpAddr>() else {
        let message = format!(
            "{keyword} {}: not an IP address; ignored (keepalived skips it too), adverts go to \
             the default group",
            arg.text
        );
        ctx.warn(&arg.at, message);
        return Ok(None);
    };
    let skip = |why: &str| {
        format!(
            "{keyword} {group}: {why}; ignored (keepalived skips it too), adverts go to the \
             default group"
        )
    };
    if let Some(family) = family.filter(|f| *f != Family::of(&group)) {
        ctx.warn(&arg.at, skip(&format!("not {family}")));
        return Ok(None);
    }
    if !group.is_multicast() {
        ctx.warn(&arg.at, skip("not a multicast address"));
        return Ok(None);
    }
    if let IpAddr::V6(v6) = group
        && !is_link_local_multicast(v6)
    {
        if family.is_none() {
            ctx.warn(
                &arg.at,
                skip("not a link-local (ff02::/16) multicast group"),
            );
            return Ok(None);
        }
        ctx.warn(
            &arg.at,
            format!(
                "{keyword} {group}: should be a link-local (ff02::/16) group, as keepalived \
                 warns; used"
            ),
        );
    }
    Ok(Some(Spanned::new(group, arg.at.clone())))
}

/// keepalived's `IN6_IS_ADDR_MC_LINKLOCAL`: ff02::/16, whatever the flags.
fn is_link_local_multicast(group: std::net::Ipv6Addr) -> bool {
    group.segments()[0] & 0xff0f == 0xff02
}

/// `unicast_ttl N`, 0..=255; another value is skipped with a warning, as
/// keepalived skips it.
pub(crate) fn unicast_ttl(
    ctx: &mut Ctx<'_>,
    node: &Node,
) -> Result<Option<Spanned<u8>>, ConfigError> {
    let arg = ctx.value(node, "a TTL 0..255")?;
    match arg.text.parse::<u8>() {
        Ok(ttl) => Ok(Some(Spanned::new(ttl, arg.at.clone()))),
        Err(_) => {
            let message = format!(
                "unicast_ttl {}: not a TTL 0..255; ignored (keepalived skips it too), unicast \
                 adverts go out with TTL 255",
                arg.text
            );
            ctx.warn(&arg.at, message);
            Ok(None)
        }
    }
}

/// Once the instance is read: `mcast_dst_ip` is for multicast instances of
/// its family, `unicast_ttl` for unicast ones; keepalived ignores each
/// elsewhere (but for a TTL of 0 on multicast), and so do we, with a warning.
pub(crate) fn unicast_or_multicast(ctx: &mut Ctx<'_>, inst: &mut VrrpInstance) {
    let name = &inst.name;
    let unicast = !inst.unicast_peers.is_empty();
    let family = inst.family();
    if let Some(group) = inst
        .mcast_dst_ip
        .take_if(|g| Family::of(&g.value) != family)
    {
        let message = format!(
            "mcast_dst_ip {}: vrrp_instance {name} is {family}; ignored (keepalived skips it too)",
            group.value
        );
        ctx.warn(&group.at, message);
    }
    if let Some(group) = inst.mcast_dst_ip.take_if(|_| unicast) {
        let message = format!(
            "mcast_dst_ip {} ignored: vrrp_instance {name} sends unicast to its unicast_peer \
             (as keepalived ignores it)",
            group.value
        );
        ctx.warn(&group.at, message);
    }
    // keepalived "resets" it to 0, and then sends its multicast adverts
    // with TTL 0: none leaves the host (seen with 2.2.7 and 2.4.3).
    if let Some(ttl) = inst.unicast_ttl.take_if(|_| !unicast) {
        let message = format!(
            "unicast_ttl {} ignored: vrrp_instance {name} has no unicast_peer; its multicast \
             adverts go out with TTL 255 (keepalived sets TTL 0 there, so none of its adverts \
             leaves the host); remove unicast_ttl",
            ttl.value
        );
        ctx.warn(&ttl.at, message);
    }
}
