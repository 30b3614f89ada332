//! Linux I/O building blocks for VRRP.
//!
//! Its place (see ARCHITECTURE.md): Linux only, on `vrrp-core`, with no
//! keepalived vocabulary; `vrrp-keepalived` maps keepalived.conf onto it.
//!
//! The sans-I/O core (`vrrp-core`) decides *what* to do; this crate holds the
//! syscalls that do it. Every block is non-blocking and small enough to be
//! registered in one [`mio::Poll`] loop; none of them owns a thread, a timer or
//! a runtime.
//!
//! - [`driver`]: the mio event loop that runs a `vrrp_core::Router` on
//!   all of the above.
//! - [`iface`]: look an interface up by name (index, MAC, flags, the
//!   addresses VRRP sends from).
//! - [`socket`]: raw VRRP sockets (IP protocol 112) per interface and
//!   family: VRRP's multicast group and the instances' own joined, TTL 255
//!   (a unicast advert's per datagram), source address per datagram.
//! - [`announce`]: gratuitous ARP and unsolicited neighbour advertisements,
//!   built into stack buffers and sent on an AF_PACKET socket.
//! - [`netlink`]: add / remove VIPs, routes and rules, create / delete links, watch links and
//!   addresses change; requests answered by sequence number.
//! - [`firewall`]: drop traffic to and from addresses (nftables, a table
//!   of our own, through the `nft` command).
//! - [`vmac`]: macvlan interfaces with the virtual router MAC
//!   (keepalived's `use_vmac`).
//! - [`track`]: track scripts and processes, and how their weights become
//!   an instance's priority.
//! - [`notify`]: notify scripts and FIFOs, in the order of the state
//!   changes, one at a time per instance.
//!
//! Errors are `thiserror` enums whose messages say what to do about them.
//! The only `unsafe` code is in the private `sys` module ([`release_free_heap`],
//! which hands freed heap pages back to the kernel, is re-exported from it).

pub mod announce;
pub mod child;
pub mod driver;
pub mod firewall;
pub mod iface;
mod mac;
pub mod netlink;
pub mod netns;
pub mod notify;
pub mod pidfile;
pub mod socket;
mod sys;
pub mod track;
pub mod tuning;
pub mod vmac;

pub use sys::release_free_heap;

pub use announce::{AnnounceError, Announcer};
pub use iface::{IfaceError, Interface, MacAddr};
pub use socket::{Datagram, Family, Outgoing, SocketError, VrrpSocket};
