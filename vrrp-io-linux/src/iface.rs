//! Interfaces: look one up by name at start-up, with the addresses VRRP sends
//! from.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use crate::mac::MacAddr;
use crate::netlink::{self, InterfaceAddress, NetlinkError};

/// Why an interface cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IfaceError {
    /// No interface has that name (in this network namespace).
    #[error("interface {0} not found: check the name with `ip link`")]
    NotFound(String),
    /// The interface has no IPv4 address to send adverts from.
    #[error(
        "interface {0} has no IPv4 address: VRRPv2/v3 over IPv4 sends from the interface's primary address; add one or set unicast_src_ip"
    )]
    NoIpv4Address(String),
    /// The interface has no usable IPv6 link-local address.
    #[error(
        "interface {0} has no usable IPv6 link-local address: VRRPv3 over IPv6 sends from it; bring the link up and wait for duplicate address detection, or check that IPv6 is enabled (`sysctl net.ipv6.conf.{0}.disable_ipv6`)"
    )]
    NoIpv6LinkLocal(String),
    /// Asking the kernel failed.
    #[error("looking up interface {name} failed: {source}")]
    Netlink {
        /// The interface asked for.
        name: String,
        /// What went wrong.
        #[source]
        source: NetlinkError,
    },
}

/// An interface as VRRP needs it, read once at start-up. Keep it current
/// from [`NetEvent`](crate::netlink::NetEvent)s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// Interface name.
    pub name: String,
    /// Interface index.
    pub ifindex: u32,
    /// Hardware address, for Ethernet-like links.
    pub mac: Option<MacAddr>,
    /// Administratively up (`IFF_UP`).
    pub admin_up: bool,
    /// Operationally running (`IFF_RUNNING`: carrier and oper state up).
    pub running: bool,
    /// The first IPv4 address that is not secondary: VRRP's source address.
    pub primary_ipv4: Option<Ipv4Addr>,
    /// The first IPv6 link-local address that finished DAD: VRRPv3's source
    /// address over IPv6.
    pub ipv6_link_local: Option<Ipv6Addr>,
    /// Its MTU, in bytes.
    pub mtu: u32,
}

impl Interface {
    /// Looks up the interface called `name` in the caller's network
    /// namespace. Blocks for the kernel's answer (microseconds); meant for
    /// start-up.
    pub fn lookup(name: &str) -> Result<Self, IfaceError> {
        let wrap = |source| IfaceError::Netlink {
            name: name.to_owned(),
            source,
        };
        let link = netlink::get_link_by_name(name)
            .map_err(wrap)?
            .ok_or_else(|| IfaceError::NotFound(name.to_owned()))?;
        let addresses = netlink::dump_addresses(link.ifindex).map_err(wrap)?;
        Ok(Self {
            primary_ipv4: primary_ipv4(&addresses),
            ipv6_link_local: ipv6_link_local(&addresses),
            name: link.name,
            ifindex: link.ifindex,
            mac: link.mac,
            admin_up: link.admin_up,
            running: link.running,
            mtu: link.mtu,
        })
    }

    /// The link a macvlan called `name` sits on, by name; `None` when
    /// `name` is no macvlan (or does not exist). keepalived paces a
    /// macvlan's announcements as its parent's (`IF_BASE_IFP`) and refuses
    /// a `garp_group` on one.
    pub fn macvlan_parent(name: &str) -> Result<Option<String>, IfaceError> {
        let wrap = |source| IfaceError::Netlink {
            name: name.to_owned(),
            source,
        };
        let link = netlink::get_link_by_name(name).map_err(wrap)?;
        let Some(parent) = link.and_then(|l| l.macvlan_parent) else {
            return Ok(None);
        };
        Ok(netlink::get_link_by_index(parent)
            .map_err(wrap)?
            .map(|l| l.name))
    }

