//! What the driver runs: virtual routers with their Linux specifics.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

pub use crate::netlink::{AddMode, Prefix, Route, RouteType, Rule, RuleAction};
use crate::socket::Family;
use crate::track::TrackWeight;
use crate::track::file::FileSpec;
use crate::track::process::ProcessSpec;
use crate::track::script::ScriptSpec;
pub use crate::vmac::IpvlanFlags;

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
    /// keepalived's `no_track`: its link going down does not put the
    /// instance in Fault.
    pub no_track: bool,
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
    /// Period of the announcements on the instance's other interfaces
    /// while Master (keepalived's `garp_extra_if`): one VIP's on each of its
    /// VMACs, on each interface with [`extra_if_all`](Self::extra_if_all);
    /// the instance's own only with `vmac_xmit_base`; `None`: none.
    pub extra_if: Option<Duration>,
    /// `garp_extra_if all`: on every interface of a VIP, not only VMACs.
    pub extra_if_all: bool,
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
            extra_if: None,
            extra_if_all: false,
            lower_prio_repeat: 5,
            lower_prio_delay: Duration::from_secs(5),
        }
    }
}

/// Interfaces whose gratuitous ARPs (unsolicited NAs) are paced together,
/// whichever instance sends them (keepalived's `garp_group`, and the
/// per-interface groups its `vrrp_garp_interval` / `vrrp_gna_interval`
/// make).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GarpGroupSpec {
    /// The interfaces, by name; a VIP on a VMAC counts as its parent's.
    pub interfaces: Vec<String>,
    /// The least time between two gratuitous ARPs; `None`: not paced.
    pub garp_interval: Option<Duration>,
    /// The least time between two unsolicited NAs; `None`: not paced.
    pub gna_interval: Option<Duration>,
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
    /// The interface it runs on. `None`: a unicast instance bound to no
    /// interface (keepalived 2.4.3 runs one without `interface`): its
    /// adverts leave from `vrrp.primary_address`, which must be given, by
    /// whichever interface routing picks; every VIP names its interface,
    /// and a VIP's link down puts it in Fault. It has no VMAC.
    pub interface: Option<String>,
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
    /// What `vmac` names: a macvlan (`use_vmac`) or an ipvlan (`use_ipvlan`).
    pub vmac_kind: VmacKind,
    /// keepalived's `use_vmac_addr` (and an address's own `use_vmac`): VMACs
    /// of the VIPs on other interfaces or of the other family, each VIP's
    /// `interface` naming its VMAC; up while Master, as `vmac`.
    pub addr_vmacs: Vec<AddrVmac>,
    /// keepalived's `vmac_xmit_base`: with a macvlan `vmac`, the adverts
    /// leave from `interface` itself, not from the VMAC.
    pub vmac_xmit_base: bool,
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
    /// keepalived's `dont_track_primary`: its interface's link going down
    /// (or that of a VIP on it) does not put it in Fault.
    pub dont_track_primary: bool,
    /// Its share of its VRRP socket's receive buffer.
    pub rx_buffer: RxBufferShare,
    /// keepalived's `promote_secondaries`: the interface's
    /// `promote_secondaries` sysctl is 1 while the driver runs.
    pub promote_secondaries: bool,
    /// The macvlans this driver did not make that carry VIPs, each with the
    /// link it sits on, whose pacing their announcements share
    /// (keepalived's `IF_BASE_IFP`); filled when the driver starts.
    pub foreign_macvlans: Vec<(String, String)>,
}

/// The kind of interface an instance's `vmac` is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum VmacKind {
    /// A macvlan with the virtual router MAC, up only while Master.
    #[default]
    Macvlan,
    /// keepalived's `use_ipvlan`: an L2 ipvlan, with the interface's MAC,
    /// created up and kept up. When the kernel refuses it, the instance
    /// stays in Fault (as keepalived).
    Ipvlan(IpvlanSpec),
}

/// A VMAC that carries addresses only (keepalived's `use_vmac_addr`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrVmac {
    /// Its name.
    pub name: String,
    /// The interface it sits on.
    pub parent: String,
    /// The family of its addresses, which picks its virtual MAC.
    pub family: Family,
}

/// keepalived's `use_ipvlan`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpvlanSpec {
    /// The address put on it and its prefix length.
    pub address: Option<(IpAddr, u8)>,
    /// `bridge`, `private` or `vepa`.
    pub flags: IpvlanFlags,
    /// Its link group, if given.
    pub group: Option<u32>,
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

