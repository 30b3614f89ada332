//! `vrrp_startup_delay` end to end in the lab (`vrrp-lab`): a lone Backup
//! with a 3 s delay takes the VIP only after the delay plus its
//! Master_Down_Interval (3 × 1 s + Skew_Time 0.61 s), not after the
//! interval alone; beside a Master it stays Backup; SIGTERM during the
//! delay stops it at once. keepalived 2.4.3 runs the same file where it can
//! be had, and must agree. Needs root.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use lab::keepalived::{Config, Instance, with_global};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Signal, say};

const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));
const DELAY: Duration = Duration::from_secs(3);
/// RFC 9568 §6.1: 3 × Advertisement_Interval + (256 − 100) / 256 s.
const MASTER_DOWN: Duration = Duration::from_millis(3609);

/// A keepalived.conf with `vrrp_startup_delay SECS` (none if `delay` is
/// `None`) and one instance at `priority`.
fn config(host: &Host<'_>, priority: u8, delay: Option<Duration>) -> String {
    let instance = Instance::new("VI_1", 51)
        .priority(priority)
        .vip("192.0.2.100/24");
    let text = Config::new(host.name()).instance(instance).to_string();
    match delay {
        Some(delay) => with_global(
            &text,
            &format!("vrrp_startup_delay {}", lab::keepalived::seconds(delay)),
        ),
        None => text,
    }
}

/// A lone Backup with the delay: when it takes the VIP, from its start.
fn lone_backup(test: &str, daemon: &Daemon) -> Option<Duration> {
    let lab = Lab::new(test)?;
    let host = lab.host("backup", &["192.0.2.3/24"]);
    let started = Instant::now();
    let _proc = daemon.start(&host, &config(&host, 100, Some(DELAY)));
    let early = DELAY + MASTER_DOWN - Duration::from_millis(300);
    let took = wait_for(Duration::from_secs(12), || host.has_address(VIP))
        .map(|_| started.elapsed())
        .unwrap_or_else(|| panic!("{}: no takeover within 12 s", daemon.name()));
    say(&format!(
        "MEASURED: vrrp_startup_delay 3, {}: a lone Backup took the VIP {took:?} after its start \
         (delay + Master_Down_Interval = {:?})",
        daemon.name(),
        DELAY + MASTER_DOWN
    ));
    assert!(
        took >= early,
        "{}: took over after {took:?}, before the delay + Master_Down_Interval",
        daemon.name()
    );
    assert!(
        took < DELAY + MASTER_DOWN + Duration::from_secs(2),
        "{}: took over only after {took:?}",
        daemon.name()
    );
    Some(took)
}

#[test]
fn ours_takes_over_after_the_delay_and_the_master_down_interval() {
    lone_backup("startup_delay_ours", &Daemon::ours());
}

#[test]
fn keepalived_243_agrees() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    lone_backup("startup_delay_keepalived_243", &keepalived);
}

/// Beside a Master of higher priority, the delayed Backup starts Backup
/// and stays so: it never takes the VIP.
#[test]
fn ours_stays_backup_beside_a_master() {
    let Some(lab) = Lab::new("startup_delay_beside_master") else {
        return;
    };
    let master = lab.host("master", &["192.0.2.2/24"]);
    let backup = lab.host("backup", &["192.0.2.3/24"]);
    let _m = Daemon::ours().start(&master, &config(&master, 150, None));
    wait_for(Duration::from_secs(10), || master.has_address(VIP)).expect("the VIP on the master");
    let _b = Daemon::ours().start(&backup, &config(&backup, 100, Some(DELAY)));
    let end = Instant::now() + DELAY + MASTER_DOWN + Duration::from_secs(2);
    while Instant::now() < end {
        assert!(!backup.has_address(VIP), "the delayed Backup took the VIP");
        assert!(master.has_address(VIP), "the Master lost the VIP");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM during a long delay stops the daemon within a second.
#[test]
fn ours_stops_promptly_during_the_delay() {
    let Some(lab) = Lab::new("startup_delay_sigterm") else {
        return;
    };
    let host = lab.host("backup", &["192.0.2.3/24"]);
    let mut daemon =
        Daemon::ours().start(&host, &config(&host, 100, Some(Duration::from_secs(60))));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(daemon.is_running(), "the daemon runs during its delay");
    let asked = Instant::now();
    daemon.kill(Signal::SIGTERM);
    let status = daemon
        .wait_exit(Duration::from_secs(3))
        .unwrap_or_else(|| panic!("still running 3 s after SIGTERM:\n{}", daemon.log()));
    let took = asked.elapsed();
    assert!(status.success(), "{status:?}:\n{}", daemon.log());
    assert!(took < Duration::from_secs(1), "stopped after {took:?}");
    assert!(!host.has_address(VIP));
}
