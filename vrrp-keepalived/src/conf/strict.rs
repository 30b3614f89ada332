//! keepalived's strict mode (`vrrp_strict` in `global_defs`, `strict_mode`
//! in an instance), applied as keepalived 2.4.3 applies it once the file is
//! read: what it refuses is an error, what it rewrites is rewritten in the
//! model with a warning at the keyword that changed; and the accept mode
//! every instance runs with, so that later steps read effective values.

use std::net::IpAddr;

use vrrp_core::auth_hmac::Mode;
use vrrp_core::config::PRIORITY_OWNER;

use super::config::KeepalivedConfig;
use super::error::{ConfigError, Span, Spanned, Warning};
use super::instance::VrrpInstance;
use super::model::{Family, InitialState, VrrpVersion};

/// Applies strict mode to every instance that runs in it, and settles each
/// instance's `accept`: written, else on for the address owner, else off in
/// strict mode and on otherwise (keepalived's default).
pub(crate) fn apply_strict_mode(
    config: &mut KeepalivedConfig,
    warnings: &mut Vec<Warning>,
) -> Result<(), ConfigError> {
    let global_strict = config.global.vrrp_strict;
    let global_version = config.global.vrrp_version;
    let global_down_timer = config.global.vrrp_down_timer_adverts.clone();
    for inst in &mut config.instances {
        let strict = inst.strict_mode.as_ref().map_or(global_strict, |s| s.value);
        if strict {
            let mut rewrite = Rewrites {
                inst,
                warnings,
                global_version,
            };
            rewrite.no_virtual_ipaddress();
            rewrite.refusals()?;
            rewrite.protocol();
            rewrite.accept();
            rewrite.adverts_and_garps();
            rewrite.down_timer(global_down_timer.as_ref());
        }
        if inst.accept.is_none() {
            let owner = inst.effective_priority() == PRIORITY_OWNER;
            inst.accept = Some(Spanned::new(owner || !strict, inst.at.clone()));
        }
    }
    Ok(())
}

/// One strict instance being rewritten, and where the warnings go.
struct Rewrites<'a> {
    inst: &'a mut VrrpInstance,
    warnings: &'a mut Vec<Warning>,
    global_version: Option<VrrpVersion>,
}

