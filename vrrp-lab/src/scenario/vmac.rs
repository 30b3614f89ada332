//! keepalived's `use_vmac`: the VIP lives on a macvlan whose MAC is the
//! virtual router's, 00:00:5e:00:01:VRID, so a client's neighbour entry
//! never changes when the Master does; only the bridge learns where that
//! MAC went (from the new Master's gratuitous ARP). A and B run HAProxy,
//! which answers with the host's name: C sees which Master serves.

use std::time::{Duration, SystemTime};

use super::tracking::served_by;
use super::{Case, Expect, HTTP_PORT, VRID, measured, pair_name};
use crate::keepalived::{Config, State};
use crate::watch::wait_for;
use crate::{Daemon, Host, Lab, Signal, haproxy};

/// Slack on top of protocol times in the scenario's own assertions.
const SLACK: Duration = Duration::from_millis(2400);

/// Runs `daemon_a` on A (150) and `daemon_b` on B (100), both `use_vmac`,
/// VRRPv3 over IPv4 at 1 s:
///
/// 1. A holds the VIP, B does not; C's neighbour entry for the VIP is the
///    virtual MAC and A serves C;
/// 2. SIGTERM A: B holds the VIP, C's entry is still the virtual MAC, and
///    B serves C;
/// 3. A starts again and preempts: A serves C, through the same MAC.
pub fn use_vmac(test: &str, daemon_a: &Daemon, daemon_b: &Daemon) -> Option<()> {
    let lab = Lab::new(test)?;
    let case = Case::v3_ipv4(Duration::from_secs(1));
    let [a, b, c] = [(1, "a"), (2, "b"), (3, "c")].map(|(n, name)| {
        let addresses = case.addresses(n);
        let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
        lab.host(name, &addresses)
    });
    let (watch_a, watch_b) = (a.monitor_addresses(), b.monitor_addresses());
    let _haproxy = (haproxy::start(&a, HTTP_PORT), haproxy::start(&b, HTTP_PORT));
    let (name, label) = (pair_name(daemon_a, daemon_b), "v3 ipv4 adv=1s use_vmac");
    let vmac = format!("00:00:5e:00:01:{VRID:02x}");
    let config = |host: &Host<'_>, priority, state| {
        let instance = case.instance(priority).state(state).use_vmac();
        Config::new(host.name()).instance(instance).to_string()
    };
    for (host, daemon) in [(&a, daemon_a), (&b, daemon_b)] {
        if *daemon == Daemon::Keepalived {
            admin_tuning(host);
        }
    }
    let vip = case.vip();
    let client_sees = |host: &Host<'_>| {
        served_by(&c, vip, host.name());
        assert_eq!(
            c.neighbour_mac(vip),
            Some(vmac.clone()),
            "C's MAC for the VIP"
        );
    };

    // 1. A is Master.
    let config_a = config(&a, 150, State::Master);
    let mut on_a = daemon_a.start(&a, &config_a);
    let took = wait_for(Duration::from_secs(10), || a.has_address(vip));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    let on_b = daemon_b.start(&b, &config(&b, 100, State::Backup));
    client_sees(&a);
    std::thread::sleep(case.advert * 2);
    assert!(
        !b.has_address(vip),
        "B took the VIP from A:\n{}",
        on_b.log()
    );

    // 2. A stops: B is Master behind the same MAC.
    let since = SystemTime::now();
    on_a.kill(Signal::SIGTERM);
    let limit = case.skew(100) + SLACK;
    let took = watch_b.wait(vip, true, since, limit);
    let took = took.unwrap_or_else(|| panic!("B never took the VIP:\n{}", on_b.log()));
    assert!(took < limit, "B took {took:?}; limit {limit:?}");
    assert!(
        on_a.wait_exit(Duration::from_secs(5)).is_some(),
        "A lives on"
    );
    assert!(!a.has_address(vip), "A kept the VIP");
    measured(
        &name,
        label,
        "sigterm->backup_holds_vip",
        took,
        Expect::AtMost(case.skew(100)),
    );
    client_sees(&b);

    // 3. A is back and preempts.
    let since = SystemTime::now();
    let on_a = daemon_a.start(&a, &config_a);
    let limit = case.master_down(150) + SLACK;
    let took = watch_a.wait(vip, true, since, limit);
    let took = took.unwrap_or_else(|| panic!("A did not preempt:\n{}", on_a.log()));
    let released = watch_b.wait(vip, false, since, limit);
    assert!(released.is_some(), "B kept the VIP:\n{}", on_b.log());
    measured(
        &name,
        label,
        "restart->master_holds_vip",
        took,
        Expect::Nothing,
    );
    client_sees(&a);
    Some(())
}

/// What keepalived leaves to the administrator for `use_vmac` (its docs'
/// "Note on using VRRP with Virtual MAC address"): an `arp_announce` on
/// the parent, else the Master's ARP requests for a client name the VIP
/// with the parent's MAC and the client files that MAC for the VIP. The
/// docs say `all.arp_announce=1`; with the VIP in `eth0`'s subnet only 2
/// helps (measured here). Our daemon sets it itself.
fn admin_tuning(host: &Host<'_>) {
    let path = "/proc/sys/net/ipv4/conf/eth0/arp_announce";
    let out = host.exec(&["sh", "-c", &format!("echo 2 > {path}")]);
    assert!(out.status.success(), "{out:?}");
}
