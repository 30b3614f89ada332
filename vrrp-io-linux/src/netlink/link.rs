//! Links: what a link message says, look-up by name, deletion.

use rtnetlink::LinkUnspec;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::link::{self, InfoKind, LinkAttribute, LinkFlags, LinkMessage};

use super::{FLAGS_CHANGE, Netlink, NetlinkError, Seq, blocking};
use crate::mac::MacAddr;

/// The parts of a link message VRRP cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkInfo {
    pub(crate) ifindex: u32,
    pub(crate) name: String,
    pub(crate) mac: Option<MacAddr>,
    pub(crate) admin_up: bool,
    pub(crate) running: bool,
    /// `IFLA_MTU` (0 if the message has none).
    pub(crate) mtu: u32,
    /// For a macvlan, the index of the link it sits on (`IFLA_LINK`).
    pub(crate) macvlan_parent: Option<u32>,
}

impl LinkInfo {
    /// Reads a `RTM_NEWLINK` / `RTM_DELLINK` message; `None` without a name
    /// (the kernel always sends one).
    pub(crate) fn from_message(message: &LinkMessage) -> Option<Self> {
        let mut name = None;
        let mut mac = None;
        let mut mtu = 0;
        let (mut lower, mut macvlan) = (None, false);
        for attribute in &message.attributes {
            match attribute {
                LinkAttribute::IfName(ifname) => name = Some(ifname.clone()),
                LinkAttribute::Address(bytes) => mac = MacAddr::from_slice(bytes),
                LinkAttribute::Mtu(bytes) => mtu = *bytes,
                LinkAttribute::Link(index) => lower = Some(*index),
                LinkAttribute::LinkInfo(infos) => {
                    macvlan = infos
                        .iter()
                        .any(|i| matches!(i, link::LinkInfo::Kind(InfoKind::MacVlan)));
                }
                _ => {}
            }
        }
        let flags = message.header.flags;
        Some(Self {
            ifindex: message.header.index,
            name: name?,
            mac,
            admin_up: flags.contains(LinkFlags::Up),
            running: flags.contains(LinkFlags::Running),
            mtu,
            macvlan_parent: lower.filter(|_| macvlan),
        })
    }

    /// Up for VRRP: administratively up and operationally running
    /// (`IFF_RUNNING` is set when the oper state is up: carrier present).
    pub(crate) fn is_up_and_running(&self) -> bool {
        self.admin_up && self.running
    }
}

/// Asks the kernel for the link called `name` and waits for the answer;
/// `Ok(None)` if there is none.
pub(crate) fn get_link_by_name(name: &str) -> Result<Option<LinkInfo>, NetlinkError> {
    get_link(LinkUnspec::new_with_name(name).build())
}

/// [`get_link_by_name`] by index.
pub(crate) fn get_link_by_index(ifindex: u32) -> Result<Option<LinkInfo>, NetlinkError> {
    get_link(LinkUnspec::new_with_index(ifindex).build())
}

fn get_link(message: LinkMessage) -> Result<Option<LinkInfo>, NetlinkError> {
    let request = RouteNetlinkMessage::GetLink(message);
    let replies = match blocking::request(request, blocking::Kind::Single) {
        Ok(replies) => replies,
        Err(NetlinkError::Refused(error)) if error.raw_os_error() == Some(libc::ENODEV) => {
            return Ok(None);
        }
        Err(error) => return Err(error),
    };
    Ok(replies.iter().find_map(|reply| match reply {
        RouteNetlinkMessage::NewLink(link) => LinkInfo::from_message(link),
        _ => None,
    }))
}

impl Netlink {
    /// Deletes the link with index `ifindex` (`ip link del`). The answer
    /// comes as [`NetEvent::Ack`](super::NetEvent::Ack) or
    /// [`NetEvent::Error`](super::NetEvent::Error) (`ENODEV` if it is gone).
    pub fn del_link(&mut self, ifindex: u32) -> Result<Seq, NetlinkError> {
        let message = LinkUnspec::new_with_index(ifindex).build();
        self.send_request(RouteNetlinkMessage::DelLink(message), FLAGS_CHANGE)
    }

    /// Deletes the link called `name` (e.g. a VMAC left by a previous run).
    pub fn del_link_by_name(&mut self, name: &str) -> Result<Seq, NetlinkError> {
        let message = LinkUnspec::new_with_name(name).build();
        self.send_request(RouteNetlinkMessage::DelLink(message), FLAGS_CHANGE)
    }

    /// Sets the link with index `ifindex` administratively up or down
    /// (`ip link set dev X up|down`).
    pub fn set_link_up(&mut self, ifindex: u32, up: bool) -> Result<Seq, NetlinkError> {
        let builder = LinkUnspec::new_with_index(ifindex);
        let message = if up { builder.up() } else { builder.down() }.build();
        self.send_request(RouteNetlinkMessage::SetLink(message), FLAGS_CHANGE)
    }
}
