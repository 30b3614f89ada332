//! Pid files as keepalived keeps them, end to end in the lab (`vrrp-lab`):
//! a daemon (ours, keepalived 2.4.3 or 2.2.7) runs with its pid file
//! (2.4.3 and ours hold it locked; 2.2.7 only writes it); a second one
//! started on the same pid file (ours, keepalived 2.4.3 or 2.2.7) is
//! refused and says so, the first goes on untouched
//! (its VIP, its pid file); a stale pid file (nobody holds it) is taken
//! over. Needs root; keepalived 2.4.3 where it can be had.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Proc, Signal};

const VIP: &str = "192.0.2.100";

fn config() -> String {
    Config::new("a")
        .instance(Instance::new("VI_1", 51).vip(VIP))
        .to_string()
}

/// Starts `daemon` on `a` (its pid file `keepalived.pid` in `a`'s
/// directory, the lab's) and waits until it is Master with it.
fn start_first(a: &Host<'_>, daemon: &Daemon) -> Proc {
    let proc = daemon.start(a, &config());
    let pid_file = a.dir().join("keepalived.pid");
    let vip: IpAddr = VIP.parse().unwrap();
    let up = wait_for(Duration::from_secs(20), || {
        a.has_address(vip) && std::fs::read_to_string(&pid_file).is_ok_and(|p| !p.trim().is_empty())
    });
    assert!(
        up.is_some(),
        "{}: never Master with its pid file\n{}",
        daemon.name(),
        proc.log()
    );
    proc
}

/// Runs `second` on `a` with the first's pid file; what it said and how it
/// ended. keepalived gets its other pid files of its own.
fn run_second(a: &Host<'_>, second: &Daemon) -> (Option<i32>, String) {
    let dir = a.dir();
    let path = dir.join("second.conf");
    std::fs::write(&path, config()).unwrap();
    let pid = dir.join("keepalived.pid").display().to_string();
    let mut argv: Vec<String> = vec!["timeout".into(), "20".into()];
    match second {
        Daemon::Ours(program) => argv.extend([
            program.display().to_string(),
            "-f".into(),
            path.display().to_string(),
            "--status-file".into(),
            dir.join("second.json").display().to_string(),
            "-p".into(),
            pid,
        ]),
        _ => {
            // The lab's keepalived pid files, with the first's main one.
            let mut theirs = second.argv_without_pid_files(&path, dir);
            theirs.extend(["-p".into(), pid]);
            for (flag, file) in [("-r", "second_vrrp.pid"), ("-c", "second_checkers.pid")] {
                theirs.extend([flag.into(), dir.join(file).display().to_string()]);
            }
            argv.extend(theirs);
        }
    }
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let out = a.exec(&argv);
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), said)
}

fn refused(test: &str, first: &Daemon, second: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let mut proc = start_first(&a, first);
    let pid_file = a.dir().join("keepalived.pid");
    let before = std::fs::read_to_string(&pid_file).unwrap();
    let (code, said) = run_second(&a, second);
    let names = (first.name(), second.name());
    if second.is_keepalived() {
        // keepalived logs it and ends (status 0: "goto end"); 2.4.3 on the
        // lock ("Another process has pid file ... locked"), 2.2.7 on the
        // pid the file names being alive.
        assert!(
            said.contains("daemon is already running"),
            "{names:?}: {code:?}\n{said}"
        );
    } else {
        assert_eq!(code, Some(1), "{names:?}: {said}");
        assert!(
            said.contains("another process holds this pid file locked")
                && said.contains(&pid_file.display().to_string())
                && said.contains(&format!("pid {}", before.trim())),
            "{names:?}: {said}"
        );
    }
    assert!(
        proc.is_running(),
        "{names:?}: the first ended\n{}",
        proc.log()
    );
    let vip: IpAddr = VIP.parse().unwrap();
    assert!(a.has_address(vip), "{names:?}: the first lost its VIP");
    assert_eq!(
        std::fs::read_to_string(&pid_file).unwrap(),
        before,
        "{names:?}: the first's pid file changed"
    );
    proc.kill(Signal::SIGTERM);
    let stopped = wait_for(Duration::from_secs(20), || !proc.is_running());
    assert!(stopped.is_some(), "{names:?}: the first does not stop");
    assert!(!pid_file.exists(), "{names:?}: the pid file stays");
}

#[test]
fn ours_refuses_to_start_beside_ours() {
    refused("pidfile_ours_ours", &Daemon::ours(), &Daemon::ours());
}

#[test]
fn ours_refuses_to_start_beside_keepalived_243() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        refused("pidfile_243_ours", &keepalived, &Daemon::ours());
    }
}

#[test]
fn keepalived_243_refuses_to_start_beside_ours() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        refused("pidfile_ours_243", &Daemon::ours(), &keepalived);
    }
}

#[test]
fn ours_refuses_to_start_beside_keepalived_227() {
    refused("pidfile_227_ours", &Daemon::Keepalived, &Daemon::ours());
}

#[test]
fn keepalived_227_refuses_to_start_beside_ours() {
    refused("pidfile_ours_227", &Daemon::ours(), &Daemon::Keepalived);
}

#[test]
fn a_stale_pid_file_is_taken_over() {
    let Some(lab) = Lab::new("pidfile_stale") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let pid_file = a.dir().join("keepalived.pid");
    // A pid no process has (above pid_max): a daemon that died.
    std::fs::write(&pid_file, "4194305\n").unwrap();
    let mut proc = start_first(&a, &Daemon::ours());
    let ours = wait_for(Duration::from_secs(20), || {
        let now = std::fs::read_to_string(&pid_file).unwrap_or_default();
        now.trim() != "4194305" && now.trim().parse::<u32>().is_ok()
    });
    assert!(
        ours.is_some(),
        "the stale pid file is not ours: {:?}\n{}",
        std::fs::read_to_string(&pid_file),
        proc.log()
    );
    proc.kill(Signal::SIGTERM);
    let stopped = wait_for(Duration::from_secs(20), || !proc.is_running());
    assert!(stopped.is_some(), "ours does not stop");
}
