//! keepalived's `use_vmac` in the driver: a macvlan with the virtual router
//! MAC carries the VIPs and sends the adverts, so a failover moves the MAC
//! with the address.
//!
//! **Up only while Master.** Only the Master may send from the virtual MAC
//! (RFC 9568 §7.3): any frame from it moves the switches' entry for that MAC
//! to the sender, and the VIP's traffic with it. A Backup's VMAC is
//! therefore administratively down (the driver brings it up before adding
//! the VIPs and down when it removes them), so nothing can leave it: no MLD
//! report, router solicitation, DAD probe or IGMP report, which a VMAC that
//! stays up sends whenever the kernel joins or leaves a group on it. It
//! never has a generated IPv6 link-local address (`addr_gen_mode` none), and
//! no IPv6 at all unless an IPv6 address lives on it; IPv6 adverts leave it
//! from the parent's link-local address (see `VrrpSocket::open_sender`).
//! Receiving is the parent's job (bridge mode, see [`crate::vmac`]).
//!
//! As keepalived does, the VMAC gets `arp_ignore=1`, `accept_local=1`,
//! `rp_filter=0`, `promote_secondaries=1`, and the parent `arp_ignore=1`, `arp_filter=1` (so the
//! parent never answers ARP for the VIP with its own MAC). Beyond
//! keepalived, which leaves it to the administrator, the parent also gets
//! `arp_announce=2`: replies to a client leave through the parent (its
//! route to the subnet is older than the VIP's), and the parent's ARP
//! request for that client would otherwise name the VIP as sender with
//! the parent's own MAC, which the client then files as the VIP's MAC.
//! keepalived's documented `all.arp_announce=1` does not prevent that
//! when the VIP is in the parent's subnet; 2 makes the parent always
//! ask from its own address. The parent's old values come back, and the
//! VMAC goes, when the driver is dropped.

use std::fs;
use std::time::{Duration, Instant};

use crate::iface::Interface;
use crate::netlink::{NetEvent, Netlink, Seq};
use crate::socket::Family::{self, Ipv4, Ipv6};

use super::spec::IpvlanSpec;
use super::sysctl::{Restore, set_sysctl};

use super::error::DriverError;

/// What the VMAC of one instance is made of.
pub(super) struct VmacSpec<'a> {
    /// The macvlan's name.
    pub(super) name: &'a str,
    /// The VRRP interface it sits on, and its index.
    pub(super) parent: &'a str,
    pub(super) parent_ifindex: u32,
    pub(super) vrid: u8,
    pub(super) family: Family,
    /// Whether any IPv6 address (a VIP) lives on it.
    pub(super) carries_ipv6: bool,
}

/// Creates the VMAC, down, and tunes the sysctls; an existing link of that
/// name (a crashed run's, or keepalived's) is taken over: bridge mode, the
/// virtual MAC, down.
pub(super) fn create(
    netlink: &mut Netlink,
    vmac: &VmacSpec<'_>,
    restore: &mut Vec<Restore>,
) -> Result<(), DriverError> {
    let (name, parent, family) = (vmac.name, vmac.parent, vmac.family);
    let existed = Interface::lookup(name).is_ok();
    let seq = netlink.add_vmac(name, vmac.parent_ifindex, vmac.vrid, family)?;
    match wait_for(netlink, seq)? {
        Ok(()) if existed => {
            tracing::warn!(
                vmac = name,
                parent,
                "virtual MAC interface exists: taking it over"
            )
        }
        Ok(()) => tracing::info!(vmac = name, parent, "virtual MAC interface created"),
        Err(errno) => {
            return Err(DriverError::Netlink(crate::netlink::NetlinkError::Refused(
                errno.to_io(),
            )));
        }
    }
    // Before it first goes up: no generated link-local address, and no IPv6
    // at all where none is needed.
    set_sysctl(Ipv6, name, "addr_gen_mode", "1", None);
    let disable_ipv6 = if vmac.carries_ipv6 { "0" } else { "1" };
    set_sysctl(Ipv6, name, "disable_ipv6", disable_ipv6, None);
    if family == Ipv4 {
        for (key, value) in [
            ("arp_ignore", "1"),
            ("accept_local", "1"),
            ("rp_filter", "0"),
            ("promote_secondaries", "1"),
        ] {
            set_sysctl(Ipv4, name, key, value, None);
        }
        for (key, value) in [
            ("arp_ignore", "1"),
            ("arp_filter", "1"),
            ("arp_announce", "2"),
        ] {
            set_sysctl(Ipv4, parent, key, value, Some(restore));
        }
    }
    Ok(())
}

/// keepalived's `use_ipvlan` (vrrp_vmac.c `netlink_link_add_ipvlan`):
/// creates the ipvlan up, in the link group given or else the parent's,
/// keeps one that exists (`EEXIST`), and puts its address on it. IPv6 is off on it unless an IPv6 address lives there. A
/// kernel without ipvlan answers `EOPNOTSUPP`: the error is returned.
pub(super) fn create_ipvlan(
    netlink: &mut Netlink,
    vmac: &VmacSpec<'_>,
    ipvlan: &IpvlanSpec,
) -> Result<(), DriverError> {
    let name = vmac.name;
    let group = ipvlan.group.or_else(|| {
        let path = format!("/sys/class/net/{}/netdev_group", vmac.parent);
        fs::read_to_string(path).ok()?.trim().parse().ok()
    });
    let seq = netlink.add_ipvlan(name, vmac.parent_ifindex, ipvlan.flags, group)?;
    match wait_for(netlink, seq)? {
        Ok(()) => tracing::info!(
            ipvlan = name,
            parent = vmac.parent,
            "ipvlan interface created"
        ),
        Err(errno) if errno.is_already_exists() => {
            tracing::warn!(
                ipvlan = name,
                parent = vmac.parent,
                "ipvlan interface exists: using it"
            )
        }
        Err(errno) => {
            return Err(DriverError::Netlink(crate::netlink::NetlinkError::Refused(
                errno.to_io(),
            )));
        }
    }
    let carries_ipv6 = vmac.family == Ipv6 || vmac.carries_ipv6;
    set_sysctl(
        Ipv6,
        name,
        "disable_ipv6",
        if carries_ipv6 { "0" } else { "1" },
        None,
    );
    if let Some((addr, prefix_len)) = ipvlan.address {
        let ifindex = Interface::lookup(name)?.ifindex;
        let seq = netlink.add_address(ifindex, addr, prefix_len, None)?;
        if let Err(errno) = wait_for(netlink, seq)? {
            if !errno.is_already_exists() {
                tracing::warn!(ipvlan = name, %addr, %errno, "cannot add the ipvlan's address");
            }
        }
    }
    Ok(())
}

/// Waits (at start-up, so blocking is fine) for the kernel's answer to `seq`.
fn wait_for(
    netlink: &mut Netlink,
    seq: Seq,
) -> Result<Result<(), crate::netlink::Errno>, DriverError> {
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut events = Vec::new();
    while Instant::now() < deadline {
        netlink.poll_events(&mut events)?;
        for event in events.drain(..) {
            match event {
                NetEvent::Ack { seq: s } if s == seq => return Ok(Ok(())),
                NetEvent::Error { seq: s, errno } if s == seq => return Ok(Err(errno)),
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(DriverError::Poll(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "no answer from netlink creating a VMAC",
    )))
}
