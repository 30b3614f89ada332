//! A vrrp_instance without `interface`, as keepalived 2.4.3 reads it
//! (vrrp_parser.c `vrrp_end_handler`; vrrp.c `chk_min_cfg`,
//! `vrrp_complete_instance`). keepalived 2.2.7 refuses every one ("Unknown
//! interface!"); 2.4.3 runs a *unicast* one whose source address
//! (`unicast_src_ip`, or `mcast_src_ip`) is given and not IPv6 link-local:
//! its socket is bound to that address and to no device, so routing picks
//! the way out. We follow 2.4.3 (issue 13): [`settle`] does what it changes,
//! [`check`] refuses what it refuses, and what it runs that this daemon
//! cannot (a VRF: `build_vrf.rs`) is refused saying so.

use std::net::IpAddr;

use super::error::{ConfigError, Span, Spanned, Warning};
use super::instance::VrrpInstance;

/// What keepalived 2.4.3 changes in a unicast instance without
/// `interface`: its `use_vmac`/`use_ipvlan` cleared (vrrp_parser.c: "Cannot
/// use VMAC/ipvlan with unicast and no interface - clearing use_vmac"), a
/// VIP or excluded VIP without `dev` removed (vrrp.c: "no interface for vip
/// ... - removing"), and its own `track_interface` ignored (vrrp.c tracks
/// them only `if (vrrp->ifp)`, without a word; a sync group's still
/// counts). Each is warned at its line.
pub(crate) fn settle(inst: &mut VrrpInstance, warnings: &mut Vec<Warning>) {
    // Unicast, or held in FAULT for want of peers (unicast_fault_no_peer).
    let runs = inst.is_unicast() || inst.unicast_fault_no_peer.is_some();
    if inst.interface.is_some() || !runs {
        return;
    }
    let name = inst.name.clone();
    let vmac = inst.use_vmac.take().map(|v| ("use_vmac", v.at));
    let ipvlan = inst.use_ipvlan.take().map(|i| ("use_ipvlan", i.at));
    for (keyword, at) in vmac.into_iter().chain(ipvlan) {
        warnings.push(Warning::new(
            at,
            format!(
                "vrrp_instance {name} has no `interface`, so no VMAC: {keyword} is ignored, as \
                 keepalived 2.4.3 clears it"
            ),
        ));
    }
    for (block, list) in [
        ("virtual_ipaddress", &mut inst.virtual_ipaddress),
        (
            "virtual_ipaddress_excluded",
            &mut inst.virtual_ipaddress_excluded,
        ),
    ] {
        list.retain(|vip| {
            if vip.dev.is_some() {
                return true;
            }
            warnings.push(Warning::new(
                vip.at.clone(),
                format!(
                    "{block} {} has no `dev` and vrrp_instance {name} no `interface`: the \
                     address is dropped, as keepalived 2.4.3 drops it; add `dev IFNAME`",
                    vip.addr
                ),
            ));
            false
        });
    }
    for tracked in inst.track_interfaces.drain(..) {
        warnings.push(Warning::new(
            tracked.at,
            format!(
                "track_interface {} is ignored: vrrp_instance {name} has no `interface` and \
                 keepalived 2.4.3 ignores its track_interface then (silently); a \
                 vrrp_sync_group's track_interface, or a VIP on that link, still counts",
                tracked.name
            ),
        ));
    }
}

