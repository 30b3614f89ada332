//! What the driver runs: virtual routers with their Linux specifics.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

pub use crate::netlink::{AddMode, Prefix, Route, RouteType, Rule, RuleAction};
use crate::track::TrackWeight;
use crate::track::file::FileSpec;
use crate::track::process::ProcessSpec;
use crate::track::script::ScriptSpec;

/// A virtual address as installed on an interface.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Vip {
    /// The address.
    pub addr: IpAddr,
    /// Its prefix length (keepalived's default: /32 or /128).
    pub prefix_len: u8,
    /// The interface to install it on (keepalived's `dev`); `None`: the instance's.
    pub interface: Option<String>,
    /// IPv4 label (keepalived's `label`), e.g. `eth0:vip`.
    pub label: Option<String>,
}

/// Gratuitous ARP / unsolicited NA timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GarpSpec {
    /// Delay of the second burst after becoming Master; zero: no second burst.
    pub delay: Duration,
    /// Announcements per address in each burst.
    pub repeat: u32,
    /// Period of the refresh bursts while Master; `None`: no refresh.
    pub refresh: Option<Duration>,
    /// Announcements per address in each refresh burst.
    pub refresh_repeat: u32,
    /// Gap between two announcements of one burst.
    pub interval: Duration,
    /// Announcements per address when a lower-priority Master is heard
    /// (keepalived's `garp_lower_prio_repeat`); zero: none.
    pub lower_prio_repeat: u32,
    /// Delay of the second such burst (`garp_lower_prio_delay`); zero: none.
    pub lower_prio_delay: Duration,
}

impl Default for GarpSpec {
    /// 5 now, 5 more after 5 s, no refresh; the same when a lower-priority
    /// Master is heard.
    fn default() -> Self {
        Self {
            delay: Duration::from_secs(5),
            repeat: 5,
            refresh: None,
            refresh_repeat: 1,
            interval: Duration::ZERO,
            lower_prio_repeat: 5,
            lower_prio_delay: Duration::from_secs(5),
        }
    }
}

/// An object an instance tracks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Tracked {
    /// A track script, by index into [`DriverConfig::scripts`].
    Script(usize),
    /// A tracked process, by index into [`DriverConfig::processes`].
    Process(usize),
    /// An interface, by name: up or down.
    Interface(String),
    /// A tracked file, by index into [`DriverConfig::files`]: its value
    /// times the weight.
    File(usize),
}

/// One virtual router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceSpec {
    /// Its name (keepalived's `vrrp_instance NAME`), for logs and notifications.
    pub name: String,
    /// The interface it runs on.
    pub interface: String,
    /// The protocol configuration. The driver overwrites
    /// `virtual_addresses` with the addresses of `vips`, and sets
    /// `primary_address` from the interface (primary IPv4, or IPv6
    /// link-local) unless it is given (keepalived's `unicast_src_ip` /
    /// `mcast_src_ip`), i.e. unless it is not unspecified (0.0.0.0 / ::).
    pub vrrp: vrrp_core::Config,
    /// The advertised virtual addresses.
    pub vips: Vec<Vip>,
    /// Addresses installed with the VIPs but not advertised
    /// (keepalived's `virtual_ipaddress_excluded`).
    pub excluded_vips: Vec<Vip>,
    /// Tracked objects and their weights.
    pub track: Vec<(Tracked, TrackWeight)>,
    /// Announcement timing.
    pub garp: GarpSpec,
    /// keepalived's `use_vmac`: the name of a macvlan with the virtual
    /// router MAC that carries the VIPs (those without an `interface`, or
    /// with the instance's own) and sends the adverts.
    pub vmac: Option<String>,
    /// Routes installed while Master (keepalived's `virtual_routes`),
    /// after the VIPs; removed on leaving Master, before them.
    pub routes: Vec<Route>,
    /// Policy rules installed while Master (`virtual_rules`), after the routes.
    pub rules: Vec<Rule>,
    /// Whether this host's own traffic with the installed addresses is
    /// taken while Master.
    pub vip_traffic: VipTraffic,
    /// Held in Fault whatever else holds (keepalived's configuration
    /// faults, e.g. `unicast_fault_no_peer` without peers).
    pub config_fault: bool,
    /// keepalived's `track_src_ip`: this source address (configured, not
    /// the interface's own) must be on the interface, or the instance is
    /// in Fault.
    pub track_source: Option<IpAddr>,
}

/// This host's own traffic to (and from) an instance's installed
/// addresses while it is Master. Forwarding through them is not affected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum VipTraffic {
    /// Taken, as any address of the host's.
    #[default]
    Accept,
    /// Dropped (nftables rules, added before the addresses, removed after
    /// them), except neighbour discovery.
    DropWhileMaster,
}

