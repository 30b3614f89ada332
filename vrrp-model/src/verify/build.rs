//! A virtual router's members → the model's [`Setup`]: each member's own
//! core configuration, moved into the model's addresses.
//!
//! The model names router `i` 192.0.2.(i+1) ([`Setup::address`]). Members
//! are ordered by their real source address (`unicast_src_ip` or
//! `mcast_src_ip`) when every file gives one, so the tie-break between
//! equal priorities is the real one; else in the order of the files, and
//! the report says that the addresses are assumed. Unicast peers are
//! mapped the same way. Each distinct virtual address list becomes one
//! address, so lists that differ still differ and every advert fits the
//! model's frame.
//!
//! An IPv6 virtual router is modelled the same way, over IPv4 addresses in
//! the order of its real ones. This is sound because VRRPv3 (the only
//! version over IPv6) runs the same state machine over both families: the
//! tie-break compares the primary addresses, whose order the mapping keeps;
//! the checksum always covers a pseudo-header over IPv6, so
//! `v3_checksum_as_v2`, which has no effect there, is cleared before it
//! could make IPv4 routers deaf to each other.

use std::net::{IpAddr, Ipv4Addr};

use vrrp_core::Tracking;
use vrrp_core::wire::Family;

use super::hosts::{Member, VirtualRouter};
use crate::setup::{HostSettings, Setup};

/// The model of one virtual router, before a scenario picks its faults.
#[derive(Clone, Debug)]
pub struct Built {
    /// Router `i` of the model is member `order[i]`.
    pub order: Vec<usize>,
    /// Whether the tie-break order is assumed (some file gives no source address).
    pub assumed_order: bool,
    /// The base setup: configurations, every object up, no faults.
    pub setup: Setup,
}

/// Builds the model of `router`, or says why it cannot be modelled.
pub fn build(router: &VirtualRouter) -> Result<Built, String> {
    if router.members.len() > 6 {
        return Err("more than 6 hosts are beyond exhaustive checking".into());
    }
    let real = |m: &Member| Some(m.config.primary_address).filter(|a| !a.is_unspecified());
    let mut order: Vec<usize> = (0..router.members.len()).collect();
    let assumed_order = router.members.iter().any(|m| real(m).is_none());
    if !assumed_order {
        order.sort_by_key(|&m| real(&router.members[m]));
    }
    let members: Vec<&Member> = order.iter().map(|&m| &router.members[m]).collect();
    let mut vip_lists: Vec<Vec<IpAddr>> = Vec::new();
    let mut groups: Vec<IpAddr> = Vec::new();
    let mut hosts = Vec::new();
    for (i, member) in members.iter().enumerate() {
        let mut config = member.config.clone();
        config.primary_address = Setup::address(i);
        let mut list = config.virtual_addresses.clone();
        list.sort();
        let k = vip_lists
            .iter()
            .position(|l| *l == list)
            .unwrap_or_else(|| {
                vip_lists.push(list);
                vip_lists.len() - 1
            });
        let host = u8::try_from(100 + k).unwrap_or(u8::MAX);
        config.virtual_addresses = vec![Ipv4Addr::new(192, 0, 2, host).into()];
        config.unicast_peers = peers(member, &members);
        if router.family == Family::Ipv6 {
            config.v3_checksum_as_v2 = false;
            // Another group than VRRP's, as an IPv4 stand-in, one per
            // group: only which hosts share a group matters.
            config.multicast_group = config
                .multicast_group
                .filter(|g| *g != Family::Ipv6.multicast())
                .map(|g| {
                    let k = groups.iter().position(|x| *x == g).unwrap_or_else(|| {
                        groups.push(g);
                        groups.len() - 1
                    });
                    Ipv4Addr::new(239, 0, 0, u8::try_from(k + 1).unwrap_or(u8::MAX)).into()
                });
        }
        let up = tracking(member, None);
        hosts.push(HostSettings {
            config,
            healthy: up,
            degraded: up,
        });
    }
    let mut setup = Setup::new(members.len(), members[0].config.advert_interval);
    setup.priorities = members.iter().map(|m| m.config.priority).collect();
    setup.advert = members.iter().map(|m| m.config.advert_interval).collect();
    setup.version = members[0].config.version;
    setup.preempt = members.iter().all(|m| m.config.preempt);
    setup.hosts = hosts;
    Ok(Built {
        order,
        assumed_order,
        setup,
    })
}

/// `member`'s unicast peers in model addresses: each listed peer that is
/// another member's real address; a member whose address no file gives
/// counts as listed if some peer matches no known member.
fn peers(member: &Member, members: &[&Member]) -> Vec<IpAddr> {
    let listed = &member.config.unicast_peers;
    if listed.is_empty() {
        return Vec::new();
    }
    let real = |m: &Member| Some(m.config.primary_address).filter(|a| !a.is_unspecified());
    let unmatched = listed
        .iter()
        .any(|p| !members.iter().any(|m| real(m) == Some(*p)));
    (0..members.len())
        .filter(|&j| match real(members[j]) {
            Some(address) => listed.contains(&address),
            None => unmatched && members[j].host != member.host,
        })
        .map(Setup::address)
        .collect()
}

/// What `member`'s tracked objects say with object `down` down (the
/// others up).
pub fn tracking(member: &Member, down: Option<usize>) -> Tracking {
    Tracking::sum(
        member
            .tracked
            .iter()
            .enumerate()
            .map(|(k, object)| object.contribution(down != Some(k))),
    )
}
