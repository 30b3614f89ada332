//! keepalived's `disable_local_igmp` against a real kernel: the driver
//! sets the namespace's `net.ipv4.igmp_link_local_mcast_reports` to 0
//! while it runs and puts it back when it ends; with it, an IPv4 VMAC gets
//! no nftables VMAC rules (keepalived's vrrp_vmac.c), and the host sends
//! no IGMP report for VRRP's group 224.0.0.18. Needs root.

use std::net::IpAddr;
use std::time::Duration;

use vrrp_io_linux::driver::{Driver, DriverConfig, InstanceSpec};
use vrrp_lab::Lab;

const SYSCTL: &str = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";

fn sysctl() -> String {
    std::fs::read_to_string(SYSCTL).unwrap().trim().to_owned()
}

fn config(disable_local_igmp: bool) -> DriverConfig {
    let vip: IpAddr = "192.0.2.100".parse().unwrap();
    let mut spec = InstanceSpec::new("VI_1", "eth0", 1, &[vip]);
    spec.vmac = Some("vrrp.1".into());
    DriverConfig {
        instances: vec![spec],
        disable_local_igmp,
        drop_table: Some("so13_igmp".into()),
        ..DriverConfig::default()
    }
}

#[test]
fn local_igmp_reports_stop_while_the_driver_runs() {
    let Some(lab) = Lab::new("so13_local_igmp") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let ruleset = || {
        let out = a.exec(&["nft", "list", "ruleset"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let igmp = |capture: &vrrp_lab::capture::FrameCapture| -> Vec<String> {
        capture
            .frames()
            .into_iter()
            .map(|f| f.text)
            .filter(|t| t.contains("igmp"))
            .collect()
    };
    a.in_netns(|| assert_eq!(sysctl(), "1", "the kernel's default"));
    // With it (first: no report of an earlier run can still be on its
    // way): reports off while the VRRP socket joins 224.0.0.18, no rules
    // for the IPv4 VMAC; back on at the end.
    let capture = lab.capture_frames_from(&a, a.mac());
    let driver = a.in_netns(|| Driver::new(config(true)).unwrap());
    a.in_netns(|| assert_eq!(sysctl(), "0"));
    std::thread::sleep(Duration::from_millis(500));
    let rules = ruleset();
    assert!(!rules.contains("\"vrrp.1\""), "{rules}");
    assert_eq!(igmp(&capture), Vec::<String>::new(), "no IGMP report");
    a.in_netns(|| drop(driver));
    a.in_netns(|| assert_eq!(sysctl(), "1", "put back when the driver ends"));
    drop(capture);

    // Without it: the join is reported, the VMAC is in the rules' map.
    let capture = lab.capture_frames_from(&a, a.mac());
    let driver = a.in_netns(|| Driver::new(config(false)).unwrap());
    a.in_netns(|| assert_eq!(sysctl(), "1"));
    std::thread::sleep(Duration::from_millis(500));
    let rules = ruleset();
    assert!(rules.contains("\"vrrp.1\" : \"eth0\""), "{rules}");
    assert!(!igmp(&capture).is_empty(), "{:?}", capture.frames());
    a.in_netns(|| drop(driver));
}
