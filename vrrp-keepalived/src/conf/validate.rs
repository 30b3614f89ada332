//! Checks across keywords and sections, once the whole file is read: the
//! errors keepalived reports at startup, with positions. Warnings for what
//! loads but probably does not do what its author wants are in `advice`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::advice::advise;
use super::build_vrf;
use super::config::KeepalivedConfig;
use super::error::{ConfigError, Span, Warning};
use super::instance::VrrpInstance;
use super::model::{AuthType, Family, InitialState, VrrpVersion};
use super::to_core::vrrp_config;
use super::unbound;

/// The largest VRRPv3 interval: 12 bits of centiseconds.
const V3_MAX_CENTIS: u32 = 4095;
/// The largest VRRPv2 interval: 8 bits of seconds.
const V2_MAX_SECS: u32 = 255;

/// Checks `config`, returning the first error in file order and adding
/// warnings to `warnings`.
pub(crate) fn validate(
    config: &KeepalivedConfig,
    warnings: &mut Vec<Warning>,
) -> Result<(), ConfigError> {
    for instance in &config.instances {
        check_instance(config, instance, warnings)?;
    }
    check_duplicate_vrids(&config.instances)?;
    unbound::check_vrid_conflicts(&config.instances)?;
    check_sync_groups(config)?;
    advise(config, warnings);
    Ok(())
}

fn check_instance(
    config: &KeepalivedConfig,
    inst: &VrrpInstance,
    warnings: &mut Vec<Warning>,
) -> Result<(), ConfigError> {
    let name = &inst.name;
    if let (None, Some(vrf)) = (&inst.interface, &inst.vrf) {
        if !inst.unicast_peers.is_empty() {
            return Err(build_vrf::unsupported(inst, vrf));
        }
    }
    build_vrf::check(inst, warnings);
    unbound::check(inst)?;
    if inst.virtual_router_id.is_none() {
        return Err(ConfigError::invalid(
            &inst.at,
            format!(
                "vrrp_instance {name} has no `virtual_router_id` (1..255, the same on all its routers)"
            ),
        ));
    }
    let version = config.effective_version(inst);
    check_core(config, inst, version)?;
    // (With unicast_fault_no_peer it runs, held in FAULT: warned below.)
    if let Some(src) = &inst.unicast_src_ip {
        if inst.unicast_peers.is_empty() && inst.unicast_fault_no_peer.is_none() {
            return Err(ConfigError::invalid(
                &src.at,
                format!(
                    "unicast without peers: vrrp_instance {name} sets unicast_src_ip but has no \
                     unicast_peer block, so no advert would be sent to anyone"
                ),
            ));
        }
    }
    if let (Some(at), true) = (&inst.unicast_fault_no_peer, inst.faults_without_peers()) {
        warnings.push(Warning::new(
            at.clone(),
            format!(
                "vrrp_instance {name} has no unicast_peer: it stays in FAULT \
                 (unicast_fault_no_peer; keepalived does the same)"
            ),
        ));
    }
    if let (Some(at), false) = (&inst.promote_secondaries, inst.promotes_secondaries()) {
        // keepalived 2.4.3 vrrp.c: reported (its -t fails), then run without.
        warnings.push(Warning::new(
            at.clone(),
            format!(
                "vrrp_instance {name}: promote_secondaries is automatically set for VMACs \
                 (use_vmac, use_ipvlan): ignored, as keepalived ignores it"
            ),
        ));
    }
    if let Some(why) = inst.ipvlan_fault() {
        let at = inst.use_ipvlan.as_ref().map_or(&inst.at, |i| &i.at);
        warnings.push(Warning::new(
            at.clone(),
            format!("vrrp_instance {name}: {why}"),
        ));
    }
    if let (Some(at), None) = (&inst.track_src_ip, inst.tracked_source()) {
        warnings.push(Warning::new(
            at.clone(),
            format!(
                "track_src_ip has no effect: vrrp_instance {name} sets neither unicast_src_ip \
                 nor mcast_src_ip, and the interface's own address is not tracked (keepalived \
                 clears it too)"
            ),
        ));
    }
    // keepalived 2.4.3: "A unicast keyword has been specified without any
    // unicast peers. Defaulting to multicast."
    if let (Some(old), true) = (&inst.old_unicast_checksum, inst.unicast_peers.is_empty()) {
        warnings.push(Warning::new(
            old.at.clone(),
            format!(
                "old_unicast_checksum has no effect: vrrp_instance {name} has no unicast_peer \
                 and sends to the multicast group (keepalived says the same)"
            ),
        ));
    }
    // VRRPv3 without one is the core's error (above); v2 loads, warned;
    // `no_virtual_ipaddress` says none is meant.
    if inst.virtual_ipaddress.is_empty() && inst.no_virtual_ipaddress.is_none() {
        warnings.push(Warning::new(
            inst.at.clone(),
            format!("vrrp_instance {name} has no virtual_ipaddress; nothing will move"),
        ));
    }
    check_authentication(inst, version, warnings)?;
    if inst.nopreempt && inst.effective_state() == InitialState::Master {
        if let Some(state) = &inst.state {
            warnings.push(Warning::new(
                state.at.clone(),
                format!("nopreempt needs `state BACKUP`: vrrp_instance {name} starts as MASTER and takes over anyway"),
            ));
        }
    }
    Ok(())
}

