//! keepalived's linkbeat keywords: `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`
//! and `linkbeat_use_polling` (top level; in a vrrp_instance, deprecated).
//!
//! keepalived 2.4.3 (vrrp_if.c, `if_linkbeat_refresh_thread`) polls such
//! an interface every second: up is the PHY's link (MII registers, else
//! ethtool's `GLINK`, which most drivers answer with the carrier) and the
//! `IFF_UP` and `IFF_RUNNING` flags; it then ignores netlink's link
//! changes for it. Without linkbeat it takes the same flags from netlink,
//! as we always do: `IFF_RUNNING` follows the carrier (the kernel sets it
//! from the operational state), so both see the same states, netlink at
//! once rather than within a poll. Only a driver that never reports its
//! carrier to the kernel tells them apart; there polling is the cure, and
//! we have none. So the keywords are read, checked as keepalived checks
//! them, and change nothing.

use super::error::{ConfigError, Spanned};
use super::parser::Node;
use super::values::Ctx;

/// What the note on each says.
const SAME_EFFECT: &str = "link state comes from netlink here (IFF_UP and IFF_RUNNING, which \
                           follows the carrier): the states keepalived's polling sees, seen at \
                           once rather than within its 1 s poll";

/// The interfaces of a `linkbeat_interfaces` block, each where written.
/// A type other than MII, ETHTOOL or IOCTL, or anything after it, is
/// warned, as keepalived reports it (and still polls the interface).
pub(crate) fn linkbeat_interfaces(
    ctx: &mut Ctx<'_>,
    node: &Node,
) -> Result<Vec<Spanned<String>>, ConfigError> {
    let items = ctx.block(node)?;
    ctx.info(&node.at, format!("`linkbeat_interfaces`: {SAME_EFFECT}"));
    let mut interfaces = Vec::with_capacity(items.len());
    for item in items {
        ctx.no_block(item)?;
        let known = |arg: &str| matches!(arg, "MII" | "ETHTOOL" | "IOCTL");
        match item.args.as_slice() {
            [] => {}
            [kind] if known(&kind.text) => {}
            [kind, ..] => ctx.warn(
                &kind.at,
                format!(
                    "extra characters {} in linkbeat interface {} (MII, ETHTOOL or IOCTL \
                     expected): ignored, as keepalived ignores them",
                    kind.text, item.keyword
                ),
            ),
        }
        interfaces.push(Spanned::new(item.keyword.clone(), item.at.clone()));
    }
    Ok(interfaces)
}

/// `linkbeat_use_polling`: at the top level keepalived polls every
/// instance's interface (arguments unread); in a vrrp_instance, its own,
/// with a complaint that it is deprecated (keepalived's `-t` fails there).
pub(crate) fn use_polling(ctx: &mut Ctx<'_>, node: &Node, in_instance: bool) {
    if in_instance {
        ctx.warn(
            &node.at,
            format!(
                "'linkbeat_use_polling' in vrrp instance is deprecated in keepalived (use a \
                 linkbeat_interfaces block; keepalived's -t reports it); {SAME_EFFECT}"
            ),
        );
    } else {
        ctx.info(&node.at, format!("`linkbeat_use_polling`: {SAME_EFFECT}"));
    }
}
