//! `old_unicast_checksum` on the wire, in the lab (`vrrp-lab`): keepalived
//! 2.4.3 is Master over unicast with the old checksum (over the multicast
//! group); our Backup with the keyword hears it and stays Backup; without
//! it, our Backup drops every advert as a checksum error and takes over
//! (both Master). Needs root and keepalived 2.4.3.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab};

const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));

fn config(host: &Host<'_>, me: &str, peer: &str, priority: u8, old: bool) -> String {
    let mut instance = Instance::new("VI_1", 51)
        .version(3)
        .priority(priority)
        .unicast(me, &[peer])
        .vip("192.0.2.100/24");
    if old {
        instance = instance.line("old_unicast_checksum");
    }
    Config::new(host.name()).instance(instance).to_string()
}

/// Whether our Backup (with `old` or not) still lacks the VIP 6 s after
/// keepalived's Master took it.
fn ours_stays_backup(test: &str, old: bool) -> Option<bool> {
    let keepalived = Daemon::keepalived_243()?;
    let lab = Lab::new(test)?;
    let master = lab.host("master", &["192.0.2.2/24"]);
    let backup = lab.host("backup", &["192.0.2.3/24"]);
    let _m = keepalived.start(
        &master,
        &config(&master, "192.0.2.2", "192.0.2.3", 150, true),
    );
    wait_for(Duration::from_secs(10), || master.has_address(VIP))
        .expect("keepalived's Master takes the VIP");
    let _b = Daemon::ours().start(
        &backup,
        &config(&backup, "192.0.2.3", "192.0.2.2", 100, old),
    );
    Some(wait_for(Duration::from_secs(6), || backup.has_address(VIP)).is_none())
}

#[test]
fn with_the_keyword_ours_hears_keepalived() {
    if let Some(stayed) = ours_stays_backup("old_csum_with", true) {
        assert!(
            stayed,
            "our Backup took the VIP: it did not take the old checksum"
        );
    }
}

#[test]
fn without_it_the_adverts_are_checksum_errors() {
    if let Some(stayed) = ours_stays_backup("old_csum_without", false) {
        assert!(!stayed, "our Backup heard adverts it should have refused");
    }
}
