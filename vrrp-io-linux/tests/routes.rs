//! Routes and rules against a real kernel: an instance's go in when it
//! becomes Master, a route the kernel refuses is counted (not taken for
//! done), static ones are there from the start, change on reload, come
//! back when someone else deletes them (as the Master's do), and
//! everything leaves on a graceful stop. Needs root.

use std::net::IpAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use vrrp_core::State;
use vrrp_io_linux::driver::{
    AddMode, Driver, DriverConfig, InstanceSpec, Prefix, Route, RouteType, Rule, RuleAction,
    Statics, Vip,
};
use vrrp_lab::Lab;

fn prefix(text: &str, len: u8) -> Prefix {
    Prefix {
        addr: text.parse().unwrap(),
        len,
    }
}

fn route(dst: &str, len: u8, via: &str, table: u32) -> Route {
    Route {
        dst: prefix(dst, len),
        kind: RouteType::Unicast,
        via: Some(via.parse().unwrap()),
        dev: Some("eth0".into()),
        src: None,
        table,
        metric: None,
        scope: None,
        protocol: 18,
        tos: 0,
        onlink: false,
        mode: AddMode::Prepend,
        restore: true,
    }
}

/// `ip -j ARGS` in the calling thread's namespace, as JSON.
/// Panics when `ip` fails: a failure must not read as "not there".
fn ip_json(args: &[&str]) -> serde_json::Value {
    let output = Command::new("ip").arg("-j").args(args).output().unwrap();
    assert!(output.status.success(), "ip -j {args:?}: {output:?}");
    serde_json::from_slice(&output.stdout).expect("ip -j prints JSON")
}

