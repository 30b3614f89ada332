//! `VipTraffic::DropWhileMaster` in the driver against a real kernel, in a
//! lab namespace: no table while no instance needs one; a reload that
//! turns it on restarts the instance and, once Master, drops its addresses;
//! a reload back to `Accept` allows them again; the driver gone, the table
//! is gone. Needs root and `nft`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use vrrp_core::State;
use vrrp_io_linux::driver::{Driver, DriverConfig, DriverEvent, InstanceSpec, VipTraffic};
use vrrp_lab::Lab;

const TABLE: &str = "vrrp_rs_driver_test";
const VIP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100));
const EXCLUDED: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 100));

fn config(traffic: VipTraffic) -> DriverConfig {
    let mut spec = InstanceSpec::new("A", "eth0", 1, &[VIP]);
    spec.excluded_vips = vec![vrrp_io_linux::driver::Vip::new(EXCLUDED)];
    spec.vrrp.priority = 200;
    spec.vrrp.advert_interval = 10;
    spec.vip_traffic = traffic;
    DriverConfig {
        instances: vec![spec],
        drop_table: Some(TABLE.to_owned()),
        ..DriverConfig::default()
    }
}

/// Turns the loop until instance 0 is Master with its VIPs (5 s at most).
fn until_master(driver: &mut Driver, events: &mut Vec<DriverEvent>) {
    let end = Instant::now() + Duration::from_secs(5);
    while !(driver
        .router()
        .instances()
        .all(|(_, i)| i.state() == State::Master)
        && driver.vips_installed(0))
    {
        assert!(Instant::now() < end, "not Master after 5 s: {events:#?}");
        driver.turn(events).unwrap();
    }
}

fn dropped(driver: &Driver) -> Option<Vec<IpAddr>> {
    driver.drop_rules().map(|r| r.dropped().copied().collect())
}

#[test]
fn rules_follow_reloads_and_go_with_the_driver() {
    let Some(lab) = Lab::new("viptraffic") else {
        return;
    };
    let host = lab.host("a", &["192.0.2.2/24"]);
    let tables =
        || String::from_utf8_lossy(&host.exec(&["nft", "list", "tables"]).stdout).into_owned();
    if !host.exec(&["nft", "list", "tables"]).status.success() {
        assert!(std::env::var_os("CI").is_none(), "CI must have nft");
        eprintln!("SKIPPED: nft is missing");
        return;
    }
    host.in_netns(|| {
        let mut events = Vec::new();
        let mut driver = Driver::new(config(VipTraffic::Accept)).unwrap();
        until_master(&mut driver, &mut events);
        assert_eq!(dropped(&driver), None, "no instance needs a table");

        driver
            .reload(config(VipTraffic::DropWhileMaster), &mut events)
            .unwrap();
        until_master(&mut driver, &mut events);
        assert_eq!(dropped(&driver), Some(vec![VIP, EXCLUDED]));

        driver
            .reload(config(VipTraffic::Accept), &mut events)
            .unwrap();
        until_master(&mut driver, &mut events);
        assert_eq!(
            dropped(&driver),
            Some(vec![]),
            "allowed again, the table kept"
        );
        assert_eq!(driver.drop_rules().unwrap().failures(), 0);

        driver
            .reload(config(VipTraffic::DropWhileMaster), &mut events)
            .unwrap();
        until_master(&mut driver, &mut events);
        assert_eq!(dropped(&driver), Some(vec![VIP, EXCLUDED]));
        drop(driver);
    });
    assert!(
        !tables().contains(TABLE),
        "the table outlived the driver: {}",
        tables()
    );
}

/// A table that cannot be set up stops the start, naming the instances.
#[test]
fn a_table_that_cannot_be_set_up_stops_the_start() {
    let Some(lab) = Lab::new("viptraffic_bad") else {
        return;
    };
    let host = lab.host("a", &["192.0.2.2/24"]);
    if !host.exec(&["nft", "list", "tables"]).status.success() {
        assert!(std::env::var_os("CI").is_none(), "CI must have nft");
        eprintln!("SKIPPED: nft is missing");
        return;
    }
    let error = host.in_netns(|| {
        let mut config = config(VipTraffic::DropWhileMaster);
        config.drop_table = Some("not a name".to_owned());
        Driver::new(config).err().map(|e| e.to_string())
    });
    let error = error.expect("the start fails");
    assert!(
        error
            .starts_with("cannot set up the rules that drop traffic to the VIPs of A: nft refused"),
        "{error}"
    );
}
