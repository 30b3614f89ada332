//! Interface addresses: add and delete (VIPs), read (start-up clean-up).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rtnetlink::AddressMessageBuilder;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage,
};

use super::{FLAGS_CHANGE, FLAGS_CREATE, Netlink, NetlinkError, Seq, blocking};

/// Longest address label Linux takes (`IFNAMSIZ` minus the NUL).
const MAX_LABEL_LEN: usize = 15;

/// One address of an interface, as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddress {
    /// Interface index.
    pub ifindex: u32,
    /// The address (`IFA_LOCAL`, else `IFA_ADDRESS`).
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
    /// IPv4 label (`ip addr ... label eth0:vip`), if the kernel sent one.
    pub label: Option<String>,
    /// IPv4: not the first address of its subnet on the interface.
    pub secondary: bool,
    /// IPv6: duplicate address detection has not finished (or failed); the
    /// address cannot be used as a source yet.
    pub tentative: bool,
}

impl InterfaceAddress {
    /// Reads a `RTM_NEWADDR` / `RTM_DELADDR` message; `None` if it carries no
    /// address (the kernel always sends one).
    pub(crate) fn from_message(message: &AddressMessage) -> Option<Self> {
        let mut local = None;
        let mut address = None;
        let mut label = None;
        let mut flags = None;
        for attribute in &message.attributes {
            match attribute {
                AddressAttribute::Local(addr) => local = Some(*addr),
                AddressAttribute::Address(addr) => address = Some(*addr),
                AddressAttribute::Label(text) => label = Some(text.clone()),
                AddressAttribute::Flags(all) => flags = Some(*all),
                _ => {}
            }
        }
        // IFA_FLAGS (32 bits) supersedes the 8-bit header field when present.
        let flags = flags.unwrap_or_else(|| {
            AddressFlags::from_bits_retain(u32::from(message.header.flags.bits()))
        });
        Some(Self {
            ifindex: message.header.index,
            // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL ours.
            addr: local.or(address)?,
            prefix_len: message.header.prefix_len,
            label,
            secondary: flags.contains(AddressFlags::Secondary),
            tentative: flags.intersects(AddressFlags::Tentative | AddressFlags::Dadfailed),
        })
    }
}

/// Reads the current addresses of interface `ifindex`, both families, in the
/// kernel's order (for IPv4 the primary address of a subnet comes first).
/// Blocks for the kernel's answer: meant for start-up (e.g. removing VIPs a
/// previous run left behind), not for the event loop.
pub fn dump_addresses(ifindex: u32) -> Result<Vec<InterfaceAddress>, NetlinkError> {
    let mut addresses = dump(ifindex)?;
    addresses.retain(|address| address.ifindex == ifindex);
    Ok(addresses)
}

/// Reads the current addresses of every interface, both families, in one
/// dump (the kernel dumps them all for [`dump_addresses`] too, unless it
/// checks strictly, and that filters them). Blocks, as `dump_addresses`.
pub fn dump_all_addresses() -> Result<Vec<InterfaceAddress>, NetlinkError> {
    dump(0)
}

fn dump(ifindex: u32) -> Result<Vec<InterfaceAddress>, NetlinkError> {
    let mut filter = AddressMessage::default();
    filter.header.index = ifindex;
    let replies = blocking::request(
        RouteNetlinkMessage::GetAddress(filter),
        blocking::Kind::Dump,
    )?;
    Ok(replies
        .iter()
        .filter_map(|reply| match reply {
            RouteNetlinkMessage::NewAddress(message) => InterfaceAddress::from_message(message),
            _ => None,
        })
        .collect())
}

/// Builds the message that names `addr/prefix_len` on `ifindex`.
fn address_message(
    ifindex: u32,
    addr: IpAddr,
    prefix_len: u8,
) -> Result<AddressMessage, NetlinkError> {
    let max_prefix_len = if addr.is_ipv4() { 32 } else { 128 };
    if prefix_len > max_prefix_len {
        return Err(NetlinkError::PrefixTooLong { addr, prefix_len });
    }
    Ok(match addr {
        IpAddr::V4(v4) => AddressMessageBuilder::<Ipv4Addr>::new()
            .index(ifindex)
            .address(v4, prefix_len)
            .build(),
        IpAddr::V6(v6) => AddressMessageBuilder::<Ipv6Addr>::new()
            .index(ifindex)
            .address(v6, prefix_len)
            .build(),
    })
}

