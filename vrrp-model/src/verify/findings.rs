//! Settings that make two hosts of one virtual router deaf to each other:
//! each is a finding in itself, named with both files' lines. The
//! scenarios then show what the deafness does. And notes: what the model
//! leaves out, or what would be deaf with keepalived on the other side.

use std::fmt;
use std::net::IpAddr;

use vrrp_core::wire::{Family, Version};
use vrrp_keepalived::conf::Span;

use super::hosts::{Host, Member, VirtualRouter};

/// A failure in the files themselves, and why: two hosts that cannot
/// hear each other, or a sync group whose members pull apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `DEAF` or `FLAPS`: what the report calls it.
    pub label: &'static str,
    /// What differs, with `file:line:col` of both sides.
    pub message: String,
}

impl Finding {
    /// Two hosts that drop each other's adverts.
    pub fn deaf(message: String) -> Self {
        Self {
            label: "DEAF",
            message,
        }
    }

    /// Members of one sync group that undo each other's takeovers.
    pub fn flaps(message: String) -> Self {
        Self {
            label: "FLAPS",
            message,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every pair of members of `router` that would drop each other's adverts,
/// and, for a router on one host, an instance of the same name on another
/// host with another VRID or family: two routers, each alone.
pub fn deafness(hosts: &[Host], router: &VirtualRouter) -> Vec<Finding> {
    let mut out = Vec::new();
    if let [alone] = &router.members[..] {
        for (h, host) in hosts.iter().enumerate().filter(|&(h, _)| h != alone.host) {
            for other in host
                .config
                .instances
                .iter()
                .filter(|i| i.name == router.name)
            {
                let vrid = |i: &vrrp_keepalived::conf::VrrpInstance| {
                    i.virtual_router_id.as_ref().map(|v| v.at.clone())
                };
                out.push(Finding::deaf(format!(
                    "{}'s {} ({}) and {}'s ({}) are not one virtual router: another VRID or \
                         family, so each is alone and never hears the other",
                    hosts[alone.host].name,
                    router.name,
                    at(alone, vrid(&alone.instance).as_ref()),
                    hosts[h].name,
                    vrid(other).map_or_else(|| other.at.to_string(), |s| s.to_string()),
                )));
            }
        }
    }
    for (i, a) in router.members.iter().enumerate() {
        for b in &router.members[i + 1..] {
            pair(hosts, a, b, &mut out);
        }
    }
    for a in &router.members {
        for b in &router.members {
            if a.host != b.host {
                unicast(hosts, a, b, &mut out);
            }
        }
    }
    out
}

/// Where an instance says it, or where the instance starts ("not set").
fn at(member: &Member, span: Option<&Span>) -> String {
    match span {
        Some(span) => span.to_string(),
        None => format!("{}, not set", member.instance.at),
    }
}

fn pair(hosts: &[Host], a: &Member, b: &Member, out: &mut Vec<Finding>) {
    let (ca, cb) = (&a.config, &b.config);
    let (na, nb) = (&hosts[a.host].name, &hosts[b.host].name);
    let mut say = |what: String| out.push(Finding::deaf(what));
    if ca.version != cb.version {
        say(format!(
            "{na} runs VRRPv{} ({}) and {nb} VRRPv{} ({}): each drops the other's adverts \
             (wrong version)",
            version(ca.version),
            at(a, a.instance.version.as_ref().map(|v| &v.at)),
            version(cb.version),
            at(b, b.instance.version.as_ref().map(|v| &v.at)),
        ));
        return;
    }
    let multicast = ca.unicast_peers.is_empty() && cb.unicast_peers.is_empty();
    if multicast && ca.group() != cb.group() {
        let group_at = |m: &Member| {
            let written = hosts[m.host].config.multicast_group(&m.instance);
            at(m, written.map(|g| &g.at))
        };
        say(format!(
            "{na} sends to multicast group {} ({}) and {nb} to {} ({}): neither hears the \
             other's group",
            ca.group(),
            group_at(a),
            cb.group(),
            group_at(b),
        ));
        return;
    }
    if ca.version == Version::V2 && ca.advert_interval != cb.advert_interval {
        say(format!(
            "{na} advertises every {} s ({}) and {nb} every {} s ({}): VRRPv2 drops adverts \
             of another interval (RFC 3768 §7.1), so each hears nobody",
            ca.advert_interval / 100,
            at(a, a.instance.advert_int.as_ref().map(|v| &v.at)),
            cb.advert_interval / 100,
            at(b, b.instance.advert_int.as_ref().map(|v| &v.at)),
        ));
    }
    if ca.version == Version::V2 && ca.auth != cb.auth {
        let auth = |m: &Member| {
            let auth = m.instance.authentication.as_ref();
            auth.and_then(|x| x.auth_pass.as_ref().map(|p| p.at.clone()))
                .or_else(|| auth.map(|x| x.at.clone()))
        };
        say(format!(
            "{na} ({}) and {nb} ({}) authenticate differently: each drops the other's adverts \
             (RFC 3768 §7.1)",
            at(a, auth(a).as_ref()),
            at(b, auth(b).as_ref()),
        ));
    }
    let vips = |m: &Member| {
        let mut v: Vec<IpAddr> = m.config.virtual_addresses.clone();
        v.sort();
        v
    };
    if vips(a) != vips(b) && (ca.check_address_list || cb.check_address_list) {
        let first = |m: &Member| m.instance.virtual_ipaddress.first().map(|v| v.at.clone());
        say(format!(
            "{na} ({}) and {nb} ({}) list different virtual addresses: an advert whose address \
             list differs is dropped (RFC 3768 §7.1)",
            at(a, first(a).as_ref()),
            at(b, first(b).as_ref()),
        ));
    }
}

/// What the model leaves out for `router`, in words: a sync-group member
/// whose tracked object has a weight moves alone in the model, while the
/// daemon's sync group drags its siblings after it (a member's own
/// weights count only where its group says `sync_group_tracking_weight`:
/// without it the reader, as keepalived, has already unweighted or
/// dropped them).
///
/// And two hosts that compute the VRRPv3 checksum over IPv4 differently
/// (`v3_checksum_as_v2`): this daemon accepts both forms, so the model
/// (and a deployment of this daemon) is not deaf, but keepalived on either
/// side drops the other form.
pub fn notes(hosts: &[Host], router: &VirtualRouter) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in router.members.iter().enumerate() {
        for b in &router.members[i + 1..] {
            let v3_ipv4 = a.config.version == Version::V3 && a.config.family() == Family::Ipv4;
            if v3_ipv4 && a.config.v3_checksum_as_v2 != b.config.v3_checksum_as_v2 {
                out.push(format!(
                    "{} ({}) and {} ({}) compute the VRRPv3 checksum differently \
                     (v3_checksum_as_v2): this daemon accepts both forms, keepalived drops the \
                     other one",
                    hosts[a.host].name, a.instance.at, hosts[b.host].name, b.instance.at,
                ));
            }
        }
    }
    for member in &router.members {
        let Some(group) = &member.sync_group else {
            continue;
        };
        for object in member.tracked.iter().filter(|o| o.weight != 0) {
            out.push(format!(
                "{}: {} {} has weight {} ({}) in sync group {group}: here {} moves alone; the \
                 daemon moves the whole group with it, which this model does not run \
                 (its group's sync_group_tracking_weight lets the weight apply)",
                hosts[member.host].name,
                object.kind,
                object.name,
                object.weight,
                object.at,
                member.instance.name,
            ));
        }
    }
    out
}

/// `a` sends unicast and its peer list leaves `b` out: a one-way link.
fn unicast(hosts: &[Host], a: &Member, b: &Member, out: &mut Vec<Finding>) {
    let (na, nb) = (&hosts[a.host].name, &hosts[b.host].name);
    if a.instance.unicast_peers.is_empty() {
        if !b.instance.unicast_peers.is_empty() {
            out.push(Finding::deaf(format!(
                "{na} sends to the multicast group ({} has no unicast_peer) and {nb} to \
                     unicast peers ({}): {nb} drops {na}'s adverts, which come from no listed peer",
                a.instance.at, b.instance.unicast_peers[0].at
            )));
        }
        return;
    }
    let Some(src) = &b.instance.unicast_src_ip else {
        return;
    };
    if !a.instance.unicast_peers.iter().any(|p| p.addr == src.value) {
        out.push(Finding::deaf(format!(
            "{na}'s unicast_peer list ({}) leaves out {nb} ({}, {}): {na}'s adverts never \
                 reach {nb}, a one-way link",
            a.instance.unicast_peers[0].at, src.value, src.at
        )));
    }
}

fn version(v: Version) -> u8 {
    match v {
        Version::V2 => 2,
        _ => 3,
    }
}
