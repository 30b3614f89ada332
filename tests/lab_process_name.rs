//! `process_name` and `vrrp_process_name` end to end in the lab
//! (`vrrp-lab`): our daemon and keepalived 2.4.3 run with both; the
//! VRRP process (ours: our one process) takes `vrrp_process_name`,
//! keepalived's main one `process_name`; a reload with another
//! `vrrp_process_name` renames the VRRP process. Needs root; keepalived
//! 2.4.3 where it can be had.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Signal};

const VIP: &str = "192.0.2.100";

fn config(vrrp_name: &str) -> String {
    Config::new("a")
        .instance(Instance::new("VI_1", 51).vip(VIP))
        .to_string()
        .replacen(
            "global_defs {\n",
            &format!(
                "global_defs {{\n    process_name lbmain\n    vrrp_process_name {vrrp_name}\n"
            ),
            1,
        )
}

/// The name of the process whose pid `file` (in `a`'s directory) holds,
/// asked in `a`'s PID namespace.
fn comm(a: &Host<'_>, file: &str) -> String {
    let Ok(pid) = std::fs::read_to_string(a.dir().join(file)) else {
        return String::new();
    };
    let out = a.exec(&["cat", &format!("/proc/{}/comm", pid.trim())]);
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn run(test: &str, daemon: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let name = daemon.name();
    let mut proc = daemon.start(&a, &config("lbvrrp"));
    // The lab's pid files: keepalived's main one and its VRRP one; ours
    // is one process, its file the main one.
    let vrrp_file = if daemon.is_keepalived() {
        "vrrp.pid"
    } else {
        "keepalived.pid"
    };
    let vip: IpAddr = VIP.parse().unwrap();
    let up = wait_for(Duration::from_secs(20), || {
        a.has_address(vip) && comm(&a, vrrp_file) == "lbvrrp"
    });
    assert!(
        up.is_some(),
        "{name}: never Master named lbvrrp (named {:?})\n{}",
        comm(&a, vrrp_file),
        proc.log()
    );
    if daemon.is_keepalived() {
        assert_eq!(comm(&a, "keepalived.pid"), "lbmain", "{name}: main process");
    }
    std::fs::write(daemon.config_path(&a), config("lbvrrp2")).unwrap();
    proc.kill(Signal::SIGHUP);
    let renamed = wait_for(Duration::from_secs(20), || comm(&a, vrrp_file) == "lbvrrp2");
    assert!(
        renamed.is_some(),
        "{name}: not renamed on reload (named {:?})\n{}",
        comm(&a, vrrp_file),
        proc.log()
    );
    assert!(a.has_address(vip), "{name}: the reload lost the VIP");
    proc.kill(Signal::SIGTERM);
    let stopped = wait_for(Duration::from_secs(20), || !proc.is_running());
    assert!(stopped.is_some(), "{name} does not stop\n{}", proc.log());
}

#[test]
fn ours_takes_vrrp_process_name_and_a_reload_renames_it() {
    run("procname_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_does_the_same() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    run("procname_keepalived_243", &daemon);
}
