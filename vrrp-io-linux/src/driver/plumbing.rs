//! What one instance needs from the host, shared by start-up and reload:
//! its spec completed from the interface ([`resolve_all`]), then its links,
//! VMAC and sockets ([`Plumbing::plumb`]).

use std::collections::HashMap;
use std::net::IpAddr;

use mio::{Interest, Registry, Token};
use vrrp_core::Instance;
use vrrp_core::wire::Family;

use super::error::DriverError;
use super::host::Host;
use super::spec::{InstanceSpec, NetlinkBuffer, RxBufferShare, Tracked, Vip, VmacKind};
use super::vmac;
use super::wakeups::SOCKETS;
use crate::iface::Interface;
use crate::netlink::Netlink;
use crate::socket::VrrpSocket;

/// Completes every spec from the host ([`resolve`]), looking each interface
/// up once: a look-up dumps the interface's addresses, and a Master's
/// interface carries every VIP (255 instances, one look-up each: 255 dumps
/// of 256 addresses, 0.8 s in which a reload kept the loop from sending).
/// Returns each spec's interface (`None` for one without).
pub(super) fn resolve_all(
    specs: &mut [InstanceSpec],
) -> Result<Vec<Option<Interface>>, DriverError> {
    let mut looked_up: Vec<Interface> = Vec::new();
    let mut parents: HashMap<String, Option<String>> = HashMap::new();
    let mut ifaces = Vec::with_capacity(specs.len());
    for spec in specs {
        let iface = match spec.interface.as_deref() {
            None => None,
            Some(name) => match looked_up.iter().find(|i| i.name == name) {
                Some(iface) => Some(iface.clone()),
                None => {
                    let iface = Interface::lookup(name)?;
                    looked_up.push(iface.clone());
                    Some(iface)
                }
            },
        };
        resolve(spec, iface.as_ref())?;
        find_foreign_macvlans(spec, &mut parents);
        ifaces.push(iface);
    }
    Ok(ifaces)
}

/// The interface key an instance is added to the router with: its
/// interface's index, or 0 (no interface has it) for one bound to none,
/// whose socket's datagrams carry 0 ([`VrrpSocket::open_unbound`]).
pub(super) fn router_key(iface: Option<&Interface>) -> u32 {
    iface.map_or(0, |i| i.ifindex)
}

/// Checks a spec without an interface (keepalived 2.4.3 runs a unicast
/// instance without `interface` when it has `unicast_src_ip`; `vrrp.c`,
/// `vrrp_complete_instance`): refused unless it is unicast (or held in
/// Fault for good: keepalived's `unicast_fault_no_peer` without peers), has
/// its source address, names every VIP's interface and has no VMAC of its
/// own (its addresses' VMACs, `use_vmac_addr`, it may have, as keepalived's).
fn check_unbound(spec: &InstanceSpec) -> Result<(), DriverError> {
    let refuse = |what: &str| {
        Err(DriverError::Unbound {
            instance: spec.name.clone(),
            what: what.to_owned(),
        })
    };
    if spec.vrrp.unicast_peers.is_empty() && !spec.config_fault {
        return refuse("it has no unicast peer (a multicast instance needs an interface)");
    }
    if spec.vrrp.primary_address.is_unspecified() {
        return refuse("its source address is not given (keepalived's unicast_src_ip)");
    }
    if let Some(vip) = spec.installed().find(|v| v.interface.is_none()) {
        return refuse(&format!("VIP {} names no interface", vip.addr));
    }
    if spec.vmac.is_some() {
        return refuse("its own VMAC needs an interface (its addresses' may have theirs)");
    }
    Ok(())
}

/// Fills `spec.foreign_macvlans`: the interfaces of its VIPs that are
/// macvlans it does not make, with their parents (`parents`: each name
/// looked up once). One that cannot be looked up (not there yet, with
/// `dynamic_interfaces`) is paced as itself.
fn find_foreign_macvlans(spec: &mut InstanceSpec, parents: &mut HashMap<String, Option<String>>) {
    let ours: Vec<&str> = spec.vmac_parents().map(|(vmac, _, _)| vmac).collect();
    let mut found = Vec::new();
    for vip in spec.installed() {
        let name = spec.interface_of(vip);
        if spec.interface.as_deref() == Some(name) || ours.contains(&name) {
            continue;
        }
        let parent = parents
            .entry(name.to_owned())
            .or_insert_with(|| Interface::macvlan_parent(name).ok().flatten());
        if let Some(parent) = parent
            && !found.iter().any(|(m, _): &(String, String)| m == name)
        {
            found.push((name.to_owned(), parent.clone()));
        }
    }
    spec.foreign_macvlans = found;
}

