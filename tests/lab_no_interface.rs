//! A unicast `vrrp_instance` without `interface`, in the lab, against
//! keepalived 2.4.3 (2.2.7 refuses the file: `tests/` of vrrp-keepalived
//! compare the `-t` verdicts). keepalived 2.4.3 runs such an instance from
//! its `unicast_src_ip`, bound to no interface, each VIP on its `dev`, in
//! FAULT while a VIP's link is down; ours must do the same.
//!
//! A (150) and B (100) advertise to each other over unicast, neither with
//! an `interface`; the VIP is `192.0.2.100/24 dev eth0`. Each pair, ours in
//! each role:
//! 1. A is Master and a client pings the VIP;
//! 2. A's eth0 goes down: A is in FAULT (ours: its status; keepalived: its
//!    log), B takes the VIP and the client pings it there;
//! 3. A's eth0 comes back: A leaves FAULT, preempts and the client pings
//!    the VIP on A again;
//! 4. A is killed: B takes the VIP and the client pings it there.
//!
//! Needs root; keepalived 2.4.3 is built into `target/` (`.ci/run`).

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Lab, Signal};

const WAIT: Duration = Duration::from_secs(10);

/// The addresses of a run: A's, B's, the client's, the VIP, their prefix
/// length.
struct Plan {
    a: &'static str,
    b: &'static str,
    client: &'static str,
    vip: &'static str,
    prefix: u8,
}

const IPV4: Plan = Plan {
    a: "192.0.2.1",
    b: "192.0.2.2",
    client: "192.0.2.50",
    vip: "192.0.2.100",
    prefix: 24,
};

/// IPv6 from global sources (keepalived refuses a link-local one there).
const IPV6: Plan = Plan {
    a: "2001:db8::1",
    b: "2001:db8::2",
    client: "2001:db8::50",
    vip: "2001:db8::100",
    prefix: 64,
};

/// keepalived.conf of a router at `source` advertising to `peer`.
fn config(plan: &Plan, name: &str, source: &str, peer: &str, priority: u8) -> String {
    let mut instance = Instance::new("VI_NOIF", 61)
        .without_interface()
        .priority(priority)
        .unicast(source, &[peer])
        .vip(&format!("{}/{} dev eth0", plan.vip, plan.prefix));
    if plan.vip.contains(':') {
        instance = instance.version(3);
    }
    Config::new(name).instance(instance).to_string()
}

fn scenario(test: &str, plan: &Plan, daemon_a: &Daemon, daemon_b: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let with_prefix = |addr: &str| format!("{addr}/{}", plan.prefix);
    let a = lab.host("a", &[&with_prefix(plan.a)]);
    let b = lab.host("b", &[&with_prefix(plan.b)]);
    let client = lab.host("client", &[&with_prefix(plan.client)]);
    let vip: IpAddr = plan.vip.parse().unwrap();
    let names = lab::scenario::pair_name(daemon_a, daemon_b);
    let on_a = daemon_a.start(&a, &config(plan, "a", plan.a, plan.b, 150));
    let on_b = daemon_b.start(&b, &config(plan, "b", plan.b, plan.a, 100));
    let logs = || format!("A:\n{}\nB:\n{}", on_a.log(), on_b.log());
    let took = wait_for(WAIT, || a.has_address(vip) && !b.has_address(vip));
    assert!(took.is_some(), "{names}: A is Master\n{}", logs());
    assert!(
        wait_for(WAIT, || client.ping(vip)).is_some(),
        "{names}: the client reaches the VIP on A\n{}",
        logs()
    );

    // IPv6 addresses would go with the link (keep_addr_on_down 0).
    a.sysctl("net.ipv6.conf.eth0.keep_addr_on_down=1");
    a.link_set(false);
    let faulted = wait_for(WAIT, || daemon_a.in_fault(&a, &on_a));
    assert!(
        faulted.is_some(),
        "{names}: A, its VIP's link down, is in FAULT\n{}",
        logs()
    );
    let moved = wait_for(WAIT, || b.has_address(vip));
    assert!(moved.is_some(), "{names}: B takes the VIP\n{}", logs());
    assert!(
        wait_for(WAIT, || client.ping(vip)).is_some(),
        "{names}: the client reaches the VIP on B\n{}",
        logs()
    );

    a.link_set(true);
    let back = wait_for(WAIT, || {
        !daemon_a.in_fault(&a, &on_a) && !b.has_address(vip)
    });
    assert!(
        back.is_some(),
        "{names}: A's link back, A leaves FAULT and preempts\n{}",
        logs()
    );
    assert!(
        wait_for(WAIT, || a.has_address(vip) && client.ping(vip)).is_some(),
        "{names}: the client reaches the VIP on A again\n{}",
        logs()
    );
    lab::say(&format!(
        "MEASURED {test}: link down -> A in FAULT in {:.2} s, VIP on B in {:.2} s; \
         link up -> VIP back on A alone in {:.2} s",
        faulted.unwrap().as_secs_f64(),
        moved.unwrap().as_secs_f64(),
        back.unwrap().as_secs_f64()
    ));

    on_a.kill(Signal::SIGKILL);
    let failover = wait_for(WAIT, || b.has_address(vip) && client.ping(vip));
    assert!(
        failover.is_some(),
        "{names}: A killed, the client reaches the VIP on B\n{}",
        logs()
    );
    lab::say(&format!(
        "MEASURED {test}: A killed -> the client pings the VIP on B in {:.2} s",
        failover.unwrap().as_secs_f64()
    ));
    on_b.kill(Signal::SIGTERM);
}

