//! The whole typed configuration: what keepalived.conf says about VRRP.

use std::net::IpAddr;

use super::error::Spanned;
use super::instance::VrrpInstance;
use super::model::{
    Family, GarpGroup, GlobalDefs, SyncGroup, TrackFile, TrackProcess, VirtualAddress, VrrpScript,
    VrrpVersion,
};
use super::routes::{IpRoute, IpRule};

/// Everything keepalived.conf says about VRRP.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeepalivedConfig {
    /// `global_defs`.
    pub global: GlobalDefs,
    /// `vrrp_script` blocks, in file order.
    pub scripts: Vec<VrrpScript>,
    /// `vrrp_track_process` blocks, in file order.
    pub track_processes: Vec<TrackProcess>,
    /// `track_file` (or `vrrp_track_file`) blocks, in file order.
    pub track_files: Vec<TrackFile>,
    /// `vrrp_instance` blocks, in file order.
    pub instances: Vec<VrrpInstance>,
    /// `vrrp_sync_group` blocks, in file order.
    pub sync_groups: Vec<SyncGroup>,
    /// `static_ipaddress`: on the host from start to stop.
    pub static_addresses: Vec<VirtualAddress>,
    /// `static_routes`: installed from start to stop.
    pub static_routes: Vec<IpRoute>,
    /// `static_rules`: installed from start to stop.
    pub static_rules: Vec<IpRule>,
    /// `garp_group` blocks, in file order.
    pub garp_groups: Vec<GarpGroup>,
}

impl KeepalivedConfig {
    /// The `vrrp_script` called `name`.
    pub fn script(&self, name: &str) -> Option<&VrrpScript> {
        self.scripts.iter().find(|s| s.name == name)
    }

    /// The `vrrp_track_process` called `name`.
    pub fn track_process(&self, name: &str) -> Option<&TrackProcess> {
        self.track_processes.iter().find(|p| p.name == name)
    }

    /// The `track_file` called `name`.
    pub fn track_file(&self, name: &str) -> Option<&TrackFile> {
        self.track_files.iter().find(|f| f.name == name)
    }

    /// The `vrrp_instance` called `name`.
    pub fn instance(&self, name: &str) -> Option<&VrrpInstance> {
        self.instances.iter().find(|i| i.name == name)
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

    /// The VRRP version `instance` runs: its own `version`, else 3 for IPv6,
    /// else the global `vrrp_version`, else 2 (keepalived's rule).
    pub fn effective_version(&self, instance: &VrrpInstance) -> VrrpVersion {
        instance.version_with_global(self.global.vrrp_version)
    }
}
