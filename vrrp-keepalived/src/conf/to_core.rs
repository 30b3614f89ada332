//! A `vrrp_instance` → the core's [`vrrp_core::Config`]: the protocol
//! settings alone, keepalived's defaults applied. Pure, so the model checker
//! and the fuzz properties run the very settings the daemon would.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use vrrp_core::PeerTtl;
use vrrp_core::auth_hmac::{AntiReplay, HmacConfig, KEY_MAX, KEY_MIN, Key, Mode};
use vrrp_core::wire::{Auth, Version};

use super::config::KeepalivedConfig;
use super::instance::VrrpInstance;
use super::model::{AuthHmac, AuthType, Family, KeyValue, VrrpVersion};

/// The protocol configuration of `instance` (one of `config`'s). The source
/// address is `unicast_src_ip` or `mcast_src_ip`, else `use_ipvlan`'s
/// address (keepalived's), else unspecified (the driver then takes the
/// interface's).
pub fn vrrp_config(config: &KeepalivedConfig, instance: &VrrpInstance) -> vrrp_core::Config {
    let version = match config.effective_version(instance) {
        VrrpVersion::V2 => Version::V2,
        VrrpVersion::V3 => Version::V3,
    };
    let unspecified: IpAddr = match instance.family() {
        Family::Ipv4 => Ipv4Addr::UNSPECIFIED.into(),
        Family::Ipv6 => Ipv6Addr::UNSPECIFIED.into(),
    };
    let source = instance
        .unicast_src_ip
        .as_ref()
        .or(instance.mcast_src_ip.as_ref())
        .map(|s| s.value)
        .or_else(|| {
            let ipvlan = instance.use_ipvlan.as_ref()?;
            Some(ipvlan.address.as_ref()?.value.0)
        })
        .unwrap_or(unspecified);
    let mut vrrp = vrrp_core::Config::new(
        instance.virtual_router_id.as_ref().map_or(0, |v| v.value),
        source,
        instance.virtual_ipaddress.iter().map(|v| v.addr).collect(),
    );
    vrrp.version = version;
    vrrp.priority = instance.effective_priority();
    // What does not fit is refused by the core's validate() (conf/validate.rs).
    vrrp.advert_interval = u16::try_from(instance.effective_advert_int().0).unwrap_or(u16::MAX);
    vrrp.preempt = !instance.nopreempt;
    vrrp.preempt_delay = vrrp_core::time::Duration::from_micros(
        instance
            .preempt_delay
            .as_ref()
            .map_or(0, |d| d.value.as_micros().try_into().unwrap_or(u64::MAX)),
    );
    // Settled by the reader (conf/strict.rs): keepalived's default applied.
    vrrp.accept_mode = instance.effective_accept();
    vrrp.unicast_peers = instance.unicast_peers.iter().map(|p| p.addr).collect();
    vrrp.multicast_group = config.multicast_group(instance).map(|g| g.value);
    vrrp.unicast_ttl = instance.unicast_ttl.as_ref().map(|t| t.value);
    // keepalived checks a peer's min_ttl/max_ttl only with check_unicast_src.
    if config.check_unicast_src(instance) {
        vrrp.peer_ttl = instance
            .unicast_peers
            .iter()
            .filter(|p| p.min_ttl.is_some() || p.max_ttl.is_some())
            .map(|p| PeerTtl {
                peer: p.addr,
                min: p.min_ttl.unwrap_or(0),
                max: p.max_ttl.unwrap_or(u8::MAX),
            })
            .collect();
    }
    vrrp.skip_check_from_master = config.skip_check_adv_addr(instance);
    vrrp.allow_no_addresses = instance.no_virtual_ipaddress.is_some();
    vrrp.lower_prio_no_advert = config.lower_prio_no_advert(instance);
    // Unset, on without use_vmac (keepalived: off). A Master that yields
    // silently after a partition heals (its rival's advert crossed first)
    // leaves the clients that followed it at its MAC until their ARP entry
    // goes stale (8-9 s measured, tests/faults.rs); its one parting advert
    // makes the winner answer and announce the VIPs again. With use_vmac the
    // MAC does not change, and the RFC's silent yield costs nothing.
    vrrp.higher_prio_send_advert = config
        .higher_prio_send_advert(instance)
        .unwrap_or(instance.use_vmac.is_none());
    vrrp.down_timer_adverts = config
        .down_timer_adverts(instance)
        .map_or(vrrp_core::config::DOWN_TIMER_ADVERTS, |n| n.value);
    vrrp.old_unicast_checksum = instance
        .old_unicast_checksum
        .as_ref()
        .is_some_and(|o| o.value);
    // keepalived 2.4.3 switches on its own unless told `never`.
    vrrp.learn_old_unicast_checksum = instance.old_unicast_checksum.is_none();
    vrrp.v3_checksum_as_v2 = config.v3_checksum_as_v2(instance);
    vrrp.auth_hmac = instance
        .auth_hmac
        .as_ref()
        .map(|auth| hmac_config(auth, vrrp.advert_interval));
    vrrp.auth = match (&instance.authentication, version) {
        // keepalived drops the password when auth_hmac is there.
        _ if vrrp.auth_hmac.is_some() => Auth::None,
        (Some(auth), Version::V2) => {
            match (auth.auth_type.as_ref().map(|t| t.value), &auth.auth_pass) {
                // keepalived ignores PASS with an empty password.
                (Some(AuthType::Pass), Some(pass)) if !pass.value.is_empty() => {
                    Auth::simple(&pass.value)
                }
                // IPsec AH, HMAC-MD5-96 keyed with the 8 bytes, zero padded.
                (Some(AuthType::Ah), Some(pass)) if !pass.value.is_empty() => Auth::ah(&pass.value),
                _ => Auth::None,
            }
        }
        _ => Auth::None,
    };
    vrrp
}

/// `auth_hmac` with keepalived's defaults: enforce, time mode, a window of
/// three intervals. A key still in its file (`--verify` does not read files
/// meant for other hosts) stands for itself by its path, so two hosts that
/// name the same file share a key.
fn hmac_config(auth: &AuthHmac, advert_interval: u16) -> HmacConfig {
    let keys = auth
        .keys
        .iter()
        .map(|key| Key {
            id: key.id.value,
            bytes: match &key.value.value {
                KeyValue::Bytes(bytes) => bytes.clone(),
                KeyValue::File(path) => {
                    let mut bytes = format!("file:{}", path.display()).into_bytes();
                    bytes.resize(bytes.len().clamp(KEY_MIN, KEY_MAX), 0);
                    bytes
                }
            },
        })
        .collect();
    let anti_replay = match (&auth.monotonic, &auth.time_window) {
        (Some(monotonic), _) if monotonic.value => AntiReplay::Monotonic,
        (_, Some(window)) => AntiReplay::Time {
            window_secs: window.value,
        },
        _ => AntiReplay::default_for(advert_interval),
    };
    HmacConfig {
        keys,
        // 0 names no key: the core refuses it (validate.rs says where).
        active_key: auth.active_key.as_ref().map_or(0, |k| k.value),
        mode: auth.mode.as_ref().map_or(Mode::Enforce, |m| m.value),
        anti_replay,
    }
}