/// The protocol rules are the core's ([`vrrp_core::Config::validate`], on
/// the settings the daemon will run): the reader does not check them
/// again, it says the core's error in keepalived's words where it has them,
/// at the position of the keyword at fault.
fn check_core(
    config: &KeepalivedConfig,
    inst: &VrrpInstance,
    version: VrrpVersion,
) -> Result<(), ConfigError> {
    use vrrp_core::ConfigError as Core;
    let Err(error) = vrrp_config(config, inst).validate() else {
        return Ok(());
    };
    let name = &inst.name;
    let worded = match error {
        Core::BadInterval(_) => advert_int_error(inst, version),
        Core::Version2WithIpv6 | Core::MixedFamilies(_) => address_error(inst, version),
        Core::AuthHmac(vrrp_core::auth_hmac::HmacConfigError::NoActiveKey(0)) => {
            inst.auth_hmac.as_ref().map(|auth| {
                ConfigError::invalid(
                    &auth.at,
                    format!(
                        "vrrp_instance {name}: auth_hmac has no active_key: name the key this \
                         router signs with (keepalived would run without authentication)"
                    ),
                )
            })
        }
        Core::AddressCount if inst.virtual_ipaddress.is_empty() => Some(ConfigError::invalid(
            &inst.at,
            format!("vrrp_instance {name} has no virtual_ipaddress: VRRPv3 requires at least one"),
        )),
        _ => None,
    };
    if let Some(worded) = worded {
        return Err(worded);
    }
    let at = match error {
        Core::ZeroVrid => inst.virtual_router_id.as_ref().map(|v| &v.at),
        Core::ZeroPriority => inst.priority.as_ref().map(|p| &p.at),
        Core::BadInterval(_) => inst.advert_int.as_ref().map(|a| &a.at),
        Core::Version2WithIpv6 => inst.version.as_ref().map(|v| &v.at),
        Core::DownTimerAdverts(_) => inst.down_timer_adverts.as_ref().map(|d| &d.at),
        Core::AuthWithVersion3 => inst.authentication.as_ref().map(|a| &a.at),
        Core::AuthHmac(_) | Core::AuthHmacWithPassword => inst
            .auth_hmac
            .as_ref()
            .map(|a| a.active_key.as_ref().map_or(&a.at, |k| &k.at)),
        Core::MixedFamilies(addr) => inst
            .virtual_ipaddress
            .iter()
            .find(|v| v.addr == addr)
            .map(|v| &v.at)
            .or_else(|| {
                inst.unicast_peers
                    .iter()
                    .find(|p| p.addr == addr)
                    .map(|p| &p.at)
            }),
        _ => None,
    };
    Err(ConfigError::invalid(
        at.unwrap_or(&inst.at),
        format!("vrrp_instance {name}: {error}"),
    ))
}

/// The addresses an instance names, in file order, with their keywords.
fn addresses(inst: &VrrpInstance) -> impl Iterator<Item = (IpAddr, &Span, &'static str)> {
    let vips = inst
        .virtual_ipaddress
        .iter()
        .map(|vip| (vip.addr, &vip.at, "virtual_ipaddress"));
    let src = inst
        .unicast_src_ip
        .iter()
        .map(|src| (src.value, &src.at, "unicast_src_ip"));
    let peers = inst
        .unicast_peers
        .iter()
        .map(|peer| (peer.addr, &peer.at, "unicast_peer"));
    vips.chain(src).chain(peers)
}

