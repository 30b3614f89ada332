//! keepalived's gratuitous ARP / NA settings → the driver's announcement
//! timing ([`GarpSpec`]) and per-interface pacing ([`GarpGroupSpec`]).

use vrrp_io_linux::driver::{GarpGroupSpec, GarpSpec};

use crate::conf::{Family, GarpSettings, KeepalivedConfig, VrrpInstance};

/// keepalived's announcement timing where none is written
/// ([`GarpSettings`]' defaults): 5 now, 5 more after 5 s, no refresh; the
/// same when a lower-priority Master is heard.
pub(crate) const GARP_DEFAULTS: GarpSpec = GarpSpec {
    delay: GarpSettings::DEFAULT_DELAY,
    repeat: GarpSettings::DEFAULT_REPEAT,
    refresh: None,
    refresh_repeat: GarpSettings::DEFAULT_REFRESH_REPEAT,
    extra_if: None,
    extra_if_all: false,
    lower_prio_repeat: GarpSettings::DEFAULT_REPEAT,
    lower_prio_delay: GarpSettings::DEFAULT_DELAY,
};

/// The instance's garp settings ([`KeepalivedConfig::garp`]), else
/// keepalived's defaults.
pub(crate) fn garp(config: &KeepalivedConfig, instance: &VrrpInstance) -> GarpSpec {
    let settings = config.garp(instance);
    let default = GARP_DEFAULTS;
    // keepalived: the instance's `garp_extra_if`, else the global one; the
    // driver picks the interfaces (`driver/garp.rs`, `extra_if_vips`).
    let extra_if = config.garp_extra_if(instance);
    let refresh_repeat = settings
        .master_refresh_repeat
        .unwrap_or(default.refresh_repeat);
    GarpSpec {
        delay: settings.master_delay.unwrap_or(default.delay),
        repeat: settings.master_repeat.unwrap_or(default.repeat),
        // `vrrp_min_garp` makes the refresh repeat 0: a refresh of nothing.
        refresh: (settings.master_refresh).filter(|r| !r.is_zero() && refresh_repeat > 0),
        refresh_repeat,
        extra_if: extra_if.map(|e| e.period).filter(|p| !p.is_zero()),
        extra_if_all: extra_if.is_some_and(|e| e.all),
        lower_prio_repeat: (settings.lower_prio_repeat).unwrap_or(default.lower_prio_repeat),
        lower_prio_delay: (settings.lower_prio_delay).unwrap_or(default.lower_prio_delay),
    }
}

/// The pacing groups: each `garp_group`, then, where `vrrp_garp_interval`
/// or `vrrp_gna_interval` is set, one group per interface of an instance
/// that is in none (keepalived's `set_default_garp_delay`): the
/// instance's and its VIPs' and eVIPs', for an instance with addresses of
/// a family whose global interval is set.
pub(crate) fn groups(config: &KeepalivedConfig) -> Vec<GarpGroupSpec> {
    let mut groups: Vec<GarpGroupSpec> = config
        .garp_groups
        .iter()
        .map(|g| GarpGroupSpec {
            interfaces: g.interfaces.iter().map(|i| i.value.clone()).collect(),
            garp_interval: g.garp_interval,
            gna_interval: g.gna_interval,
        })
        .collect();
    let (garp, gna) = (
        config.global.vrrp_garp_interval,
        config.global.vrrp_gna_interval,
    );
    if garp.is_none() && gna.is_none() {
        return groups;
    }
    for instance in &config.instances {
        let Some(own) = &instance.interface else {
            continue;
        };
        // vrrp_if.c: the instance's family, and its eVIPs'.
        let family = instance.family();
        let evips = instance.virtual_ipaddress_excluded.iter();
        let v4 = family == Family::Ipv4 || evips.clone().any(|a| a.addr.is_ipv4());
        let v6 = family == Family::Ipv6 || evips.clone().any(|a| a.addr.is_ipv6());
        if !(v4 && garp.is_some() || v6 && gna.is_some()) {
            continue;
        }
        let devs = instance
            .virtual_ipaddress
            .iter()
            .chain(evips)
            .map(|a| a.dev.as_ref().unwrap_or(&own.value));
        for interface in std::iter::once(&own.value).chain(devs) {
            let grouped = groups.iter().any(|g| g.interfaces.contains(interface));
            if !grouped {
                groups.push(GarpGroupSpec {
                    interfaces: vec![interface.clone()],
                    garp_interval: garp,
                    gna_interval: gna,
                });
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::conf::parse_str;

    fn spec_of(text: &str) -> (Vec<GarpGroupSpec>, Vec<GarpSpec>) {
        let config = parse_str(text, "g.conf").unwrap().config;
        let garps = config.instances.iter().map(|i| garp(&config, i)).collect();
        (groups(&config), garps)
    }

    #[test]
    fn the_driver_s_default_is_keepalived_s() {
        // An embedder's GarpSpec::default() times announcements as
        // keepalived does; the two must not drift apart.
        assert_eq!(GarpSpec::default(), GARP_DEFAULTS);
    }

    const INSTANCES: &str = "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n \
        virtual_ipaddress {\n  192.0.2.1\n  198.18.0.1 dev eth1\n }\n \
        virtual_ipaddress_excluded {\n  2001:db8::1 dev eth2\n }\n}\n\
        vrrp_instance B {\n interface eth3\n virtual_router_id 2\n native_ipv6\n \
        virtual_ipaddress {\n  2001:db8::2\n }\n}\n";

    #[test]
    fn global_intervals_give_each_unpaced_interface_of_a_family_its_group() {
        let text = format!(
            "global_defs {{\n vrrp_garp_interval 0.1\n}}\n\
             garp_group {{\n gna_interval 0.2\n interface eth2\n}}\n{INSTANCES}"
        );
        let (groups, _) = spec_of(&text);
        let ms = Duration::from_millis;
        let expected = [
            (vec!["eth2".to_owned()], None, Some(ms(200))),
            (vec!["eth0".to_owned()], Some(ms(100)), None),
            (vec!["eth1".to_owned()], Some(ms(100)), None),
        ];
        let found: Vec<_> = groups
            .iter()
            .map(|g| (g.interfaces.clone(), g.garp_interval, g.gna_interval))
            .collect();
        assert_eq!(found, expected, "B is IPv6 only: eth3 is not paced");
    }

    #[test]
    fn extra_if_keeps_its_period_and_all_and_min_garp_sends_one() {
        let text =
            format!("global_defs {{\n vrrp_min_garp\n vrrp_garp_extra_if all 60\n}}\n{INSTANCES}");
        let (_, garps) = spec_of(&text);
        // Which interfaces get one is the driver's (`extra_if_vips`): B's
        // VIP on its own interface gets none there.
        assert_eq!(garps[0].extra_if, Some(Duration::from_secs(60)));
        assert!(garps[0].extra_if_all && garps[1].extra_if_all);
        assert_eq!((garps[0].repeat, garps[0].delay), (1, Duration::ZERO));
        assert_eq!(garps[0].lower_prio_repeat, 1);
        let without_all = format!("global_defs {{\n vrrp_garp_extra_if 60\n}}\n{INSTANCES}");
        let garp = spec_of(&without_all).1[0];
        assert_eq!(garp.extra_if, Some(Duration::from_secs(60)));
        assert!(!garp.extra_if_all);
    }
}
