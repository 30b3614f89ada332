//! What the driver changes on the host, through netlink: the links it
//! watches, the VIPs it installs (and announces), the VMAC interfaces it
//! creates and the sysctls it sets for them.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::IpAddr;
use std::time::Instant;

use vrrp_core::InstanceId;

use super::error::DriverError;
use super::log_limit::{LogLimit, SEND_WARN_EVERY};
use super::spec::{InstanceSpec, IpvlanSpec, VmacKind};
use super::{sysctl, vmac};
use crate::announce::{AnnounceError, Announcer};
use crate::iface::{Interface, MacAddr};
use crate::netlink::{NetEvent, Netlink, Seq, dump_addresses};

/// Netlink datagrams read in one turn at most (one message each, mostly):
/// 4,080 new Masters' address requests come back as 8,160 messages, tens
/// of milliseconds to decode; read in slices, adverts due meanwhile wait
/// for one slice, not for all of them.
const NETLINK_DATAGRAMS_PER_TURN: usize = 256;

/// A due announcement that did not go out: where, and why (`None`: the
/// driver does not know the interface).
#[derive(Debug)]
struct NotSent {
    vip: IpAddr,
    interface: String,
    error: Option<AnnounceError>,
}

/// An interface the driver uses, kept current from netlink.
#[derive(Debug)]
pub(super) struct Link {
    pub(super) name: String,
    pub(super) ifindex: u32,
    pub(super) mac: Option<MacAddr>,
    pub(super) up: bool,
    /// Announcements go out here (opened on first use).
    announcer: Option<Announcer>,
    /// Whether IPv6 forwarding is on (the NA Router flag).
    ipv6_forwarding: bool,
}

/// An outstanding netlink request and what it was for.
#[derive(Clone, Copy, Debug)]
pub(super) enum Request {
    AddVip(InstanceId, IpAddr),
    DelVip(InstanceId, IpAddr),
    /// An instance's VMAC set up (true) or down.
    VmacUp(InstanceId, bool),
    /// A route added (true) or deleted: `index` into the instance's
    /// routes, or into the static ones when `owner` is `None`.
    Route {
        owner: Option<InstanceId>,
        index: usize,
        add: bool,
    },
    /// A rule added or deleted, as for `Route`.
    Rule {
        owner: Option<InstanceId>,
        index: usize,
        add: bool,
    },
    /// A static address added or deleted.
    StaticAddress {
        index: usize,
        add: bool,
    },
}

/// The links, the netlink socket, the requests in flight and what they
/// installed.
pub(super) struct Host {
    links: Vec<Link>,
    netlink: Netlink,
    requests: HashMap<Seq, Request>,
    /// Per instance: whether its VIPs are installed (we added them).
    installed: Vec<bool>,
    /// VMAC interfaces we created, deleted when the driver is dropped;
    /// each macvlan with its parent (an ipvlan stays up: none).
    vmacs: HashMap<String, Option<String>>,
    /// Sysctls to put back when the driver is dropped.
    restore: Vec<sysctl::Restore>,
    /// Route, rule and static address changes that failed: not sent, or
    /// refused by the kernel.
    route_failures: u64,
    /// Rate limit of "announcement not sent" warnings, per instance.
    announce_warnings: LogLimit,
}

impl Host {
    /// No links yet ([`link_index`](Self::link_index) adds them), and none
    /// of the `instances` with its VIPs installed.
    pub(super) fn new(netlink: Netlink, instances: usize) -> Self {
        Self {
            links: Vec::new(),
            netlink,
            requests: HashMap::new(),
            installed: vec![false; instances],
            vmacs: HashMap::new(),
            restore: Vec::new(),
            route_failures: 0,
            announce_warnings: LogLimit::new(SEND_WARN_EVERY),
        }
    }

    /// Sends one request built by `send`, remembering what it was for; a
    /// request that cannot be sent is logged as `what` and counted.
    pub(super) fn send(
        &mut self,
        request: Request,
        what: &dyn std::fmt::Display,
        send: impl FnOnce(&mut Netlink) -> Result<Seq, crate::netlink::NetlinkError>,
    ) {
        match send(&mut self.netlink) {
            Ok(seq) => {
                self.requests.insert(seq, request);
            }
            Err(error) => {
                self.route_failures += 1;
                tracing::error!(%what, %error, "netlink request not sent");
            }
        }
    }

    /// Counts a route, rule or static address change the kernel refused.
    pub(super) fn count_route_failure(&mut self) {
        self.route_failures += 1;
    }