#[test]
fn ours_as_master_keepalived_243_as_backup() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        scenario("noif_ours_243", &IPV4, &Daemon::ours(), &keepalived);
    }
}

#[test]
fn keepalived_243_as_master_ours_as_backup() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        scenario("noif_243_ours", &IPV4, &keepalived, &Daemon::ours());
    }
}

#[test]
fn ours_with_ours() {
    scenario("noif_ours_ours", &IPV4, &Daemon::ours(), &Daemon::ours());
}

#[test]
fn ipv6_ours_as_master_keepalived_243_as_backup() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        scenario("noif6_ours_243", &IPV6, &Daemon::ours(), &keepalived);
    }
}

#[test]
fn ipv6_keepalived_243_as_master_ours_as_backup() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        scenario("noif6_243_ours", &IPV6, &keepalived, &Daemon::ours());
    }
}

/// Two instances without interface on A share VRID 61, each unicast to
/// its own peer: B (keepalived 2.4.3, or ours without it) outranks A for
/// VI_B, A outranks C (ours) for VI_C. Each advert must reach the instance
/// it is for: B's going to VI_C would make A give VI_C's address up to C.
#[test]
fn two_instances_share_a_vrid_by_their_peers() {
    let Some(lab) = Lab::new("noif_shared") else {
        return;
    };
    let daemon_b = Daemon::keepalived_243().unwrap_or_else(Daemon::ours);
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let c = lab.host("c", &["192.0.2.3/24"]);
    let instance = |name: &str, source: &str, peer: &str, priority: u8, vip: &str| {
        Instance::new(name, 61)
            .without_interface()
            .priority(priority)
            .unicast(source, &[peer])
            .vip(&format!("{vip}/24 dev eth0"))
    };
    let (vip_b, vip_c) = ("192.0.2.101", "192.0.2.102");
    let on_a = Daemon::ours().start(
        &a,
        &Config::new("a")
            // VI_C first: the router's table has it, B's adverts must pass it by.
            .instance(instance("VI_C", "192.0.2.1", "192.0.2.3", 150, vip_c))
            .instance(instance("VI_B", "192.0.2.1", "192.0.2.2", 100, vip_b))
            .to_string(),
    );
    let one = |name: &str, source: &str, priority: u8, vip: &str| {
        Config::new(name)
            .instance(instance(name, source, "192.0.2.1", priority, vip))
            .to_string()
    };
    let on_b = daemon_b.start(&b, &one("VI_B", "192.0.2.2", 150, vip_b));
    let on_c = Daemon::ours().start(&c, &one("VI_C", "192.0.2.3", 100, vip_c));
    let logs = || format!("A:\n{}\nB:\n{}\nC:\n{}", on_a.log(), on_b.log(), on_c.log());
    let (vip_b, vip_c): (IpAddr, IpAddr) = (vip_b.parse().unwrap(), vip_c.parse().unwrap());
    let settled = wait_for(WAIT, || {
        b.has_address(vip_b) && a.has_address(vip_c) && !a.has_address(vip_b)
    });
    assert!(settled.is_some(), "B holds VI_B, A holds VI_C\n{}", logs());
    let steady = lab::watch::holds_for(Duration::from_secs(5), || {
        b.has_address(vip_b)
            && a.has_address(vip_c)
            && !a.has_address(vip_b)
            && !c.has_address(vip_c)
    });
    assert!(
        steady,
        "each advert reached its own instance for 5 s\n{}",
        logs()
    );
    let status = lab::daemon::status(&a, &on_a);
    let states: Vec<_> = (0..2)
        .map(|i| status["instances"][i]["state"].clone())
        .collect();
    assert_eq!(states, ["MASTER", "BACKUP"], "VI_C, VI_B: {status:#}");
    on_a.kill(Signal::SIGTERM);
    on_b.kill(Signal::SIGTERM);
    on_c.kill(Signal::SIGTERM);
}

/// The MAC a client reaches the VIP at, with a lone Master without
/// interface whose VIP has a VMAC of its own link (`use_vmac_addr`).
fn vip_mac_with_use_vmac_addr(test: &str, daemon: &Daemon) -> Option<String> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24"]);
    let client = lab.host("client", &["192.0.2.50/24"]);
    let instance = Instance::new("VI_NOIF", 61)
        .without_interface()
        .priority(150)
        .unicast("192.0.2.1", &["192.0.2.2"])
        .vip(&format!("{}/24 dev eth0", IPV4.vip))
        .line("use_vmac_addr");
    let on_a = daemon.start(&a, &Config::new("a").instance(instance).to_string());
    let vip: IpAddr = IPV4.vip.parse().unwrap();
    let answered = wait_for(WAIT, || client.ping(vip));
    assert!(
        answered.is_some(),
        "{}: the VIP never answered\n{}",
        daemon.name(),
        on_a.log()
    );
    let mac = client.neighbour_mac(vip);
    on_a.kill(Signal::SIGTERM);
    mac
}

/// keepalived 2.4.3 gives the VIP of an instance without interface a VMAC
/// on its `dev` under `use_vmac_addr`; ours does too: the client reaches
/// the VIP at the virtual router MAC (VRID 61).
#[test]
fn use_vmac_addr_gives_the_vip_the_virtual_mac() {
    let mut daemons = vec![Daemon::ours()];
    daemons.extend(Daemon::keepalived_243());
    for daemon in daemons {
        let test = format!("noif_vmac_{}", daemon.name().replace(['.', '-'], "_"));
        if let Some(mac) = vip_mac_with_use_vmac_addr(&test, &daemon) {
            assert_eq!(mac, "00:00:5e:00:01:3d", "{}", daemon.name());
        }
    }
}
