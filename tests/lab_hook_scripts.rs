//! `startup_script` and `shutdown_script` end to end in the lab
//! (`vrrp-lab`), keepalived 2.4.3 and ours alike: the startup script runs
//! before the instance starts (the addresses it sees lack the VIP) and is
//! killed at `startup_script_timeout` (it would sleep 30 s and then leave a
//! mark), after which the instance starts; the shutdown script runs after
//! the instance stopped (the VIP is gone by then). Needs root; keepalived
//! 2.4.3 where it can be had.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance, with_global};
use lab::watch::wait_for;
use lab::{Daemon, Lab, Signal};

const VIP: &str = "192.0.2.100";
/// `startup_script_timeout`: the startup script (30 s) is killed at it.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the daemon may take to become Master, and to stop.
const WAIT: Duration = Duration::from_secs(20);

fn run(test: &str, daemon: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let dir = a.dir();
    // $1: the file for the addresses; $2: seconds to sleep, then a mark.
    let hook = a.script(
        "hook.sh",
        &format!(
            "#!/bin/sh\nip -o addr show > {0}/$1\nsleep $2\ntouch {0}/$1.late\n",
            dir.display()
        ),
    );
    let globals = format!(
        "startup_script \"{0} started 30\"\nstartup_script_timeout {1}\n\
         shutdown_script \"{0} stopped 0\"",
        hook.display(),
        STARTUP_TIMEOUT.as_secs()
    );
    let config = with_global(
        &Config::new("a")
            .instance(Instance::new("VI_1", 51).vip(VIP))
            .to_string(),
        &globals,
    );
    let name = daemon.name();
    let mut proc = daemon.start(&a, &config);
    let vip: IpAddr = VIP.parse().unwrap();
    let up = wait_for(WAIT, || a.has_address(vip));
    assert!(
        up.is_some(),
        "{name}: never Master within {WAIT:?}\n{}",
        proc.log()
    );
    // Killed at its timeout, with what it started: no `sleep 30` is left.
    let left = a.exec(&["pgrep", "-f", "sleep 30"]);
    assert!(
        !left.status.success(),
        "{name}: the startup script outlived its timeout ({STARTUP_TIMEOUT:?}): pids {}",
        String::from_utf8_lossy(&left.stdout)
    );
    let started = std::fs::read_to_string(dir.join("started")).unwrap_or_default();
    assert!(
        started.contains("192.0.2.1/24") && !started.contains(VIP),
        "{name}: the startup script saw:\n{started}"
    );
    proc.kill(Signal::SIGTERM);
    let stopped = wait_for(WAIT, || !proc.is_running());
    assert!(stopped.is_some(), "{name} does not stop within {WAIT:?}");
    let seen = std::fs::read_to_string(dir.join("stopped")).unwrap_or_default();
    assert!(
        seen.contains("192.0.2.1/24") && !seen.contains(VIP),
        "{name}: the shutdown script saw:\n{seen}\n{}",
        proc.log()
    );
    assert!(
        !dir.join("started.late").exists(),
        "{name}: the startup script outlived its timeout ({STARTUP_TIMEOUT:?})"
    );
    assert!(
        dir.join("stopped.late").exists(),
        "{name}: the shutdown script did not run whole"
    );
}

#[test]
fn ours_runs_the_startup_and_shutdown_scripts() {
    run("hook_scripts_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_runs_them_the_same() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    run("hook_scripts_keepalived_243", &daemon);
}
