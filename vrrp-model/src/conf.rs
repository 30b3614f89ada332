//! A deployment's keepalived.conf → the core configurations the model runs:
//! each `vrrp_instance` read by vrrp-keepalived's pure reader (no Linux
//! stack), with keepalived's defaults, exactly as the daemon would run it.

use vrrp_core::Config;
use vrrp_keepalived::conf::{ConfigError, parse_str, vrrp_config};

/// One `vrrp_instance` of a keepalived.conf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfInstance {
    /// Its name (`vrrp_instance NAME`).
    pub name: String,
    /// The protocol settings the daemon would run.
    pub config: Config,
}

/// Reads keepalived.conf `text` (its positions name it `origin`; `include`
/// is an error) into its instances, in the order written.
pub fn instances(text: &str, origin: &str) -> Result<Vec<ConfInstance>, ConfigError> {
    let loaded = parse_str(text, origin)?;
    Ok(loaded
        .config
        .instances
        .iter()
        .map(|instance| ConfInstance {
            name: instance.name.clone(),
            config: vrrp_config(&loaded.config, instance),
        })
        .collect())
}

#[cfg(test)]
mod test {
    use super::*;

    /// The seed article's pair: the same file on both HAProxy hosts but for
    /// `state` and `priority` (a documentation VIP stands in for theirs).
    fn seed_pair(state: &str, priority: u8) -> String {
        format!(
            "global_defs {{\n    router_id ovp_vrrp\n}}\n\
             vrrp_script haproxy_check {{\n    script \"killall -0 haproxy\"\n    interval 2\n    weight 2\n}}\n\
             vrrp_instance OCP_EXT {{\n    interface ens192\n    virtual_router_id 51\n    \
             priority {priority}\n    state {state}\n    \
             virtual_ipaddress {{\n        192.0.2.100 dev ens192\n    }}\n    \
             track_script {{\n        haproxy_check\n    }}\n    \
             authentication {{\n        auth_type PASS\n        auth_pass 1cee4b6e\n    }}\n}}\n"
        )
    }

    #[test]
    fn the_seed_pair_reads_as_two_routers_of_one_virtual_router() {
        let master = instances(&seed_pair("MASTER", 100), "master.conf").unwrap();
        let backup = instances(&seed_pair("BACKUP", 98), "backup.conf").unwrap();
        let [master] = &master[..] else {
            panic!("{master:?}")
        };
        let [backup] = &backup[..] else {
            panic!("{backup:?}")
        };
        assert_eq!(
            (master.name.as_str(), backup.name.as_str()),
            ("OCP_EXT", "OCP_EXT")
        );
        assert_eq!((master.config.priority, backup.config.priority), (100, 98));
        assert_eq!((master.config.vrid, backup.config.vrid), (51, 51));
        assert_eq!(
            master.config.virtual_addresses,
            backup.config.virtual_addresses
        );
        assert_eq!(master.config.advert_interval, 100);
    }

    #[test]
    fn a_broken_file_says_where() {
        let error = instances("vrrp_instance X {\n    priority 300\n}\n", "x.conf").unwrap_err();
        assert_eq!(error.span().map(|s| s.line), Some(2), "{error}");
    }
}
