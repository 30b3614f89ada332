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

use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::{IpVlanFlags, IpVlanMode, LinkMessage, MacVlanMode};
use rtnetlink::{LinkIpVlan, LinkMacVlan};

use crate::iface::MacAddr;
use crate::netlink::{FLAGS_CREATE, FLAGS_CREATE_OR_UPDATE, Netlink, NetlinkError, Seq};
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
    prefixed_vmac_name("vrrp", vrid, family)
}

/// [`vmac_name`] with `prefix` (keepalived's `vmac_prefix`) for `vrrp`.
pub fn prefixed_vmac_name(prefix: &str, vrid: u8, family: Family) -> String {
    let number = match family {
        Family::Ipv4 => None,
        Family::Ipv6 => Some(6),
    };
    vmac_name_of(prefix, number, vrid)
}

/// A VMAC name as keepalived 2.4.3 makes one (vrrp.c `create_vmac_name`):
/// `PREFIX.VRID`, or `PREFIXN.VRID` with `number` N, the prefix cut short
/// so that the name fits an interface name.
pub fn vmac_name_of(prefix: &str, number: Option<u32>, vrid: u8) -> String {
    let tail = match number {
        Some(n) => format!("{n}.{vrid}"),
        None => format!(".{vrid}"),
    };
    let mut keep = MAX_IFNAME_LEN.saturating_sub(tail.len()).min(prefix.len());
    while !prefix.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}{tail}", &prefix[..keep])
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

/// The mode flags of an ipvlan (keepalived's `use_ipvlan` `bridge`,
/// `private`, `vepa`); the ipvlan itself is always in L2 mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IpvlanFlags {
    /// No flag: the ipvlans of one parent talk to each other directly.
    #[default]
    Bridge,
    /// `IPVLAN_F_PRIVATE`: they do not.
    Private,
    /// `IPVLAN_F_VEPA`: their traffic goes out to the switch and back.
    Vepa,
}

/// keepalived's ipvlan (vrrp_vmac.c `netlink_link_add_ipvlan`): `name` on
/// `parent_ifindex`, L2 mode with `flags`, in link group `group` if given,
/// created up; an existing link of that name is not replaced.
pub fn ipvlan_message(
    name: &str,
    parent_ifindex: u32,
    flags: IpvlanFlags,
    group: Option<u32>,
) -> Result<LinkMessage, NetlinkError> {
    if name.len() > MAX_IFNAME_LEN || name.is_empty() {
        return Err(NetlinkError::BadInterfaceName(name.to_owned()));
    }
    let flags = match flags {
        IpvlanFlags::Bridge => IpVlanFlags::empty(),
        IpvlanFlags::Private => IpVlanFlags::Private,
        IpvlanFlags::Vepa => IpVlanFlags::Vepa,
    };
    let mut builder = LinkIpVlan::new(name, parent_ifindex, IpVlanMode::L2)
        .flag(flags)
        .up();
    if let Some(group) = group {
        builder = builder.link_group(group);
    }
    Ok(builder.build())
}

impl Netlink {
    /// Creates the ipvlan of [`ipvlan_message`]; `EEXIST` if a link of that
    /// name exists, `EOPNOTSUPP` where the kernel has no ipvlan. The answer
    /// comes later from [`Netlink::poll_events`].
    pub fn add_ipvlan(
        &mut self,
        name: &str,
        parent_ifindex: u32,
        flags: IpvlanFlags,
        group: Option<u32>,
    ) -> Result<Seq, NetlinkError> {
        let message = ipvlan_message(name, parent_ifindex, flags, group)?;
        self.send_request(RouteNetlinkMessage::NewLink(message), FLAGS_CREATE)
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
        // vmac_prefix: cut so the name fits, as keepalived cuts it.
        assert_eq!(prefixed_vmac_name("kb", 7, Family::Ipv4), "kb.7");
        assert_eq!(prefixed_vmac_name("kb", 7, Family::Ipv6), "kb6.7");
        assert_eq!(
            vmac_name_of("abcdefghijklmnop", None, 255),
            "abcdefghijk.255"
        );
        assert_eq!(
            vmac_name_of("abcdefghijklmnop", Some(12), 51),
            "abcdefghij12.51"
        );
    }