/// An instance's share of the receive buffer of the VRRP socket it reads
/// from (keepalived's `kernel_rx_buf_size` and `vrrp_rx_bufs_policy`,
/// vrrp_scheduler.c): the socket asks for the sum of its instances'
/// shares (`SO_RCVBUF`), and keeps the kernel's default when that is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RxBufferShare {
    /// Nothing: the kernel's default, unless another instance asks.
    #[default]
    None,
    /// This many bytes.
    Bytes(u32),
    /// This many of the instance's adverts (as received: the IPv4 header,
    /// an AH header and an `auth_hmac` trailer included).
    Adverts(u32),
    /// This many times its interface's MTU.
    Mtus(u32),
}

impl RxBufferShare {
    /// Bytes, for an instance configured as `vrrp` on an interface of
    /// `mtu` bytes.
    pub fn bytes(self, vrrp: &vrrp_core::Config, mtu: u32) -> u64 {
        match self {
            Self::None => 0,
            Self::Bytes(bytes) => u64::from(bytes),
            Self::Adverts(n) => u64::from(n) * advert_len(vrrp),
            Self::Mtus(n) => u64::from(n) * u64::from(mtu),
        }
    }
}

/// An advert's length as received, by keepalived's count (vrrp.c,
/// `vrrp_adv_len`): the VRRP header, the addresses, an IPv4 header (and
/// AH's, and VRRPv2's 8 authentication bytes), an `auth_hmac` trailer.
fn advert_len(vrrp: &vrrp_core::Config) -> u64 {
    use vrrp_core::auth_hmac::Mode;
    use vrrp_core::wire::{
        AH_LEN, AUTH_LEN, Auth, HEADER_LEN, IPV4_HEADER_LEN, TRAILER_LEN, Version,
    };
    let addresses = vrrp.virtual_addresses.len();
    let body = match vrrp.primary_address {
        IpAddr::V4(_) => {
            let v2 = if vrrp.version == Version::V2 {
                AUTH_LEN
            } else {
                0
            };
            let ah = if matches!(vrrp.auth, Auth::Ah(_)) {
                AH_LEN
            } else {
                0
            };
            v2 + 4 * addresses + IPV4_HEADER_LEN + ah
        }
        IpAddr::V6(_) => 16 * addresses,
    };
    let signs = vrrp
        .auth_hmac
        .as_ref()
        .is_some_and(|hmac| hmac.mode != Mode::ReceiveOnly);
    (HEADER_LEN + body + if signs { TRAILER_LEN } else { 0 }) as u64
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
    /// Announcement pacing per interface; an interface in no group is
    /// not paced.
    pub garp_groups: Vec<GarpGroupSpec>,
    /// keepalived's `disable_local_igmp`: no IGMP reports for 224.0.0.0/24
    /// (`net.ipv4.igmp_link_local_mcast_reports` 0 from start to stop), and
    /// so no VMAC rules for IPv4 VMACs.
    pub disable_local_igmp: bool,
    /// How the nftables chains of the drop and VMAC rules are made.
    pub nft_chains: crate::firewall::ChainOptions,
    /// The netlink socket's receive buffer; `None`:
    /// [`SOCKET_RCVBUF`](crate::netlink::SOCKET_RCVBUF).
    pub netlink_buffer: Option<NetlinkBuffer>,
    /// Interfaces whose link changes are acted on only after a delay
    /// (keepalived's `interface_up_down_delays`); the others at once.
    pub link_delays: Vec<LinkDelay>,
    /// Whether a late wake-up raises the loop's thread to real-time
    /// scheduling (keepalived's `max_auto_priority`).
    pub auto_priority: crate::tuning::AutoPriority,
}

/// How long an interface's link must stay down (up) before its instances
/// see it down (up); a flap shorter than that is not seen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LinkDelay {
    /// The interface's name.
    pub interface: String,
    /// Before a link that went down is acted on.
    pub down: Duration,
    /// Before a link that came back up is acted on.
    pub up: Duration,
}

/// A receive buffer asked for the netlink socket (keepalived's
/// `vrrp_netlink_cmd_rcv_bufs` and `vrrp_netlink_monitor_rcv_bufs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetlinkBuffer {
    /// Bytes asked for (the kernel doubles them).
    pub bytes: u32,
    /// With `SO_RCVBUFFORCE` (past `net.core.rmem_max`; needs
    /// `CAP_NET_ADMIN`), else `SO_RCVBUF` (capped by it).
    pub force: bool,
}

/// The drop rules' table when [`DriverConfig::drop_table`] names none.
pub const DEFAULT_DROP_TABLE: &str = "vrrp_rs";