/// The errors of an instance without `interface` (with one: none), in
/// keepalived 2.4.3's order.
pub(crate) fn check(inst: &VrrpInstance) -> Result<(), ConfigError> {
    if inst.interface.is_some() {
        return Ok(());
    }
    let name = &inst.name;
    let refuse = |at: &Span, why: String| Err(ConfigError::invalid(at, why));
    let fault_no_peer = inst
        .unicast_fault_no_peer
        .as_ref()
        .filter(|_| !inst.is_unicast());
    if !inst.is_unicast() && fault_no_peer.is_none() {
        // chk_min_cfg: "Unknown interface!" (a unicast keyword without
        // peers passes it, and then falls back to multicast: refused too).
        return refuse(
            &inst.at,
            format!(
                "vrrp_instance {name} has no `interface`: a multicast instance needs the \
                 interface its adverts use (keepalived: \"Unknown interface!\"); name it, or make \
                 the instance unicast (unicast_peer and unicast_src_ip), which keepalived 2.4.3 \
                 runs without one"
            ),
        );
    }
    let Some(src) = source(inst) else {
        return refuse(
            &inst.at,
            format!(
                "unicast vrrp_instance {name} has neither `interface` nor `unicast_src_ip`: \
                 without an interface its adverts need a source address (keepalived 2.4.3: \
                 \"Unicast instances must have unicast_src_ip or interface\")"
            ),
        );
    };
    if matches!(src.value, IpAddr::V6(v6) if v6.is_unicast_link_local()) {
        return refuse(
            &src.at,
            format!(
                "source {} of vrrp_instance {name} is IPv6 link-local, which names no link: \
                 without `interface` it must be a global address, or name the interface \
                 (keepalived 2.4.3: \"Non link-local address required if interface omitted\")",
                src.value
            ),
        );
    }
    if inst.dont_track_primary {
        let at = inst.written.get("dont_track_primary").unwrap_or(&inst.at);
        return refuse(
            at,
            format!(
                "dont_track_primary needs an `interface`, which vrrp_instance {name} has not: \
                 remove it (keepalived 2.4.3 crashes on it; mark a VIP `no_track` to stop \
                 tracking its link)"
            ),
        );
    }
    Ok(())
}

/// keepalived 2.4.3 `check_vrid_conflicts`: two unicast instances of one
/// VRID and family, one of them (at least) without `interface`, conflict
/// when they send from the same address to a shared peer. (Both on one
/// interface: `validate.rs`.) An instance whose source is its interface's
/// address is not compared: that address is the host's, not the file's.
pub(crate) fn check_vrid_conflicts(instances: &[VrrpInstance]) -> Result<(), ConfigError> {
    for (n, later) in instances.iter().enumerate() {
        let Some(vrid) = &later.virtual_router_id else {
            continue;
        };
        let conflict = instances[..n].iter().find(|first| {
            (first.interface.is_none() || later.interface.is_none())
                && first.is_unicast()
                && later.is_unicast()
                && first.virtual_router_id.as_ref().map(|v| v.value) == Some(vrid.value)
                && first.family() == later.family()
                && source(first).is_some_and(|s| Some(s.value) == source(later).map(|l| l.value))
                && (first.unicast_peers.iter())
                    .any(|p| later.unicast_peers.iter().any(|q| q.addr == p.addr))
        });
        if let Some(first) = conflict {
            return Err(ConfigError::invalid(
                &vrid.at,
                format!(
                    "virtual_router_id {} is already used for {} by vrrp_instance {} ({}), from \
                     the same source to a shared unicast peer: each virtual router needs its \
                     own VRID there (keepalived 2.4.3: \"duplicate VRID conflict\")",
                    vrid.value,
                    later.family(),
                    first.name,
                    first.at
                ),
            ));
        }
    }
    Ok(())
}

/// The source address the file gives: `unicast_src_ip`, else `mcast_src_ip`.
fn source(inst: &VrrpInstance) -> Option<&Spanned<IpAddr>> {
    inst.unicast_src_ip.as_ref().or(inst.mcast_src_ip.as_ref())
}

#[cfg(test)]
mod tests {
    use vrrp_io_linux::driver::Tracked;

    use crate::conf::parse_str;

    /// A unicast instance without `interface`, `extra` lines added.
    fn unbound(extra: &str) -> String {
        format!(
            "vrrp_instance V {{\n virtual_router_id 1\n unicast_src_ip 192.0.2.1\n \
             unicast_peer {{\n  192.0.2.2\n }}\n{extra}}}\n"
        )
    }

