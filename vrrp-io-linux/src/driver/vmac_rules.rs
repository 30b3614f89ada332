//! keepalived's nftables rules for VMACs ([`VmacRules`]) on the running
//! instances' macvlan VMACs: set up once the VMACs exist, at start and
//! after a reload.

use super::run::Driver;
use super::spec::{DEFAULT_DROP_TABLE, InstanceSpec};
use crate::firewall::{ChainOptions, VmacRules};
use crate::socket::Family;

impl Driver {
    /// keepalived's rules for VMACs ([`VmacRules`]) on every macvlan VMAC
    /// of the running instances, their tables created by the first (in the
    /// drop rules' table name, else the default). Without `nft` the VMACs
    /// run without them, with an error logged: only the MLD and IGMP reports
    /// and router solicitations of a Master's VMAC are not kept off the
    /// virtual MAC.
    pub(super) fn install_vmac_rules(&mut self, table: &Option<String>, chains: ChainOptions) {
        // keepalived's disable_local_igmp (vrrp_vmac.c): an IPv4 VMAC sends
        // no IGMP report for VRRP's group, and gets no rules.
        let wanted: Vec<(String, String)> = self
            .specs
            .iter()
            .flat_map(InstanceSpec::vmac_parents)
            .filter(|&(_, _, family)| !(self.disable_local_igmp && family == Family::Ipv4))
            .map(|(v, p, _)| (v.to_owned(), p.to_owned()))
            .collect();
        if wanted.is_empty() {
            return;
        }
        if self.vmac_rules.is_none() {
            let table = table.as_deref().unwrap_or(DEFAULT_DROP_TABLE);
            match VmacRules::create(table, chains) {
                Ok(rules) => self.vmac_rules = Some(rules),
                Err(error) => {
                    tracing::error!(%table, %error, "keepalived's nftables rules for VMACs are not installed: MLD/IGMP reports and router solicitations may leave from the virtual MAC");
                    return;
                }
            }
        }
        let Some(rules) = &mut self.vmac_rules else {
            return;
        };
        for (vmac, parent) in wanted {
            if let Err(error) = rules.add(&vmac, &parent) {
                tracing::error!(%vmac, %parent, %error, "cannot apply the nftables VMAC rules");
            }
        }
    }
}