    /// Route, rule and static address changes that failed so far.
    pub(super) fn route_failures(&self) -> u64 {
        self.route_failures
    }

    /// The index of the link called `name`, if the driver uses it.
    pub(super) fn ifindex_of(&self, name: &str) -> Option<u32> {
        self.link_of(name).map(|l| l.ifindex)
    }

    /// The netlink socket, to register with the poll.
    pub(super) fn netlink(&self) -> &Netlink {
        &self.netlink
    }

    pub(super) fn netlink_mut(&mut self) -> &mut Netlink {
        &mut self.netlink
    }

    /// The netlink events that arrived, appended to `events`: at most
    /// [`NETLINK_DATAGRAMS_PER_TURN`] datagrams; whether more may wait.
    pub(super) fn poll_events(&mut self, events: &mut Vec<NetEvent>) -> bool {
        match self
            .netlink
            .poll_events_at_most(events, NETLINK_DATAGRAMS_PER_TURN)
        {
            Ok(more) => more,
            Err(error) => {
                tracing::error!(%error, "reading netlink");
                false
            }
        }
    }

    // ===== links =====

    /// The link called `name`, looked up the first time.
    pub(super) fn link_index(&mut self, name: &str) -> Result<usize, DriverError> {
        if let Some(i) = self.links.iter().position(|l| l.name == name) {
            return Ok(i);
        }
        let iface = Interface::lookup(name)?;
        self.links.push(Link {
            name: iface.name.clone(),
            ifindex: iface.ifindex,
            mac: iface.mac,
            up: iface.is_up(),
            announcer: None,
            ipv6_forwarding: ipv6_forwarding(name),
        });
        Ok(self.links.len() - 1)
    }

    /// The links, in the order they were first used.
    pub(super) fn links(&self) -> &[Link] {
        &self.links
    }

