//! The VMAC family (`use_ipvlan`, `vmac_xmit_base`, `use_vmac_addr`, and
//! `use_vmac` beside them) against keepalived's own `-t`, 2.2.7 (Debian's)
//! and 2.4.3: each case states both versions' verdicts and ours; every line
//! keepalived names has a warning of ours there (or, for the `}` that ends
//! a block, inside that block); what keepalived says without a line
//! (`(V) ...`) we say too (`ours_say`); where keepalived says nothing, we
//! add nothing but what `ours_say` lists. And what the instance then runs
//! with: its ipvlan, `vmac_xmit_base`, and whether it is held in FAULT.
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use vrrp_keepalived::conf::{IpvlanMode, load};
use vrrp_keepalived::driver_config;

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{Parity, block_ending_at, by_version};

const PRELUDE: &str = "global_defs {\n dynamic_interfaces\n}\n";

struct Case {
    name: &'static str,
    /// The lines inside `vrrp_instance V { interface ens192; virtual_router_id 1; ... }`,
    /// after which comes `virtual_ipaddress` with `VIPS`.
    lines: &'static str,
    vips: &'static str,
    keepalived_227: bool,
    keepalived_243: bool,
    we_accept: bool,
    /// Fragments our warnings must contain, one warning each.
    ours_say: &'static [&'static str],
    /// keepalived 2.2.7 reads it otherwise (an older grammar): we follow
    /// 2.4.3, and the lines 2.2.7 names are not compared.
    older_227: bool,
    /// What runs: the ipvlan's mode, vmac_xmit_base, held in FAULT.
    ipvlan: Option<IpvlanMode>,
    xmit_base: bool,
    fault: bool,
    /// The addresses on VMACs of their own, and those VMACs' names.
    own_vmacs: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "use_ipvlan with a name, an address and a mode",
        lines: " use_ipvlan vm13ipv 192.0.2.9/24 private\n",
        vips: "192.0.2.1/24",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        older_227: false,
        ours_say: &[],
        ipvlan: Some(IpvlanMode::Private),
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "use_ipvlan in another order, `name` before a name that is a mode word (2.4.3; \
               2.2.7 has no `name` and takes `bridge` for a second mode)",
        lines: " use_ipvlan vepa 192.0.2.9 name bridge\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: true,
        we_accept: true,
        older_227: true,
        ours_say: &[],
        ipvlan: Some(IpvlanMode::Vepa),
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "an IPv4 ipvlan without an address: reported, the instance in FAULT",
        lines: " use_ipvlan\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &["an IPv4 ipvlan needs an address"],
        ipvlan: Some(IpvlanMode::Bridge),
        xmit_base: false,
        fault: true,
        own_vmacs: &[],
    },
    Case {
        name: "an IPv6 ipvlan without an address: the link-local one is used",
        lines: " use_ipvlan vm13ipv\n",
        vips: "2001:db8::1/64",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        older_227: false,
        ours_say: &[],
        ipvlan: Some(IpvlanMode::Bridge),
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "two modes, two addresses: the second of each ignored, reported",
        lines: " use_ipvlan vm13ipv 192.0.2.9 vepa bridge 192.0.2.10\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &["mode is already given", "address is already given"],
        ipvlan: Some(IpvlanMode::Vepa),
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "use_ipvlan twice: the second ignored, reported",
        lines: " use_ipvlan vm13ipv 192.0.2.9\n use_ipvlan other 192.0.2.10 private\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &["use_ipvlan already given"],
        ipvlan: Some(IpvlanMode::Bridge),
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "a name longer than Linux takes: ignored, reported",
        lines: " use_ipvlan abcdefghijklmnopq 192.0.2.9\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &["longer than 15"],
        ipvlan: Some(IpvlanMode::Bridge),
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "an IPv6 ipvlan address decides the family: the IPv4 VIP is ignored, and with \
               no VIP left the IPv6 instance (VRRPv3) is refused",
        lines: " use_ipvlan 2001:db8::9\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: false,
        older_227: false,
        ours_say: &[],
        ipvlan: None,
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "an ipvlan address of the other family after the VIPs: ignored, reported; \
               then no address: FAULT",
        lines: "",
        vips: "192.0.2.1/24\n }\n use_ipvlan vm13ipv 2001:db8::9\n virtual_ipaddress_excluded {\n  \
               192.0.2.2/24",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &[
            "but vrrp_instance V is not",
            "an IPv4 ipvlan needs an address",
        ],
        ipvlan: Some(IpvlanMode::Bridge),
        xmit_base: false,
        fault: true,
        own_vmacs: &[],
    },
    Case {
        name: "`group N`: 2.4.3's link group; 2.2.7 reads it as a second name (reported)",
        lines: " use_ipvlan vm13ipv 192.0.2.9/24 group 3\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: true,
        we_accept: true,
        older_227: true,
        ours_say: &[],
        ipvlan: Some(IpvlanMode::Bridge),
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "use_ipvlan and use_vmac: keepalived runs the ipvlan (silently); we warn",
        lines: " use_ipvlan vm13ipv 192.0.2.9\n use_vmac\n",
        vips: "192.0.2.1/24",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        older_227: false,
        ours_say: &["use_vmac ignored, use_ipvlan"],
        ipvlan: Some(IpvlanMode::Bridge),
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "use_vmac with vmac_xmit_base",
        lines: " use_vmac\n vmac_xmit_base\n",
        vips: "192.0.2.1/24",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        older_227: false,
        ours_say: &[],
        ipvlan: None,
        xmit_base: true,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "unicast on a VMAC: vmac_xmit_base is set, reported (at the instance's end)",
        lines: " use_vmac\n unicast_peer {\n  192.0.2.7\n }\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &["vmac_xmit_base is set"],
        ipvlan: None,
        xmit_base: true,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "vmac_xmit_base without use_vmac: cleared, reported",
        lines: " vmac_xmit_base\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &["only valid with use_vmac"],
        ipvlan: None,
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "unicast on an ipvlan: vmac_xmit_base set, then cleared (not a VMAC); both reported",
        lines: " use_ipvlan vm13ipv 192.0.2.9\n unicast_peer {\n  192.0.2.7\n }\n",
        vips: "192.0.2.1/24",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &["vmac_xmit_base is set", "only valid with use_vmac"],
        ipvlan: Some(IpvlanMode::Bridge),
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "use_vmac_addr: a VMAC for the VIP on another interface and one for the eVIP \
               of the other family, none for the VIP on the instance's interface",
        lines: " use_vmac_addr\n",
        vips: "192.0.2.1/24\n  192.0.2.2/24 dev ens193\n }\n virtual_ipaddress_excluded {\n  \
               2001:db8::6/64\n  192.0.2.3/24 dev ens193",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        older_227: false,
        ours_say: &[],
        ipvlan: None,
        xmit_base: false,
        fault: false,
        own_vmacs: &[
            ("192.0.2.2", "vrrp.1"),
            ("2001:db8::6", "vrrp6.1"),
            ("192.0.2.3", "vrrp.1"),
        ],
    },
    Case {
        name: "use_vmac_addr beside use_vmac: the instance's VMAC is vrrp.1, the address \
               VMAC takes the next name",
        lines: " use_vmac\n use_vmac_addr\n",
        vips: "192.0.2.1/24\n  192.0.2.2/24 dev ens193",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        older_227: false,
        ours_say: &[],
        ipvlan: None,
        xmit_base: false,
        fault: false,
        own_vmacs: &[("192.0.2.2", "vrrp1.1")],
    },
    Case {
        name: "an address's own use_vmac: on another interface, and on the instance's \
               (which has no use_vmac)",
        lines: "",
        vips: "192.0.2.1/24 use_vmac\n  192.0.2.2/24 dev ens193 use_vmac\n  192.0.2.3/24",
        keepalived_227: true,
        keepalived_243: true,
        we_accept: true,
        older_227: false,
        ours_say: &[],
        ipvlan: None,
        xmit_base: false,
        fault: false,
        own_vmacs: &[("192.0.2.1", "vrrp.1"), ("192.0.2.2", "vrrp1.1")],
    },
    Case {
        name: "an address's use_vmac where the instance's VMAC carries it: cleared, reported",
        lines: " use_vmac\n",
        vips: "192.0.2.1/24\n  192.0.2.3/24 use_vmac",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &["use_vmac on 192.0.2.3 is redundant"],
        ipvlan: None,
        xmit_base: false,
        fault: false,
        own_vmacs: &[],
    },
    Case {
        name: "an address's use_vmac where use_vmac_addr gives it one: cleared, reported",
        lines: " use_vmac_addr\n",
        vips: "192.0.2.1/24\n  192.0.2.2/24 dev ens193 use_vmac",
        keepalived_227: false,
        keepalived_243: false,
        we_accept: true,
        older_227: false,
        ours_say: &["use_vmac on 192.0.2.2 is redundant"],
        ipvlan: None,
        xmit_base: false,
        fault: false,
        own_vmacs: &[("192.0.2.2", "vrrp.1")],
    },
];