/// Completes `spec` from its interface `iface` without changing anything on
/// the host: VIPs meant for the parent move to the VMAC (as keepalived), the
/// advertised addresses are the VIPs', and the primary address is the
/// interface's unless configured. A spec without an interface (`None`) is
/// checked instead ([`check_unbound`]).
fn resolve(spec: &mut InstanceSpec, iface: Option<&Interface>) -> Result<(), DriverError> {
    spec.vrrp.virtual_addresses = spec.vips.iter().map(|v| v.addr).collect();
    let Some(iface) = iface else {
        return check_unbound(spec);
    };
    // An ipvlan carries its own address only: the VIPs stay on the parent
    // (keepalived 2.4.3 vrrp.c puts them on the VMAC alone).
    let macvlan = matches!(spec.vmac_kind, VmacKind::Macvlan);
    if let Some(vmac) = spec.vmac.clone().filter(|_| macvlan) {
        let parent = spec.interface.clone();
        let on_parent = |v: &&mut Vip| v.interface.is_none() || v.interface == parent;
        for vip in spec
            .vips
            .iter_mut()
            .chain(&mut spec.excluded_vips)
            .filter(on_parent)
        {
            vip.interface = Some(vmac.clone());
        }
    }
    if spec.vrrp.primary_address.is_unspecified() {
        spec.vrrp.primary_address = match Family::of(&spec.vrrp.primary_address) {
            Family::Ipv4 => iface.require_ipv4()?.into(),
            Family::Ipv6 => iface.require_ipv6_link_local()?.into(),
        };
    }
    Ok(())
}

/// The core instance of a resolved spec.
pub(super) fn instance(spec: &InstanceSpec) -> Result<Instance, DriverError> {
    Instance::new(spec.vrrp.clone()).map_err(|error| DriverError::Config {
        instance: spec.name.clone(),
        error,
    })
}

/// The driver's interfaces, sockets and VMACs, borrowed while instances are
/// added; sockets are shared per interface and family.
pub(super) struct Plumbing<'a> {
    pub(super) registry: &'a Registry,
    pub(super) host: &'a mut Host,
    pub(super) sockets: &'a mut Vec<VrrpSocket>,
    pub(super) senders: &'a mut Vec<VrrpSocket>,
}

