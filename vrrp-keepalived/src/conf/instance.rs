//! The typed `vrrp_instance`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use vrrp_core::config::{PRIORITY_DEFAULT, PRIORITY_OWNER};

use super::error::{Span, Spanned};
use super::model::{
    AuthHmac, Authentication, Centiseconds, Family, GarpExtraIf, GarpSettings, InitialState,
    Notify, Tracked, UnicastPeer, UseIpvlan, UseVmac, VirtualAddress, VrrpVersion,
};
use super::routes::{IpRoute, IpRule};

/// keepalived's advertisement interval when none is written: 1 s.
pub const DEFAULT_ADVERT_INT: Centiseconds = Centiseconds(100);

/// `vrrp_instance NAME { ... }`: one virtual router on one interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrrpInstance {
    /// Its name.
    pub name: String,
    /// Where `vrrp_instance` starts.
    pub at: Span,
    /// `interface IF`.
    pub interface: Option<Spanned<String>>,
    /// `state MASTER|BACKUP`.
    pub state: Option<Spanned<InitialState>>,
    /// `virtual_router_id 1..255`.
    pub virtual_router_id: Option<Spanned<u8>>,
    /// `priority 1..255`.
    pub priority: Option<Spanned<u8>>,
    /// `advert_int SECS`, exact in centiseconds.
    pub advert_int: Option<Spanned<Centiseconds>>,
    /// `version 2|3`.
    pub version: Option<Spanned<VrrpVersion>>,
    /// `nopreempt` (a later `preempt` clears it).
    pub nopreempt: bool,
    /// `preempt_delay SECS`.
    pub preempt_delay: Option<Spanned<Duration>>,
    /// `accept` (true) or `no_accept` (false); once read, always set:
    /// keepalived's default (on, except off for a non-owner in strict mode)
    /// at the instance's position.
    pub accept: Option<Spanned<bool>>,
    /// `virtual_ipaddress { ... }`: the addresses advertised.
    pub virtual_ipaddress: Vec<VirtualAddress>,
    /// `virtual_ipaddress_excluded { ... }`: moved with the VIPs, not advertised.
    pub virtual_ipaddress_excluded: Vec<VirtualAddress>,
    /// `virtual_routes`: installed while Master.
    pub virtual_routes: Vec<IpRoute>,
    /// `virtual_rules`: installed while Master.
    pub virtual_rules: Vec<IpRule>,
    /// `unicast_src_ip ADDR`.
    pub unicast_src_ip: Option<Spanned<IpAddr>>,
    /// `unicast_peer { ... }`.
    pub unicast_peers: Vec<UnicastPeer>,
    /// `mcast_src_ip ADDR`.
    pub mcast_src_ip: Option<Spanned<IpAddr>>,
    /// `mcast_dst_ip GROUP`: this instance's multicast group, before the
    /// global `vrrp_mcast_group4/6`.
    pub mcast_dst_ip: Option<Spanned<IpAddr>>,
    /// `unicast_ttl N`: the TTL of unicast adverts (unset: 255).
    pub unicast_ttl: Option<Spanned<u8>>,
    /// `authentication { ... }`.
    pub authentication: Option<Box<Authentication>>,
    /// `auth_hmac { ... }` (keepalived 2.4).
    pub auth_hmac: Option<Box<AuthHmac>>,
    /// `track_script { ... }`.
    pub track_scripts: Vec<Tracked>,
    /// `track_interface { ... }`.
    pub track_interfaces: Vec<Tracked>,
    /// `track_process { ... }`.
    pub track_processes: Vec<Tracked>,
    /// `track_file { ... }`.
    pub track_files: Vec<Tracked>,
    /// `notify*` scripts.
    pub notify: Notify,
    /// `garp_*` settings (override the global `vrrp_garp_*`).
    pub garp: GarpSettings,
    /// `garp_extra_if [all] SECS` (overrides the global `vrrp_garp_extra_if`).
    pub garp_extra_if: Option<GarpExtraIf>,
    /// `use_vmac [NAME]`.
    pub use_vmac: Option<UseVmac>,
    /// `vmac_xmit_base`: send adverts on the base interface, not the macvlan.
    pub vmac_xmit_base: bool,
    /// `use_ipvlan ...`.
    pub use_ipvlan: Option<UseIpvlan>,
    /// `use_vmac_addr`: a VMAC also for each VIP on another interface or
    /// of the other family.
    pub use_vmac_addr: bool,
    /// `native_ipv6`: an IPv6 instance even without addresses.
    pub native_ipv6: bool,
    /// `dont_track_primary`: ignore faults of `interface`.
    pub dont_track_primary: bool,
    /// `check_unicast_src`.
    pub check_unicast_src: bool,
    /// `lower_prio_no_advert [BOOL]`; unset: the global `vrrp_` form.
    pub lower_prio_no_advert: Option<bool>,
    /// `higher_prio_send_advert [BOOL]`; unset: the global `vrrp_` form.
    pub higher_prio_send_advert: Option<bool>,
    /// `no_virtual_ipaddress`: no VIP is intended (no warning, and VRRPv3
    /// runs without one); where it was written.
    pub no_virtual_ipaddress: Option<Span>,
    /// `skip_check_adv_addr [BOOL]`; unset: the global `vrrp_` form.
    pub skip_check_adv_addr: Option<bool>,
    /// `v3_checksum_as_v2 [BOOL]`; unset: the global keyword.
    pub v3_checksum_as_v2: Option<bool>,
    /// `down_timer_adverts 1..100`; unset: the global `vrrp_` form, else 3.
    pub down_timer_adverts: Option<Spanned<u8>>,
    /// `notify_priority_changes [BOOL]`: FIFO lines when the effective
    /// priority changes; unset: the sync group's, else the global `vrrp_` form.
    pub notify_priority_changes: Option<bool>,
    /// `old_unicast_checksum [never]`: `Some(true)` bare (unicast VRRPv3
    /// checksums over the multicast group), `Some(false)` with `never`.
    pub old_unicast_checksum: Option<Spanned<bool>>,
    /// `owner_ignore_adverts [BOOL]`: what our owner does anyway (RFC 9568
    /// §7.1); kept to warn where keepalived would.
    pub owner_ignore_adverts: Option<Spanned<bool>>,
    /// `unicast_fault_no_peer`: without `unicast_peer`, Fault rather than
    /// multicast (where it was written).
    pub unicast_fault_no_peer: Option<Span>,
    /// `track_src_ip`: Fault while the configured source address is not
    /// on the interface ([`VrrpInstance::tracked_source`]).
    pub track_src_ip: Option<Span>,
    /// `strict_mode [BOOL]`; unset: the global `vrrp_strict`. Once read,
    /// strict mode's rewrites are already applied to the fields above.
    pub strict_mode: Option<Spanned<bool>>,
    /// `debug 0..4`.
    pub debug: Option<u8>,
    /// `promote_secondaries` (where written): the interface's
    /// `promote_secondaries` sysctl on while running
    /// ([`VrrpInstance::promotes_secondaries`]).
    pub promote_secondaries: Option<Span>,
    /// `vrf NAME`, as read (`conf/build_vrf.rs`): never bound to here.
    pub vrf: Option<Spanned<String>>,
    /// `kernel_rx_buf_size BYTES`: this instance's share of its VRRP
    /// socket's receive buffer (0: keepalived's "not set").
    pub kernel_rx_buf_size: Option<u32>,
    /// `smtp_alert [BOOL]`: mail when the instance changes state.
    pub smtp_alert: Option<bool>,
    /// Where each keyword of [`VrrpInstance::POSITIONED`] was last written
    /// (only these: a map of every keyword cost thousands of instances
    /// most of their memory while read).
    pub written: BTreeMap<&'static str, Span>,
}