impl DriverConfig {
    /// The VMAC rules' tables (`ip`, `ip6`; named as the drop rules'), if
    /// some instance has a VMAC.
    pub fn needed_vmac_table(&self) -> Option<&str> {
        self.instances
            .iter()
            .any(|s| s.vmac_parents().next().is_some())
            .then(|| self.drop_table.as_deref().unwrap_or(DEFAULT_DROP_TABLE))
    }

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
            no_track: false,
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
            interface: Some(interface.to_owned()),
            vrrp: vrrp_core::Config::new(vrid, unspecified, vips.to_vec()),
            vips: vips.iter().copied().map(Vip::new).collect(),
            excluded_vips: Vec::new(),
            track: Vec::new(),
            garp: GarpSpec::default(),
            vmac: None,
            vmac_kind: VmacKind::Macvlan,
            addr_vmacs: Vec::new(),
            vmac_xmit_base: false,
            routes: Vec::new(),
            rules: Vec::new(),
            vip_traffic: VipTraffic::Accept,
            config_fault: false,
            track_source: None,
            dont_track_primary: false,
            rx_buffer: RxBufferShare::None,
            promote_secondaries: false,
            foreign_macvlans: Vec::new(),
        }
    }

    /// Its macvlan VMACs (`use_vmac`, `use_vmac_addr`), each with its
    /// parent and the family it carries.
    pub fn vmac_parents(&self) -> impl Iterator<Item = (&str, &str, Family)> {
        let macvlan = matches!(self.vmac_kind, VmacKind::Macvlan);
        let own = self.vmac.as_deref().filter(|_| macvlan);
        let family = match self.vrrp.primary_address {
            IpAddr::V4(_) => Family::Ipv4,
            IpAddr::V6(_) => Family::Ipv6,
        };
        own.zip(self.interface.as_deref())
            .map(|(v, parent)| (v, parent, family))
            .into_iter()
            .chain(
                self.addr_vmacs
                    .iter()
                    .map(|v| (v.name.as_str(), v.parent.as_str(), v.family)),
            )
    }

    /// The VIPs and excluded VIPs, all that is installed while Master.
    pub fn installed(&self) -> impl Iterator<Item = &Vip> {
        self.vips.iter().chain(&self.excluded_vips)
    }

    /// The installed address number `k` (in [`installed`](Self::installed)'s
    /// order), found without walking the others.
    pub fn installed_at(&self, k: usize) -> Option<&Vip> {
        match k.checked_sub(self.vips.len()) {
            None => self.vips.get(k),
            Some(excluded) => self.excluded_vips.get(excluded),
        }
    }

    /// The installed addresses whose traffic is dropped while Master.
    pub fn dropped_while_master(&self) -> Vec<IpAddr> {
        match self.vip_traffic {
            VipTraffic::Accept => Vec::new(),
            VipTraffic::DropWhileMaster => self.installed().map(|v| v.addr).collect(),
        }
    }

    /// The interface a VIP goes on (every VIP of an instance without an
    /// interface names its own).
    pub fn interface_of<'a>(&'a self, vip: &'a Vip) -> &'a str {
        (vip.interface.as_deref())
            .or(self.interface.as_deref())
            .unwrap_or_default()
    }

    /// The physical interface under a VIP's: the instance's for a VIP on
    /// its VMAC, the parent for one on another macvlan (keepalived's
    /// `IF_BASE_IFP`, which its pacing is keyed by).
    pub fn base_interface_of<'a>(&'a self, vip: &'a Vip) -> &'a str {
        match self.interface_of(vip) {
            name if self.vmac.as_deref() == Some(name) => self.interface.as_deref().unwrap_or(name),
            name => (self.addr_vmacs.iter())
                .map(|v| (&v.name, &v.parent))
                .chain(self.foreign_macvlans.iter().map(|(m, p)| (m, p)))
                .find(|(macvlan, _)| *macvlan == name)
                .map_or(name, |(_, parent)| parent),
        }
    }

    /// The links whose going down puts the instance in Fault besides its
    /// interface's (keepalived's `TRACK_ADDR`, vrrp.c): each VIP's, unless
    /// `no_track`, or on its interface or its own VMAC under
    /// `dont_track_primary`. (A VMAC is down while its instance is not
    /// Master: the driver reads a VMAC's state as its parent's.)
    pub fn vip_links(&self) -> impl Iterator<Item = &str> {
        self.installed()
            .filter(|vip| !vip.no_track)
            .map(|vip| self.interface_of(vip))
            .filter(|&name| {
                let primary =
                    self.interface.as_deref() == Some(name) || self.vmac.as_deref() == Some(name);
                !(primary && self.dont_track_primary)
            })
    }

    /// The interface the instance's own VIPs are on: its VMAC, else its
    /// own; `""` for an instance without one (its VIPs name theirs).
    pub fn own_interface(&self) -> &str {
        (self.vmac.as_deref())
            .or(self.interface.as_deref())
            .unwrap_or_default()
    }
}
