//! `umask` end to end in the lab (`vrrp-lab`): our daemon and keepalived
//! 2.4.3 run with `umask 0027`, then without the keyword (keepalived's
//! 0177); the modes of what each creates are the same: the state dump
//! (SIGUSR1: 0666 less the mask), the notify FIFO (0644 less the mask),
//! the pid file (0644 whatever the mask), the daemon's own mask
//! (`/proc/PID/status`) and its `notify_master` script's (inherited).
//! And `-u 0027` on the command line over `umask 0077` in the file: the
//! command line wins, in both daemons.
//! Needs root; keepalived 2.4.3 where it can be had.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Lab, Signal};

const VIP: &str = "192.0.2.100";

/// The modes and masks seen, in octal.
#[derive(Debug, PartialEq, Eq)]
struct Modes {
    dump: String,
    fifo: String,
    pid_file: String,
    daemon_umask: String,
    script_umask: String,
}

fn mode(path: &Path) -> String {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:04o}", meta.permissions().mode() & 0o7777)
}

/// `umask`: the file's keyword; `command_line`: `-u`'s mask.
fn run(
    test: &str,
    daemon: &Daemon,
    umask: Option<&str>,
    command_line: Option<&str>,
) -> Option<Modes> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24"]);
    let dir = a.dir();
    let notify = a.script(
        "notify.sh",
        &format!(
            "#!/bin/sh\numask > {0}/script.tmp\nmv {0}/script.tmp {0}/script.umask\n",
            dir.display()
        ),
    );
    let fifo = dir.join("notify.fifo");
    let mut globals = format!("global_defs {{\n    notify_fifo {}\n", fifo.display());
    if let Some(umask) = umask {
        globals.push_str(&format!("    umask {umask}\n"));
    }
    let config = Config::new("a")
        .instance(
            Instance::new("VI_1", 51)
                .vip(VIP)
                .line(&format!("notify_master {}", notify.display())),
        )
        .to_string()
        .replacen("global_defs {\n", &globals, 1);
    let name = daemon.name();
    // keepalived's pid file is `keepalived.pid` in the host's directory.
    let pid_file = dir.join("keepalived.pid");
    let pid_path = pid_file.display().to_string();
    let mut extra = Vec::new();
    if !daemon.is_keepalived() {
        extra.extend(["-p", pid_path.as_str()]);
    }
    if let Some(mask) = command_line {
        extra.extend(["-u", mask]);
    }
    let mut proc = daemon.start_with(&a, &config, &extra);
    let vip: IpAddr = VIP.parse().unwrap();
    let up = wait_for(Duration::from_secs(20), || {
        a.has_address(vip) && dir.join("script.umask").exists() && pid_file.exists()
    });
    assert!(up.is_some(), "{name}: never Master\n{}", proc.log());
    let dump = dir.join("keepalived.data");
    proc.kill(Signal::SIGUSR1);
    let dumped = wait_for(Duration::from_secs(10), || dump.exists());
    assert!(
        dumped.is_some(),
        "{name}: no {}\n{}",
        dump.display(),
        proc.log()
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", proc.pid())).unwrap();
    let daemon_umask = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .unwrap()
        .trim()
        .to_owned();
    let modes = Modes {
        dump: mode(&dump),
        fifo: mode(&fifo),
        pid_file: mode(&pid_file),
        daemon_umask,
        script_umask: std::fs::read_to_string(dir.join("script.umask"))
            .unwrap()
            .trim()
            .to_owned(),
    };
    proc.kill(Signal::SIGTERM);
    let stopped = wait_for(Duration::from_secs(20), || !proc.is_running());
    assert!(stopped.is_some(), "{name} does not stop\n{}", proc.log());
    Some(modes)
}

fn expected(umask: &str, dump: &str, fifo: &str) -> Modes {
    Modes {
        dump: dump.into(),
        fifo: fifo.into(),
        pid_file: "0644".into(),
        daemon_umask: umask.into(),
        script_umask: umask.into(),
    }
}

fn configured(test: &str, daemon: &Daemon) {
    // Symbolic for one daemon, numeric for the other: the same mask.
    let umask = if daemon.is_keepalived() {
        "IWGRP|IRWXO"
    } else {
        "0027"
    };
    if let Some(modes) = run(test, daemon, Some(umask), None) {
        assert_eq!(modes, expected("0027", "0640", "0640"), "{}", daemon.name());
    }
}

fn default(test: &str, daemon: &Daemon) {
    if let Some(modes) = run(test, daemon, None, None) {
        assert_eq!(modes, expected("0177", "0600", "0600"), "{}", daemon.name());
    }
}

fn command_line_wins(test: &str, daemon: &Daemon) {
    if let Some(modes) = run(test, daemon, Some("0077"), Some("0027")) {
        assert_eq!(modes, expected("0027", "0640", "0640"), "{}", daemon.name());
    }
}

#[test]
fn ours_takes_the_command_line_s_umask_over_the_file_s() {
    command_line_wins("umask_cli_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_takes_it_too() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    command_line_wins("umask_cli_keepalived_243", &daemon);
}

#[test]
fn ours_creates_files_with_the_configured_umask() {
    configured("umask_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_creates_them_the_same() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    configured("umask_keepalived_243", &daemon);
}

#[test]
fn ours_uses_keepalived_s_umask_by_default() {
    default("umask_default_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_uses_it_by_default() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    default("umask_default_keepalived_243", &daemon);
}
