//! The drop rules of instances that do not take traffic to their VIPs
//! ([`VipTraffic::DropWhileMaster`]): the table is set up at start (or by
//! the first reload that needs it), an instance's addresses go into it
//! before its VIPs are added and leave it after they are removed. A
//! turn's changes are one `nft` run: the new Masters installed together
//! (`installs.rs`), and the VIPs removed in the turn, after the removals.

use std::net::IpAddr;

use vrrp_core::InstanceId;

use super::error::DriverError;
use super::run::Driver;
use super::spec::{DriverConfig, VipTraffic};
use crate::firewall::DropRules;

/// The drop rules `config` needs, set up (a crashed run's table replaced);
/// `None` if no instance needs them.
pub(super) fn set_up(config: &DriverConfig) -> Result<Option<DropRules>, DriverError> {
    let Some(table) = config.needed_drop_table() else {
        return Ok(None);
    };
    let rules =
        DropRules::create(table, config.nft_chains).map_err(|error| DriverError::Firewall {
            instances: config
                .instances
                .iter()
                .filter(|s| s.vip_traffic == VipTraffic::DropWhileMaster)
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            error,
        })?;
    tracing::info!(table = %format!("inet {table}"), "nftables drop rules set up");
    Ok(Some(rules))
}

impl Driver {
    /// Starts dropping traffic to the addresses of `ids` that take none:
    /// one `nft` run for all of them.
    pub(super) fn drop_vip_traffic(&mut self, ids: impl IntoIterator<Item = InstanceId>) {
        let ids: Vec<InstanceId> = ids.into_iter().collect();
        self.change_vip_traffic(&ids, true);
    }

    /// Stops dropping traffic to `id`'s addresses, with the other removals
    /// of the turn ([`allow_removed_vip_traffic`](Self::allow_removed_vip_traffic)).
    pub(super) fn allow_vip_traffic(&mut self, id: InstanceId) {
        if !self.specs[id.index()].dropped_while_master().is_empty() {
            self.scratch.allowed.push(id);
        }
    }

    /// Stops dropping traffic to the addresses of the instances whose VIPs
    /// were removed since the last call: one `nft` run for all of them.
    pub(super) fn allow_removed_vip_traffic(&mut self) {
        if self.scratch.allowed.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut self.scratch.allowed);
        self.change_vip_traffic(&ids, false);
        self.scratch.allowed = ids;
        self.scratch.allowed.clear();
    }

    fn change_vip_traffic(&mut self, ids: &[InstanceId], drop: bool) {
        let changed: Vec<(InstanceId, Vec<IpAddr>)> = ids
            .iter()
            .map(|&id| (id, self.specs[id.index()].dropped_while_master()))
            .filter(|(_, addrs)| !addrs.is_empty())
            .collect();
        if changed.is_empty() {
            return;
        }
        let Some(rules) = &mut self.drop_rules else {
            for (id, _) in &changed {
                tracing::error!(instance = %self.specs[id.index()].name, "no drop rules table: traffic to the VIPs is not dropped");
            }
            return;
        };
        let all: Vec<IpAddr> = changed
            .iter()
            .flat_map(|(_, a)| a.iter().copied())
            .collect();
        let result = if drop {
            rules.drop_traffic(&all)
        } else {
            rules.allow_traffic(&all)
        };
        for (id, addrs) in &changed {
            let instance = &self.specs[id.index()].name;
            match &result {
                Ok(()) if drop => {
                    tracing::info!(%instance, ?addrs, "traffic to the VIPs dropped while Master");
                }
                Ok(()) => tracing::info!(%instance, ?addrs, "traffic to the VIPs allowed"),
                Err(error) if drop => tracing::error!(
                    %instance, %error, failures = rules.failures(),
                    "traffic to the VIPs is NOT dropped: the rule could not be added"
                ),
                Err(error) => tracing::error!(
                    %instance, %error, failures = rules.failures(),
                    "traffic to the VIPs is still dropped: the rule could not be removed"
                ),
            }
        }
    }

    /// The drop rules, if an instance needs them: the addresses dropped
    /// now, and the changes that failed since start (each logged).
    pub fn drop_rules(&self) -> Option<&DropRules> {
        self.drop_rules.as_ref()
    }
}