impl Rewrites<'_> {
    /// Where `keyword` was written in the instance, else the instance.
    fn at(&self, keyword: &str) -> Span {
        self.inst
            .written
            .get(keyword)
            .unwrap_or(&self.inst.at)
            .clone()
    }

    fn warn(&mut self, at: Span, what: &str) {
        let message = format!(
            "vrrp_instance {}: {what} (strict mode, as keepalived)",
            self.inst.name
        );
        self.warnings.push(Warning::new(at, message));
    }

    /// keepalived 2.4.3 (vrrp.c): `no_virtual_ipaddress` is cleared, warned.
    fn no_virtual_ipaddress(&mut self) {
        if let Some(at) = self.inst.no_virtual_ipaddress.take() {
            self.warn(
                at,
                "no_virtual_ipaddress is cleared: at least one VIP is required",
            );
        }
    }

    /// What keepalived refuses in strict mode: no VIP, unicast peers.
    fn refusals(&self) -> Result<(), ConfigError> {
        let name = &self.inst.name;
        if self.inst.virtual_ipaddress.is_empty() {
            return Err(ConfigError::invalid(
                &self.inst.at,
                format!(
                    "vrrp_instance {name} has no virtual_ipaddress: strict mode requires at \
                     least one (keepalived refuses it too)"
                ),
            ));
        }
        if !self.inst.unicast_peers.is_empty() {
            return Err(ConfigError::invalid(
                &self.at("unicast_peer"),
                format!(
                    "vrrp_instance {name}: unicast peers are not allowed in strict mode (RFC \
                     9568 sends adverts to the multicast group); keepalived 2.4.3 refuses \
                     them too on a multicast interface. Remove unicast_peer or strict mode"
                ),
            ));
        }
        Ok(())
    }

    /// Version, initial state, authentication, preemption delay, VMAC.
    fn protocol(&mut self) {
        let ipv6 = self.inst.family() == Family::Ipv6;
        if let Some(version) = &self.inst.version {
            if ipv6 && version.value == VrrpVersion::V2 {
                let at = version.at.clone();
                self.inst.version = Some(Spanned::new(VrrpVersion::V3, at.clone()));
                self.warn(at, "VRRP version 2 cannot carry IPv6: version 3 is used");
            }
        }
        let owner = self.inst.effective_priority() == PRIORITY_OWNER;
        if let Some(state) = &self.inst.state {
            if (state.value == InitialState::Master) != owner {
                let at = state.at.clone();
                let (wanted, why) = if owner {
                    (
                        InitialState::Master,
                        "the address owner (priority 255) starts as MASTER",
                    )
                } else {
                    (
                        InitialState::Backup,
                        "state MASTER needs priority 255 (the address owner): BACKUP is used",
                    )
                };
                self.inst.state = Some(Spanned::new(wanted, at.clone()));
                self.warn(at, why);
            }
        }
        // An unknown auth_type already means none (warned where it is read).
        if let Some(auth) = self.inst.authentication.take() {
            if auth.auth_type.is_some() {
                self.warn(
                    auth.at,
                    "authentication is not allowed: the adverts carry none",
                );
            }
        }
        if let Some(hmac) = &mut self.inst.auth_hmac {
            if let Some(mode) = hmac.mode.as_mut().filter(|m| m.value != Mode::Enforce) {
                mode.value = Mode::Enforce;
                let at = mode.at.clone();
                self.warn(at, "auth_hmac needs mode enforce: enforce is used");
            }
        }
        if let Some(delay) = self.inst.preempt_delay.take() {
            if !delay.value.is_zero() {
                self.warn(delay.at, "preempt_delay is not allowed: none is used");
            }
        }
        if self.inst.vmac_xmit_base && self.inst.use_vmac.is_some() {
            self.inst.vmac_xmit_base = false;
            let at = self.at("vmac_xmit_base");
            self.warn(
                at,
                "vmac_xmit_base is not allowed: adverts go out on the VMAC",
            );
        }
        let link_local =
            |addr: &IpAddr| matches!(addr, IpAddr::V6(v6) if v6.is_unicast_link_local());
        if let Some(first) = self.inst.virtual_ipaddress.first() {
            if ipv6 && !link_local(&first.addr) {
                let at = first.at.clone();
                self.warn(
                    at,
                    "the first IPv6 VIP should be a link-local address (RFC 9568 §5.2.9); \
                     keepalived reports it and runs as written, so do we",
                );
            }
        }
    }

    /// Accept mode: off unless the owner, and VRRPv2 never accepts (RFC 3768).
    fn accept(&mut self) {
        let owner = self.inst.effective_priority() == PRIORITY_OWNER;
        let version = self.inst.version_with_global(self.global_version);
        if let Some(accept) = &self.inst.accept {
            if accept.value && !owner && version == VrrpVersion::V2 {
                let at = accept.at.clone();
                self.inst.accept = Some(Spanned::new(false, at.clone()));
                self.warn(
                    at,
                    "`accept` does not comply with RFC 3768 (VRRPv2): no_accept is used, \
                     so traffic to the VIPs is dropped while this non-owner is MASTER",
                );
            }
        }
    }

    /// keepalived 2.4.3 (vrrp.c): `down_timer_adverts` other than the RFC's
    /// 3 "is incompatible with strict mode - resetting", also when it comes
    /// from the global `vrrp_down_timer_adverts`.
    fn down_timer(&mut self, global: Option<&Spanned<u8>>) {
        let rfc = vrrp_core::config::DOWN_TIMER_ADVERTS;
        if let Some(set) = self.inst.down_timer_adverts.as_ref().or(global) {
            if set.value != rfc {
                let at = set.at.clone();
                self.inst.down_timer_adverts = Some(Spanned::new(rfc, at.clone()));
                self.warn(at, "down_timer_adverts is not allowed: 3 is used");
            }
        }
    }

    /// A Master silent to lower priorities, no parting advert, no GARPs
    /// after a lower-priority advert.
    fn adverts_and_garps(&mut self) {
        if self.inst.lower_prio_no_advert == Some(false) {
            let at = self.at("lower_prio_no_advert");
            self.warn(at, "lower_prio_no_advert off is not allowed: a Master does not answer lower-priority adverts");
        }
        self.inst.lower_prio_no_advert = Some(true);
        if self.inst.higher_prio_send_advert == Some(true) {
            let at = self.at("higher_prio_send_advert");
            self.warn(
                at,
                "higher_prio_send_advert is not allowed: a Master yields without a parting advert",
            );
        }
        self.inst.higher_prio_send_advert = Some(false);
        if self.inst.garp.lower_prio_repeat.is_some_and(|n| n > 0) {
            let at = self.at("garp_lower_prio_repeat");
            self.warn(at, "garp_lower_prio_repeat is not allowed: 0 is used");
        }
        self.inst.garp.lower_prio_repeat = Some(0);
        if self
            .inst
            .garp
            .lower_prio_delay
            .is_some_and(|d| !d.is_zero())
        {
            let at = self.at("garp_lower_prio_delay");
            self.warn(at, "garp_lower_prio_delay is not allowed: 0 is used");
        }
        self.inst.garp.lower_prio_delay = Some(std::time::Duration::ZERO);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::conf::{InitialState, VrrpVersion, parse_str};

    const STRICT: &str = "global_defs {\n vrrp_strict\n}\n";

    fn strict_warnings(text: &str) -> Vec<String> {
        parse_str(text, "s.conf")
            .unwrap()
            .warnings
            .iter()
            .filter(|w| w.message.contains("strict mode"))
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn each_rewrite_is_made_and_warned_at_its_keyword() {
        let text = format!(
            "{STRICT}vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n state MASTER\n \
             priority 100\n preempt_delay 2\n accept\n lower_prio_no_advert off\n \
             higher_prio_send_advert on\n garp_lower_prio_repeat 2\n garp_lower_prio_delay 1\n \
             virtual_ipaddress {{ 192.0.2.1 }}\n}}\n"
        );
        let loaded = parse_str(&text, "s.conf").unwrap();
        let inst = &loaded.config.instances[0];
        assert_eq!(inst.effective_state(), InitialState::Backup);
        assert!(inst.preempt_delay.is_none());
        assert!(!inst.effective_accept() && inst.drops_vip_traffic());
        assert_eq!(inst.lower_prio_no_advert, Some(true));
        assert_eq!(inst.higher_prio_send_advert, Some(false));
        assert_eq!(inst.garp.lower_prio_repeat, Some(0));
        assert_eq!(inst.garp.lower_prio_delay, Some(Duration::ZERO));
        let lines: Vec<String> = strict_warnings(&text)
            .iter()
            .map(|w| w.split(": ").next().unwrap().to_owned())
            .collect();
        assert_eq!(
            lines,
            [
                "s.conf:7:8",
                "s.conf:9:16",
                "s.conf:10:2",
                "s.conf:11:2",
                "s.conf:12:2",
                "s.conf:13:2",
                "s.conf:14:2"
            ]
        );
    }

    #[test]
    fn unset_settings_take_strict_values_silently_and_globals_give_way() {
        let text = "global_defs {\n vrrp_strict\n vrrp_higher_prio_send_advert\n \
                    vrrp_garp_lower_prio_repeat 3\n}\nvrrp_instance V {\n interface eth0\n \
                    virtual_router_id 1\n virtual_ipaddress { 192.0.2.1 }\n}\n";
        assert_eq!(strict_warnings(text), Vec::<String>::new());
        let loaded = parse_str(text, "s.conf").unwrap();
        let inst = &loaded.config.instances[0];
        assert_eq!(inst.higher_prio_send_advert, Some(false));
        assert_eq!(inst.garp.lower_prio_repeat, Some(0));
        assert!(inst.drops_vip_traffic());
    }

    #[test]
    fn refusals_and_the_owner() {
        let refused = |body: &str| {
            parse_str(&format!("{STRICT}{body}"), "s.conf")
                .unwrap_err()
                .to_string()
        };
        let no_vip = refused("vrrp_instance V {\n interface eth0\n virtual_router_id 1\n}\n");
        assert!(
            no_vip.starts_with("s.conf:4:1: vrrp_instance V has no virtual_ipaddress"),
            "{no_vip}"
        );
        let unicast = refused(
            "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n unicast_peer {\n  192.0.2.9\n }\n \
             virtual_ipaddress { 192.0.2.1 }\n}\n",
        );
        assert!(
            unicast.starts_with("s.conf:7:2: vrrp_instance V: unicast peers"),
            "{unicast}"
        );

        let owner = format!(
            "{STRICT}vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n priority 255\n \
             no_accept\n virtual_ipaddress {{ 192.0.2.1 }}\n}}\n"
        );
        let loaded = parse_str(&owner, "s.conf").unwrap();
        let inst = &loaded.config.instances[0];
        assert!(
            !inst.effective_accept() && !inst.drops_vip_traffic(),
            "the owner never drops"
        );
        assert_eq!(inst.effective_state(), InitialState::Master);

        let ipv6 = format!(
            "{STRICT}vrrp_instance V {{\n interface eth0\n virtual_router_id 1\n version 2\n \
             virtual_ipaddress {{ fe80::1\n 2001:db8::1 }}\n}}\n"
        );
        let loaded = parse_str(&ipv6, "s.conf").unwrap();
        assert_eq!(
            loaded.config.effective_version(&loaded.config.instances[0]),
            VrrpVersion::V3
        );
        assert_eq!(
            strict_warnings(&ipv6).len(),
            1,
            "version only: fe80::1 comes first"
        );
    }
}
