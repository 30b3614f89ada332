//! `fifo_write_vrrp_states_on_reload` against keepalived's own `-t`, 2.2.7
//! (Debian's) and 2.4.3: both accept it with or without arguments (which
//! they do not read: `off` turns it on too), and so do we, warning on the
//! arguments. What it does is tested in the lab (`tests/lab_fifo_reload.rs`).
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use vrrp_keepalived::conf::Severity;
use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::Parity;

/// The `global_defs` line, and whether we warn on it.
const CASES: &[(&str, bool)] = &[
    ("fifo_write_vrrp_states_on_reload", false),
    ("fifo_write_vrrp_states_on_reload off", true),
    ("fifo_write_vrrp_states_on_reload a b", true),
];

#[test]
fn keepalived_and_we_agree() {
    let mut parity = Parity::new("config_fifo_reload");
    for (n, &(line, warned)) in CASES.iter().enumerate() {
        let path = parity.file(
            n,
            &format!(
                "global_defs {{\n dynamic_interfaces\n {line}\n}}\nvrrp_instance V {{\n \
                 interface ens1\n virtual_router_id 1\n virtual_ipaddress {{\n  192.0.2.1/24\n \
                 }}\n}}\n"
            ),
        );
        let prepared = match prepare(&path, &Options::default()) {
            Ok(prepared) => prepared,
            Err(error) => {
                parity.wrong.push(format!("{line}: we refuse: {error}"));
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
            parity.wrong.push(format!(
                "{line}: on={on}, our warnings {:?}",
                prepared.warnings
            ));
        }
        // keepalived accepts it and names no line.
        for verdict in parity.check(line, &path, |_| true) {
            if !verdict.lines.is_empty() {
                parity.wrong.push(format!(
                    "{line} ({}): keepalived names lines {:?}:\n{}",
                    verdict.version, verdict.lines, verdict.output
                ));
            }
        }
    }
    parity.finish();
}
