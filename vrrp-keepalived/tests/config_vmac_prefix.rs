//! `vmac_prefix` and `vmac_addr_prefix` against keepalived's own `-t`,
//! 2.2.7 (Debian's) and 2.4.3, which agree on each case: the verdict each
//! case states, and ours: a missing prefix is refused on its line, a second
//! one is warned and ignored (keepalived's `-t` fails on it, its daemon
//! keeps the first). The names made are checked here; the VMACs keepalived
//! and ours create, in the lab (`tests/lab_vmac_prefix.rs`).
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use vrrp_keepalived::conf::Severity;
use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::Parity;

/// Lines of `global_defs`, keepalived's verdict, whether we accept it, and
/// then the instance's VMAC and its address VMAC.
const CASES: &[(&str, bool, bool, [&str; 2])] = &[
    ("", true, true, ["vrrp.51", "vrrp6.51"]),
    (" vmac_prefix kb13", true, true, ["kb13.51", "kb136.51"]),
    (
        " vmac_prefix kb13\n vmac_addr_prefix kb13a",
        true,
        true,
        ["kb13.51", "kb13a.51"],
    ),
    (
        " vmac_addr_prefix kb13a",
        true,
        true,
        ["vrrp.51", "kb13a.51"],
    ),
    (
        " vmac_prefix kb13\n vmac_prefix other",
        false,
        true,
        ["kb13.51", "kb136.51"],
    ),
    (
        " vmac_addr_prefix kb13a\n vmac_addr_prefix other",
        false,
        true,
        ["vrrp.51", "kb13a.51"],
    ),
    (" vmac_prefix", false, false, ["", ""]),
];

#[test]
fn keepalived_and_we_agree() {
    let mut parity = Parity::new("config_vmac_prefix");
    for (n, &(global, accepted, we_accept, names)) in CASES.iter().enumerate() {
        // The IPv6 eVIP gets a VMAC of its own (`use_vmac_addr`).
        let path = parity.file(
            n,
            &format!(
                "global_defs {{\n dynamic_interfaces\n{global}\n}}\nvrrp_instance V {{\n \
                 interface ens1\n use_vmac\n use_vmac_addr\n virtual_router_id 51\n \
                 virtual_ipaddress {{\n  192.0.2.1/24\n }}\n virtual_ipaddress_excluded {{\n  \
                 2001:db8::1/64\n }}\n}}\n"
            ),
        );
        let ours = prepare(&path, &Options::default());
        let warned: Vec<u32> = match &ours {
            Ok(p) => {
                let spec = &p.config.instances[0];
                let made = [
                    spec.vmac.clone().unwrap_or_default(),
                    spec.addr_vmacs
                        .first()
                        .map(|v| v.name.clone())
                        .unwrap_or_default(),
                ];
                if made != names {
                    parity
                        .wrong
                        .push(format!("{global}: our VMACs {made:?}, not {names:?}"));
                }
                (p.warnings.iter())
                    .filter(|w| w.severity == Severity::Warning)
                    .map(|w| w.at.line)
                    .collect()
            }
            Err(error) => {
                if !error.to_string().contains(":3:") {
                    parity
                        .wrong
                        .push(format!("{global}: not on its line: {error}"));
                }
                vec![3]
            }
        };
        if ours.is_ok() != we_accept || (accepted && !warned.is_empty()) {
            parity
                .wrong
                .push(format!("{global}: ours {:?}", ours.map(|p| p.warnings)));
            continue;
        }
        for verdict in &parity.check(global, &path, |_| accepted) {
            parity.lines_covered(global, verdict, |line| warned.contains(&line), &warned);
        }
    }
    parity.finish();
}
