//! keepalived's `use_vmac_addr` (and an address's own `use_vmac`) mapped
//! onto the driver: one VMAC per interface and family of the addresses that
//! get one ([`VrrpInstance::has_own_vmac`]), named as keepalived 2.4.3
//! names them (vrrp.c `create_vmac_name`), and each such address installed
//! on its VMAC.

use std::collections::HashSet;

use vrrp_io_linux::driver::{AddrVmac, InstanceSpec};

use vrrp_io_linux::vmac::vmac_name_of;

use crate::conf::{Family, KeepalivedConfig, VrrpInstance};

/// Gives `spec` (built from `instance`) its address VMACs; `taken` holds the
/// names of every VMAC of the configuration so far, and gets these.
pub(crate) fn add_address_vmacs(
    config: &KeepalivedConfig,
    instance: &VrrpInstance,
    spec: &mut InstanceSpec,
    taken: &mut HashSet<String>,
) {
    let vrid = spec.vrrp.vrid;
    let prefix = config.vmac_addr_prefix();
    let addresses = instance.virtual_ipaddress.iter().zip(&mut spec.vips).chain(
        instance
            .virtual_ipaddress_excluded
            .iter()
            .zip(&mut spec.excluded_vips),
    );
    for (address, vip) in addresses {
        if !instance.has_own_vmac(address) {
            continue;
        }
        // An instance without an interface has no VMAC: the driver
        // refuses one (keepalived clears `use_vmac` there).
        let parent = (vip.interface.clone())
            .or_else(|| spec.interface.clone())
            .unwrap_or_default();
        let family = Family::of(&address.addr);
        let existing = spec
            .addr_vmacs
            .iter()
            .find(|v| v.parent == parent && v.family == family);
        let name = match existing {
            Some(vmac) => vmac.name.clone(),
            None => {
                let name = candidates(prefix, vrid, family)
                    .find(|n| !taken.contains(n))
                    .expect("keepalived's name sequence is endless");
                taken.insert(name.clone());
                spec.addr_vmacs.push(AddrVmac {
                    name: name.clone(),
                    parent,
                    family,
                });
                name
            }
        };
        vip.interface = Some(name);
    }
}

/// keepalived's names for a VMAC of `vrid`: `PREFIX.VRID`, then
/// `PREFIXN.VRID` for N = 1, 2, ... (IPv6 tries `PREFIX6.VRID` second).
fn candidates(prefix: &str, vrid: u8, family: Family) -> impl Iterator<Item = String> {
    let numbers: Box<dyn Iterator<Item = u32>> = match family {
        Family::Ipv4 => Box::new(1..),
        Family::Ipv6 => Box::new(std::iter::once(6).chain((1..).filter(|n| *n != 6))),
    };
    let prefix = prefix.to_owned();
    std::iter::once(None)
        .chain(numbers.map(Some))
        .map(move |n| vmac_name_of(&prefix, n, vrid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_keepalived_s_sequence() {
        let v4: Vec<String> = candidates("vrrp", 51, Family::Ipv4).take(3).collect();
        assert_eq!(v4, ["vrrp.51", "vrrp1.51", "vrrp2.51"]);
        let v6: Vec<String> = candidates("vrrp", 51, Family::Ipv6).take(8).collect();
        assert_eq!(
            v6,
            [
                "vrrp.51", "vrrp6.51", "vrrp1.51", "vrrp2.51", "vrrp3.51", "vrrp4.51", "vrrp5.51",
                "vrrp7.51"
            ]
        );
        let named: Vec<String> = candidates("kb13", 51, Family::Ipv6).take(2).collect();
        assert_eq!(named, ["kb13.51", "kb136.51"]);
    }
}