/// The core's `MixedFamilies` or `Version2WithIpv6`, for the first address
/// at fault in file order: one not of the instance's family (that of its
/// first address), or an IPv6 one in VRRPv2; else `native_ipv6` in VRRPv2.
fn address_error(inst: &VrrpInstance, version: VrrpVersion) -> Option<ConfigError> {
    let (name, family) = (&inst.name, inst.family());
    for (addr, at, keyword) in addresses(inst) {
        if Family::of(&addr) != family {
            return Some(ConfigError::invalid(
                at,
                format!(
                    "{keyword} {addr} is {} but vrrp_instance {name} is {family}: one instance \
                     serves one address family (addresses of the other family belong in \
                     virtual_ipaddress_excluded or in another instance)",
                    Family::of(&addr)
                ),
            ));
        }
        if version == VrrpVersion::V2 && addr.is_ipv6() {
            return Some(ConfigError::invalid(
                at,
                format!(
                    "VRRP version 2 is IPv4 only, but {keyword} {addr} is IPv6: use `version 3`"
                ),
            ));
        }
    }
    (version == VrrpVersion::V2 && family == Family::Ipv6).then(|| {
        ConfigError::invalid(
            &inst.at,
            format!(
                "VRRP version 2 is IPv4 only, but vrrp_instance {name} is IPv6 (native_ipv6): \
                 use `version 3`"
            ),
        )
    })
}

/// The core's `BadInterval`, for the `advert_int` written: v2 whole seconds
/// 1..255; v3 0.01..40.95 s.
fn advert_int_error(inst: &VrrpInstance, version: VrrpVersion) -> Option<ConfigError> {
    let advert = inst.advert_int.as_ref()?;
    let centis = advert.value.0;
    let message = match version {
        VrrpVersion::V2 if centis % 100 != 0 => format!(
            "advert_int {} is not a whole number of seconds, which VRRP version 2 requires; \
             use `version 3` for sub-second intervals",
            advert.value
        ),
        VrrpVersion::V2 if centis / 100 > V2_MAX_SECS => format!(
            "advert_int {} is out of range for VRRP version 2 (1..{V2_MAX_SECS} seconds)",
            advert.value
        ),
        VrrpVersion::V3 if centis > V3_MAX_CENTIS => format!(
            "advert_int {} is out of range for VRRP version 3 (0.01..40.95 seconds)",
            advert.value
        ),
        _ => return None,
    };
    Some(ConfigError::invalid(&advert.at, message))
}

fn check_authentication(
    inst: &VrrpInstance,
    version: VrrpVersion,
    warnings: &mut Vec<Warning>,
) -> Result<(), ConfigError> {
    let Some(auth) = &inst.authentication else {
        return Ok(());
    };
    if inst.auth_hmac.is_some() {
        warnings.push(Warning::new(
            auth.at.clone(),
            format!(
                "vrrp_instance {}: auth_hmac and authentication are exclusive: the \
                 authentication block is dropped (as keepalived does)",
                inst.name
            ),
        ));
        return Ok(());
    }
    if version == VrrpVersion::V3 {
        warnings.push(Warning::new(
            auth.at.clone(),
            format!(
                "VRRP version 3 has no authentication: vrrp_instance {}'s authentication block \
                 is ignored, as keepalived does",
                inst.name
            ),
        ));
        return Ok(());
    }
    // No auth_type, or an unknown one: warned about where the block is read.
    let Some(kind) = &auth.auth_type else {
        return Ok(());
    };
    let name = match kind.value {
        AuthType::Pass => "PASS",
        AuthType::Ah => "AH",
    };
    if auth
        .auth_pass
        .as_ref()
        .is_none_or(|pass| pass.value.is_empty())
    {
        warnings.push(Warning::new(
            auth.at.clone(),
            format!(
                "vrrp_instance {}: auth_type {name} without an auth_pass: authentication is \
                 ignored and adverts carry none (as keepalived does)",
                inst.name
            ),
        ));
        return Ok(());
    }
    // keepalived: a Backup learns the AH sequence number from the Master's
    // adverts before it may take over, so it clears `state MASTER`. We
    // start every instance as Backup but the owner anyway.
    if kind.value == AuthType::Ah
        && inst.effective_state() == InitialState::Master
        && inst.effective_priority() != vrrp_core::config::PRIORITY_OWNER
        && let Some(state) = &inst.state
    {
        warnings.push(Warning::new(
            state.at.clone(),
            format!(
                "vrrp_instance {}: initial state MASTER is incompatible with auth_type AH: it \
                 starts as BACKUP, to learn the AH sequence number first (as keepalived does)",
                inst.name
            ),
        ));
    }
    Ok(())
}

