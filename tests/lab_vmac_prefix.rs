//! `vmac_prefix` and `vmac_addr_prefix` end to end in the lab (`vrrp-lab`):
//! a lone Master with `use_vmac` and `use_vmac_addr` (its IPv6 eVIP gets a
//! VMAC of its own) names its VMACs `kb13.51` and `kb13a.51`, as keepalived
//! 2.2.7 and 2.4.3 name them. Needs root; keepalived 2.4.3 where it can be
//! had (its absence fails under CI).

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance, State, with_global};
use lab::watch::wait_for;
use lab::{Daemon, Lab};

#[test]
fn vmacs_are_named_with_the_prefixes_as_keepalived() {
    let mut daemons = vec![Daemon::ours(), Daemon::Keepalived];
    daemons.extend(Daemon::keepalived_243());
    for daemon in daemons {
        let name = daemon.name();
        let Some(lab) = Lab::new(&format!("vmac_prefix_{}", name.replace(['.', '-'], "_"))) else {
            return;
        };
        let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
        let config = Config::new("a")
            .instance(
                Instance::new("VI_1", 51)
                    .state(State::Master)
                    .priority(150)
                    .vip("192.0.2.100/24")
                    .use_vmac()
                    .line("use_vmac_addr")
                    .line("virtual_ipaddress_excluded {\n        2001:db8::200/64\n    }"),
            )
            .to_string();
        let config = with_global(&config, "vmac_prefix kb13\nvmac_addr_prefix kb13a");
        let _daemon = daemon.start(&a, &config);
        let evip: IpAddr = "2001:db8::200".parse().unwrap();
        let up = wait_for(Duration::from_secs(10), || a.has_address(evip));
        assert!(up.is_some(), "{name}: the eVIP never came up");
        let links =
            String::from_utf8_lossy(&a.exec(&["ip", "-o", "link", "show"]).stdout).into_owned();
        let names: Vec<&str> = links
            .lines()
            .filter_map(|l| l.split(": ").nth(1)?.split('@').next())
            .filter(|n| n.starts_with("kb13") || n.starts_with("vrrp"))
            .collect();
        assert_eq!(names.len(), 2, "{name}: {links}");
        assert!(
            names.contains(&"kb13.51") && names.contains(&"kb13a.51"),
            "{name}: {names:?}"
        );
    }
}
