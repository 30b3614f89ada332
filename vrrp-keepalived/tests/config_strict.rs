//! Strict mode (`vrrp_strict`, `strict_mode`), `accept` / `no_accept` and
//! the firewall keywords against keepalived's own `-t`, 2.2.7 (Debian's)
//! and 2.4.3: each case states both versions' verdicts and ours. keepalived
//! names an instance's strict-mode rewrites without a line (`(V) ...`): we
//! must say as many, each at a line of the file; a message with a line
//! (`(Line N)`) must have a warning of ours on that line.
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use std::fs;

use vrrp_keepalived::conf::load;

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, by_version};

const STRICT: &str = "global_defs {\n dynamic_interfaces\n vrrp_strict\n}\n";
const PLAIN: &str = "global_defs {\n dynamic_interfaces\n}\n";

struct Case {
    name: &'static str,
    /// The global_defs, then the instance; `MCASTIF` stands for an
    /// interface of this host that supports multicast.
    globals: &'static str,
    body: &'static str,
    keepalived_227: bool,
    keepalived_243: bool,
    we_accept: bool,
    /// Instance messages of keepalived's (`(V) ...`), and our strict-mode
    /// warnings: as many.
    rewrites: usize,
    /// Whether the instance accepts traffic to its VIPs, once loaded.
    accept: Option<bool>,
}

const CASES: &[Case] = &[
    Case {
        name: "a non-owner Backup: strict mode changes nothing written, no_accept by default",
        globals: STRICT,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n state BACKUP\n \
               priority 100\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        rewrites: 0,
        accept: Some(false),
    },
    Case {
        name: "state MASTER at priority 100: BACKUP is used, reported",
        globals: STRICT,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n state MASTER\n \
               priority 100\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        rewrites: 1,
        accept: Some(false),
    },
    Case {
        name: "every rewrite at once: authentication, preempt_delay, accept with VRRPv2, \
               garp_lower_prio_*, lower_prio_no_advert off, higher_prio_send_advert",
        globals: STRICT,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n priority 100\n \
               preempt_delay 5\n accept\n lower_prio_no_advert false\n higher_prio_send_advert\n \
               garp_lower_prio_repeat 3\n garp_lower_prio_delay 2\n authentication {\n  \
               auth_type PASS\n  auth_pass secret\n }\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        rewrites: 7,
        accept: Some(false),
    },
    Case {
        name: "VRRPv3 with accept: allowed",
        globals: STRICT,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n version 3\n accept\n \
               virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        rewrites: 0,
        accept: Some(true),
    },
    Case {
        name: "the address owner accepts by default",
        globals: STRICT,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n state MASTER\n \
               virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        rewrites: 0,
        accept: Some(true),
    },
    Case {
        name: "no VIP: refused",
        globals: STRICT,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: false,
        rewrites: 1,
        accept: None,
    },
    Case {
        name: "unicast peers on a multicast interface: 2.4.3 refuses (2.2.7 ran them); we \
               follow 2.4.3",
        globals: "global_defs {\n vrrp_strict\n}\n",
        body: "vrrp_instance V {\n interface MCASTIF\n virtual_router_id 51\n \
               unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2\n }\n \
               virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n",
        keepalived_227: true,
        keepalived_243: false,
        we_accept: false,
        rewrites: 0,
        accept: None,
    },
    Case {
        name: "IPv6 with version 2: version 3 is used; the first VIP not link-local is reported",
        globals: STRICT,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n version 2\n \
               virtual_ipaddress {\n  2001:db8::1\n }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        rewrites: 2,
        accept: Some(false),
    },
    Case {
        name: "strict_mode off beats vrrp_strict",
        globals: STRICT,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n strict_mode off\n \
               preempt_delay 3\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        rewrites: 0,
        accept: Some(true),
    },
    Case {
        name: "strict_mode on alone; an owner in BACKUP with vmac_xmit_base: MASTER, no xmit_base",
        globals: PLAIN,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n strict_mode on\n \
               state BACKUP\n priority 255\n use_vmac\n vmac_xmit_base\n \
               virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        rewrites: 2,
        accept: Some(true),
    },
    Case {
        name: "no_accept without strict mode, vrrp_iptables: reported, nftables used",
        globals: "global_defs {\n dynamic_interfaces\n vrrp_iptables\n}\n",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n no_accept\n \
               virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        rewrites: 0,
        accept: Some(false),
    },
    Case {
        name: "an unknown auth_type is no authentication: reported where it is read, not again",
        globals: STRICT,
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n authentication {\n  \
               auth_type NONE\n  auth_pass x\n }\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        rewrites: 0,
        accept: Some(false),
    },
    Case {
        name: "nftables with a table name and a priority; vrrp_strict false",
        globals: "global_defs {\n dynamic_interfaces\n nftables mytable\n nftables_priority -5\n \
                  vrrp_strict false\n}\n",
        body: "vrrp_instance V {\n interface ens192\n virtual_router_id 51\n \
               virtual_ipaddress {\n  192.0.2.1\n }\n}\n",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        rewrites: 0,
        accept: Some(true),
    },
];

