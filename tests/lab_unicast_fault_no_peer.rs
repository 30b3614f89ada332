//! `unicast_fault_no_peer` in the lab (`vrrp-lab`): an instance with it
//! and no `unicast_peer` stays in FAULT and never takes its VIP, where
//! without it the lone instance becomes Master (multicast). keepalived
//! 2.4.3 runs the same file where it can be had, and must agree; also with
//! an instance without `interface` (its source given, its VIP on a `dev`),
//! which keepalived 2.4.3 runs and holds in FAULT the same. Needs root.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Lab};

const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));

/// Whether a lone instance takes the VIP within 6 s; `unbound`: without
/// `interface`.
fn takes_the_vip(test: &str, daemon: &Daemon, fault_no_peer: bool, unbound: bool) -> Option<bool> {
    let lab = Lab::new(test)?;
    let host = lab.host("node", &["192.0.2.2/24"]);
    let mut instance = Instance::new("VI_1", 51).vip("192.0.2.100/24 dev eth0");
    if unbound {
        instance = instance
            .without_interface()
            .line("unicast_src_ip 192.0.2.2");
    }
    if fault_no_peer {
        instance = instance.line("unicast_fault_no_peer");
    }
    let config = Config::new(host.name()).instance(instance).to_string();
    let mut proc = daemon.start(&host, &config);
    let took = wait_for(Duration::from_secs(6), || host.has_address(VIP)).is_some();
    if fault_no_peer {
        // Running and in FAULT, not refused (keepalived says so its own way).
        let in_fault = if daemon.is_keepalived() {
            proc.log()
                .contains("Cannot use unicast without any peers - going to fault state")
        } else {
            daemon.in_fault(&host, &proc)
        };
        assert!(
            in_fault && proc.is_running(),
            "{}: not running in FAULT\n{}",
            daemon.name(),
            proc.log()
        );
    }
    Some(took)
}

#[test]
fn ours_stays_in_fault_without_peers() {
    let ours = Daemon::ours();
    if let Some(took) = takes_the_vip("fault_no_peer_ours", &ours, true, false) {
        assert!(!took, "took the VIP");
    }
    if let Some(took) = takes_the_vip("fault_no_peer_ours_noif", &ours, true, true) {
        assert!(!took, "without interface: took the VIP");
    }
    if let Some(took) = takes_the_vip("fault_no_peer_ours_control", &ours, false, false) {
        assert!(
            took,
            "without the keyword, the lone instance becomes Master"
        );
    }
}

#[test]
fn keepalived_243_agrees() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    if let Some(took) = takes_the_vip("fault_no_peer_keepalived", &keepalived, true, false) {
        assert!(!took, "keepalived took the VIP");
    }
    if let Some(took) = takes_the_vip("fault_no_peer_keepalived_noif", &keepalived, true, true) {
        assert!(!took, "keepalived without interface took the VIP");
    }
}
