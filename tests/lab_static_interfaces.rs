//! Where static items go, in the LAB, for ours, keepalived 2.4.3 and 2.2.7
//! reading one file: `default_interface ho13d0` puts a `static_ipaddress`
//! without `dev` on ho13d0 (a veth of the router's own, not its eth0),
//! beside a static route on ho13d0, an instance and its VIP on eth0. With
//! one more static route on an interface the host lacks (`ho13gone`),
//! each daemon refuses to start and installs nothing: keepalived's VRRP
//! process stops on "Non-existent interface specified in configuration".

use std::net::IpAddr;
use std::time::Duration;

use vrrp_lab as lab;

use lab::keepalived::{Config, Instance, with_global};
use lab::{Daemon, Host, Lab, Signal, watch};

const VIP: &str = "192.0.2.100";
const STATIC: &str = "198.18.44.1";
const WAIT: Duration = Duration::from_secs(8);

/// The router's file: an instance on eth0, the statics around it, and
/// `extra` static routes.
fn config(extra: &str) -> String {
    let instance = Instance::new("VI_STATIC", 63)
        .priority(150)
        .vip(&format!("{VIP}/24"));
    with_global(
        &Config::new("a").instance(instance).to_string(),
        "default_interface ho13d0",
    ) + "\nstatic_ipaddress {\n    198.18.44.1/24\n}\n\
         static_routes {\n    198.18.46.0/24 dev ho13d0\n"
        + extra
        + "}\n"
}

/// The IPv4 addresses on `dev` of `host`.
fn addresses_on(host: &Host<'_>, dev: &str) -> Vec<String> {
    let json = host.ip_json(&["-4", "addr", "show", "dev", dev]);
    json.as_array()
        .into_iter()
        .flatten()
        .flat_map(|link| link["addr_info"].as_array().into_iter().flatten())
        .filter_map(|a| a["local"].as_str().map(str::to_owned))
        .collect()
}

/// Whether `host` has a main-table route to `dst`.
fn has_route(host: &Host<'_>, dst: &str) -> bool {
    host.ip_json(&["-4", "route", "show", "table", "main"])
        .as_array()
        .is_some_and(|routes| routes.iter().any(|r| r["dst"] == dst))
}

/// A lab router `a` with a veth pair ho13d0/ho13d1 of its own, up.
fn router(lab: &Lab) -> Host<'_> {
    let a = lab.host("a", &["192.0.2.1/24"]);
    for argv in [
        &[
            "ip", "link", "add", "ho13d0", "type", "veth", "peer", "name", "ho13d1",
        ][..],
        &["ip", "link", "set", "ho13d0", "up"],
        &["ip", "link", "set", "ho13d1", "up"],
    ] {
        let out = a.exec(argv);
        assert!(out.status.success(), "{argv:?}: {out:?}");
    }
    a
}

fn statics_on_their_interfaces(test: &str, daemon: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = router(&lab);
    let vip: IpAddr = VIP.parse().unwrap();
    let mut running = daemon.start(&a, &config(""));
    let landed = watch::wait_for(WAIT, || {
        addresses_on(&a, "ho13d0").iter().any(|x| x == STATIC)
            && has_route(&a, "198.18.46.0/24")
            && a.has_address(vip)
    });
    assert!(
        landed.is_some(),
        "{}: the static address on ho13d0 ({:?}), the route on ho13d0 ({}), the VIP ({})\n{}",
        daemon.name(),
        addresses_on(&a, "ho13d0"),
        has_route(&a, "198.18.46.0/24"),
        a.has_address(vip),
        running.log()
    );
    assert!(
        !addresses_on(&a, "eth0").iter().any(|x| x == STATIC),
        "{}: the static address is not on eth0",
        daemon.name()
    );
    running.kill(Signal::SIGTERM);
    assert!(
        running.wait_exit(WAIT).is_some(),
        "{}: stops on SIGTERM",
        daemon.name()
    );
}

fn a_route_on_a_missing_interface_stops_the_start(test: &str, daemon: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = router(&lab);
    let mut running = daemon.start(&a, &config("    198.18.45.0/24 dev ho13gone\n"));
    let status = running.wait_exit(WAIT);
    assert!(
        status.is_some_and(|s| !s.success()),
        "{}: refuses to start ({status:?}):\n{}",
        daemon.name(),
        running.log()
    );
    let said = if daemon.is_keepalived() {
        "Non-existent interface specified in configuration"
    } else {
        "interface ho13gone of a route does not exist on this host (keepalived refuses it too)"
    };
    assert!(
        running.log().contains(said),
        "{} says why:\n{}",
        daemon.name(),
        running.log()
    );
    let vip: IpAddr = VIP.parse().unwrap();
    assert!(
        !a.has_address(vip)
            && !addresses_on(&a, "ho13d0").iter().any(|x| x == STATIC)
            && !has_route(&a, "198.18.46.0/24"),
        "{}: nothing installed",
        daemon.name()
    );
}

#[test]
fn ours_puts_statics_where_keepalived_does() {
    statics_on_their_interfaces("lab_static_ours", &Daemon::ours());
    a_route_on_a_missing_interface_stops_the_start("lab_static_ours_gone", &Daemon::ours());
}

#[test]
fn keepalived_243_puts_statics_there_too() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        statics_on_their_interfaces("lab_static_243", &keepalived);
        a_route_on_a_missing_interface_stops_the_start("lab_static_243_gone", &keepalived);
    }
}

#[test]
fn keepalived_227_puts_statics_there_too() {
    statics_on_their_interfaces("lab_static_227", &Daemon::Keepalived);
    a_route_on_a_missing_interface_stops_the_start("lab_static_227_gone", &Daemon::Keepalived);
}