/// An interface of this host with the MULTICAST flag, other than `lo`.
fn multicast_interface() -> Option<String> {
    let mut names: Vec<String> = fs::read_dir("/sys/class/net")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names.into_iter().find(|name| {
        let flags = fs::read_to_string(format!("/sys/class/net/{name}/flags")).unwrap_or_default();
        let flags = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).unwrap_or(0);
        name != "lo" && flags & 0x1000 != 0
    })
}

#[test]
fn keepalived_and_we_agree_on_strict_mode() {
    let mut parity = Parity::new("config_strict");
    let mcast = multicast_interface();
    for (index, case) in CASES.iter().enumerate() {
        let text = format!("{}{}", case.globals, case.body);
        let text = match (&mcast, text.contains("MCASTIF")) {
            (_, false) => text,
            (Some(interface), true) => text.replace("MCASTIF", interface),
            (None, true) => {
                eprintln!("{}: SKIPPED, no multicast interface here", case.name);
                continue;
            }
        };
        let path = parity.file(index, &text);
        let ours = load(&path);
        if ours.is_ok() != case.we_accept {
            parity.wrong.push(format!(
                "{}: we accept={} ({ours:?})",
                case.name,
                ours.is_ok()
            ));
        }
        let strict_warnings: Vec<String> = ours
            .as_ref()
            .map(|loaded| {
                loaded
                    .warnings
                    .iter()
                    .filter(|w| w.message.contains("strict mode, as keepalived"))
                    .map(ToString::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if let Ok(loaded) = &ours {
            if strict_warnings.len() != case.rewrites {
                parity
                    .wrong
                    .push(format!("{}: our warnings {strict_warnings:?}", case.name));
            }
            let accept = loaded.config.instances[0].effective_accept();
            if Some(accept) != case.accept {
                parity.wrong.push(format!("{}: accept={accept}", case.name));
            }
        }
        let expected = by_version(case.keepalived_227, case.keepalived_243);
        for verdict in parity.check(case.name, &path, expected) {
            let Ok(loaded) = &ours else {
                continue;
            };
            // Messages with a line are read-time ones: compared by line below.
            let instance_messages = (verdict.output.lines())
                .filter(|l| l.contains("(V) ") && !l.contains("Line "))
                .count();
            if instance_messages != case.rewrites {
                parity.wrong.push(format!(
                    "{} ({}): keepalived said {instance_messages} instance messages, \
                     we {strict_warnings:?}:\n{}",
                    case.name, verdict.version, verdict.output
                ));
            }
            parity.warned_on(case.name, &verdict, &loaded.warnings);
        }
    }
    parity.finish();
}
