//! `-t`'s interface checks against keepalived's own `-t`, 2.2.7 and 2.4.3,
//! on this host: `lo` exists everywhere, `ho13-none*` nowhere. Every
//! interface a file names must exist (without `dynamic_interfaces`): also a
//! route's, a rule's and a static address's, whose interface is the
//! `default_interface` when it has no `dev`. keepalived refuses such a file
//! under `-t` and refuses to start with it (`tests/lab_static_interfaces.rs`);
//! so do we, naming each missing interface's line as keepalived does.
//! Names of tables and protocols that only iproute2's files know are
//! looked up there by the host checks too (this host's
//! /etc/iproute2/rt_protos names `bgp`, 186).

use vrrp_keepalived::conf::load;

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, lines_named};

/// A file, keepalived's verdict, and where our checks put its static
/// addresses.
struct Case {
    name: &'static str,
    body: &'static str,
    keepalived_accepts: bool,
    /// The static addresses' interfaces, when the file is accepted.
    addresses_on: &'static [&'static str],
    /// The static routes' protocols, when the file is accepted.
    protocols: &'static [u32],
}

const CASES: &[Case] = &[
    Case {
        name: "default_interface lo takes the static address without dev",
        body: "global_defs {\n default_interface lo\n}\nstatic_ipaddress {\n 192.0.2.9/32\n}\n",
        keepalived_accepts: true,
        addresses_on: &["lo"],
        protocols: &[],
    },
    Case {
        name: "default_interface written after the address still counts",
        body: "static_ipaddress {\n 192.0.2.9/32\n 192.0.2.10/32 dev lo\n}\n\
               global_defs {\n default_interface lo\n}\n",
        keepalived_accepts: true,
        addresses_on: &["lo", "lo"],
        protocols: &[],
    },
    Case {
        name: "a default_interface that does not exist, for an address without dev",
        body: "global_defs {\n default_interface ho13-none0\n}\n\
               static_ipaddress {\n 192.0.2.10/32 dev lo\n 192.0.2.9/32\n}\n",
        keepalived_accepts: false,
        addresses_on: &[],
        protocols: &[],
    },
    Case {
        name: "a default_interface that does not exist, used by no address",
        body: "global_defs {\n default_interface ho13-none0\n}\n\
               static_ipaddress {\n 192.0.2.10/32 dev lo\n}\n",
        keepalived_accepts: true,
        addresses_on: &["lo"],
        protocols: &[],
    },
    Case {
        name: "a static route on an interface that does not exist",
        body: "static_routes {\n 198.18.8.0/24 dev lo\n 198.18.7.0/24 dev ho13-none1\n}\n",
        keepalived_accepts: false,
        addresses_on: &[],
        protocols: &[],
    },
    Case {
        name: "a static rule on an interface that does not exist",
        body: "static_rules {\n from 192.0.2.9 iif ho13-none2 table 5 preference 5\n}\n",
        keepalived_accepts: false,
        addresses_on: &[],
        protocols: &[],
    },
    Case {
        name: "a static address on an interface that does not exist",
        body: "static_ipaddress {\n 192.0.2.9/32 dev ho13-none3\n}\n",
        keepalived_accepts: false,
        addresses_on: &[],
        protocols: &[],
    },
    Case {
        name: "several missing interfaces, one named twice",
        body: "vrrp_instance V {\n interface ho13-none4\n virtual_router_id 1\n \
               virtual_ipaddress {\n  192.0.2.9/32 dev ho13-none5\n  192.0.2.10/32\n }\n}\n\
               static_routes {\n 198.18.7.0/24 dev ho13-none6\n}\n\
               vrrp_instance W {\n interface ho13-none4\n virtual_router_id 2\n \
               virtual_ipaddress {\n  192.0.2.11/32\n }\n}\n",
        keepalived_accepts: false,
        addresses_on: &[],
        protocols: &[],
    },
    Case {
        name: "a protocol name from this host's rt_protos",
        body: "static_routes {\n 198.18.8.0/24 dev lo protocol bgp no_track\n \
               198.18.9.0/24 dev lo protocol static no_track\n}\n",
        keepalived_accepts: true,
        addresses_on: &[],
        protocols: &[186, 4],
    },
    Case {
        name: "a routing table no file names",
        body: "static_routes {\n 198.18.8.0/24 dev lo table ho13-no-such-table\n}\n",
        keepalived_accepts: false,
        addresses_on: &[],
        protocols: &[],
    },
];

#[test]
fn keepalived_and_we_agree_on_missing_interfaces_and_the_default_interface() {
    let mut parity = Parity::new("config_host");
    for (index, case) in CASES.iter().enumerate() {
        let path = parity.file(index, case.body);
        let mut loaded = load(&path).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let ours = vrrp_keepalived::host::check(&mut loaded.config);
        let on: Vec<_> = loaded
            .config
            .static_addresses
            .iter()
            .filter_map(|a| a.dev.as_deref())
            .collect();
        let protocols: Vec<_> = loaded
            .config
            .static_routes
            .iter()
            .map(|r| r.protocol.number())
            .collect();
        let expected: Vec<_> = case.protocols.iter().map(|p| Some(*p)).collect();
        if ours.is_ok() && (on != case.addresses_on || protocols != expected) {
            parity.wrong.push(format!(
                "{}: addresses on {on:?}, protocols {protocols:?}",
                case.name
            ));
        }
        // We accept what keepalived accepts.
        if ours.is_ok() != case.keepalived_accepts {
            parity.wrong.push(format!(
                "{}: we accept={}, keepalived {}: we said {ours:?}",
                case.name,
                ours.is_ok(),
                case.keepalived_accepts
            ));
        }
        for verdict in parity.check(case.name, &path, |_| case.keepalived_accepts) {
            // keepalived names each missing interface's line, and so do we.
            let Err(error) = &ours else { continue };
            let error = error.to_string();
            let missing: Vec<&str> = (verdict.output.lines())
                .filter(|l| l.contains("doesn't exist"))
                .collect();
            let lines = if missing.is_empty() {
                verdict.lines.iter().copied().take(1).collect()
            } else {
                lines_named(&missing.join("\n"))
            };
            for line in lines {
                if !error.contains(&format!(":{line}:")) {
                    parity.wrong.push(format!(
                        "{} ({}): not at keepalived's line {line}:\n{}\nwe said {error}",
                        case.name, verdict.version, verdict.output
                    ));
                }
            }
        }
    }
    parity.finish();
}