    fn error(text: &str) -> String {
        parse_str(text, "u.conf").unwrap_err().to_string()
    }

    /// What 2.4.3 runs reaches the driver as it accepts it: no interface,
    /// every VIP on its link, no VMAC, no track_interface of the instance's
    /// own (a sync group's stays); each change warned at its line.
    #[test]
    fn the_accepted_construct_reaches_the_driver_unbound() {
        let text = format!(
            "vrrp_sync_group G {{\n group {{\n  V\n }}\n track_interface {{\n  eth3\n }}\n}}\n{}",
            unbound(
                " use_vmac\n track_interface {\n  eth2 weight -10\n }\n virtual_ipaddress {\n  \
                 192.0.2.10/24 dev eth1\n  192.0.2.11/24\n }\n virtual_ipaddress_excluded {\n  \
                 198.18.0.1/24 dev eth1\n  198.18.0.2/24\n }\n"
            )
        );
        let loaded = parse_str(&text, "u.conf").unwrap();
        let said: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
        for (at, what) in [
            ("u.conf:15:2:", "use_vmac is ignored"),
            ("u.conf:17:3:", "track_interface eth2 is ignored"),
            ("u.conf:21:3:", "virtual_ipaddress 192.0.2.11 has no `dev`"),
            (
                "u.conf:25:3:",
                "virtual_ipaddress_excluded 198.18.0.2 has no `dev`",
            ),
        ] {
            assert!(
                said.iter().any(|w| w.starts_with(at) && w.contains(what)),
                "{at} {what}: {said:#?}"
            );
        }
        let driver = crate::driver_config(&loaded.config).unwrap();
        let spec = &driver.instances[0];
        assert_eq!(spec.interface, None);
        assert_eq!(
            spec.vrrp.primary_address,
            "192.0.2.1".parse::<std::net::IpAddr>().unwrap()
        );
        let addrs: Vec<String> = spec.vips.iter().map(|v| v.addr.to_string()).collect();
        assert_eq!(addrs, ["192.0.2.10"]);
        let excluded: Vec<String> = spec
            .excluded_vips
            .iter()
            .map(|v| v.addr.to_string())
            .collect();
        assert_eq!(excluded, ["198.18.0.1"]);
        assert!(
            spec.vips
                .iter()
                .chain(&spec.excluded_vips)
                .all(|v| v.interface.as_deref() == Some("eth1"))
        );
        assert_eq!(spec.vmac, None);
        assert!(spec.addr_vmacs.is_empty());
        let tracked: Vec<&Tracked> = spec.track.iter().map(|(t, _)| t).collect();
        assert_eq!(tracked, [&Tracked::Interface("eth3".into())]);
    }

    /// Its addresses' VMACs it has, as keepalived 2.4.3 makes them: with
    /// `use_vmac_addr` each VIP's `dev` is "another interface", so each
    /// VIP lives on a VMAC of its link.
    #[test]
    fn use_vmac_addr_puts_each_vip_on_a_vmac_of_its_link() {
        let vip = " virtual_ipaddress {\n  192.0.2.10/24 dev eth1\n }\n";
        let loaded = parse_str(&unbound(&format!(" use_vmac_addr\n{vip}")), "u.conf").unwrap();
        let spec = &crate::driver_config(&loaded.config).unwrap().instances[0];
        assert_eq!(spec.interface, None);
        let vmacs: Vec<_> = spec
            .addr_vmacs
            .iter()
            .map(|v| (&v.name, &v.parent))
            .collect();
        assert_eq!(vmacs, [(&"vrrp.1".to_owned(), &"eth1".to_owned())]);
        assert_eq!(spec.vips[0].interface.as_deref(), Some("vrrp.1"));
    }