/// One (interface, VRID, family) per instance, unless both are unicast to
/// disjoint peers (which keepalived allows).
fn check_duplicate_vrids(instances: &[VrrpInstance]) -> Result<(), ConfigError> {
    let mut seen: BTreeMap<(&str, u8, Family), &VrrpInstance> = BTreeMap::new();
    for inst in instances {
        let (Some(interface), Some(vrid)) = (&inst.interface, &inst.virtual_router_id) else {
            continue;
        };
        let key = (interface.value.as_str(), vrid.value, inst.family());
        if let Some(first) = seen.get(&key) {
            let disjoint_unicast = inst.is_unicast()
                && first.is_unicast()
                && !inst
                    .unicast_peers
                    .iter()
                    .any(|p| first.unicast_peers.iter().any(|q| q.addr == p.addr));
            if !disjoint_unicast {
                return Err(ConfigError::invalid(
                    &vrid.at,
                    format!(
                        "virtual_router_id {} is already used on {} for {} by vrrp_instance {} ({}): \
                         each virtual router needs its own VRID on an interface",
                        vrid.value, key.0, key.2, first.name, first.at
                    ),
                ));
            }
        }
        seen.entry(key).or_insert(inst);
    }
    Ok(())
}

fn check_sync_groups(config: &KeepalivedConfig) -> Result<(), ConfigError> {
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    for group in &config.sync_groups {
        for member in &group.members {
            if config.instance(&member.value).is_none() {
                return Err(ConfigError::invalid(
                    &member.at,
                    format!(
                        "vrrp_sync_group {} names instance `{}`, but no vrrp_instance {} is defined",
                        group.name, member.value, member.value
                    ),
                ));
            }
            if let Some(other) = owner.insert(&member.value, &group.name) {
                return Err(ConfigError::invalid(
                    &member.at,
                    format!(
                        "vrrp_instance {} is already in vrrp_sync_group {other}; an instance can \
                         belong to one sync group only",
                        member.value
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::conf::test_support::{instance, load, messages};

    /// More than 255 VIPs: nothing above counts them, the core's check does,
    /// with the instance's position.
    #[test]
    fn the_core_checks_what_the_reader_does_not() {
        let vips: String = (0..256)
            .map(|i| format!(" 10.0.{}.{}\n", i / 250, i % 250 + 1))
            .collect();
        let body = format!(
            "vrrp_instance A {{\n interface eth0\n virtual_router_id 1\n version 3\n\
             virtual_ipaddress {{\n{vips} }}\n}}\n"
        );
        let err = load(&body).unwrap_err().to_string();
        assert_eq!(
            err,
            "v.conf:10:1: vrrp_instance A: a virtual router needs at most 255 virtual \
             addresses, and VRRPv3 at least one"
        );
    }

    #[test]
    fn nopreempt_with_state_master_warns() {
        let body = instance("A", 1, " state MASTER\n nopreempt\n");
        let warnings = messages(&load(&body).unwrap());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("v.conf:14:8: nopreempt needs `state BACKUP`"));
    }

    #[test]
    fn an_instance_without_vips_warns_in_v2_and_fails_in_v3() {
        let v2 = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n}\n";
        let warnings = messages(&load(v2).unwrap());
        assert_eq!(
            warnings,
            ["v.conf:10:1: vrrp_instance A has no virtual_ipaddress; nothing will move"]
        );
        let v3 = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n version 3\n}\n";
        let err = load(v3).unwrap_err().to_string();
        assert_eq!(
            err,
            "v.conf:10:1: vrrp_instance A has no virtual_ipaddress: VRRPv3 requires at least one"
        );
    }

    /// Found by the `config_parse` fuzz target: an IPv6 instance by
    /// `native_ipv6` alone (no address to check against the version) loaded
    /// as VRRPv2, which vrrp-core cannot run; keepalived refuses it too.
    #[test]
    fn version_2_with_native_ipv6_and_no_address_fails() {
        let text = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n version 2\n \
                    native_ipv6\n}\n";
        let err = load(text).unwrap_err().to_string();
        assert_eq!(
            err,
            "v.conf:10:1: VRRP version 2 is IPv4 only, but vrrp_instance A is IPv6 \
             (native_ipv6): use `version 3`"
        );
    }

    #[test]
    fn ah_authentication_loads_keyed_with_the_auth_pass() {
        let body = instance(
            "A",
            1,
            " authentication {\n auth_type AH\n auth_pass x\n }\n",
        );
        let loaded = load(&body).unwrap();
        assert_eq!(messages(&loaded), Vec::<String>::new());
        let inst = loaded.config.instance("A").unwrap();
        let vrrp = crate::conf::to_core::vrrp_config(&loaded.config, inst);
        assert_eq!(vrrp.auth, vrrp_core::wire::Auth::Ah(*b"x\0\0\0\0\0\0\0"));
    }

    /// keepalived's rules for AH: no password, no authentication; a
    /// password longer than 8 bytes is cut; `state MASTER` is cleared.
    #[test]
    fn ah_authentication_follows_keepalived_rules() {
        let empty = instance("A", 1, " authentication {\n auth_type AH\n }\n");
        let loaded = load(&empty).unwrap();
        assert!(
            messages(&loaded).iter().any(|w| w
                .starts_with("v.conf:14:2: vrrp_instance A: auth_type AH without an auth_pass")),
            "{:?}",
            messages(&loaded)
        );
        let inst = loaded.config.instance("A").unwrap();
        let vrrp = crate::conf::to_core::vrrp_config(&loaded.config, inst);
        assert_eq!(vrrp.auth, vrrp_core::wire::Auth::None);

        let long = instance(
            "A",
            1,
            " state MASTER\n priority 200\n authentication {\n auth_type AH\n auth_pass 0123456789\n }\n",
        );
        let loaded = load(&long).unwrap();
        let warnings = messages(&loaded);
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("auth_pass is 10 bytes long")),
            "{warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.starts_with(
                "v.conf:14:8: vrrp_instance A: initial state MASTER is incompatible with auth_type AH"
            )),
            "{warnings:?}"
        );
        let inst = loaded.config.instance("A").unwrap();
        let vrrp = crate::conf::to_core::vrrp_config(&loaded.config, inst);
        assert_eq!(vrrp.auth, vrrp_core::wire::Auth::Ah(*b"01234567"));

        let v3 = instance(
            "A",
            1,
            " version 3\n authentication {\n auth_type AH\n auth_pass secret\n }\n",
        );
        let loaded = load(&v3).unwrap();
        assert!(
            messages(&loaded)
                .iter()
                .any(|w| w.contains("VRRP version 3 has no authentication")),
            "{:?}",
            messages(&loaded)
        );
        let inst = loaded.config.instance("A").unwrap();
        let vrrp = crate::conf::to_core::vrrp_config(&loaded.config, inst);
        assert_eq!(vrrp.auth, vrrp_core::wire::Auth::None);
    }

    /// keepalived runs these without authentication; so do we, and say so.
    #[test]
    fn authentication_that_keepalived_ignores_is_ignored_with_a_warning() {
        for (block, expected) in [
            (
                " authentication {\n auth_type PASS;\n auth_pass secret\n }\n",
                "v.conf:15:12: unknown auth_type `PASS;`: adverts carry no authentication",
            ),
            (
                " authentication {\n auth_pass secret\n }\n",
                "v.conf:14:2: authentication without auth_type: adverts carry no authentication",
            ),
            (
                " authentication {\n auth_type PASS\n }\n",
                "v.conf:14:2: vrrp_instance A: auth_type PASS without an auth_pass",
            ),
        ] {
            let loaded = load(&instance("A", 1, block)).unwrap();
            let warnings = messages(&loaded);
            assert!(
                warnings.iter().any(|w| w.starts_with(expected)),
                "{block}: {warnings:?}"
            );
            let core = crate::conf::vrrp_config(&loaded.config, &loaded.config.instances[0]);
            assert_eq!(core.auth, vrrp_core::wire::Auth::None, "{block}");
        }
    }

    #[test]
    fn global_vrrp_version_applies_to_ipv4_instances() {
        let body = format!(
            "global_defs {{\n vrrp_version 3\n}}\n{}",
            instance("A", 1, " advert_int 0.5\n")
        );
        let loaded = load(&body).unwrap();
        let instance = &loaded.config.instances[0];
        assert_eq!(
            loaded.config.effective_version(instance),
            crate::conf::VrrpVersion::V3
        );
    }
}
