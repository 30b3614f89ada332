//! What the kernel tells the [`Netlink`](super::Netlink) socket: answers to
//! our requests and changes of links and addresses.

use std::net::IpAddr;

use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::RouteNetlinkMessage;

use super::Seq;
use super::addr::InterfaceAddress;
use super::link::LinkInfo;
use super::route::{RemovedRoute, RemovedRule, removed_route, removed_rule};
use crate::mac::MacAddr;

/// One thing the kernel said on the netlink socket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetEvent {
    /// A link appeared or changed (flags, name, MAC, carrier).
    LinkChanged {
        /// Interface index.
        ifindex: u32,
        /// Interface name.
        name: String,
        /// Administratively up (`IFF_UP`) and operationally running
        /// (`IFF_RUNNING`: carrier and oper state up).
        up: bool,
        /// Hardware address, for Ethernet-like links.
        mac: Option<MacAddr>,
        /// Its MTU, in bytes.
        mtu: u32,
    },
    /// A link was deleted.
    LinkRemoved {
        /// Interface index.
        ifindex: u32,
        /// Interface name.
        name: String,
    },
    /// An address was added to an interface (or changed, e.g. finished DAD).
    AddressAdded {
        /// Interface index.
        ifindex: u32,
        /// The address.
        addr: IpAddr,
        /// Its prefix length.
        prefix_len: u8,
    },
    /// An address was removed from an interface.
    AddressRemoved {
        /// Interface index.
        ifindex: u32,
        /// The address.
        addr: IpAddr,
        /// Its prefix length.
        prefix_len: u8,
    },
    /// A route was deleted (reported after [`Netlink::watch_routes`](super::Netlink::watch_routes)).
    RouteRemoved(RemovedRoute),
    /// A rule was deleted (reported after [`Netlink::watch_routes`](super::Netlink::watch_routes)).
    RuleRemoved(RemovedRule),
    /// The request with this sequence number succeeded.
    Ack {
        /// The request's sequence number.
        seq: Seq,
    },
    /// The request with this sequence number failed.
    Error {
        /// The request's sequence number.
        seq: Seq,
        /// Why; see [`Errno::is_already_exists`] and
        /// [`Errno::is_address_not_available`] for the failures that mean
        /// "already done".
        errno: Errno,
    },
    /// The socket's receive buffer overflowed (`ENOBUFS`) and the kernel
    /// dropped messages: notifications, and maybe answers to requests in
    /// flight. Re-read the state (dump links and addresses) to resynchronise.
    EventsLost,
}

/// An error number (positive, as in `errno`) that the kernel returned for a
/// netlink request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    /// `EEXIST`: what was to be added is already there (for an address add:
    /// the caller can treat it as success).
    pub fn is_already_exists(self) -> bool {
        self.0 == libc::EEXIST
    }

    /// `EADDRNOTAVAIL`: the address to delete is not on the interface (for an
    /// address delete: the caller can treat it as success).
    pub fn is_address_not_available(self) -> bool {
        self.0 == libc::EADDRNOTAVAIL
    }

    /// `ESRCH` (a route) or `ENOENT` (a rule): what was to be deleted is
    /// not there (for a delete: the caller can treat it as success).
    pub fn is_not_found(self) -> bool {
        self.0 == libc::ESRCH || self.0 == libc::ENOENT
    }

    /// `ENODEV`: the interface index names no interface (any more).
    pub fn is_no_such_device(self) -> bool {
        self.0 == libc::ENODEV
    }

    /// The same error as an [`std::io::Error`].
    pub fn to_io(self) -> std::io::Error {
        std::io::Error::from_raw_os_error(self.0)
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_io().fmt(f)
    }
}

impl NetEvent {
    /// The event one netlink message means, if it means one we report.
    pub(crate) fn from_message(message: NetlinkMessage<RouteNetlinkMessage>) -> Option<Self> {
        let seq = Seq(message.header.sequence_number);
        match message.payload {
            NetlinkPayload::Error(error) => Some(match error.code {
                None => Self::Ack { seq },
                Some(code) => Self::Error {
                    seq,
                    errno: Errno(code.get().saturating_abs()),
                },
            }),
            NetlinkPayload::InnerMessage(inner) => Self::from_route_message(inner),
            _ => None,
        }
    }

    fn from_route_message(message: RouteNetlinkMessage) -> Option<Self> {
        match message {
            RouteNetlinkMessage::NewLink(link) => {
                let link = LinkInfo::from_message(&link)?;
                Some(Self::LinkChanged {
                    ifindex: link.ifindex,
                    up: link.is_up_and_running(),
                    name: link.name,
                    mac: link.mac,
                    mtu: link.mtu,
                })
            }
            RouteNetlinkMessage::DelLink(link) => {
                let link = LinkInfo::from_message(&link)?;
                Some(Self::LinkRemoved {
                    ifindex: link.ifindex,
                    name: link.name,
                })
            }
            RouteNetlinkMessage::NewAddress(address) => {
                let address = InterfaceAddress::from_message(&address)?;
                Some(Self::AddressAdded {
                    ifindex: address.ifindex,
                    addr: address.addr,
                    prefix_len: address.prefix_len,
                })
            }
            RouteNetlinkMessage::DelAddress(address) => {
                let address = InterfaceAddress::from_message(&address)?;
                Some(Self::AddressRemoved {
                    ifindex: address.ifindex,
                    addr: address.addr,
                    prefix_len: address.prefix_len,
                })
            }
            RouteNetlinkMessage::DelRoute(route) => removed_route(&route).map(Self::RouteRemoved),
            RouteNetlinkMessage::DelRule(rule) => removed_rule(&rule).map(Self::RuleRemoved),
            _ => None,
        }
    }
}