    /// The link with index `ifindex`, if the driver uses it.
    pub(super) fn link_mut(&mut self, ifindex: u32) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.ifindex == ifindex)
    }

    /// Whether the interface called `name` is up, if the driver uses it.
    pub(super) fn link_up(&self, name: &str) -> Option<bool> {
        self.links.iter().find(|l| l.name == name).map(|l| l.up)
    }

    /// Whether the link called `name` counts as up for tracking (a VIP's
    /// link, a `track_interface`): a macvlan VMAC of ours is up only while
    /// its instance is Master, so it counts as its parent.
    pub(super) fn tracked_up(&self, name: &str) -> Option<bool> {
        let parent = self.vmacs.get(name).and_then(Option::as_deref);
        self.link_up(parent.unwrap_or(name))
    }

    fn link_of(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.name == name)
    }

    // ===== VMACs =====

    /// Creates (or takes over) a VMAC interface; deleted on drop.
    pub(super) fn create_vmac(&mut self, spec: &vmac::VmacSpec<'_>) -> Result<(), DriverError> {
        vmac::create(&mut self.netlink, spec, &mut self.restore)?;
        self.vmacs
            .insert(spec.name.to_owned(), Some(spec.parent.to_owned()));
        Ok(())
    }

    /// keepalived's `promote_secondaries` (vrrp_if_config.c): sets
    /// `net.ipv4.conf.INTERFACE.promote_secondaries` to 1, so that removing
    /// the interface's primary IPv4 address promotes a secondary (a VIP in
    /// its subnet) rather than deleting them all; the old value comes back
    /// when the driver is dropped, as keepalived resets it on stop.
    pub(super) fn promote_secondaries(&mut self, interface: &str) {
        use crate::socket::Family::Ipv4;
        sysctl::set_sysctl(
            Ipv4,
            interface,
            "promote_secondaries",
            "1",
            Some(&mut self.restore),
        );
    }

    /// keepalived's `disable_local_igmp` (vrrp_daemon.c): no IGMP reports
    /// for the link-local groups 224.0.0.0/24 (VRRP's included), which
    /// switches must flood anyway (RFC 4541): sets
    /// `net.ipv4.igmp_link_local_mcast_reports` to 0; the old value comes
    /// back when the driver is dropped, as keepalived puts it back on stop.
    pub(super) fn disable_local_igmp(&mut self) {
        let path = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";
        sysctl::set(path, "0", Some(&mut self.restore));
    }

    /// Creates (or takes over) the ipvlan of `use_ipvlan`, up, with its
    /// address; deleted on drop.
    pub(super) fn create_ipvlan(
        &mut self,
        spec: &vmac::VmacSpec<'_>,
        ipvlan: &IpvlanSpec,
    ) -> Result<(), DriverError> {
        vmac::create_ipvlan(&mut self.netlink, spec, ipvlan)?;
        self.vmacs.insert(spec.name.to_owned(), None);
        Ok(())
    }

    /// With `use_vmac` (and `use_vmac_addr`), the VMACs are up exactly while the instance holds its
    /// VIPs: before they are added, and down again when they go (see
    /// `vmac`). The kernel applies a link change before its request returns,
    /// so the advert and the announcements that follow leave a link that is up.
    pub(super) fn set_vmac_up(&mut self, id: InstanceId, spec: &InstanceSpec, up: bool) {
        // An ipvlan has the parent's MAC: it stays up (as keepalived's).
        let macvlan = matches!(spec.vmac_kind, VmacKind::Macvlan);
        let vmac = spec.vmac.as_ref().filter(|_| macvlan);
        for vmac in vmac
            .into_iter()
            .chain(spec.addr_vmacs.iter().map(|v| &v.name))
        {
            let Some(link) = self.link_of(vmac) else {
                continue;
            };
            match self.netlink.set_link_up(link.ifindex, up) {
                Ok(seq) => {
                    self.requests.insert(seq, Request::VmacUp(id, up));
                }
                Err(error) => {
                    tracing::error!(instance = %spec.name, %vmac, up, %error, "cannot set the virtual MAC interface up or down")
                }
            }
        }
    }

    // ===== VIPs =====

    /// Adds the instance's VIPs.
    pub(super) fn add_vips(&mut self, id: InstanceId, spec: &InstanceSpec) {
        self.installed[id.index()] = true;
        self.request_vips(id, spec, true);
    }

    /// Removes the instance's VIPs.
    pub(super) fn remove_vips(&mut self, id: InstanceId, spec: &InstanceSpec) {
        self.installed[id.index()] = false;
        self.request_vips(id, spec, false);
    }

    /// Asks the kernel to add (or delete) every installed VIP of an instance.
    fn request_vips(&mut self, id: InstanceId, spec: &InstanceSpec, add: bool) {
        for vip in spec.installed() {
            let Some(link) = self.link_of(spec.interface_of(vip)) else {
                continue;
            };
            let sent = if add {
                self.netlink.add_address(
                    link.ifindex,
                    vip.addr,
                    vip.prefix_len,
                    vip.label.as_deref(),
                )
            } else {
                self.netlink
                    .del_address(link.ifindex, vip.addr, vip.prefix_len)
            };
            match sent {
                Ok(seq) => {
                    let request = if add {
                        Request::AddVip(id, vip.addr)
                    } else {
                        Request::DelVip(id, vip.addr)
                    };
                    self.requests.insert(seq, request);
                }
                Err(error) => {
                    tracing::error!(instance = %spec.name, vip = %vip.addr, %error, "netlink request failed")
                }
            }
        }
    }

    /// Whether instance `index` has its VIPs installed.
    pub(super) fn is_installed(&self, index: usize) -> bool {
        self.installed.get(index).copied().unwrap_or(false)
    }

    /// Whether any instance has its VIPs installed, or a request is unanswered.
    pub(super) fn is_idle(&self) -> bool {
        !self.installed.iter().any(|&i| i) && self.requests.is_empty()
    }

    /// Requests the kernel has not answered yet.
    pub(super) fn pending(&self) -> usize {
        self.requests.len()
    }

    /// Stops waiting for the answers of the requests in flight: after an
    /// overflow some were dropped, and a dump has shown what they did.
    pub(super) fn forget_requests(&mut self) {
        self.requests.clear();
    }

    /// Times the netlink socket overflowed.
    pub(super) fn netlink_overflows(&self) -> u64 {
        self.netlink.overflows()
    }

    /// The request `seq` was answered: what it was, if we still track it.
    pub(super) fn answered(&mut self, seq: Seq) -> Option<Request> {
        self.requests.remove(&seq)
    }

    /// Which instance installed `addr` on `ifindex`, among `ids`.
    pub(super) fn owner_of_installed(
        &self,
        mut ids: impl Iterator<Item = InstanceId>,
        specs: &[InstanceSpec],
        ifindex: u32,
        addr: IpAddr,
    ) -> Option<InstanceId> {
        ids.find(|id| {
            let spec = &specs[id.index()];
            self.installed[id.index()]
                && spec.installed().any(|vip| {
                    vip.addr == addr
                        && self
                            .links
                            .iter()
                            .any(|l| l.ifindex == ifindex && l.name == spec.interface_of(vip))
                })
        })
    }

    /// Re-adds one VIP (removed behind our back).
    pub(super) fn restore_vip(&mut self, id: InstanceId, spec: &InstanceSpec, addr: IpAddr) {
        let Some(vip) = spec.installed().find(|v| v.addr == addr) else {
            return;
        };
        let Some(link) = self.link_of(spec.interface_of(vip)) else {
            return;
        };
        tracing::warn!(instance = %spec.name, vip = %addr, interface = %link.name,
            "virtual address removed by someone else while Master: putting it back");
        match self
            .netlink
            .add_address(link.ifindex, vip.addr, vip.prefix_len, vip.label.as_deref())
        {
            Ok(seq) => {
                self.requests.insert(seq, Request::AddVip(id, addr));
            }
            Err(error) => {
                tracing::error!(vip = %addr, %error, "cannot restore the virtual address")
            }
        }
    }

    /// One announcement of an instance's VIP number `vip` (in
    /// [`InstanceSpec::installed`] order), if its VIPs are installed and
    /// its interface has a link-layer address (keepalived's `vrrp_arp.c`
    /// skips one without). `false`: it was due but did not go out (the
    /// driver does not know the interface, no packet socket, or the kernel
    /// refused it: the interface is down or gone); the caller counts it,
    /// and it is logged here, a warning per instance at most every
    /// [`SEND_WARN_EVERY`].
    pub(super) fn announce(
        &mut self,
        now: Instant,
        id: InstanceId,
        spec: &InstanceSpec,
        vip: usize,
    ) -> bool {
        let Err(not_sent) = self.try_announce(id, spec, vip) else {
            return true;
        };
        if let Some(held_back) = self.announce_warnings.allow(id.index(), now) {
            let error = not_sent
                .error
                .map_or_else(|| "no such interface".to_owned(), |e| e.to_string());
            tracing::warn!(instance = %spec.name, vip = %not_sent.vip, interface = %not_sent.interface,
                %error, failures_not_logged = held_back, "announcement not sent");
        }
        false
    }

    fn try_announce(
        &mut self,
        id: InstanceId,
        spec: &InstanceSpec,
        vip: usize,
    ) -> Result<(), NotSent> {
        if !self.installed[id.index()] {
            return Ok(());
        }
        let Some(vip) = spec.installed_at(vip) else {
            return Ok(());
        };
        let interface = spec.interface_of(vip);
        let not_sent = |error| NotSent {
            vip: vip.addr,
            interface: interface.to_owned(),
            error,
        };
        let Some(link) = self.links.iter_mut().find(|l| l.name == interface) else {
            return Err(not_sent(None));
        };
        let Some(mac) = link.mac else { return Ok(()) };
        if link.announcer.is_none() {
            link.announcer = Some(Announcer::open(link.ifindex).map_err(|e| not_sent(Some(e)))?);
        }
        let announcer = link.announcer.as_ref().expect("opened above");
        match vip.addr {
            IpAddr::V4(addr) => announcer.gratuitous_arp(mac, addr),
            IpAddr::V6(addr) => announcer.unsolicited_na(mac, addr, link.ipv6_forwarding),
        }
        .map_err(|e| not_sent(Some(e)))
    }

    /// Removes the VIPs of non-owner instances that are already on their
    /// interface: a crashed predecessor (keepalived too) leaves them behind,
    /// and two hosts answering for one address is the failure VRRP exists to
    /// prevent. An owner's (priority 255) addresses are the interface's own
    /// and are never touched.
    pub(super) fn remove_stale_vips(&mut self, specs: &[InstanceSpec]) -> Result<(), DriverError> {
        let mut present: HashMap<u32, Vec<IpAddr>> = HashMap::new();
        for spec in specs.iter().filter(|s| !s.vrrp.is_owner()) {
            for vip in spec.installed() {
                let Some(link) = self.link_of(spec.interface_of(vip)) else {
                    continue;
                };
                let addrs = match present.entry(link.ifindex) {
                    Entry::Occupied(entry) => entry.into_mut(),
                    Entry::Vacant(entry) => entry.insert(
                        dump_addresses(link.ifindex)?
                            .into_iter()
                            .map(|a| a.addr)
                            .collect(),
                    ),
                };
                if addrs.contains(&vip.addr) {
                    tracing::warn!(instance = %spec.name, vip = %vip.addr, interface = %link.name,
                        "removing a virtual address left on the interface by an earlier run");
                    self.netlink
                        .del_address(link.ifindex, vip.addr, vip.prefix_len)?;
                }
            }
        }
        Ok(())
    }

    /// A new configuration: `kept_from[i]` is the old index of new instance
    /// `i` if it was kept (it keeps its installed VIPs), and `follow` maps
    /// an old instance to its new one (requests of removed ones are forgotten).
    pub(super) fn remap(
        &mut self,
        kept_from: &[Option<usize>],
        follow: impl Fn(InstanceId) -> Option<InstanceId>,
    ) {
        // A static request (no owner) stays; an instance's follows it.
        let follow_owner = |owner: Option<InstanceId>| match owner {
            None => Some(None),
            Some(id) => follow(id).map(Some),
        };
        self.requests = std::mem::take(&mut self.requests)
            .into_iter()
            .filter_map(|(seq, request)| {
                Some(match request {
                    Request::AddVip(id, addr) => (seq, Request::AddVip(follow(id)?, addr)),
                    Request::DelVip(id, addr) => (seq, Request::DelVip(follow(id)?, addr)),
                    Request::VmacUp(id, up) => (seq, Request::VmacUp(follow(id)?, up)),
                    Request::Route { owner, index, add } => (
                        seq,
                        Request::Route {
                            owner: follow_owner(owner)?,
                            index,
                            add,
                        },
                    ),
                    Request::Rule { owner, index, add } => (
                        seq,
                        Request::Rule {
                            owner: follow_owner(owner)?,
                            index,
                            add,
                        },
                    ),
                    other @ Request::StaticAddress { .. } => (seq, other),
                })
            })
            .collect();
        self.installed = kept_from
            .iter()
            .map(|j| j.is_some_and(|j| self.installed[j]))
            .collect();
    }
}

