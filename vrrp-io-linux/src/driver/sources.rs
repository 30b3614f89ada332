//! keepalived's `track_src_ip`: an instance whose configured source address
//! (`unicast_src_ip`, `mcast_src_ip`) is not on its interface is in Fault,
//! and leaves Fault when the address is back (keepalived 2.4.3
//! keepalived_netlink.c, `VRRP_FAULT_FL_NO_SOURCE_IP`).

use std::collections::HashSet;
use std::net::IpAddr;

use crate::netlink::dump_addresses;

/// Which tracked source addresses are missing from their interfaces.
#[derive(Debug, Default)]
pub(super) struct SourceTracker {
    /// (interface index, address) of each instance that tracks its source.
    tracked: HashSet<(u32, IpAddr)>,
    /// Those not on their interface now.
    missing: HashSet<(u32, IpAddr)>,
}

impl SourceTracker {
    /// Tracks `tracked` from now on, each looked up once on its interface
    /// (a netlink dump per interface: at start, reload and after an
    /// overflow). An interface that cannot be read counts as having them.
    pub(super) fn recheck(&mut self, tracked: impl IntoIterator<Item = (u32, IpAddr)>) {
        self.tracked = tracked.into_iter().collect();
        self.missing.clear();
        let ifindexes: HashSet<u32> = self.tracked.iter().map(|(i, _)| *i).collect();
        for ifindex in ifindexes {
            let present: Vec<IpAddr> = match dump_addresses(ifindex) {
                Ok(addresses) => addresses.into_iter().map(|a| a.addr).collect(),
                Err(error) => {
                    tracing::error!(ifindex, %error, "track_src_ip: cannot read the interface's addresses");
                    continue;
                }
            };
            self.missing.extend(
                self.tracked
                    .iter()
                    .filter(|(i, addr)| *i == ifindex && !present.contains(addr)),
            );
        }
    }

    /// `addr` came (`present`) or went on `ifindex`: whether that changed a
    /// tracked source's standing.
    pub(super) fn on_address(&mut self, ifindex: u32, addr: IpAddr, present: bool) -> bool {
        let key = (ifindex, addr);
        if !self.tracked.contains(&key) {
            return false;
        }
        if present {
            self.missing.remove(&key)
        } else {
            self.missing.insert(key)
        }
    }

    /// Whether `addr`, tracked on `ifindex`, is missing from it.
    pub(super) fn is_missing(&self, ifindex: u32, addr: IpAddr) -> bool {
        !self.missing.is_empty() && self.missing.contains(&(ifindex, addr))
    }
}
