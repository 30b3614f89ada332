//! `startup_script`, `startup_script_timeout`, `shutdown_script` and
//! `shutdown_script_timeout` against keepalived's own `-t`, 2.2.7
//! (Debian's) and 2.4.3: the verdict each case states (but 2.2.7's `-t`
//! kills itself when a script is set, a bug 2.4.3 fixed), and our `-t` (`daemon::prepare` with the host checks) accepts
//! the file, warning on every line keepalived reports (its daemon goes on
//! without such a line). The files set `enable_script_security`, without
//! which keepalived's `-t` fails on any start/stop script. What the
//! scripts do is tested in the lab (`tests/lab_hook_scripts.rs`).
//!
//! Needs the `keepalived` binary for the comparison; without it (outside
//! CI) our side is still checked and the comparison says SKIPPED.

use std::time::Duration;

use vrrp_keepalived::conf::Severity;
use vrrp_keepalived::daemon::{Options, prepare};

#[path = "support/keepalived_t.rs"]
mod keepalived_t;
use keepalived_t::Parity;

/// Lines of `global_defs`, keepalived's verdict, and our startup and
/// shutdown timeouts in seconds (`None`: no such script).
const CASES: &[(&str, bool, Option<u64>, Option<u64>)] = &[
    (" startup_script /bin/true", true, Some(10), None),
    (
        " shutdown_script \"/bin/echo stopped\" nobody\n shutdown_script_timeout 3",
        true,
        None,
        Some(3),
    ),
    (" startup_script", false, None, None),
    (
        " startup_script /bin/true\n startup_script /bin/false",
        false,
        Some(10),
        None,
    ),
    (
        " startup_script_timeout 0\n startup_script /bin/true",
        false,
        Some(10),
        None,
    ),
    (
        " startup_script /bin/true\n startup_script_timeout 1001",
        false,
        Some(10),
        None,
    ),
    (" shutdown_script_timeout abc", false, None, None),
    (" shutdown_script_timeout", false, None, None),
];

#[test]
fn keepalived_and_we_agree() {
    let mut parity = Parity::new("config_hook_scripts");
    for (n, &(global, accepted, startup, shutdown)) in CASES.iter().enumerate() {
        let path = parity.file(
            n,
            &format!(
                "global_defs {{\n dynamic_interfaces\n enable_script_security\n script_user nobody\n\
                 {global}\n}}\nvrrp_instance V {{\n interface ens1\n virtual_router_id 1\n \
                 virtual_ipaddress {{\n  192.0.2.1/24\n }}\n}}\n"
            ),
        );
        let prepared = match prepare(&path, &Options::default()) {
            Ok(prepared) => prepared,
            Err(error) => {
                parity.wrong.push(format!("{global}: we refuse: {error}"));
                continue;
            }
        };
        let timeouts = (
            prepared.startup.as_ref().map(|s| s.timeout),
            prepared.shutdown.as_ref().map(|s| s.timeout),
        );
        if timeouts
            != (
                startup.map(Duration::from_secs),
                shutdown.map(Duration::from_secs),
            )
        {
            parity
                .wrong
                .push(format!("{global}: our scripts' timeouts {timeouts:?}"));
        }
        let warned: Vec<u32> = prepared
            .warnings
            .iter()
            .filter(|w| w.severity == Severity::Warning)
            .map(|w| w.at.line)
            .collect();
        if accepted && !warned.is_empty() {
            parity
                .wrong
                .push(format!("{global}: we warn: {:?}", prepared.warnings));
        }
        // 2.2.7's `-t` ends by SIGTERM when a script is set (exit 143).
        let scripts = startup.is_some() || shutdown.is_some();
        let verdicts = parity.check(global, &path, |version| {
            accepted && !(scripts && version == "2.2.7")
        });
        for verdict in &verdicts {
            parity.lines_covered(
                global,
                verdict,
                |line| warned.contains(&line),
                &prepared.warnings,
            );
        }
    }
    parity.finish();
}