    /// `mcast_src_ip` is a source as well (keepalived's handler is the
    /// same), and an IPv6 instance with a global one runs too.
    #[test]
    fn any_written_global_source_will_do() {
        let text = "vrrp_instance V {\n virtual_router_id 1\n mcast_src_ip 2001:db8::1\n \
                    unicast_peer {\n  2001:db8::2\n }\n virtual_ipaddress {\n  \
                    2001:db8::10/64 dev eth1\n }\n}\n";
        let loaded = parse_str(text, "u.conf").unwrap();
        let spec = &crate::driver_config(&loaded.config).unwrap().instances[0];
        assert_eq!(spec.interface, None);
        assert_eq!(spec.vrrp.primary_address.to_string(), "2001:db8::1");
    }

    /// What 2.4.3 refuses (or crashes on): refused at the line at fault.
    #[test]
    fn what_cannot_run_unbound_is_refused_at_its_line() {
        let multicast = "vrrp_instance V {\n virtual_router_id 1\n virtual_ipaddress {\n  \
                         192.0.2.10/24 dev eth1\n }\n}\n";
        let no_source = "vrrp_instance V {\n virtual_router_id 1\n unicast_peer {\n  \
                         192.0.2.2\n }\n virtual_ipaddress {\n  192.0.2.10/24 dev eth1\n }\n}\n";
        let link_local = "vrrp_instance V {\n virtual_router_id 1\n unicast_src_ip fe80::1\n \
                          unicast_peer {\n  fe80::2\n }\n virtual_ipaddress {\n  \
                          2001:db8::10/64 dev eth1\n }\n}\n";
        let vip = " virtual_ipaddress {\n  192.0.2.10/24 dev eth1\n }\n";
        for (text, at, what) in [
            (
                multicast.to_owned(),
                "u.conf:1:1:",
                "a multicast instance needs",
            ),
            (
                no_source.to_owned(),
                "u.conf:1:1:",
                "neither `interface` nor `unicast_src_ip`",
            ),
            (link_local.to_owned(), "u.conf:3:17:", "is IPv6 link-local"),
            (
                unbound(&format!(" dont_track_primary\n{vip}")),
                "u.conf:7:2:",
                "dont_track_primary needs an `interface`",
            ),
        ] {
            let said = error(&text);
            assert!(
                said.starts_with(at) && said.contains(what),
                "{text}: {said}"
            );
        }
    }

    /// keepalived 2.4.3's rule: one VRID, one source, a shared peer, and
    /// one of the two without `interface`: refused at the second's VRID.
    #[test]
    fn a_vrid_conflict_needs_a_shared_source_and_peer() {
        let two = |a: &str, b: &str, peer: &str| {
            format!(
                "vrrp_instance A {{\n virtual_router_id 1\n{a} unicast_peer {{ 192.0.2.2 }}\n \
                 virtual_ipaddress {{ 192.0.2.10/24 dev eth0 }}\n}}\nvrrp_instance B {{\n \
                 virtual_router_id 1\n{b} unicast_peer {{ {peer} }}\n virtual_ipaddress {{ \
                 192.0.2.11/24 dev eth0 }}\n}}\n"
            )
        };
        let src = |ip: &str| format!(" unicast_src_ip {ip}\n");
        let bound = " interface eth0\n unicast_src_ip 192.0.2.1\n";
        for (a, b, peer) in [
            (src("192.0.2.1"), src("192.0.2.1"), "192.0.2.2"),
            (src("192.0.2.1"), bound.to_owned(), "192.0.2.2"),
            (bound.to_owned(), src("192.0.2.1"), "192.0.2.2"),
        ] {
            let said = error(&two(&a, &b, peer));
            assert!(
                said.starts_with("u.conf:")
                    && said.contains("is already used for IPv4 by vrrp_instance A"),
                "{said}"
            );
        }
        for (a, b, peer) in [
            (src("192.0.2.1"), src("192.0.2.5"), "192.0.2.2"),
            (src("192.0.2.1"), src("192.0.2.1"), "192.0.2.3"),
        ] {
            parse_str(&two(&a, &b, peer), "u.conf").unwrap();
        }
    }
}