impl VrrpInstance {
    /// The keywords whose position [`VrrpInstance::written`] keeps: those
    /// strict mode rewrites, which it warns about where they were written,
    /// and those an instance without `interface` refuses (`unbound.rs`).
    pub const POSITIONED: &[&'static str] = &[
        "unicast_peer",
        "vmac_xmit_base",
        "lower_prio_no_advert",
        "higher_prio_send_advert",
        "garp_lower_prio_repeat",
        "garp_lower_prio_delay",
        "dont_track_primary",
        "use_vmac_addr",
    ];

    /// An instance with nothing configured.
    pub fn new(name: String, at: Span) -> Self {
        Self {
            name,
            at,
            interface: None,
            state: None,
            virtual_router_id: None,
            priority: None,
            advert_int: None,
            version: None,
            nopreempt: false,
            preempt_delay: None,
            accept: None,
            virtual_ipaddress: Vec::new(),
            virtual_ipaddress_excluded: Vec::new(),
            virtual_routes: Vec::new(),
            virtual_rules: Vec::new(),
            unicast_src_ip: None,
            unicast_peers: Vec::new(),
            mcast_src_ip: None,
            mcast_dst_ip: None,
            unicast_ttl: None,
            authentication: None,
            auth_hmac: None,
            track_scripts: Vec::new(),
            track_interfaces: Vec::new(),
            track_processes: Vec::new(),
            track_files: Vec::new(),
            notify: Notify::default(),
            garp: GarpSettings::default(),
            garp_extra_if: None,
            use_vmac: None,
            vmac_xmit_base: false,
            use_ipvlan: None,
            use_vmac_addr: false,
            native_ipv6: false,
            dont_track_primary: false,
            check_unicast_src: false,
            lower_prio_no_advert: None,
            higher_prio_send_advert: None,
            skip_check_adv_addr: None,
            no_virtual_ipaddress: None,
            v3_checksum_as_v2: None,
            down_timer_adverts: None,
            notify_priority_changes: None,
            old_unicast_checksum: None,
            owner_ignore_adverts: None,
            unicast_fault_no_peer: None,
            track_src_ip: None,
            strict_mode: None,
            debug: None,
            promote_secondaries: None,
            vrf: None,
            kernel_rx_buf_size: None,
            smtp_alert: None,
            written: BTreeMap::new(),
        }
    }