    /// The attributes of a netlink attribute list: (type, payload), read
    /// from the bytes as the kernel reads them (`nla_for_each_attr`).
    fn attributes(mut bytes: &[u8]) -> Vec<(u16, &[u8])> {
        let mut out = Vec::new();
        while bytes.len() >= 4 {
            let len = usize::from(u16::from_ne_bytes([bytes[0], bytes[1]]));
            let kind = u16::from_ne_bytes([bytes[2], bytes[3]]) & 0x3fff;
            out.push((kind, &bytes[4..len]));
            bytes = &bytes[len.next_multiple_of(4).min(bytes.len())..];
        }
        out
    }

    fn find<'a>(attrs: &[(u16, &'a [u8])], kind: u16) -> &'a [u8] {
        attrs
            .iter()
            .find(|(k, _)| *k == kind)
            .unwrap_or_else(|| panic!("no attribute {kind} in {attrs:?}"))
            .1
    }

    #[test]
    fn the_ipvlan_request_is_keepalived_s() {
        use rtnetlink::packet_core::Emitable;
        // linux/if_link.h and rtnetlink.h.
        const IFLA_IFNAME: u16 = 3;
        const IFLA_LINK: u16 = 5;
        const IFLA_LINKINFO: u16 = 18;
        const IFLA_GROUP: u16 = 27;
        const IFLA_INFO_KIND: u16 = 1;
        const IFLA_INFO_DATA: u16 = 2;
        const IFLA_IPVLAN_MODE: u16 = 1;
        const IFLA_IPVLAN_FLAGS: u16 = 2;
        const IFF_UP: u32 = 1;
        for (flags, bits, group) in [
            (IpvlanFlags::Bridge, 0u16, None),
            (IpvlanFlags::Private, 1, Some(7u32)),
            (IpvlanFlags::Vepa, 2, None),
        ] {
            let message = ipvlan_message("vm13ipv", 4, flags, group).unwrap();
            let mut bytes = vec![0; message.buffer_len()];
            message.emit(&mut bytes);
            // struct ifinfomsg: family, pad, type, index, flags, change.
            assert_eq!(bytes[0], 0, "AF_UNSPEC");
            assert_eq!(i32::from_ne_bytes(bytes[4..8].try_into().unwrap()), 0);
            let up = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
            assert_eq!(up(8) & IFF_UP, IFF_UP, "created up, as keepalived");
            assert_eq!(up(12) & IFF_UP, IFF_UP);
            let attrs = attributes(&bytes[16..]);
            assert_eq!(find(&attrs, IFLA_IFNAME), b"vm13ipv\0");
            assert_eq!(find(&attrs, IFLA_LINK), 4u32.to_ne_bytes());
            match group {
                Some(g) => assert_eq!(find(&attrs, IFLA_GROUP), g.to_ne_bytes()),
                None => assert!(attrs.iter().all(|(k, _)| *k != IFLA_GROUP)),
            }
            let info = attributes(find(&attrs, IFLA_LINKINFO));
            // NUL-terminated (keepalived sends it without): the kernel reads a string.
            assert_eq!(find(&info, IFLA_INFO_KIND), b"ipvlan\0");
            let data = attributes(find(&info, IFLA_INFO_DATA));
            assert_eq!(find(&data, IFLA_IPVLAN_MODE), 0u16.to_ne_bytes(), "L2");
            assert_eq!(find(&data, IFLA_IPVLAN_FLAGS), bits.to_ne_bytes());
        }
        assert!(matches!(
            ipvlan_message("much-too-long-name", 4, IpvlanFlags::Bridge, None),
            Err(NetlinkError::BadInterfaceName(_))
        ));
    }
}
