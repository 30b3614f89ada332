//! The whole typed configuration: what keepalived.conf says about VRRP.

use super::error::Spanned;
use super::instance::VrrpInstance;
use super::model::{
    GarpGroup, GlobalDefs, LinkDelay, SyncGroup, TrackFile, TrackProcess, VirtualAddress,
    VrrpScript,
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
    /// `linkbeat_interfaces`: read and checked (they must exist); link
    /// state comes from netlink whatever they say.
    pub linkbeat_interfaces: Vec<Spanned<String>>,
    /// `interface_up_down_delays`, cut to what the instances allow.
    pub link_delays: Vec<LinkDelay>,
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
}
