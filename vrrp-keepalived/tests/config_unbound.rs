//! A vrrp_instance without `interface` (issue 13), against keepalived's
//! own `-t`, 2.2.7 (Debian's) and 2.4.3. 2.2.7 refuses every one
//! ("Unknown interface!"); 2.4.3 runs a unicast one with a global source
//! (vrrp.c `vrrp_complete_instance`), dropping a VIP without `dev`,
//! clearing `use_vmac` (both reported: its `-t` fails, the daemon runs)
//! and ignoring `track_interface` without a word. We follow 2.4.3: the
//! same verdict, with a warning on each line it changes; where it runs
//! what this daemon cannot (a VRF, per-address VMACs) we refuse, and the
//! case says so.
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, block_ending_at, by_version, host_interface_or_skip};

/// An interface no host has.
const MISSING: &str = "nr13nosuch0";

/// What our `-t` (file and host checks) says.
enum Ours {
    /// Accepted; a warning on each of these lines saying this.
    Runs(&'static [(u32, &'static str)]),
    /// Refused at `line:column` saying this.
    Refused(u32, u32, &'static str),
}

struct Case {
    name: &'static str,
    /// The file; `IF` stands for an interface this host has, `GONE` for
    /// [`MISSING`].
    text: &'static str,
    /// keepalived 2.2.7's verdict, then 2.4.3's (`-t` exit 0).
    keepalived: (bool, bool),
    /// What 2.4.3 says, if anything.
    says: Option<&'static str>,
    /// Whether 2.4.3's `-t` fails only on reporting what it changed, its
    /// daemon running the rest.
    reported: bool,
    ours: Ours,
    /// Why we refuse what 2.4.3 runs (`None`: we follow its daemon).
    diverges: Option<&'static str>,
}

/// The accepted construct, `extra` lines before its VIPs.
macro_rules! unbound {
    ($extra:literal, $vips:literal) => {
        concat!(
            "vrrp_instance V {\n virtual_router_id 1\n unicast_src_ip 192.0.2.1\n",
            $extra,
            " unicast_peer {\n  192.0.2.2\n }\n virtual_ipaddress {\n",
            $vips,
            " }\n}\n"
        )
    };
}

