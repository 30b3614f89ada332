//! `vmac_prefix` and `vmac_addr_prefix` against keepalived's own `-t`,
//! 2.2.7 (Debian's) and 2.4.3, which agree on each case: the verdict each
//! case states, and ours: a missing prefix is refused on its line, a second
//! one is warned and ignored (keepalived's `-t` fails on it, its daemon
//! keeps the first). The names made are checked here; the VMACs keepalived
//! and ours create, in the lab (`tests/lab_vmac_prefix.rs`).
//!
//! Needs the `keepalived` binary; without it the test says SKIPPED and passes.

use std::fs;

use vrrp_keepalived::conf::Severity;
use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{keepalived, keepalived_check, lines_named};

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
    let binaries = keepalived();
    if binaries.is_empty() {
        eprintln!("SKIPPED: keepalived is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("config_vmac_prefix_{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for (n, &(global, accepted, we_accept, names)) in CASES.iter().enumerate() {
        let path = dir.join(format!("case{n}.conf"));
        // The IPv6 eVIP gets a VMAC of its own (`use_vmac_addr`).
        let text = format!(
            "global_defs {{\n dynamic_interfaces\n{global}\n}}\nvrrp_instance V {{\n \
             interface ens1\n use_vmac\n use_vmac_addr\n virtual_router_id 51\n \
             virtual_ipaddress {{\n  192.0.2.1/24\n }}\n virtual_ipaddress_excluded {{\n  \
             2001:db8::1/64\n }}\n}}\n"
        );
        fs::write(&path, text).unwrap();
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
                    disagreements.push(format!("{global}: our VMACs {made:?}, not {names:?}"));
                }
                (p.warnings.iter())
                    .filter(|w| w.severity == Severity::Warning)
                    .map(|w| w.at.line)
                    .collect()
            }
            Err(error) => {
                if !error.to_string().contains(":3:") {
                    disagreements.push(format!("{global}: not on its line: {error}"));
                }
                vec![3]
            }
        };
        if ours.is_ok() != we_accept || (accepted && !warned.is_empty()) {
            disagreements.push(format!("{global}: ours {:?}", ours.map(|p| p.warnings)));
            continue;
        }
        for binary in &binaries {
            compared += 1;
            let (theirs, output) = keepalived_check(binary, &path);
            if theirs != accepted {
                disagreements.push(format!(
                    "{global} ({}): keepalived accepts={theirs}, expected {accepted}:\n{output}",
                    binary.display()
                ));
            }
            for line in lines_named(&output) {
                if !warned.contains(&line) {
                    disagreements.push(format!(
                        "{global} ({}): nothing of ours on line {line}:\n{output}",
                        binary.display()
                    ));
                }
            }
        }
    }
    let _ = fs::remove_dir_all(&dir);
    assert!(compared > 0);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}