    /// The VRRP version it runs given the global `vrrp_version`: its own
    /// `version`, else 3 for IPv6, else the global one, else 2
    /// (keepalived's rule; [`KeepalivedConfig::effective_version`](super::KeepalivedConfig::effective_version)
    /// passes the file's global).
    pub fn version_with_global(&self, global: Option<VrrpVersion>) -> VrrpVersion {
        match (&self.version, self.family()) {
            (Some(version), _) => version.value,
            (None, Family::Ipv6) => VrrpVersion::V3,
            (None, Family::Ipv4) => global.unwrap_or(VrrpVersion::V2),
        }
    }

    /// The address family: that of the first VIP, else of the unicast
    /// addresses, else IPv6 with `native_ipv6`, else IPv4.
    pub fn family(&self) -> Family {
        let first = self
            .virtual_ipaddress
            .first()
            .map(|vip| vip.addr)
            .or_else(|| self.unicast_src_ip.as_ref().map(|src| src.value))
            .or_else(|| self.unicast_peers.first().map(|peer| peer.addr));
        match first {
            Some(addr) => Family::of(&addr),
            None if self.native_ipv6 => Family::Ipv6,
            None => Family::Ipv4,
        }
    }

    /// The source address `track_src_ip` watches: `unicast_src_ip`, else
    /// `mcast_src_ip` (the one the instance sends from). keepalived 2.4.3
    /// (vrrp.c) clears the flag when neither is written.
    pub fn tracked_source(&self) -> Option<IpAddr> {
        self.track_src_ip.as_ref()?;
        self.unicast_src_ip
            .as_ref()
            .or(self.mcast_src_ip.as_ref())
            .map(|src| src.value)
    }

    /// Whether the interface's `promote_secondaries` sysctl is set: where
    /// written, unless the instance is on a VMAC or ipvlan (keepalived
    /// 2.4.3 vrrp.c ignores it there: a VMAC gets it anyway).
    pub fn promotes_secondaries(&self) -> bool {
        self.promote_secondaries.is_some() && self.use_vmac.is_none() && self.use_ipvlan.is_none()
    }

    /// keepalived 2.4.3 (vrrp.c): `unicast_fault_no_peer` without any
    /// `unicast_peer` holds the instance in Fault instead of multicast.
    pub fn faults_without_peers(&self) -> bool {
        self.unicast_fault_no_peer.is_some() && self.unicast_peers.is_empty()
    }

    /// The priority in force: as written, else 255 for `state MASTER` and 100
    /// otherwise (keepalived's rule).
    pub fn effective_priority(&self) -> u8 {
        match (&self.priority, &self.state) {
            (Some(priority), _) => priority.value,
            (None, Some(state)) if state.value == InitialState::Master => PRIORITY_OWNER,
            (None, _) => PRIORITY_DEFAULT,
        }
    }

    /// The initial state: as written, else MASTER only for the address owner.
    pub fn effective_state(&self) -> InitialState {
        match &self.state {
            Some(state) => state.value,
            None if self.effective_priority() == PRIORITY_OWNER => InitialState::Master,
            None => InitialState::Backup,
        }
    }

    /// The advertisement interval: as written, else 1 s.
    pub fn effective_advert_int(&self) -> Centiseconds {
        self.advert_int
            .as_ref()
            .map_or(DEFAULT_ADVERT_INT, |a| a.value)
    }

    /// Accept mode in force: traffic to the VIPs is taken while Master.
    /// Set by the reader; unset (an instance built by hand) means on.
    pub fn effective_accept(&self) -> bool {
        self.accept.as_ref().is_none_or(|a| a.value)
    }

    /// Traffic to the VIPs must be dropped while Master: accept mode off on
    /// an instance that does not own them (keepalived's firewall rule).
    pub fn drops_vip_traffic(&self) -> bool {
        !self.effective_accept() && self.effective_priority() != PRIORITY_OWNER
    }

    /// Adverts go to unicast peers rather than the multicast group.
    pub fn is_unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }
}