#[test]
fn keepalived_and_we_agree_on_the_vmac_keywords() {
    let mut parity = Parity::new("config_vmac");
    for (index, case) in CASES.iter().enumerate() {
        let text = format!(
            "{PRELUDE}vrrp_instance V {{\n interface ens192\n virtual_router_id 1\n{}{}{}\n }}\n}}\n",
            case.lines, " virtual_ipaddress {\n  ", case.vips
        );
        let path = parity.file(index, &text);
        let ours = load(&path);
        if ours.is_ok() != case.we_accept {
            parity.wrong.push(format!(
                "{}: we accept={} ({ours:?})",
                case.name,
                ours.is_ok()
            ));
        }
        if let Ok(loaded) = &ours {
            let said: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
            for fragment in case.ours_say {
                if !said.iter().any(|w| w.contains(fragment)) {
                    parity.wrong.push(format!(
                        "{}: we never say {fragment:?}: {said:?}",
                        case.name
                    ));
                }
            }
            let quiet = case.keepalived_227 && case.keepalived_243;
            if quiet && said.len() != case.ours_say.len() {
                parity.wrong.push(format!(
                    "{}: keepalived is silent, we say {said:?}",
                    case.name
                ));
            }
            let inst = &loaded.config.instances[0];
            let ran = (
                inst.use_ipvlan.as_ref().map(|i| i.mode),
                inst.vmac_xmit_base,
                inst.ipvlan_fault().is_some(),
            );
            if ran != (case.ipvlan, case.xmit_base, case.fault) {
                parity
                    .wrong
                    .push(format!("{}: runs with {ran:?}", case.name));
            }
            let driver = driver_config(&loaded.config).unwrap();
            let spec = &driver.instances[0];
            let own: Vec<(String, String)> = spec
                .installed()
                .filter_map(|vip| {
                    let interface = vip.interface.as_ref()?;
                    spec.addr_vmacs
                        .iter()
                        .any(|v| v.name == *interface)
                        .then(|| (vip.addr.to_string(), interface.clone()))
                })
                .collect();
            let expected: Vec<(String, String)> = case
                .own_vmacs
                .iter()
                .map(|(a, v)| ((*a).to_string(), (*v).to_string()))
                .collect();
            if own != expected {
                parity.wrong.push(format!(
                    "{}: addresses on their own VMACs {own:?}",
                    case.name
                ));
            }
        }
        let expected = by_version(case.keepalived_227, case.keepalived_243);
        for verdict in parity.check(case.name, &path, expected) {
            let Ok(loaded) = &ours else { continue };
            if verdict.version == "2.2.7" && case.older_227 {
                continue;
            }
            let lines: Vec<u32> = loaded.warnings.iter().map(|w| w.at.line).collect();
            parity.lines_covered(
                case.name,
                &verdict,
                |line| {
                    let range = block_ending_at(&text, line).unwrap_or((line, line));
                    lines.iter().any(|l| (range.0..=range.1).contains(l))
                },
                &lines,
            );
        }
    }
    parity.finish();
}
