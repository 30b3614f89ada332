//! The drop rules of instances that do not take traffic to their VIPs
//! ([`VipTraffic::DropWhileMaster`]): the table is set up at start (or by
//! the first reload that needs it), an instance's addresses go into it
//! before its VIPs are added and leave it after they are removed.

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
    let rules = DropRules::create(table).map_err(|error| DriverError::Firewall {
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
    /// Starts dropping traffic to `id`'s addresses, if it takes none.
    pub(super) fn drop_vip_traffic(&mut self, id: InstanceId) {
        self.change_vip_traffic(id, true);
    }

    /// Stops dropping traffic to `id`'s addresses.
    pub(super) fn allow_vip_traffic(&mut self, id: InstanceId) {
        self.change_vip_traffic(id, false);
    }

    fn change_vip_traffic(&mut self, id: InstanceId, drop: bool) {
        let spec = &self.specs[id.index()];
        let addrs = spec.dropped_while_master();
        if addrs.is_empty() {
            return;
        }
        let Some(rules) = &mut self.drop_rules else {
            tracing::error!(instance = %spec.name, "no drop rules table: traffic to the VIPs is not dropped");
            return;
        };
        let result = if drop {
            rules.drop_traffic(&addrs)
        } else {
            rules.allow_traffic(&addrs)
        };
        match result {
            Ok(()) if drop => {
                tracing::info!(instance = %spec.name, ?addrs, "traffic to the VIPs dropped while Master");
            }
            Ok(()) => tracing::info!(instance = %spec.name, ?addrs, "traffic to the VIPs allowed"),
            Err(error) if drop => tracing::error!(
                instance = %spec.name, %error, failures = rules.failures(),
                "traffic to the VIPs is NOT dropped: the rule could not be added"
            ),
            Err(error) => tracing::error!(
                instance = %spec.name, %error, failures = rules.failures(),
                "traffic to the VIPs is still dropped: the rule could not be removed"
            ),
        }
    }

    /// The drop rules, if an instance needs them: the addresses dropped
    /// now, and the changes that failed since start (each logged).
    pub fn drop_rules(&self) -> Option<&DropRules> {
        self.drop_rules.as_ref()
    }
}
