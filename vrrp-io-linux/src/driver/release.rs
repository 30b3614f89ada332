//! Releasing a configuration's VIPs without running it: systemd's
//! `ExecStopPost` runs this after the daemon ended however it ended, so a
//! crashed or SIGKILLed daemon leaves no duplicate address on the LAN.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::error::DriverError;
use super::spec::{DriverConfig, VmacKind};
use crate::firewall::{DropRules, VmacRules};
use crate::iface::Interface;
use crate::netlink::{NetEvent, Netlink, dump_addresses};

/// How long to wait for the kernel's answers.
const ANSWER_WAIT: Duration = Duration::from_secs(2);

/// A virtual address that was still on an interface, and is no more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Released {
    /// The instance it belongs to.
    pub instance: String,
    /// The address.
    pub addr: IpAddr,
    /// The interface it was on.
    pub interface: String,
}

/// Removes every VIP (and excluded VIP) of every non-owner instance of
/// `config` that is on this host, and the VMAC interfaces the driver would
/// create. An owner's addresses (priority 255) are the interface's own and
/// stay. Interfaces that do not exist are skipped. The drop rules' table,
/// if an instance needs one, is deleted too. Returns the addresses removed.
pub fn release_vips(config: &DriverConfig) -> Result<Vec<Released>, DriverError> {
    let mut netlink = Netlink::new()?;
    let mut pending = Vec::new();
    let mut released = Vec::new();
    for spec in config.instances.iter().filter(|s| !s.vrrp.is_owner()) {
        for vip in spec.installed() {
            // With use_vmac, addresses meant for the parent live on the VMAC.
            let on_parent = vip.interface.is_none() || vip.interface == spec.interface;
            let on_vmac = on_parent && matches!(spec.vmac_kind, VmacKind::Macvlan);
            let name = match (&spec.vmac, on_vmac) {
                (Some(vmac), true) => vmac.as_str(),
                _ => spec.interface_of(vip),
            };
            let Ok(iface) = Interface::lookup(name) else {
                continue;
            };
            if dump_addresses(iface.ifindex)?
                .iter()
                .any(|a| a.addr == vip.addr)
            {
                pending.push(netlink.del_address(iface.ifindex, vip.addr, vip.prefix_len)?);
                released.push(Released {
                    instance: spec.name.clone(),
                    addr: vip.addr,
                    interface: name.to_owned(),
                });
            }
        }
        let addr_vmacs = spec.addr_vmacs.iter().map(|v| &v.name);
        for vmac in spec.vmac.iter().chain(addr_vmacs) {
            if Interface::lookup(vmac).is_ok() {
                pending.push(netlink.del_link_by_name(vmac)?);
            }
        }
    }
    let deadline = Instant::now() + ANSWER_WAIT;
    let mut events = Vec::new();
    while !pending.is_empty() && Instant::now() < deadline {
        netlink.poll_events(&mut events)?;
        for event in events.drain(..) {
            match event {
                NetEvent::Ack { seq } => pending.retain(|s| *s != seq),
                NetEvent::Error { seq, errno } if pending.contains(&seq) => {
                    pending.retain(|s| *s != seq);
                    if !errno.is_address_not_available() && !errno.is_no_such_device() {
                        tracing::warn!(%errno, "the kernel refused a release");
                    }
                }
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    if !pending.is_empty() {
        tracing::warn!(
            pending = pending.len(),
            "no answer from the kernel for every release"
        );
    }
    if let Some(table) = config.needed_vmac_table() {
        if let Err(error) = VmacRules::delete_tables(table) {
            tracing::warn!(%table, %error, "cannot delete the nftables VMAC rules");
        }
    }
    if let Some(table) = config.needed_drop_table() {
        match DropRules::delete_table(table) {
            Ok(true) => tracing::info!(%table, "deleted the nftables drop rules left behind"),
            Ok(false) => {}
            Err(error) => tracing::warn!(%table, %error, "cannot delete the nftables drop rules"),
        }
    }
    Ok(released)
}