    /// Whether an interface called `name` exists in the caller's network
    /// namespace: one link request, no address dump.
    pub fn exists(name: &str) -> Result<bool, IfaceError> {
        netlink::get_link_by_name(name)
            .map(|link| link.is_some())
            .map_err(|source| IfaceError::Netlink {
                name: name.to_owned(),
                source,
            })
    }

    /// Up for VRRP: administratively up and running.
    pub fn is_up(&self) -> bool {
        self.admin_up && self.running
    }

    /// The primary IPv4 address, or the error that tells the user what to do.
    pub fn require_ipv4(&self) -> Result<Ipv4Addr, IfaceError> {
        self.primary_ipv4
            .ok_or_else(|| IfaceError::NoIpv4Address(self.name.clone()))
    }

    /// The IPv6 link-local address, or the error that tells the user what to
    /// do.
    pub fn require_ipv6_link_local(&self) -> Result<Ipv6Addr, IfaceError> {
        self.ipv6_link_local
            .ok_or_else(|| IfaceError::NoIpv6LinkLocal(self.name.clone()))
    }
}

/// The first IPv4 address that is not secondary.
fn primary_ipv4(addresses: &[InterfaceAddress]) -> Option<Ipv4Addr> {
    addresses.iter().find_map(|address| match address.addr {
        IpAddr::V4(v4) if !address.secondary => Some(v4),
        _ => None,
    })
}

/// The first link-local (`fe80::/10`) IPv6 address that is not tentative.
fn ipv6_link_local(addresses: &[InterfaceAddress]) -> Option<Ipv6Addr> {
    addresses.iter().find_map(|address| match address.addr {
        IpAddr::V6(v6) if v6.is_unicast_link_local() && !address.tentative => Some(v6),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(addr: &str, secondary: bool, tentative: bool) -> InterfaceAddress {
        InterfaceAddress {
            ifindex: 2,
            addr: addr.parse().unwrap(),
            prefix_len: 24,
            label: None,
            secondary,
            tentative,
        }
    }

    #[test]
    fn primary_ipv4_skips_secondaries_and_ipv6() {
        let addresses = [
            address("2001:db8::1", false, false),
            address("192.0.2.9", true, false),
            address("192.0.2.1", false, false),
            address("198.18.0.1", false, false),
        ];
        assert_eq!(primary_ipv4(&addresses), Some(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(primary_ipv4(&addresses[..2]), None);
    }

    #[test]
    fn link_local_skips_global_and_tentative_addresses() {
        let addresses = [
            address("2001:db8::1", false, false),
            address("fe80::1", false, true),
            address("fe80::2", false, false),
        ];
        assert_eq!(
            ipv6_link_local(&addresses),
            Some("fe80::2".parse().unwrap())
        );
        assert_eq!(ipv6_link_local(&addresses[..2]), None);
    }

    #[test]
    fn errors_tell_the_user_what_to_do() {
        let iface = Interface {
            name: "eth0".into(),
            ifindex: 2,
            mac: None,
            admin_up: true,
            running: true,
            primary_ipv4: None,
            ipv6_link_local: None,
            mtu: 1500,
        };
        assert_eq!(
            iface.require_ipv4().unwrap_err().to_string(),
            "interface eth0 has no IPv4 address: VRRPv2/v3 over IPv4 sends from the interface's primary address; add one or set unicast_src_ip"
        );
        assert_eq!(
            IfaceError::NotFound("eth9".into()).to_string(),
            "interface eth9 not found: check the name with `ip link`"
        );
    }

    #[test]
    fn mac_display_and_ipv6_multicast_mapping() {
        let mac = MacAddr([0x00, 0x00, 0x5e, 0x00, 0x01, 0x2a]);
        assert_eq!(mac.to_string(), "00:00:5e:00:01:2a");
        assert_eq!(
            MacAddr::ipv6_multicast("ff02::1".parse().unwrap()),
            MacAddr([0x33, 0x33, 0, 0, 0, 1])
        );
        assert_eq!(MacAddr::from_slice(&[1, 2, 3]), None);
    }
}
