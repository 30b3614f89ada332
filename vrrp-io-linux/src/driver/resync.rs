//! After the netlink socket overflowed (`ENOBUFS`): the kernel dropped
//! notifications and maybe answers, so read what is true again, by a dump,
//! instead of trusting a view with holes in it.
//!
//! Our own requests were all carried out (an overflow loses messages to us,
//! never requests from us), so what can be missed is what others did: a
//! link that went down or up, a VIP removed behind a Master's back. Links
//! are looked up again; each link's addresses are dumped, and a Master's
//! VIP that is not there is put back (only those: putting back all 4,080
//! would send 4,080 requests whose answers could overflow the socket
//! again). Answers still awaited are forgotten: the dump has shown what
//! their requests did.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use vrrp_core::State;

use super::run::Driver;
use crate::iface::Interface;
use crate::netlink::dump_addresses;

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
        let mut present: HashMap<u32, Option<Vec<IpAddr>>> = HashMap::new();
        for (name, ifindex) in links {
            match Interface::lookup(&name) {
                Ok(iface) => self.on_link(now, iface.ifindex, iface.is_up(), iface.mac),
                Err(error) => {
                    tracing::error!(interface = %name, %error, "re-reading an interface after a netlink overflow: taking it as down");
                    self.on_link(now, ifindex, false, None);
                }
            }
            let addresses = match dump_addresses(ifindex) {
                Ok(addresses) => Some(addresses.into_iter().map(|a| a.addr).collect()),
                Err(error) => {
                    // Unknown: put back every VIP of the link (EEXIST is success).
                    tracing::error!(interface = %name, %error, "dumping addresses after a netlink overflow");
                    None
                }
            };
            present.insert(ifindex, addresses);
        }
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
                let interface = spec.interface_of(vip);
                let Some(link) = self.host.links().iter().find(|l| l.name == interface) else {
                    continue;
                };
                let there = match present.get(&link.ifindex) {
                    Some(Some(addresses)) => addresses.contains(&vip.addr),
                    _ => false,
                };
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
