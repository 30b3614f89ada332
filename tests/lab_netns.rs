//! `net_namespace` end to end in the lab (`vrrp-lab`): our daemon, started
//! in the root network namespace with `net_namespace <host a's namespace>`,
//! runs VRRP inside it against keepalived (2.2.7 and 2.4.3) on host b, in
//! each role: as Master its VIP is in a's namespace (never in the root
//! one) and keepalived stays Backup; stopped, keepalived takes the VIP; as
//! Backup it stays so until keepalived stops, then takes the VIP. Its pid
//! files are in /run/keepalived/<namespace>/, as keepalived's are seen
//! from the host, and go when it stops. Needs root; keepalived where it
//! can be had.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Lab, Signal};

const VIP: &str = "192.0.2.100";

/// Our daemon, started by this test in the root namespace; SIGTERMed and
/// reaped when dropped.
struct Ours {
    child: Child,
    log: PathBuf,
}

impl Ours {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn stop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        let _ = nix::sys::signal::kill(pid, Signal::SIGTERM);
        let ended = wait_for(Duration::from_secs(20), || {
            matches!(self.child.try_wait(), Ok(Some(_)))
        });
        if ended.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Ours {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

fn in_root_namespace(vip: IpAddr) -> bool {
    lab::ip(&["-o", "addr", "show"]).contains(&format!(" {vip}/"))
}

fn run(test: &str, peer: &Daemon, ours_master: bool) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let vip: IpAddr = VIP.parse().unwrap();
    let (ours_priority, their_priority) = if ours_master { (150, 100) } else { (100, 150) };
    let config = Config::new("a")
        .instance(Instance::new("VI_1", 51).priority(ours_priority).vip(VIP))
        .to_string();
    let config = format!("net_namespace {}\n{config}", a.ns());
    let path = a.dir().join("ours.conf");
    std::fs::write(&path, config).unwrap();
    let log = a.dir().join("ours.log");
    // Without the lab's `-p`: the pid files are the namespace's own
    // (/run/keepalived/NAME/), which this test checks.
    let argv = Daemon::ours().argv_without_pid_files(&path, a.dir());
    let file = std::fs::File::create(&log).unwrap();
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .env("TMPDIR", a.dir())
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap();
    let mut ours = Ours { child, log };
    let theirs_config = Config::new("b")
        .instance(Instance::new("VI_1", 51).priority(their_priority).vip(VIP))
        .to_string();
    let name = peer.name();
    let mut theirs = peer.start(&b, &theirs_config);
    let pid_files: Vec<PathBuf> = ["keepalived", "vrrp"]
        .iter()
        .map(|f| PathBuf::from(format!("/run/keepalived/{}/{f}.pid", a.ns())))
        .collect();
    let (master, backup) = if ours_master { (&a, &b) } else { (&b, &a) };
    let up = wait_for(Duration::from_secs(20), || master.has_address(vip));
    assert!(
        up.is_some(),
        "{name}: no Master\nours:\n{}\n{}",
        ours.log(),
        theirs.log()
    );
    // Settled: the Backup heard the Master all along.
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        master.has_address(vip) && !backup.has_address(vip),
        "{name}: both or neither Master\nours:\n{}\n{}",
        ours.log(),
        theirs.log()
    );
    assert!(
        !in_root_namespace(vip),
        "our VIP went to the root namespace"
    );
    assert!(
        pid_files.iter().all(|f| f.exists()),
        "no pid files {pid_files:?}\n{}",
        ours.log()
    );
    if ours_master {
        ours.stop();
    } else {
        theirs.kill(Signal::SIGTERM);
    }
    let moved = wait_for(Duration::from_secs(20), || backup.has_address(vip));
    assert!(
        moved.is_some(),
        "{name}: the Backup never took over\nours:\n{}\n{}",
        ours.log(),
        theirs.log()
    );
    assert!(
        !in_root_namespace(vip),
        "our VIP went to the root namespace"
    );
    ours.stop();
    theirs.kill(Signal::SIGTERM);
    let stopped = wait_for(Duration::from_secs(20), || !theirs.is_running());
    assert!(stopped.is_some(), "{name} does not stop");
    assert!(
        pid_files.iter().all(|f| !f.exists()),
        "our pid files outlived us"
    );
    let _ = std::fs::remove_dir(format!("/run/keepalived/{}", a.ns()));
}

#[test]
fn ours_in_a_named_namespace_is_master_against_keepalived_227() {
    run("netns_master_227", &Daemon::Keepalived, true);
}

#[test]
fn ours_in_a_named_namespace_is_backup_against_keepalived_227() {
    run("netns_backup_227", &Daemon::Keepalived, false);
}

#[test]
fn ours_in_a_named_namespace_is_master_against_keepalived_243() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    run("netns_master_243", &daemon, true);
}

#[test]
fn ours_in_a_named_namespace_is_backup_against_keepalived_243() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    run("netns_backup_243", &daemon, false);
}