impl Plumbing<'_> {
    /// Creates the VMAC (or ipvlan) of a resolved spec, looks up its
    /// links, and opens (or shares) its receive socket and its VMAC's send
    /// socket; returns their indices. An ipvlan the kernel refuses holds
    /// the instance in Fault (`config_fault`), as keepalived does. A spec
    /// without an interface (`iface` `None`) gets the unbound socket of
    /// its family ([`VrrpSocket::open_unbound`]).
    pub(super) fn plumb(
        &mut self,
        spec: &mut InstanceSpec,
        iface: Option<&Interface>,
    ) -> Result<(usize, Option<usize>), DriverError> {
        let Some(iface) = iface else {
            self.create_addr_vmacs(spec)?;
            self.link_vips(spec, true)?;
            return Ok((self.socket(spec, None)?, None));
        };
        self.host.link_index(&iface.name)?;
        if spec.promote_secondaries {
            self.host.promote_secondaries(&iface.name);
        }
        let family = Family::of(&spec.vrrp.primary_address);
        let ah = spec.vrrp.auth.is_ah();
        let mut vlan_up = true;
        if let Some(vmac) = &spec.vmac {
            let carries_ipv6 = spec
                .installed()
                .any(|vip| vip.addr.is_ipv6() && spec.interface_of(vip) == vmac);
            let vmac_spec = vmac::VmacSpec {
                name: vmac,
                parent: &iface.name,
                parent_ifindex: iface.ifindex,
                vrid: spec.vrrp.vrid,
                family,
                carries_ipv6,
            };
            match &spec.vmac_kind {
                VmacKind::Macvlan => self.host.create_vmac(&vmac_spec)?,
                VmacKind::Ipvlan(ipvlan) => {
                    if let Err(error) = self.host.create_ipvlan(&vmac_spec, ipvlan) {
                        // keepalived: "Unable to create ipvlan interface", then FAULT.
                        tracing::error!(instance = %spec.name, ipvlan = %vmac, parent = %iface.name,
                            %error, "cannot create the ipvlan interface: the instance stays in FAULT");
                        vlan_up = false;
                    }
                }
            }
        }
        if !vlan_up {
            spec.config_fault = true;
        }
        self.create_addr_vmacs(spec)?;
        self.link_vips(spec, vlan_up)?;
        let socket = self.socket(spec, Some(iface))?;
        // Its group (keepalived's `mcast_dst_ip`, `vrrp_mcast_group4/6`),
        // joined beside the others of this interface's instances.
        if spec.vrrp.unicast_peers.is_empty() {
            self.sockets[socket].join(spec.vrrp.group())?;
        }
        // keepalived's vmac_xmit_base: adverts leave from the parent.
        let own_sender = vlan_up && !spec.vmac_xmit_base;
        let sender = match spec.vmac.as_ref().filter(|_| own_sender) {
            Some(vmac) => {
                let link = self.host.link_index(vmac)?;
                let ifindex = self.host.links()[link].ifindex;
                let sender = match spec.vrrp.primary_address {
                    IpAddr::V4(src) if ah => VrrpSocket::open_sender_ah(vmac, ifindex, src)?,
                    src => VrrpSocket::open_sender(vmac, ifindex, src)?,
                };
                self.senders.push(sender);
                Some(self.senders.len() - 1)
            }
            None => None,
        };
        Ok((socket, sender))
    }

    /// Creates the VMACs of `spec`'s addresses (`use_vmac_addr`, an
    /// address's own `use_vmac`), each on its parent.
    fn create_addr_vmacs(&mut self, spec: &InstanceSpec) -> Result<(), DriverError> {
        for addr_vmac in &spec.addr_vmacs {
            let parent = Interface::lookup(&addr_vmac.parent)?;
            self.host.create_vmac(&vmac::VmacSpec {
                name: &addr_vmac.name,
                parent: &parent.name,
                parent_ifindex: parent.ifindex,
                vrid: spec.vrrp.vrid,
                family: addr_vmac.family,
                carries_ipv6: addr_vmac.family == Family::Ipv6,
            })?;
        }
        Ok(())
    }

    /// Looks up the links of `spec`'s addresses (with `vips`) and of its
    /// `track_interface`s: their state comes with the link events.
    fn link_vips(&mut self, spec: &InstanceSpec, vips: bool) -> Result<(), DriverError> {
        // The excluded VIPs' links too: one only they use was never looked
        // up, and its addresses were skipped when the instance became Master.
        for vip in spec.installed().filter(|_| vips) {
            self.host.link_index(spec.interface_of(vip))?;
        }
        // One tracked interface missing is counted as up (keepalived ignores it).
        for (object, _) in &spec.track {
            if let Tracked::Interface(name) = object
                && let Err(error) = self.host.link_index(name)
            {
                tracing::warn!(instance = %spec.name, interface = %name, %error,
                    "tracked interface not found: ignored, counted as up");
            }
        }
        Ok(())
    }

    /// The receive socket of `spec` on `iface`, shared per interface,
    /// family and protocol (`None`: bound to no interface but to the
    /// source address, shared per address and protocol): an existing one,
    /// or one opened and registered now.
    fn socket(
        &mut self,
        spec: &InstanceSpec,
        iface: Option<&Interface>,
    ) -> Result<usize, DriverError> {
        let family = Family::of(&spec.vrrp.primary_address);
        let ah = spec.vrrp.auth.is_ah();
        let key = router_key(iface);
        let src = spec.vrrp.primary_address;
        let shared = (self.sockets.iter()).position(|s| {
            s.ifindex() == key
                && s.family() == family
                && s.is_ah() == ah
                && (iface.is_some() || s.source() == src)
        });
        if let Some(index) = shared {
            return Ok(index);
        }
        let mut socket = match (iface, spec.vrrp.primary_address) {
            (None, src) => VrrpSocket::open_unbound(src, ah)?,
            // `auth_type AH`: protocol 51, the IPv4 header included.
            (Some(i), IpAddr::V4(src)) if ah => VrrpSocket::open_ipv4_ah(&i.name, i.ifindex, src)?,
            (Some(i), IpAddr::V4(src)) => VrrpSocket::open_ipv4(&i.name, i.ifindex, src)?,
            (Some(i), IpAddr::V6(src)) => VrrpSocket::open_ipv6(&i.name, i.ifindex, src)?,
        };
        let token = Token(SOCKETS + self.sockets.len());
        self.registry
            .register(&mut socket, token, Interest::READABLE)
            .map_err(DriverError::Poll)?;
        self.sockets.push(socket);
        Ok(self.sockets.len() - 1)
    }
}

