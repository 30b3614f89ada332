//! A mixed pair, both ways, in the lab (`vrrp-lab`): our daemon on one
//! host and keepalived 2.2 with the same keepalived.conf on the other (the
//! seed's, with a weight above the gap). The master side holds the VIP, a
//! dead HAProxy moves it across, and a stopping master hands it over.
//! Needs root and keepalived.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::seed_with_weight;
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, haproxy, say};

/// The VIP of the seed's configuration.
const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));
/// HAProxy's port.
const PORT: u16 = 8080;

/// How long until `check` holds, at most `timeout`; panics naming `what`.
fn time_until(what: &str, timeout: Duration, check: impl FnMut() -> bool) -> Duration {
    wait_for(timeout, check).unwrap_or_else(|| panic!("timed out after {timeout:?}: {what}"))
}

/// `killall -SIG name` on `host`: what an operator would type.
fn killall(host: &Host<'_>, signal: &str, name: &str) {
    let out = host.exec(&["killall", &format!("-{signal}"), name]);
    assert!(out.status.success(), "killall {name}: {out:?}");
}

fn mixed(test: &str, on_master: &Daemon, on_backup: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let master = lab.host("master", &["192.0.2.2/24"]);
    let backup = lab.host("backup", &["192.0.2.3/24"]);
    let client = lab.host("client", &["192.0.2.10/24"]);
    let (mut haproxy_master, _haproxy_backup) =
        (haproxy::start(&master, PORT), haproxy::start(&backup, PORT));
    let _m = on_master.start(&master, &seed_with_weight("master", 5));
    let _b = on_backup.start(&backup, &seed_with_weight("backup", 5));
    let elected = time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has_address(VIP) && !backup.has_address(VIP)
    });
    time_until(
        "the client reaching HAProxy",
        Duration::from_secs(5),
        || client.tcp_connect(VIP, PORT),
    );

    killall(&master, "KILL", "haproxy");
    assert!(haproxy_master.wait_exit(Duration::from_secs(5)).is_some());
    let moved = time_until("the VIP on the backup", Duration::from_secs(8), || {
        backup.has_address(VIP) && !master.has_address(VIP)
    });
    let _again = haproxy::start(&master, PORT);
    let back = time_until("the VIP back on the master", Duration::from_secs(8), || {
        master.has_address(VIP) && !backup.has_address(VIP)
    });

    killall(&master, "TERM", on_master.process_name());
    let stopped = time_until("the VIP on the backup", Duration::from_secs(2), || {
        backup.has_address(VIP)
    });
    time_until(
        "the client reaching HAProxy",
        Duration::from_secs(3),
        || client.tcp_connect(VIP, PORT),
    );
    say(&format!(
        "MEASURED: mixed pair, master {} / backup {}: elected in {elected:?}; \
         HAProxy killed -> backup in {moved:?}; restarted -> master in {back:?}; \
         master stopped -> backup in {stopped:?}",
        on_master.name(),
        on_backup.name()
    ));
}

#[test]
fn ours_master_keepalived_backup() {
    mixed(
        "ours_master_keepalived_backup",
        &Daemon::ours(),
        &Daemon::Keepalived,
    );
}

#[test]
fn keepalived_master_ours_backup() {
    mixed(
        "keepalived_master_ours_backup",
        &Daemon::Keepalived,
        &Daemon::ours(),
    );
}

#[test]
fn ours_master_keepalived_243_backup() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    mixed(
        "ours_master_keepalived_243_backup",
        &Daemon::ours(),
        &keepalived,
    );
}

#[test]
fn keepalived_243_master_ours_backup() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    mixed(
        "keepalived_243_master_ours_backup",
        &keepalived,
        &Daemon::ours(),
    );
}
