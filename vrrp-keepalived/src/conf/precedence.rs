//! Where an instance's setting comes from when keepalived.conf can say it
//! in more than one place: the instance's keyword, then its sync group's,
//! then global_defs', then keepalived's default (keepalived 2.4.3 copies
//! a global value into each instance it reads, unless the instance says
//! otherwise), and which of two global keywords wins (the VMAC name
//! prefixes). One home for that order: the mappings (`to_core.rs`,
//! `to_driver.rs`, `garp_spec.rs`, `vmac_spec.rs`) and the warnings
//! (`advice.rs`) ask here. `strict.rs`
//! rewrites instances while it walks them, so it is handed the global
//! value it needs.

use std::net::IpAddr;

use super::config::KeepalivedConfig;
use super::error::Spanned;
use super::instance::VrrpInstance;
use super::model::{Family, GarpExtraIf, GarpSettings, SyncGroup, VrrpVersion};

impl KeepalivedConfig {
    /// The sync groups `instance` is a member of (keepalived allows one;
    /// validate refuses more).
    pub fn sync_groups_of<'a>(
        &'a self,
        instance: &'a VrrpInstance,
    ) -> impl Iterator<Item = &'a SyncGroup> + Clone + 'a {
        self.sync_groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m.value == instance.name))
    }

    /// The VRRP version `instance` runs: its own `version`, else 3 for IPv6,
    /// else the global `vrrp_version`, else 2 (keepalived's rule).
    pub fn effective_version(&self, instance: &VrrpInstance) -> VrrpVersion {
        instance.version_with_global(self.global.vrrp_version)
    }

    /// The multicast group `instance` was given, as written: its
    /// `mcast_dst_ip`, else the global `vrrp_mcast_group4/6` of its family;
    /// `None` for VRRP's own group, and for a unicast instance.
    pub fn multicast_group<'a>(
        &'a self,
        instance: &'a VrrpInstance,
    ) -> Option<&'a Spanned<IpAddr>> {
        if !instance.unicast_peers.is_empty() {
            return None;
        }
        instance.mcast_dst_ip.as_ref().or(match instance.family() {
            Family::Ipv4 => self.global.vrrp_mcast_group4.as_ref(),
            Family::Ipv6 => self.global.vrrp_mcast_group6.as_ref(),
        })
    }

    /// `check_unicast_src`, or the global `vrrp_check_unicast_src`.
    pub fn check_unicast_src(&self, instance: &VrrpInstance) -> bool {
        instance.check_unicast_src || self.global.vrrp_check_unicast_src
    }

    /// `lower_prio_no_advert`, else the global `vrrp_lower_prio_no_advert`.
    pub fn lower_prio_no_advert(&self, instance: &VrrpInstance) -> bool {
        instance
            .lower_prio_no_advert
            .unwrap_or(self.global.vrrp_lower_prio_no_advert)
    }

    /// `skip_check_adv_addr`, else the global `vrrp_skip_check_adv_addr`.
    pub fn skip_check_adv_addr(&self, instance: &VrrpInstance) -> bool {
        instance
            .skip_check_adv_addr
            .unwrap_or(self.global.vrrp_skip_check_adv_addr)
    }

    /// `higher_prio_send_advert`, else the global
    /// `vrrp_higher_prio_send_advert`; `None` when neither is written.
    pub fn higher_prio_send_advert(&self, instance: &VrrpInstance) -> Option<bool> {
        instance
            .higher_prio_send_advert
            .or(self.global.vrrp_higher_prio_send_advert)
    }

    /// `down_timer_adverts`, else the global `vrrp_down_timer_adverts`, as
    /// written.
    pub fn down_timer_adverts<'a>(&'a self, instance: &'a VrrpInstance) -> Option<&'a Spanned<u8>> {
        instance
            .down_timer_adverts
            .as_ref()
            .or(self.global.vrrp_down_timer_adverts.as_ref())
    }

    /// `v3_checksum_as_v2`, else the global one.
    pub fn v3_checksum_as_v2(&self, instance: &VrrpInstance) -> bool {
        instance
            .v3_checksum_as_v2
            .unwrap_or(self.global.v3_checksum_as_v2)
    }

    /// keepalived 2.4.3 (vrrp.c): the instance's `notify_priority_changes`,
    /// else its sync group's, else the global `vrrp_notify_priority_changes`.
    pub fn notify_priority_changes(&self, instance: &VrrpInstance) -> bool {
        instance
            .notify_priority_changes
            .or_else(|| {
                self.sync_groups_of(instance)
                    .find_map(|g| g.notify_priority_changes)
            })
            .unwrap_or(self.global.vrrp_notify_priority_changes)
    }

    /// `owner_ignore_adverts`, else the global `vrrp_owner_ignore_adverts`,
    /// as written.
    pub fn owner_ignore_adverts<'a>(
        &'a self,
        instance: &'a VrrpInstance,
    ) -> Option<&'a Spanned<bool>> {
        instance
            .owner_ignore_adverts
            .as_ref()
            .or(self.global.vrrp_owner_ignore_adverts.as_ref())
    }

    /// The gratuitous ARP / NA settings of `instance`: each its own, else
    /// the global one; keepalived fills the `garp_lower_prio_*` left
    /// unwritten from the global `vrrp_garp_master_*`. Keepalived's
    /// defaults come after these (`garp_spec.rs`).
    pub fn garp(&self, instance: &VrrpInstance) -> GarpSettings {
        let (own, global) = (&instance.garp, &self.global.garp);
        GarpSettings {
            master_delay: own.master_delay.or(global.master_delay),
            master_repeat: own.master_repeat.or(global.master_repeat),
            master_refresh: own.master_refresh.or(global.master_refresh),
            master_refresh_repeat: own.master_refresh_repeat.or(global.master_refresh_repeat),
            lower_prio_delay: (own.lower_prio_delay)
                .or(global.lower_prio_delay)
                .or(global.master_delay),
            lower_prio_repeat: (own.lower_prio_repeat)
                .or(global.lower_prio_repeat)
                .or(global.master_repeat),
        }
    }

    /// `garp_extra_if`, else the global `vrrp_garp_extra_if`.
    pub fn garp_extra_if(&self, instance: &VrrpInstance) -> Option<GarpExtraIf> {
        instance.garp_extra_if.or(self.global.vrrp_garp_extra_if)
    }

    /// The prefix of the instances' VMAC names (keepalived 2.4.3):
    /// `vmac_prefix`, else `vrrp`.
    pub fn vmac_prefix(&self) -> &str {
        self.global.vmac_prefix.as_deref().unwrap_or("vrrp")
    }

    /// The prefix of the addresses' own VMACs (`use_vmac_addr`; keepalived
    /// 2.4.3): `vmac_addr_prefix`, else [`Self::vmac_prefix`].
    pub fn vmac_addr_prefix(&self) -> &str {
        (self.global.vmac_addr_prefix.as_deref()).unwrap_or_else(|| self.vmac_prefix())
    }
}