/// Routes of table main to `dst` by protocol, as `ip` prints them.
fn route_protocols(dst: &str) -> Vec<String> {
    ip_json(&["route", "show", "table", "main", dst])
        .as_array()
        .map(|routes| {
            routes
                .iter()
                .map(|r| r["protocol"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Turns the driver for `time`, whatever happens.
fn run_for(driver: &mut Driver, time: Duration) {
    let end = Instant::now() + time;
    let mut events = Vec::new();
    while Instant::now() < end {
        driver.turn(&mut events).unwrap();
    }
}

/// Whether table `table` routes `dst` (as `ip` prints it).
fn has_route(table: &str, dst: &str) -> bool {
    ip_json(&["route", "show", "table", table])
        .as_array()
        .is_some_and(|routes| routes.iter().any(|r| r["dst"] == dst))
}

fn has_rule(priority: u32) -> bool {
    ip_json(&["-4", "rule", "show"])
        .as_array()
        .is_some_and(|rules| rules.iter().any(|r| r["priority"] == priority))
}

fn has_address(address: &str) -> bool {
    ip_json(&["-4", "addr", "show", "dev", "eth0"])
        .as_array()
        .is_some_and(|links| {
            links.iter().any(|l| {
                l["addr_info"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|a| a["local"] == address))
            })
        })
}

fn run_until(driver: &mut Driver, mut done: impl FnMut(&Driver) -> bool) {
    let end = Instant::now() + Duration::from_secs(5);
    let mut events = Vec::new();
    while !done(driver) {
        assert!(Instant::now() < end, "not done after 5 s: {events:#?}");
        driver.turn(&mut events).unwrap();
    }
}

fn statics(table: u32) -> Statics {
    Statics {
        addresses: vec![Vip {
            prefix_len: 24,
            interface: Some("eth0".into()),
            ..Vip::new("192.0.2.9".parse().unwrap())
        }],
        routes: vec![route("198.19.77.0", 24, "192.0.2.254", table)],
        rules: Vec::new(),
    }
}

#[test]
fn routes_follow_master_statics_follow_the_driver_and_refusals_count() {
    let Some(lab) = Lab::new("routes") else {
        return;
    };
    let host = lab.host("a", &["192.0.2.2/24"]);
    host.in_netns(|| {
        let vip: IpAddr = "192.0.2.100".parse().unwrap();
        let mut spec = InstanceSpec::new("R", "eth0", 9, &[vip]);
        spec.vrrp.advert_interval = 10;
        spec.routes = vec![
            route("198.18.99.0", 24, "192.0.2.254", 254),
            // Not on a connected network: the kernel refuses it.
            route("198.18.100.0", 24, "198.18.200.1", 254),
        ];
        spec.rules = vec![Rule {
            ipv6: false,
            from: Some(prefix("192.0.2.100", 32)),
            to: None,
            action: RuleAction::Table(100),
            priority: Some(1000),
            iif: None,
            oif: None,
            fwmark: None,
            tos: 0,
            invert: false,
            protocol: Some(18),
            restore: true,
        }];
        let config = |table| DriverConfig {
            instances: vec![spec.clone()],
            statics: statics(table),
            ..DriverConfig::default()
        };
        let mut driver = Driver::new(config(77)).unwrap();
        assert!(
            has_address("192.0.2.9"),
            "the static address is there at once"
        );
        run_until(&mut driver, |_| has_route("77", "198.19.77.0/24"));
        assert!(!has_route("main", "198.18.99.0/24"), "not Master yet");

        run_until(&mut driver, |d| {
            d.router()
                .instances()
                .all(|(_, i)| i.state() == State::Master)
                && d.route_failures() == 1
        });
        assert!(has_route("main", "198.18.99.0/24"));
        assert!(!has_route("main", "198.18.100.0/24"));
        assert!(has_rule(1000));

        // Deleted by someone else, each is put back.
        for command in [
            &["ip", "route", "del", "198.18.99.0/24"][..],
            &["ip", "rule", "del", "preference", "1000"],
            &["ip", "route", "del", "198.19.77.0/24", "table", "77"],
        ] {
            assert!(
                Command::new(command[0])
                    .args(&command[1..])
                    .status()
                    .unwrap()
                    .success()
            );
        }
        run_until(&mut driver, |_| {
            has_route("main", "198.18.99.0/24")
                && has_rule(1000)
                && has_route("77", "198.19.77.0/24")
        });
        // A route of another protocol with the same destination is not ours.
        let other = [
            "ip",
            "route",
            "add",
            "198.18.99.0/24",
            "via",
            "192.0.2.253",
            "proto",
            "static",
            "metric",
            "9",
        ];
        assert!(
            Command::new("ip")
                .args(&other[1..])
                .status()
                .unwrap()
                .success()
        );
        // The driver runs beside it, and leaves both routes as they are.
        run_for(&mut driver, Duration::from_millis(300));
        let mut protocols = route_protocols("198.18.99.0/24");
        protocols.sort();
        assert_eq!(protocols.len(), 2, "ours and the other: {protocols:?}");
        assert!(protocols.iter().any(|p| p == "static"), "{protocols:?}");
        let other_del = ["route", "del", "198.18.99.0/24", "proto", "static"];
        assert!(
            Command::new("ip")
                .args(other_del)
                .status()
                .unwrap()
                .success()
        );
        // Its deletion is not ours: our route stays, alone.
        run_for(&mut driver, Duration::from_millis(300));
        let protocols = route_protocols("198.18.99.0/24");
        assert_eq!(protocols.len(), 1, "ours alone: {protocols:?}");
        assert_ne!(protocols[0], "static", "{protocols:?}");

        // A reload moves the static route to another table.
        driver.reload(config(78), &mut Vec::new()).unwrap();
        run_until(&mut driver, |_| {
            has_route("78", "198.19.77.0/24") && !has_route("77", "198.19.77.0/24")
        });
        assert!(
            has_route("main", "198.18.99.0/24"),
            "the kept Master keeps its routes"
        );

        driver.shutdown(&mut Vec::new());
        run_until(&mut driver, Driver::is_stopped);
        assert!(!has_route("main", "198.18.99.0/24"));
        assert!(!has_rule(1000));
        assert!(!has_route("78", "198.19.77.0/24"));
        assert!(!has_address("192.0.2.9"));
        assert_eq!(
            driver.route_failures(),
            1,
            "deleting what is there fails nothing"
        );
    });
}