impl Netlink {
    /// Adds `addr/prefix_len` to interface `ifindex` (`ip addr add`).
    ///
    /// `label` names an IPv4 address (`eth0:vip`, at most 15 bytes); Linux
    /// has no labels for IPv6 addresses, so it is ignored for them. IPv6
    /// addresses are added with `IFA_F_NODAD`, as keepalived does: a VIP
    /// must be usable at once, and the VRRP election already guarantees it
    /// is not a duplicate.
    ///
    /// The answer comes later from [`Netlink::poll_events`]:
    /// [`NetEvent::Ack`](super::NetEvent::Ack), or
    /// [`NetEvent::Error`](super::NetEvent::Error) where
    /// [`Errno::is_already_exists`](super::Errno::is_already_exists) means the
    /// address was already there.
    pub fn add_address(
        &mut self,
        ifindex: u32,
        addr: IpAddr,
        prefix_len: u8,
        label: Option<&str>,
    ) -> Result<Seq, NetlinkError> {
        let mut message = address_message(ifindex, addr, prefix_len)?;
        match addr {
            IpAddr::V4(_) => {
                if let Some(label) = label {
                    if label.len() > MAX_LABEL_LEN {
                        return Err(NetlinkError::LabelTooLong(label.to_owned()));
                    }
                    message
                        .attributes
                        .push(AddressAttribute::Label(label.to_owned()));
                }
            }
            IpAddr::V6(_) => {
                message.header.flags |= AddressHeaderFlags::Nodad;
                message
                    .attributes
                    .push(AddressAttribute::Flags(AddressFlags::Nodad));
            }
        }
        self.send_request(RouteNetlinkMessage::NewAddress(message), FLAGS_CREATE)
    }

    /// Removes `addr/prefix_len` from interface `ifindex` (`ip addr del`).
    ///
    /// The answer comes later from [`Netlink::poll_events`]:
    /// [`NetEvent::Ack`](super::NetEvent::Ack), or
    /// [`NetEvent::Error`](super::NetEvent::Error) where
    /// [`Errno::is_address_not_available`](super::Errno::is_address_not_available)
    /// means the address was already gone.
    pub fn del_address(
        &mut self,
        ifindex: u32,
        addr: IpAddr,
        prefix_len: u8,
    ) -> Result<Seq, NetlinkError> {
        let message = address_message(ifindex, addr, prefix_len)?;
        self.send_request(RouteNetlinkMessage::DelAddress(message), FLAGS_CHANGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_longer_than_the_family_allows_is_refused_before_sending() {
        let v4 = address_message(1, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 33);
        assert!(matches!(
            v4,
            Err(NetlinkError::PrefixTooLong { prefix_len: 33, .. })
        ));
        let v6 = address_message(1, "2001:db8::1".parse().unwrap(), 129);
        assert!(matches!(
            v6,
            Err(NetlinkError::PrefixTooLong {
                prefix_len: 129,
                ..
            })
        ));
        assert!(address_message(1, "2001:db8::1".parse().unwrap(), 128).is_ok());
    }

    #[test]
    fn label_linux_would_refuse_is_refused_before_sending() {
        // Validation runs before anything is sent: no address is added here.
        let mut netlink = Netlink::new().unwrap();
        let vip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));
        let too_long = "eth0:a-long-label";
        assert!(matches!(
            netlink.add_address(1, vip, 32, Some(too_long)),
            Err(NetlinkError::LabelTooLong(label)) if label == too_long
        ));
    }

    #[test]
    fn a_message_the_kernel_sends_reads_back_as_the_same_address() {
        let mut message = address_message(7, "192.0.2.100".parse().unwrap(), 32).unwrap();
        message
            .attributes
            .push(AddressAttribute::Label("eth0:vip".into()));
        message.header.flags |= AddressHeaderFlags::Secondary;
        let address = InterfaceAddress::from_message(&message).unwrap();
        assert_eq!(
            address,
            InterfaceAddress {
                ifindex: 7,
                addr: "192.0.2.100".parse().unwrap(),
                prefix_len: 32,
                label: Some("eth0:vip".into()),
                secondary: true,
                tentative: false,
            }
        );
    }

    #[test]
    fn ifa_flags_attribute_wins_over_the_header_byte() {
        let mut message = address_message(3, "2001:db8::5".parse().unwrap(), 64).unwrap();
        message
            .attributes
            .push(AddressAttribute::Flags(AddressFlags::Tentative));
        let address = InterfaceAddress::from_message(&message).unwrap();
        assert!(address.tentative);
        assert!(!address.secondary);
    }
}