/// Everything a [`Driver`](super::Driver) runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DriverConfig {
    /// The virtual routers.
    pub instances: Vec<InstanceSpec>,
    /// Sync groups, as indices into `instances`.
    pub sync_groups: Vec<Vec<usize>>,
    /// Track scripts.
    pub scripts: Vec<ScriptSpec>,
    /// Tracked processes.
    pub processes: Vec<ProcessSpec>,
    /// Tracked files.
    pub files: Vec<FileSpec>,
    /// How often /proc is scanned for tracked processes.
    pub process_interval: Duration,
    /// Notify scripts and FIFOs.
    pub notify: crate::notify::NotifyConfig,
    /// What the host has while the driver runs, Master or not.
    pub statics: Statics,
    /// Handle SIGTERM, SIGINT, SIGHUP, SIGUSR1 (a daemon); an embedding
    /// service that owns its signals leaves this off.
    pub handle_signals: bool,
    /// The nftables table (`inet NAME`) of the drop rules, created at
    /// start when an instance has [`VipTraffic::DropWhileMaster`];
    /// `None`: [`DEFAULT_DROP_TABLE`].
    pub drop_table: Option<String>,
    /// How long the instances wait before they start (keepalived's
    /// `vrrp_startup_delay` / `vrrp_delay_after_boot`): received adverts
    /// are discarded and nothing is sent meanwhile. Zero: at once.
    pub start_delay: Duration,
    /// Log each advert whose VRID no instance on its interface has
    /// (keepalived's `log_unknown_vrids`); otherwise only counted.
    pub log_unknown_vrids: bool,
}

/// The drop rules' table when [`DriverConfig::drop_table`] names none.
pub const DEFAULT_DROP_TABLE: &str = "vrrp_rs";

impl DriverConfig {
    /// The drop rules' table, if some instance needs one.
    pub fn needed_drop_table(&self) -> Option<&str> {
        self.instances
            .iter()
            .any(|s| s.vip_traffic == VipTraffic::DropWhileMaster)
            .then(|| self.drop_table.as_deref().unwrap_or(DEFAULT_DROP_TABLE))
    }
}

/// Addresses, routes and rules installed at start and removed on stop
/// (keepalived's `static_ipaddress`, `static_routes`, `static_rules`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statics {
    /// Addresses, each with its `interface`.
    pub addresses: Vec<Vip>,
    /// Routes, added after the addresses.
    pub routes: Vec<Route>,
    /// Rules, added after the routes.
    pub rules: Vec<Rule>,
}

impl Vip {
    /// A host address (/32 or /128) on the instance's interface.
    pub fn new(addr: IpAddr) -> Self {
        let prefix_len = if addr.is_ipv4() { 32 } else { 128 };
        Self {
            addr,
            prefix_len,
            interface: None,
            label: None,
        }
    }
}

impl InstanceSpec {
    /// A VRRPv3 instance with the RFC's defaults (priority 100, 1 s,
    /// preempt), sending from the interface's own address, no tracking,
    /// the default announcement timing.
    pub fn new(name: &str, interface: &str, vrid: u8, vips: &[IpAddr]) -> Self {
        let unspecified: IpAddr = match vips.first() {
            Some(IpAddr::V6(_)) => Ipv6Addr::UNSPECIFIED.into(),
            _ => Ipv4Addr::UNSPECIFIED.into(),
        };
        Self {
            name: name.to_owned(),
            interface: interface.to_owned(),
            vrrp: vrrp_core::Config::new(vrid, unspecified, vips.to_vec()),
            vips: vips.iter().copied().map(Vip::new).collect(),
            excluded_vips: Vec::new(),
            track: Vec::new(),
            garp: GarpSpec::default(),
            vmac: None,
            routes: Vec::new(),
            rules: Vec::new(),
            vip_traffic: VipTraffic::Accept,
            config_fault: false,
            track_source: None,
        }
    }

    /// The VIPs and excluded VIPs, all that is installed while Master.
    pub fn installed(&self) -> impl Iterator<Item = &Vip> {
        self.vips.iter().chain(&self.excluded_vips)
    }

    /// The installed addresses whose traffic is dropped while Master.
    pub fn dropped_while_master(&self) -> Vec<IpAddr> {
        match self.vip_traffic {
            VipTraffic::Accept => Vec::new(),
            VipTraffic::DropWhileMaster => self.installed().map(|v| v.addr).collect(),
        }
    }

    /// The interface a VIP goes on.
    pub fn interface_of<'a>(&'a self, vip: &'a Vip) -> &'a str {
        vip.interface.as_deref().unwrap_or(&self.interface)
    }
}
