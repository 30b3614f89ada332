//! `log_unknown_vrids` in the lab (`vrrp-lab`): a node with it logs the
//! adverts of a neighbour's VRID it does not run (as keepalived logs
//! "Unknown VRID(52) received on interface(eth0)"); without it, nothing.
//! Needs root.

use vrrp_lab as lab;

use std::time::Duration;

use lab::keepalived::{Config, Instance, with_global};
use lab::{Daemon, Host, Lab};

fn config(host: &Host<'_>, vrid: u8, vip: &str, log: bool) -> String {
    let text = Config::new(host.name())
        .instance(Instance::new("VI_1", vrid).vip(vip))
        .to_string();
    if log {
        with_global(&text, "log_unknown_vrids")
    } else {
        text
    }
}

#[test]
fn unknown_vrids_are_logged_only_when_asked() {
    let Some(lab) = Lab::new("log_unknown_vrids") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.2/24"]);
    let b = lab.host("b", &["192.0.2.3/24"]);
    let c = lab.host("c", &["192.0.2.4/24"]);
    let logs = Daemon::ours().start(&a, &config(&a, 51, "192.0.2.100/24", true));
    let silent = Daemon::ours().start(&c, &config(&c, 53, "192.0.2.102/24", false));
    let _b = Daemon::ours().start(&b, &config(&b, 52, "192.0.2.101/24", false));
    // b becomes Master after 3.6 s and advertises every second.
    logs.wait_log("unknown VRID received", Duration::from_secs(8))
        .unwrap_or_else(|| panic!("no unknown-VRID line:\n{}", logs.log()));
    let text = logs.log();
    let line = text
        .lines()
        .find(|l| l.contains("unknown VRID received"))
        .unwrap();
    assert!(
        line.contains("vrid=52") || line.contains("vrid=53"),
        "{line}"
    );
    assert!(line.contains("eth0"), "{line}");
    assert!(
        !silent.log().contains("unknown VRID"),
        "logged without log_unknown_vrids:\n{}",
        silent.log()
    );
}
