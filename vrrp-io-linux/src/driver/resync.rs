//! After the netlink socket overflowed (`ENOBUFS`): the kernel dropped
//! notifications and maybe answers, so read what is true again, by a dump,
//! instead of trusting a view with holes in it.
//!
//! Our own requests were all carried out (an overflow loses messages to us,
//! never requests from us), so what can be missed is what others did: a
//! link that went down or up, a VIP removed behind a Master's back. Links
//! are looked up again; the addresses are dumped (once, all links), and a Master's
//! VIP that is not there is put back (only those: putting back all 4,080
//! would send 4,080 requests whose answers could overflow the socket
//! again). Answers still awaited are forgotten: the dump has shown what
//! their requests did.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::Instant;

use vrrp_core::State;

use super::run::Driver;
use crate::iface::Interface;
use crate::netlink::dump_all_addresses;

impl Driver {
    /// Reads links and addresses again and puts back the VIPs Masters
    /// should have (see the module docs).
    pub(super) fn resync(&mut self, now: Instant) {
        self.host.forget_requests();
        let links: Vec<(String, u32)> = self
            .host
            .links()
            .iter()
            .map(|l| (l.name.clone(), l.ifindex))
            .collect();
        for (name, ifindex) in &links {
            match Interface::lookup(name) {
                Ok(iface) => self.on_link(now, iface.ifindex, iface.is_up(), iface.mac, false),
                Err(error) => {
                    tracing::error!(interface = %name, %error, "re-reading an interface after a netlink overflow: taking it as down");
                    self.on_link(now, *ifindex, false, None, true);
                }
            }
        }
        // One dump of every link's addresses, hashed: looked up per VIP.
        let present: Option<HashSet<(u32, IpAddr)>> = match dump_all_addresses() {
            Ok(addresses) => Some(addresses.into_iter().map(|a| (a.ifindex, a.addr)).collect()),
            Err(error) => {
                // Unknown: put back every VIP (EEXIST is success).
                tracing::error!(%error, "dumping addresses after a netlink overflow");
                None
            }
        };
        let ifindex_of: HashMap<&str, u32> =
            links.iter().map(|(name, i)| (name.as_str(), *i)).collect();
        let masters: Vec<_> = self
            .router
            .instances()
            .filter(|(id, i)| i.state() == State::Master && self.host.is_installed(id.index()))
            .map(|(id, _)| id)
            .collect();
        let mut restored = 0usize;
        for id in masters {
            let spec = &self.specs[id.index()];
            for vip in spec.installed() {
                let Some(&ifindex) = ifindex_of.get(spec.interface_of(vip)) else {
                    continue;
                };
                let there = present
                    .as_ref()
                    .is_some_and(|p| p.contains(&(ifindex, vip.addr)));
                if !there {
                    self.host.restore_vip(id, spec, vip.addr);
                    restored += 1;
                }
            }
        }
        // Sources of `track_src_ip` that came or went meanwhile.
        self.recheck_sources();
        self.update_all_tracking(now);
        tracing::debug!(
            overflows = self.host.netlink_overflows(),
            restored,
            "netlink resynchronised by a dump"
        );
    }

    /// How many times the netlink socket overflowed (`ENOBUFS`), each time
    /// followed by a resynchronisation.
    pub fn netlink_overflows(&self) -> u64 {
        self.host.netlink_overflows()
    }

    /// Sets the netlink socket's receive buffer (see
    /// [`Netlink::set_receive_buffer`](crate::netlink::Netlink::set_receive_buffer))
    /// and returns the size the kernel reports. The driver asks for
    /// [`SOCKET_RCVBUF`](crate::netlink::SOCKET_RCVBUF); tests make it tiny
    /// to force overflows and their resynchronisation.
    pub fn set_netlink_receive_buffer(&mut self, bytes: usize) -> std::io::Result<usize> {
        self.host.netlink_mut().set_receive_buffer(bytes)
    }
}
