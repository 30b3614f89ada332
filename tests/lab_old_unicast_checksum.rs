//! `old_unicast_checksum` on the wire, in the lab (`vrrp-lab`): keepalived
//! 2.4.3 is Master over unicast with the old checksum (over the multicast
//! group); our Backup with the keyword hears it and stays Backup. Without
//! the keyword ours switches to the old form on the first such advert, as
//! keepalived 2.4.3 does: it stays Backup, and at a higher priority takes
//! over with adverts keepalived takes (it leaves Master). With
//! `old_unicast_checksum never`, our Backup drops every advert as a
//! checksum error and takes over (both Master). Needs root and keepalived
//! 2.4.3.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab};

const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));

/// The keyword's line: bare, `never`, or none.
const OLD: Option<&str> = Some("old_unicast_checksum");
const NEVER: Option<&str> = Some("old_unicast_checksum never");
const UNSET: Option<&str> = None;

fn config(host: &Host<'_>, me: &str, peer: &str, priority: u8, old: Option<&str>) -> String {
    let mut instance = Instance::new("VI_1", 51)
        .version(3)
        .priority(priority)
        .unicast(me, &[peer])
        .vip("192.0.2.100/24");
    if let Some(line) = old {
        instance = instance.line(line);
    }
    Config::new(host.name()).instance(instance).to_string()
}

/// Whether our Backup (with `old` or not) still lacks the VIP 6 s after
/// keepalived's Master took it.
fn ours_stays_backup(test: &str, old: Option<&str>) -> Option<bool> {
    let keepalived = Daemon::keepalived_243()?;
    let lab = Lab::new(test)?;
    let master = lab.host("master", &["192.0.2.2/24"]);
    let backup = lab.host("backup", &["192.0.2.3/24"]);
    let _m = keepalived.start(
        &master,
        &config(&master, "192.0.2.2", "192.0.2.3", 150, OLD),
    );
    wait_for(Duration::from_secs(10), || master.has_address(VIP))
        .expect("keepalived's Master takes the VIP");
    let mut ours = Daemon::ours().start(
        &backup,
        &config(&backup, "192.0.2.3", "192.0.2.2", 100, old),
    );
    let stayed = wait_for(Duration::from_secs(6), || backup.has_address(VIP)).is_none();
    // "Stayed Backup" must not be a daemon that died or refused the file.
    assert!(
        ours.is_running(),
        "our daemon is not running:\n{}",
        ours.log()
    );
    Some(stayed)
}

#[test]
fn with_the_keyword_ours_hears_keepalived() {
    if let Some(stayed) = ours_stays_backup("old_csum_with", OLD) {
        assert!(
            stayed,
            "our Backup took the VIP: it did not take the old checksum"
        );
    }
}

#[test]
fn with_never_the_adverts_are_checksum_errors() {
    if let Some(stayed) = ours_stays_backup("old_csum_never", NEVER) {
        assert!(!stayed, "our Backup heard adverts it should have refused");
    }
}

#[test]
fn without_the_keyword_ours_switches_to_keepalived_s_old_form() {
    if let Some(stayed) = ours_stays_backup("old_csum_unset", UNSET) {
        assert!(stayed, "our Backup took the VIP: it did not switch");
    }
}

/// Ours without the keyword, at 200, joins keepalived's old-form Master at
/// 150: it switches on keepalived's first advert, takes over, and its
/// adverts (old form now) make keepalived leave Master; the VIP is on ours
/// alone. Had ours kept the RFC's form, keepalived would drop them as
/// checksum errors and stay Master too.
#[test]
fn switched_ours_takes_over_with_adverts_keepalived_takes() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    let Some(lab) = Lab::new("old_csum_takeover") else {
        return;
    };
    let master = lab.host("master", &["192.0.2.2/24"]);
    let ours = lab.host("ours", &["192.0.2.3/24"]);
    let _k = keepalived.start(
        &master,
        &config(&master, "192.0.2.2", "192.0.2.3", 150, OLD),
    );
    wait_for(Duration::from_secs(10), || master.has_address(VIP))
        .expect("keepalived's Master takes the VIP");
    let o = Daemon::ours().start(&ours, &config(&ours, "192.0.2.3", "192.0.2.2", 200, UNSET));
    let moved = wait_for(Duration::from_secs(10), || {
        ours.has_address(VIP) && !master.has_address(VIP)
    });
    assert!(
        moved.is_some(),
        "the VIP is on ours alone (ours {}, keepalived {}):\n{}",
        ours.has_address(VIP),
        master.has_address(VIP),
        o.log()
    );
    assert!(
        o.log().contains("keepalived 1.3.6"),
        "ours logs the switch:\n{}",
        o.log()
    );
}