impl Drop for Host {
    /// VMAC interfaces go and the parents' sysctls come back. (VIPs are
    /// released by the driver's graceful stop; a driver dropped without it
    /// leaves them, as a crash would.)
    fn drop(&mut self) {
        for name in self.vmacs.keys() {
            if let Err(error) = self.netlink.del_link_by_name(name) {
                tracing::warn!(vmac = %name, %error, "cannot delete the virtual MAC interface");
            }
        }
        sysctl::restore_all(&mut self.restore);
    }
}

/// Whether the host forwards IPv6 on `interface` (sets the NA Router flag).
fn ipv6_forwarding(interface: &str) -> bool {
    std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{interface}/forwarding"))
        .is_ok_and(|v| v.trim() == "1")
}

#[cfg(test)]
mod test {
    use std::net::Ipv4Addr;

    use super::*;

    /// A link the kernel does not have (no interface has this index).
    fn gone(name: &str, mac: Option<MacAddr>) -> Link {
        Link {
            name: name.to_owned(),
            ifindex: 0x7fff_fff0,
            mac,
            up: true,
            announcer: None,
            ipv6_forwarding: false,
        }
    }

    #[test]
    fn an_announcement_that_cannot_go_out_is_reported_not_sent() {
        let vip: IpAddr = Ipv4Addr::new(192, 0, 2, 100).into();
        let me = Ipv4Addr::new(192, 0, 2, 1).into();
        let mut router = vrrp_core::Router::new();
        let config = vrrp_core::Config::new(1, me, vec![vip]);
        let id = router
            .add(1, vrrp_core::Instance::new(config).unwrap())
            .unwrap();
        let spec = InstanceSpec::new("v", "an13gone0", 1, &[vip]);
        let mut host = Host::new(Netlink::new().expect("a netlink socket"), 1);
        let now = Instant::now();
        assert!(
            host.announce(now, id, &spec, 0),
            "not installed: nothing due"
        );
        host.installed[0] = true;
        assert!(
            !host.announce(now, id, &spec, 0),
            "an interface the driver does not know"
        );
        host.links.push(gone("an13gone0", None));
        assert!(
            host.announce(now, id, &spec, 0),
            "no MAC: nothing to announce, as keepalived"
        );
        host.links[0].mac = Some(MacAddr([2, 0, 0, 0, 0, 1]));
        // Root: the kernel refuses the frame (ENXIO); otherwise the packet
        // socket cannot be opened (EPERM). Not sent either way, every time.
        assert!(!host.announce(now, id, &spec, 0));
        assert!(!host.announce(now, id, &spec, 0));
        // One warning: the two failures after the first one were held back.
        let later = now + SEND_WARN_EVERY;
        assert_eq!(host.announce_warnings.allow(0, later), Some(2));
    }
}