/// Sizes each VRRP socket's receive buffer to the sum of its instances'
/// shares ([`RxBufferShare`](super::spec::RxBufferShare); `socket_of[i]` is
/// instance `i`'s socket), as keepalived sizes its sockets' (vrrp.c,
/// `open_vrrp_read_socket`); a socket whose sum is 0 keeps the kernel's
/// default. A refusal is logged, as keepalived logs it.
pub(super) fn size_receive_buffers(
    sockets: &[VrrpSocket],
    socket_of: &[usize],
    specs: &[InstanceSpec],
    ifaces: &[Option<Interface>],
) {
    for (index, socket) in sockets.iter().enumerate() {
        let bytes: u64 = (0..specs.len())
            .filter(|&i| socket_of[i] == index)
            .map(|i| {
                let mtu = ifaces[i].as_ref().map_or(UNBOUND_MTU, |i| i.mtu);
                specs[i].rx_buffer.bytes(&specs[i].vrrp, mtu)
            })
            .sum();
        size_receive_buffer(socket, bytes);
    }
}

/// The MTU an instance without an interface counts its receive buffer
/// share in (keepalived has no interface's to take either): Ethernet's.
const UNBOUND_MTU: u32 = 1500;

/// Asks `socket` for a receive buffer of `bytes`, unless 0.
fn size_receive_buffer(socket: &VrrpSocket, bytes: u64) {
    if bytes == 0 {
        return;
    }
    let asked = usize::try_from(bytes).unwrap_or(usize::MAX);
    match socket.set_receive_buffer(asked) {
        Ok(took) => tracing::debug!(
            ifindex = socket.ifindex(),
            asked,
            took,
            "VRRP socket receive buffer"
        ),
        Err(error) => tracing::warn!(ifindex = socket.ifindex(), asked, %error,
            "cannot set the VRRP socket's receive buffer size"),
    }
}

impl super::run::Driver {
    /// keepalived's `update_mtu` (vrrp_if.c): a link's MTU may have
    /// changed, so the sockets on it whose instances take MTUs
    /// ([`RxBufferShare::Mtus`]) ask again, for the sum at `mtu`.
    pub(super) fn resize_receive_buffers(&self, ifindex: u32, mtu: u32) {
        let adverts = &self.adverts;
        for (index, socket) in adverts.sockets.iter().enumerate() {
            if socket.ifindex() != ifindex {
                continue;
            }
            let on = || (0..self.specs.len()).filter(move |&i| adverts.socket_of[i] == index);
            if !on().any(|i| matches!(self.specs[i].rx_buffer, RxBufferShare::Mtus(_))) {
                continue;
            }
            let spec = |i: usize| &self.specs[i];
            size_receive_buffer(
                socket,
                on().map(|i| spec(i).rx_buffer.bytes(&spec(i).vrrp, mtu))
                    .sum(),
            );
        }
    }

    /// Each VRRP receive socket's interface index and receive buffer, as
    /// the kernel reports them (`SO_RCVBUF`, doubled).
    pub fn vrrp_receive_buffers(&self) -> std::io::Result<Vec<(u32, usize)>> {
        self.adverts
            .sockets
            .iter()
            .map(|s| Ok((s.ifindex(), s.receive_buffer()?)))
            .collect()
    }

    /// The netlink socket's receive buffer, as the kernel reports it.
    pub fn netlink_receive_buffer(&self) -> std::io::Result<usize> {
        self.host.netlink().receive_buffer()
    }
}

/// Sizes the netlink socket's receive buffer as the configuration asks
/// (keepalived's `netlink_set_rx_buf_size`); a refusal is logged.
pub(super) fn size_netlink_buffer(netlink: &Netlink, buffer: NetlinkBuffer) {
    let asked = usize::try_from(buffer.bytes).unwrap_or(usize::MAX);
    match netlink.size_receive_buffer(asked, buffer.force) {
        Ok(took) => tracing::debug!(asked, took, force = buffer.force, "netlink receive buffer"),
        Err(error) => tracing::warn!(asked, force = buffer.force, %error,
            "cannot set the netlink socket's receive buffer size"),
    }
}