const CASES: &[Case] = &[
    Case {
        name: "IPv4, unicast, with a source, each VIP on its dev",
        text: unbound!("", "  192.0.2.10/24 dev IF\n"),
        keepalived: (false, true),
        says: None,
        reported: false,
        ours: Ours::Runs(&[]),
        diverges: None,
    },
    Case {
        name: "IPv6 with a global source",
        text: "vrrp_instance V {\n virtual_router_id 1\n unicast_src_ip 2001:db8::1\n \
               unicast_peer {\n  2001:db8::2\n }\n virtual_ipaddress {\n  2001:db8::10/64 dev \
               IF\n }\n}\n",
        keepalived: (false, true),
        says: None,
        reported: false,
        ours: Ours::Runs(&[]),
        diverges: None,
    },
    Case {
        name: "the source written as mcast_src_ip",
        text: "vrrp_instance V {\n virtual_router_id 1\n mcast_src_ip 192.0.2.1\n \
               unicast_peer {\n  192.0.2.2\n }\n virtual_ipaddress {\n  192.0.2.10/24 dev IF\n \
               }\n}\n",
        keepalived: (false, true),
        says: None,
        reported: false,
        ours: Ours::Runs(&[]),
        diverges: None,
    },
    Case {
        name: "without unicast_src_ip",
        text: "vrrp_instance V {\n virtual_router_id 1\n unicast_peer {\n  192.0.2.2\n }\n \
               virtual_ipaddress {\n  192.0.2.10/24 dev IF\n }\n}\n",
        keepalived: (false, false),
        says: Some("Unicast instances must have unicast_src_ip or interface"),
        reported: false,
        ours: Ours::Refused(1, 1, "neither `interface` nor `unicast_src_ip`"),
        diverges: None,
    },
    Case {
        name: "an IPv6 link-local source",
        text: "vrrp_instance V {\n virtual_router_id 1\n unicast_src_ip fe80::1\n \
               unicast_peer {\n  fe80::2\n }\n virtual_ipaddress {\n  2001:db8::10/64 dev IF\n \
               }\n}\n",
        keepalived: (false, false),
        says: Some("Non link-local address required if interface omitted"),
        reported: false,
        ours: Ours::Refused(3, 17, "is IPv6 link-local"),
        diverges: None,
    },
    Case {
        name: "multicast",
        text: "vrrp_instance V {\n virtual_router_id 1\n virtual_ipaddress {\n  192.0.2.10/24 \
               dev IF\n }\n}\n",
        keepalived: (false, false),
        says: Some("Unknown interface!"),
        reported: false,
        ours: Ours::Refused(1, 1, "a multicast instance needs the interface"),
        diverges: None,
    },
    Case {
        name: "a source but no peer: multicast",
        text: "vrrp_instance V {\n virtual_router_id 1\n unicast_src_ip 192.0.2.1\n \
               virtual_ipaddress {\n  192.0.2.10/24 dev IF\n }\n}\n",
        keepalived: (false, false),
        says: Some("Defaulting to multicast"),
        reported: false,
        ours: Ours::Refused(1, 1, "a multicast instance needs the interface"),
        diverges: None,
    },
    Case {
        name: "a VIP and an excluded VIP without dev",
        text: "vrrp_instance V {\n virtual_router_id 1\n unicast_src_ip 192.0.2.1\n \
               unicast_peer {\n  192.0.2.2\n }\n virtual_ipaddress {\n  192.0.2.10/24 dev IF\n  \
               192.0.2.11/24\n }\n virtual_ipaddress_excluded {\n  198.18.0.1/24\n }\n}\n",
        keepalived: (false, false),
        says: Some("no interface for evip 198.18.0.1/24 - removing"),
        reported: true,
        ours: Ours::Runs(&[
            (9, "192.0.2.11 has no `dev`"),
            (12, "198.18.0.1 has no `dev`"),
        ]),
        diverges: None,
    },
    Case {
        name: "use_vmac",
        text: unbound!(" use_vmac\n", "  192.0.2.10/24 dev IF\n"),
        keepalived: (false, false),
        says: Some("Cannot use VMAC/ipvlan with unicast and no interface"),
        reported: true,
        ours: Ours::Runs(&[(4, "use_vmac is ignored")]),
        diverges: None,
    },
    Case {
        name: "track_interface",
        text: unbound!(" track_interface {\n  IF\n }\n", "  192.0.2.10/24 dev IF\n"),
        keepalived: (false, true),
        says: None,
        reported: false,
        ours: Ours::Runs(&[(5, "track_interface IF is ignored")]),
        diverges: None,
    },
    Case {
        name: "a VIP on an interface this host lacks",
        text: unbound!("", "  192.0.2.10/24 dev GONE\n"),
        keepalived: (false, false),
        says: Some("Non-existent interface specified in configuration"),
        reported: false,
        ours: Ours::Refused(8, 3, "does not exist on this host"),
        diverges: None,
    },
    Case {
        name: "two of one VRID, from one source to a shared peer",
        text: concat!(
            unbound!("", "  192.0.2.10/24 dev IF\n"),
            "vrrp_instance B {\n virtual_router_id 1\n unicast_src_ip 192.0.2.1\n unicast_peer \
             {\n  192.0.2.2\n }\n virtual_ipaddress {\n  192.0.2.11/24 dev IF\n }\n}\n"
        ),
        keepalived: (false, false),
        says: Some("duplicate VRID conflict with"),
        reported: false,
        ours: Ours::Refused(12, 20, "is already used for IPv4 by vrrp_instance V"),
        diverges: None,
    },
    Case {
        name: "two of one VRID from two sources",
        text: concat!(
            unbound!("", "  192.0.2.10/24 dev IF\n"),
            "vrrp_instance B {\n virtual_router_id 1\n unicast_src_ip 192.0.2.5\n unicast_peer \
             {\n  192.0.2.2\n }\n virtual_ipaddress {\n  192.0.2.11/24 dev IF\n }\n}\n"
        ),
        keepalived: (false, true),
        says: None,
        reported: false,
        ours: Ours::Runs(&[]),
        diverges: None,
    },
    Case {
        name: "unicast_fault_no_peer without a peer",
        text: "vrrp_instance V {\n virtual_router_id 1\n unicast_src_ip 192.0.2.1\n \
               unicast_fault_no_peer\n virtual_ipaddress {\n  192.0.2.10/24 dev IF\n }\n}\n",
        keepalived: (false, true),
        says: None,
        reported: false,
        ours: Ours::Runs(&[]),
        diverges: None,
    },
    Case {
        name: "unicast_fault_no_peer without a peer or a source",
        text: "vrrp_instance V {\n virtual_router_id 1\n unicast_fault_no_peer\n \
               virtual_ipaddress {\n  192.0.2.10/24 dev IF\n }\n}\n",
        keepalived: (false, false),
        says: Some("Unicast instances must have unicast_src_ip or interface"),
        reported: false,
        ours: Ours::Refused(1, 1, "neither `interface` nor `unicast_src_ip`"),
        diverges: None,
    },
    Case {
        name: "dont_track_primary",
        text: unbound!(" dont_track_primary\n", "  192.0.2.10/24 dev IF\n"),
        // 2.4.3's -t dies of SIGSEGV.
        keepalived: (false, false),
        says: None,
        reported: false,
        ours: Ours::Refused(4, 2, "dont_track_primary needs an `interface`"),
        diverges: None,
    },
    Case {
        name: "vrf",
        text: unbound!(" vrf IF\n", "  192.0.2.10/24 dev IF\n"),
        keepalived: (false, true),
        says: None,
        reported: false,
        ours: Ours::Refused(4, 6, "this daemon binds to no VRF"),
        diverges: Some("the driver binds to no VRF device (this kernel has no VRF)"),
    },
    Case {
        name: "use_vmac_addr",
        text: unbound!(" use_vmac_addr\n", "  192.0.2.10/24 dev IF\n"),
        keepalived: (false, true),
        says: None,
        reported: false,
        ours: Ours::Runs(&[]),
        diverges: None,
    },
    Case {
        name: "a VIP's own use_vmac",
        text: unbound!("", "  192.0.2.10/24 dev IF use_vmac\n"),
        keepalived: (false, true),
        says: None,
        reported: false,
        ours: Ours::Runs(&[]),
        diverges: None,
    },
];

