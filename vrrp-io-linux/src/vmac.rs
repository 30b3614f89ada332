//! Virtual MAC interfaces, keepalived's `use_vmac`: a macvlan on the VRRP
//! interface that carries the virtual router MAC of RFC 9568 §7.3, so that a
//! failover moves the MAC with the VIP and neighbours need no ARP / NA update
//! at all.
//!
//! **Bridge mode, not private.** Every router of a VRID has the same virtual
//! MAC. The kernel's macvlan takes a frame whose *source* MAC is one of its
//! private-mode macvlans' as that macvlan's own and hands it to that macvlan
//! alone: the parent, where the VRRP socket listens, would never hear another
//! Master that sends from the virtual MAC (as RFC 9568 §7.3 says it should),
//! and both routers would be Master. In bridge mode such a frame also goes
//! up the parent. (keepalived keeps private mode and listens on the macvlan
//! itself.)
//!
//! The link is created down, and created or updated (a crashed run's link is
//! put back in bridge mode) over the same [`Netlink`] socket as everything
//! else; its answer comes back by sequence number, and the interface shows up
//! as a [`NetEvent::LinkChanged`](crate::netlink::NetEvent) with its name,
//! index and MAC. Whoever owns it brings it up while it is Master only.
//!
//! Left to the caller, as keepalived does them: the sysctls that make the
//! parent not answer ARP for the VIP (`arp_ignore`, `arp_filter`).

use rtnetlink::LinkMacVlan;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::MacVlanMode;

use crate::iface::MacAddr;
use crate::netlink::{FLAGS_CREATE_OR_UPDATE, Netlink, NetlinkError, Seq};
use crate::socket::Family;

/// Longest interface name Linux takes (`IFNAMSIZ` minus the NUL).
const MAX_IFNAME_LEN: usize = 15;

/// The virtual router MAC of `vrid` (RFC 9568 §7.3):
/// `00:00:5e:00:01:VRID` for IPv4, `00:00:5e:00:02:VRID` for IPv6.
pub fn virtual_mac(vrid: u8, family: Family) -> MacAddr {
    let family_byte = match family {
        Family::Ipv4 => 0x01,
        Family::Ipv6 => 0x02,
    };
    MacAddr([0x00, 0x00, 0x5e, 0x00, family_byte, vrid])
}

/// keepalived's default VMAC interface name: `vrrp.VRID` for IPv4,
/// `vrrp6.VRID` for IPv6 (a v4 and a v6 instance may share a VRID).
pub fn vmac_name(vrid: u8, family: Family) -> String {
    match family {
        Family::Ipv4 => format!("vrrp.{vrid}"),
        Family::Ipv6 => format!("vrrp6.{vrid}"),
    }
}

impl Netlink {
    /// Creates macvlan `name` on interface `parent_ifindex`, mode bridge,
    /// with the virtual router MAC of `vrid` and `family`, administratively
    /// down. A link of that name that exists is updated instead: mode, MAC
    /// and down (the kernel refuses with `EOPNOTSUPP` if it is not a macvlan).
    ///
    /// The answer comes later from [`Netlink::poll_events`]: an ack or an
    /// error.
    pub fn add_vmac(
        &mut self,
        name: &str,
        parent_ifindex: u32,
        vrid: u8,
        family: Family,
    ) -> Result<Seq, NetlinkError> {
        if name.len() > MAX_IFNAME_LEN || name.is_empty() {
            return Err(NetlinkError::BadInterfaceName(name.to_owned()));
        }
        let message = LinkMacVlan::new(name, parent_ifindex, MacVlanMode::Bridge)
            .address(virtual_mac(vrid, family).0.to_vec())
            .down()
            .build();
        self.send_request(
            RouteNetlinkMessage::NewLink(message),
            FLAGS_CREATE_OR_UPDATE,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_mac_follows_rfc_9568() {
        assert_eq!(
            virtual_mac(42, Family::Ipv4).to_string(),
            "00:00:5e:00:01:2a"
        );
        assert_eq!(
            virtual_mac(255, Family::Ipv6).to_string(),
            "00:00:5e:00:02:ff"
        );
    }

    #[test]
    fn names_linux_would_refuse_are_refused_before_sending() {
        // Validation runs before anything is sent: no link is created here.
        let mut netlink = Netlink::new().unwrap();
        for name in ["", "vrrp.42-much-too-long"] {
            assert!(matches!(
                netlink.add_vmac(name, 1, 42, Family::Ipv4),
                Err(NetlinkError::BadInterfaceName(bad)) if bad == name
            ));
        }
    }

    #[test]
    fn default_name_fits_linux_interface_names() {
        assert_eq!(vmac_name(7, Family::Ipv4), "vrrp.7");
        assert_eq!(vmac_name(7, Family::Ipv6), "vrrp6.7");
        assert!(vmac_name(255, Family::Ipv6).len() <= MAX_IFNAME_LEN);
    }
}
