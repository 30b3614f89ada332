//! `fifo_write_vrrp_states_on_reload` against keepalived's own `-t`, 2.2.7
//! (Debian's) and 2.4.3: both accept it with or without arguments (which
//! they do not read: `off` turns it on too), and so do we, warning on the
//! arguments. What it does is tested in the lab (`tests/lab_fifo_reload.rs`).
//!
//! Needs the `keepalived` binary; without it the test says SKIPPED and passes.

use std::fs;

use vrrp_keepalived::conf::Severity;
use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::{keepalived, keepalived_check, lines_named};

/// The `global_defs` line, and whether we warn on it.
const CASES: &[(&str, bool)] = &[
    ("fifo_write_vrrp_states_on_reload", false),
    ("fifo_write_vrrp_states_on_reload off", true),
    ("fifo_write_vrrp_states_on_reload a b", true),
];

#[test]
fn keepalived_and_we_agree() {
    let binaries = keepalived();
    if binaries.is_empty() {
        eprintln!("SKIPPED: keepalived is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("config_fifo_reload_{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for (n, &(line, warned)) in CASES.iter().enumerate() {
        let path = dir.join(format!("case{n}.conf"));
        let text = format!(
            "global_defs {{\n dynamic_interfaces\n {line}\n}}\nvrrp_instance V {{\n \
             interface ens1\n virtual_router_id 1\n virtual_ipaddress {{\n  192.0.2.1/24\n \
             }}\n}}\n"
        );
        fs::write(&path, text).unwrap();
        let prepared = match prepare(&path, &Options::default()) {
            Ok(prepared) => prepared,
            Err(error) => {
                disagreements.push(format!("{line}: we refuse: {error}"));
                continue;
            }
        };
        let on = prepared.config.notify.states_on_reload;
        let ours: Vec<u32> = prepared
            .warnings
            .iter()
            .filter(|w| w.severity == Severity::Warning)
            .map(|w| w.at.line)
            .collect();
        if !on || (ours == [3]) != warned || ours.iter().any(|&l| l != 3) {
            disagreements.push(format!(
                "{line}: on={on}, our warnings {:?}",
                prepared.warnings
            ));
        }
        for binary in &binaries {
            compared += 1;
            let (theirs, output) = keepalived_check(binary, &path);
            if !theirs || !lines_named(&output).is_empty() {
                disagreements.push(format!(
                    "{line} ({}): keepalived accepts={theirs}:\n{output}",
                    binary.display()
                ));
            }
        }
    }
    let _ = fs::remove_dir_all(&dir);
    assert!(compared > 0);
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n\n"));
}
