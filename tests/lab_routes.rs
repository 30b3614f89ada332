//! `virtual_routes`, `virtual_rules` and `static_routes` in the LAB: two of
//! our routers (A 150, B 100) with VIP 192.0.2.100 in front of a client,
//! and an upstream host whose network 198.18.99.0/24 the routers reach
//! only through a route in `virtual_routes`. The client routes that
//! network via the VIP, so its pings pass only through a Master that has
//! the route: before a failover through A, after it through B. The
//! static route is on both routers from the start, and leaves A with A's
//! daemon; the virtual ones are only ever on the Master. B runs ours, then
//! keepalived 2.4.3.

use std::net::IpAddr;
use std::time::Duration;

use vrrp_lab as lab;

use lab::keepalived::{Config, Instance};
use lab::{Daemon, Host, Lab, Signal, watch};

const VIP: &str = "192.0.2.100";
const FAR: &str = "198.18.99.1";
const WAIT: Duration = Duration::from_secs(6);

/// The routers' keepalived.conf: routes and a rule while Master, a static
/// route always.
fn config(router: &str, priority: u8) -> String {
    let instance = Instance::new("VI_ROUTES", 61)
        .priority(priority)
        .vip(&format!("{VIP}/24"))
        .line(
            "virtual_routes {\n        \
             198.18.99.0/24 via 192.0.2.254 src 192.0.2.100 metric 5\n        \
             blackhole 198.19.66.0/24\n        \
             2001:db8:99::/48 via 2001:db8::254 dev eth0\n    }",
        )
        .line("virtual_rules {\n        from 192.0.2.100 table 100 preference 1000\n    }");
    format!(
        "{}\nstatic_routes {{\n    198.19.77.0/24 via 192.0.2.254 table 77\n}}\n",
        Config::new(router).instance(instance)
    )
}

/// Destinations of `host`'s routes in `table`, e.g. `198.18.99.0/24`
/// (none while the table does not exist).
fn routes(host: &Host<'_>, family: &str, table: &str) -> Vec<String> {
    let output = host.exec(&["ip", "-j", family, "route", "show", "table", table]);
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    json.as_array()
        .map(|routes| {
            routes
                .iter()
                .filter_map(|r| r["dst"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `host` has our virtual routes and rule (all of them, or none).
fn has_virtual(host: &Host<'_>) -> Option<bool> {
    let v4 = routes(host, "-4", "main");
    let present = [
        v4.iter().any(|d| d == "198.18.99.0/24"),
        v4.iter().any(|d| d == "198.19.66.0/24"),
        routes(host, "-6", "main")
            .iter()
            .any(|d| d == "2001:db8:99::/48"),
        host.ip_json(&["-4", "rule", "show"])
            .as_array()
            .is_some_and(|rules| rules.iter().any(|r| r["priority"] == 1000)),
    ];
    if present.iter().all(|p| *p) {
        Some(true)
    } else if present.iter().all(|p| !*p) {
        Some(false)
    } else {
        None
    }
}

fn has_static(host: &Host<'_>) -> bool {
    routes(host, "-4", "77")
        .iter()
        .any(|d| d == "198.19.77.0/24")
}

/// A router: forwards, sends no redirects (the client must keep using the VIP).
fn router<'l>(lab: &'l Lab, name: &str, v4: &str, v6: &str) -> Host<'l> {
    let host = lab.host(name, &[v4, v6]);
    for setting in [
        "net.ipv4.ip_forward=1",
        "net.ipv4.conf.all.send_redirects=0",
        "net.ipv4.conf.eth0.send_redirects=0",
        "net.ipv4.conf.all.rp_filter=0",
        "net.ipv4.conf.eth0.rp_filter=0",
    ] {
        host.sysctl(setting);
    }
    host
}

#[test]
fn virtual_routes_follow_the_master_and_static_routes_stay() {
    routes_across_a_failover("lab_routes", &Daemon::ours());
}

/// keepalived 2.4.3 as B reads the same file, installs the same routes
/// when it takes over from ours, and so carries the client on.
#[test]
fn keepalived_takes_the_routes_over_from_ours() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        routes_across_a_failover("lab_routes_keepalived", &keepalived);
    }
}

/// Ours on A (150), `b_daemon` on B (100): the scenario of the file's docs.
fn routes_across_a_failover(test: &str, b_daemon: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = router(&lab, "a", "192.0.2.1/24", "2001:db8::1/64");
    let b = router(&lab, "b", "192.0.2.2/24", "2001:db8::2/64");
    let client = lab.host("client", &["192.0.2.10/24"]);
    let _upstream = lab.host(
        "up",
        &["192.0.2.254/24", "2001:db8::254/64", "198.18.99.1/24"],
    );
    client.sysctl("net.ipv4.conf.all.accept_redirects=0");
    client.sysctl("net.ipv4.conf.eth0.accept_redirects=0");
    let ok = client.exec(&["ip", "route", "add", "198.18.99.0/24", "via", VIP]);
    assert!(ok.status.success(), "{ok:?}");
    let far: IpAddr = FAR.parse().unwrap();
    let vip: IpAddr = VIP.parse().unwrap();

    let on_a = Daemon::ours().start(&a, &config("a", 150));
    let on_b = b_daemon.start(&b, &config("b", 100));
    assert!(
        watch::wait_for(WAIT, || has_static(&a) && has_static(&b)).is_some(),
        "the static route is on both routers from the start"
    );
    assert!(
        watch::wait_for(WAIT, || a.has_address(vip) && has_virtual(&a) == Some(true)).is_some(),
        "A, Master, has the VIP, the virtual routes and the rule"
    );
    assert_eq!(has_virtual(&b), Some(false), "B, Backup, has none of them");
    assert!(!b.has_address(vip));
    assert!(
        watch::wait_for(WAIT, || client.ping(far)).is_some(),
        "the client reaches {FAR} through A"
    );

    on_a.kill(Signal::SIGTERM);
    assert!(
        watch::wait_for(WAIT, || b.has_address(vip) && has_virtual(&b) == Some(true)).is_some(),
        "B, the new Master, has the VIP, the virtual routes and the rule"
    );
    assert!(
        watch::wait_for(WAIT, || has_virtual(&a) == Some(false) && !has_static(&a)).is_some(),
        "A's daemon stopped: its virtual and static routes are gone ({:?}, {})",
        has_virtual(&a),
        has_static(&a)
    );
    assert!(
        watch::wait_for(WAIT, || client.ping(far)).is_some(),
        "the client reaches {FAR} through B after the failover"
    );
    assert!(has_static(&b), "B keeps its static route");
    on_b.kill(Signal::SIGTERM);
}