/// Each case: keepalived's verdicts and words, ours, and (unless the case
/// says why not) our verdict that of keepalived 2.4.3's daemon: its `-t`
/// passing, or failing on what it reports and runs anyway.
#[test]
fn keepalived_243_and_we_agree_on_instances_without_interface() {
    let Some(interface) = host_interface_or_skip() else {
        return;
    };
    let mut parity = Parity::new("config_unbound");
    for (n, case) in CASES.iter().enumerate() {
        let text = case.text.replace("IF", &interface).replace("GONE", MISSING);
        let path = parity.file(n, &text);
        let (k227, k243) = case.keepalived;
        let verdicts = parity.check(case.name, &path, by_version(k227, k243));
        let ours = prepare(&path, &Options::default());
        let mut wrong = Vec::new();
        for verdict in &verdicts {
            if verdict.version == "2.4.3"
                && let Some(says) = case.says
                && !verdict.output.contains(says)
            {
                wrong.push(format!("2.4.3 does not say {says:?}:\n{}", verdict.output));
            }
        }
        let prefix = |line: u32, column: u32| format!("{}:{line}:{column}: ", path.display());
        let we_run = match (&ours, &case.ours) {
            (Ok(prepared), Ours::Runs(expected)) => {
                let warnings: Vec<_> = prepared.warnings.iter().chain(&prepared.host).collect();
                for (line, what) in *expected {
                    let what = what.replace("IF", &interface);
                    if !warnings
                        .iter()
                        .any(|w| w.at.line == *line && w.message.contains(&what))
                    {
                        wrong.push(format!("no warning {what:?} on line {line}: {warnings:?}"));
                    }
                }
                let spec = &prepared.config.instances[0];
                if spec.interface.is_some() || spec.vips.iter().any(|v| v.interface.is_none()) {
                    wrong.push(format!("not the driver's unbound shape: {spec:?}"));
                }
                // keepalived names the end of the block for what it
                // settles there; we name the line inside it.
                for verdict in verdicts.iter().filter(|v| !v.accepts) {
                    let covered = |line: u32| {
                        warnings.iter().any(|w| {
                            w.at.line == line
                                || block_ending_at(&text, line)
                                    .is_some_and(|(a, b)| (a..=b).contains(&w.at.line))
                        })
                    };
                    if verdict.version == "2.4.3" {
                        parity.lines_covered(case.name, verdict, covered, &warnings);
                    }
                }
                true
            }
            (Err(error), Ours::Refused(line, column, what)) => {
                let said = error.to_string();
                if !said.starts_with(&prefix(*line, *column)) || !said.contains(what) {
                    wrong.push(format!("our error is not {line}:{column} {what:?}: {said}"));
                }
                false
            }
            (Ok(_), Ours::Refused(..)) => {
                wrong.push("we accept it".into());
                true
            }
            (Err(error), Ours::Runs(_)) => {
                wrong.push(format!("we refuse: {error}"));
                false
            }
        };
        // 2.4.3's daemon runs what its -t accepts, and what it only
        // reports having changed.
        let k243_runs = k243 || case.reported;
        if case.diverges.is_none() && we_run != k243_runs {
            wrong.push(format!(
                "we run={we_run}, keepalived 2.4.3 runs={k243_runs}"
            ));
        }
        if case.diverges.is_some() && we_run == k243_runs {
            wrong.push("said to diverge from 2.4.3, yet does not".into());
        }
        let name = case.name;
        parity
            .wrong
            .extend(wrong.into_iter().map(|w| format!("{name}: {w}")));
    }
    parity.finish();
}
