//! keepalived's `promote_secondaries` against a real kernel: the driver
//! sets `net.ipv4.conf.eth0.promote_secondaries` while it runs and puts
//! the old value back when it ends; with it, the administrator removing
//! eth0's primary address leaves a Master's VIP of the same subnet (a
//! secondary) in place, promoted, where without it the kernel deletes the
//! VIP along with the primary. The driver does not turn in between, so
//! what is seen is the kernel's doing, not a VIP put back. Needs root.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use vrrp_core::State;
use vrrp_io_linux::Interface;
use vrrp_io_linux::driver::{Driver, DriverConfig, DriverEvent, InstanceSpec};
use vrrp_io_linux::netlink::dump_addresses;
use vrrp_lab::{Lab, ip};

const SYSCTL: &str = "/proc/sys/net/ipv4/conf/eth0/promote_secondaries";

fn sysctl() -> String {
    std::fs::read_to_string(SYSCTL).unwrap().trim().to_owned()
}

/// Runs the driver until `done` holds (5 s at most).
fn run_until(driver: &mut Driver, what: &str, mut done: impl FnMut(&Driver) -> bool) {
    let mut events: Vec<DriverEvent> = Vec::new();
    let end = Instant::now() + Duration::from_secs(5);
    while !done(driver) {
        assert!(Instant::now() < end, "{what}: not after 5 s");
        driver.turn(&mut events).unwrap();
    }
}

#[test]
fn removing_the_primary_address_keeps_the_vip_only_with_promote_secondaries() {
    let Some(lab) = Lab::new("so13_promote") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let vip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));
    a.in_netns(|| {
        assert_eq!(sysctl(), "0", "the kernel's default");
        for promote in [true, false] {
            ip(&["-n", a.ns(), "addr", "flush", "dev", "eth0"]);
            ip(&["-n", a.ns(), "addr", "add", "192.0.2.1/24", "dev", "eth0"]);
            let mut spec = InstanceSpec::new("VI_1", "eth0", 1, &[vip]);
            spec.vips[0].prefix_len = 24;
            spec.vrrp.advert_interval = 10;
            spec.promote_secondaries = promote;
            let config = DriverConfig {
                instances: vec![spec],
                ..DriverConfig::default()
            };
            let mut driver = Driver::new(config).unwrap();
            assert_eq!(sysctl(), if promote { "1" } else { "0" });
            let eth0 = Interface::lookup("eth0").unwrap().ifindex;
            let has_vip = || dump_addresses(eth0).unwrap().iter().any(|a| a.addr == vip);
            run_until(&mut driver, "Master with its VIP", |d| {
                d.router()
                    .instances()
                    .all(|(_, i)| i.state() == State::Master)
                    && d.vips_installed(0)
                    && has_vip()
            });
            let secondary = dump_addresses(eth0)
                .unwrap()
                .into_iter()
                .find(|a| a.addr == vip)
                .unwrap()
                .secondary;
            assert!(secondary, "the VIP is a secondary of 192.0.2.1/24");

            ip(&["-n", a.ns(), "addr", "del", "192.0.2.1/24", "dev", "eth0"]);
            assert_eq!(has_vip(), promote, "promote_secondaries {promote}");
            if promote {
                let primary = Interface::lookup("eth0").unwrap().primary_ipv4;
                assert_eq!(primary.map(IpAddr::V4), Some(vip), "the VIP promoted");
            }
            drop(driver);
            assert_eq!(sysctl(), "0", "put back when the driver ends");
        }
    });
}

/// keepalived sets it on every IPv4 VMAC it makes (vrrp_if_config.c),
/// which is why it ignores `promote_secondaries` on a VMAC's instance.
#[test]
fn a_vmac_promotes_secondaries() {
    let Some(lab) = Lab::new("so13_promote_vmac") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    a.in_netns(|| {
        let mut spec = InstanceSpec::new("VI_1", "eth0", 1, &["192.0.2.100".parse().unwrap()]);
        spec.vmac = Some("vrrp.1".into());
        let config = DriverConfig {
            instances: vec![spec],
            ..DriverConfig::default()
        };
        let driver = Driver::new(config).unwrap();
        let vmac = "/proc/sys/net/ipv4/conf/vrrp.1/promote_secondaries";
        assert_eq!(std::fs::read_to_string(vmac).unwrap().trim(), "1");
        assert_eq!(sysctl(), "0", "the parent's is left alone");
        drop(driver);
    });
}
