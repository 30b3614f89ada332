//! An address's `dev` (`virtual_ipaddress`, `virtual_ipaddress_excluded`,
//! `static_ipaddress`) on an interface this host lacks, against
//! keepalived's own `-t`, 2.2.7 (Debian's) and 2.4.3. Both refuse the file
//! ("WARNING - interface X for ip address Y doesn't exist" on the address's
//! line, then "Non-existent interface specified in configuration", exit 5)
//! unless `dynamic_interfaces` is set, where both accept it without a
//! word. Our `-t` refuses it on the same line with the host checks on,
//! accepts it with a warning there under `dynamic_interfaces`, and accepts
//! it with `--no-host-checks` (a file meant for another host).
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, host_interface_or_skip};

/// An interface no host has.
const MISSING: &str = "an13nosuch0";

struct Case {
    name: &'static str,
    /// The file; `IF` stands for an interface this host has, `GONE` for
    /// [`MISSING`].
    text: &'static str,
    /// The line keepalived names and we refuse (or warn about, with
    /// `dynamic_interfaces`); `None`: nothing to say.
    line: Option<u32>,
    /// Whether keepalived (both versions) and our `-t` accept it.
    accepted: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "a VIP and an excluded one on an interface this host has",
        text: "vrrp_instance V {\n interface IF\n virtual_router_id 1\n virtual_ipaddress {\n  \
               192.0.2.1/24\n  198.18.0.1/24 dev IF\n }\n virtual_ipaddress_excluded {\n  \
               198.18.0.2/24 dev IF\n }\n}\n",
        line: None,
        accepted: true,
    },
    Case {
        name: "a VIP on an interface this host lacks",
        text: "vrrp_instance V {\n interface IF\n virtual_router_id 1\n virtual_ipaddress {\n  \
               192.0.2.1/24\n  198.18.0.1/24 dev GONE\n }\n}\n",
        line: Some(6),
        accepted: false,
    },
    Case {
        name: "an IPv6 excluded VIP on an interface this host lacks",
        text: "vrrp_instance V {\n interface IF\n virtual_router_id 1\n virtual_ipaddress {\n  \
               192.0.2.1/24\n }\n virtual_ipaddress_excluded {\n  2001:db8::1/64 dev GONE\n \
               }\n}\n",
        line: Some(8),
        accepted: false,
    },
    Case {
        name: "a static address on an interface this host lacks",
        text: "static_ipaddress {\n 198.18.0.3/24 dev GONE\n}\nvrrp_instance V {\n interface IF\n \
               virtual_router_id 1\n virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n",
        line: Some(2),
        accepted: false,
    },
    Case {
        name: "dynamic_interfaces: a VIP on an interface that may come later",
        text: "global_defs {\n dynamic_interfaces\n}\nvrrp_instance V {\n interface IF\n \
               virtual_router_id 1\n virtual_ipaddress {\n  192.0.2.1/24\n  \
               198.18.0.1/24 dev GONE\n }\n}\n",
        line: Some(9),
        accepted: true,
    },
];

#[test]
fn keepalived_and_we_refuse_an_address_on_a_missing_interface() {
    let Some(interface) = host_interface_or_skip() else {
        return;
    };
    let mut parity = Parity::new("config_vip_dev");
    for (n, case) in CASES.iter().enumerate() {
        let text = case.text.replace("IF", &interface).replace("GONE", MISSING);
        let path = parity.file(n, &text);
        // Both versions name the line unless they accept the file.
        let verdicts = parity.check(case.name, &path, |_| case.accepted);
        let mut fail = |what: String| parity.wrong.push(format!("{}: {what}", case.name));
        for verdict in verdicts {
            let (accepts, output) = (verdict.accepts, &verdict.output);
            let said = format!("{} accepts={accepts}:\n{output}", verdict.version);
            if verdict.lines != Vec::from_iter(case.line.filter(|_| !accepts)) {
                fail(said.clone());
            }
            let keepalived_says = output
                .contains(&format!("WARNING - interface {MISSING} for ip address"))
                && output.contains("Non-existent interface specified in configuration");
            if !accepts && !keepalived_says {
                fail(format!("another message: {said}"));
            }
        }
        let prefix = |line: u32| format!("{}:{line}:", path.display());
        match (prepare(&path, &Options::default()), case.line) {
            (Ok(prepared), line) => {
                let lines: Vec<u32> = prepared.host.iter().map(|w| w.at.line).collect();
                let expected = Vec::from_iter(line);
                if !case.accepted || lines != expected {
                    fail(format!("we accept, host warnings {:?}", prepared.host));
                }
                if line.is_some() && !prepared.host.iter().any(|w| w.message.contains(MISSING)) {
                    fail(format!(
                        "no warning of ours names {MISSING}: {:?}",
                        prepared.host
                    ));
                }
            }
            (Err(error), Some(line)) if !case.accepted => {
                let said = error.to_string();
                if !said.starts_with(&prefix(line)) || !said.contains(MISSING) {
                    fail(format!("our error is elsewhere: {said}"));
                }
            }
            (Err(error), _) => fail(format!("we refuse: {error}")),
        }
        let without = Options {
            host_checks: false,
            ..Options::default()
        };
        if let Err(error) = prepare(&path, &without) {
            fail(format!("--no-host-checks refuses: {error}"));
        }
    }
    parity.finish();
}
