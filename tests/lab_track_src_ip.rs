//! `track_src_ip` in the LAB: A (150) sends from 192.0.2.11 to B (100) over
//! unicast. Deleting 192.0.2.11 from our A puts it in FAULT and the VIP
//! moves to B; adding it back takes A out of FAULT and, preempting, A takes
//! the VIP back. B is keepalived 2.4.3 or 2.2.7: what the VIP's clients see
//! is the measure.
//!
//! keepalived's man page says "if the configured src_ip doesn't exist or is
//! removed put the instance into fault state", which ours does. keepalived
//! 2.4.3 itself never does it for IPv4: keepalived_netlink.c compares the
//! deleted address with the first bytes of the instance's `sockaddr_storage`
//! (its family and port), which never match; as A it stays Master sending
//! from the address it lost (`keepalived_243_as_a_keeps_the_vip`).

use std::net::IpAddr;
use std::time::Duration;

use vrrp_lab as lab;

use lab::keepalived::{Config, Instance};
use lab::{Daemon, Host, Lab, Signal, watch};

const VIP: &str = "192.0.2.100";
const A_SOURCE: &str = "192.0.2.11";
const WAIT: Duration = Duration::from_secs(10);

fn config(name: &str, source: &str, peer: &str, priority: u8) -> String {
    let instance = Instance::new("VI_SRC", 64)
        .priority(priority)
        .unicast(source, &[peer])
        // /32: deleting A's only /24 address leaves the VIP alone (a /24
        // VIP would go with it, the kernel's doing, not track_src_ip's).
        .vip(&format!("{VIP}/32"))
        .line("track_src_ip");
    Config::new(name).instance(instance).to_string()
}

/// Adds (`true`) or deletes A's source address.
fn source(a: &Host<'_>, present: bool) {
    let verb = if present { "add" } else { "del" };
    let address = format!("{A_SOURCE}/24");
    let out = a.exec(&["ip", "addr", verb, &address, "dev", "eth0"]);
    assert!(out.status.success(), "ip addr {verb}: {out:?}");
}

/// The scenario; A's eth0 has 192.0.2.1 too unless `only_address`.
fn vip_follows_the_source(test: &str, a_daemon: &Daemon, b_daemon: &Daemon, only_address: bool) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let addresses: &[&str] = if only_address {
        &["192.0.2.11/24"]
    } else {
        &["192.0.2.1/24", "192.0.2.11/24"]
    };
    let a = lab.host("a", addresses);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let client = lab.host("client", &["192.0.2.50/24"]);
    let vip: IpAddr = VIP.parse().unwrap();
    let names = format!("A {}, B {}", a_daemon.name(), b_daemon.name());
    let on_a = a_daemon.start(&a, &config("a", A_SOURCE, "192.0.2.2", 150));
    let on_b = b_daemon.start(&b, &config("b", "192.0.2.2", A_SOURCE, 100));
    let logs = || format!("A:\n{}\nB:\n{}", on_a.log(), on_b.log());
    assert!(
        watch::wait_for(WAIT, || a.has_address(vip) && !b.has_address(vip)).is_some(),
        "{names}: A is Master\n{}",
        logs()
    );
    assert!(
        watch::wait_for(WAIT, || client.ping(vip)).is_some(),
        "{names}: the client reaches the VIP on A"
    );

    source(&a, false);
    let moved = watch::wait_for(WAIT, || b.has_address(vip) && !a.has_address(vip));
    assert!(
        moved.is_some(),
        "{names}: without its source A leaves Master, B takes the VIP\n{}",
        logs()
    );
    lab::say(&format!(
        "MEASURED {test}: source deleted -> VIP on B alone in {:.2} s",
        moved.unwrap().as_secs_f64()
    ));
    assert!(
        watch::wait_for(WAIT, || client.ping(vip)).is_some(),
        "{names}: the client reaches the VIP on B"
    );

    source(&a, true);
    let back = watch::wait_for(WAIT, || a.has_address(vip) && !b.has_address(vip));
    assert!(
        back.is_some(),
        "{names}: with its source back A leaves FAULT and preempts\n{}",
        logs()
    );
    lab::say(&format!(
        "MEASURED {test}: source back -> VIP on A alone in {:.2} s",
        back.unwrap().as_secs_f64()
    ));
    assert!(
        watch::wait_for(WAIT, || client.ping(vip)).is_some(),
        "{names}: the client reaches the VIP on A again"
    );
    on_a.kill(Signal::SIGTERM);
    on_b.kill(Signal::SIGTERM);
}

#[test]
fn ours_as_a_against_keepalived_243() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        vip_follows_the_source("src_ip_ours_243", &Daemon::ours(), &keepalived, true);
    }
}

/// keepalived 2.4.3 as A, ours as B: the deletion does not move the VIP
/// (see the module docs); ours, hearing A's adverts, stays Backup.
#[test]
fn keepalived_243_as_a_keeps_the_vip() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    let Some(lab) = Lab::new("src_ip_243_ours") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.11/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let vip: IpAddr = VIP.parse().unwrap();
    let on_a = keepalived.start(&a, &config("a", A_SOURCE, "192.0.2.2", 150));
    let mut on_b = Daemon::ours().start(&b, &config("b", "192.0.2.2", A_SOURCE, 100));
    assert!(
        watch::wait_for(WAIT, || a.has_address(vip) && !b.has_address(vip)).is_some(),
        "keepalived's A is Master"
    );
    source(&a, false);
    assert!(
        on_a.wait_log("Deassigned address 192.0.2.11", WAIT)
            .is_some(),
        "keepalived saw the deletion:\n{}",
        on_a.log()
    );
    let moved = watch::wait_for(Duration::from_secs(6), || b.has_address(vip));
    // "B never took it" must not be our daemon that died.
    assert!(
        on_b.is_running(),
        "our daemon on B is not running:\n{}",
        on_b.log()
    );
    assert!(
        moved.is_none() && a.has_address(vip) && !on_a.log().contains("FAULT"),
        "keepalived 2.4.3 took track_src_ip at its word after all: update the README and \
         this test\nA:\n{}\nB:\n{}",
        on_a.log(),
        on_b.log()
    );
    on_a.kill(Signal::SIGTERM);
    on_b.kill(Signal::SIGTERM);
}

#[test]
fn ours_as_a_against_keepalived_227() {
    vip_follows_the_source(
        "src_ip_ours_227",
        &Daemon::ours(),
        &Daemon::Keepalived,
        true,
    );
}

#[test]
fn ours_faults_with_other_addresses_left() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        vip_follows_the_source("src_ip_ours_two", &Daemon::ours(), &keepalived, false);
    }
}
