//! The seed's master/backup pair on two hosts plus a client, in the lab
//! (`vrrp-lab`: each host with its own network and PID namespace, a real
//! HAProxy, and our daemon with the seed's keepalived.conf):
//!
//! - the client reaches the VIP (ping, TCP to HAProxy);
//! - with the seed's exact weights (100 / 98, weight 2) a dead HAProxy
//!   leaves the VIP in place: both end at priority 100, and a backup never
//!   preempts on a tie (keepalived does the same);
//! - with a weight above the gap, killing HAProxy moves the VIP within
//!   fall × interval + Master_Down_Interval + 1 s, restarting it moves it
//!   back, and SIGTERM on the master moves it within Skew_Time + 200 ms.
//!
//! Needs root; prints MEASURED lines.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use lab::keepalived::{seed, seed_with_weight};
use lab::watch::{holds_for, wait_for};
use lab::{Daemon, Host, Lab, haproxy, say};

/// The VIP of the seed's configuration.
const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));
/// HAProxy's port.
const PORT: u16 = 8080;

/// The seed's timing: `interval 2`, `fall` 1 (keepalived's default).
const CHECK: Duration = Duration::from_secs(2);

/// Master_Down_Interval of a VRRPv2 backup with a 1 s interval.
fn master_down(priority: u32) -> Duration {
    Duration::from_secs(3) + skew(priority)
}

/// Skew_Time of VRRPv2: (256 - priority) / 256 s.
fn skew(priority: u32) -> Duration {
    Duration::from_micros(u64::from(256 - priority) * 1_000_000 / 256)
}

/// How long until `check` holds, at most `timeout`; panics naming `what`.
fn time_until(what: &str, timeout: Duration, check: impl FnMut() -> bool) -> Duration {
    wait_for(timeout, check).unwrap_or_else(|| panic!("timed out after {timeout:?}: {what}"))
}

/// `killall -SIG name` on `host`: what an operator would type.
fn killall(host: &Host<'_>, signal: &str, name: &str) {
    let out = host.exec(&["killall", &format!("-{signal}"), name]);
    assert!(out.status.success(), "killall {name}: {out:?}");
}

/// The master (192.0.2.2), the backup (.3) and the client (.10).
fn hosts(lab: &Lab) -> (Host<'_>, Host<'_>, Host<'_>) {
    (
        lab.host("master", &["192.0.2.2/24"]),
        lab.host("backup", &["192.0.2.3/24"]),
        lab.host("client", &["192.0.2.10/24"]),
    )
}

#[test]
fn seed_pair_serves_the_client_and_its_weights_leave_a_dead_haproxy_master() {
    let Some(lab) =
        Lab::new("seed_pair_serves_the_client_and_its_weights_leave_a_dead_haproxy_master")
    else {
        return;
    };
    let (master, backup, client) = hosts(&lab);
    let _haproxy_master = haproxy::start(&master, PORT);
    let _haproxy_backup = haproxy::start(&backup, PORT);
    let ours = Daemon::ours();
    let daemon_master = ours.start(&master, &seed("master"));
    let daemon_backup = ours.start(&backup, &seed("backup"));

    let elected = time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has_address(VIP)
    });
    say(&format!(
        "MEASURED: seed pair: VIP on the master {elected:?} after start"
    ));
    assert!(!backup.has_address(VIP));
    let reached = time_until("a ping to the VIP", Duration::from_secs(5), || {
        client.ping(VIP)
    });
    assert!(client.tcp_connect(VIP, PORT), "TCP to HAProxy on the VIP");
    say(&format!(
        "MEASURED: seed pair: client pings the VIP after {reached:?}, TCP to HAProxy OK"
    ));
    let logged = daemon_master.wait_log("state changed", Duration::from_secs(1));
    assert!(logged.is_some(), "{}", daemon_master.log());

    // The pitfall: HAProxy dies on the master, the VIP stays.
    killall(&master, "KILL", "haproxy");
    let watch = CHECK + master_down(100) + Duration::from_secs(2);
    let stayed = holds_for(watch, || {
        master.has_address(VIP) && !backup.has_address(VIP)
    });
    assert!(stayed, "the VIP on the master only stopped holding");
    let m = lab::status(&master, &daemon_master);
    let b = lab::status(&backup, &daemon_backup);
    let priority = |s: &serde_json::Value| s["instances"][0]["priority"]["effective"].as_u64();
    assert_eq!(priority(&m), Some(100), "100, the +2 lost");
    assert_eq!(priority(&b), Some(100), "98 + 2");
    assert_eq!(m["instances"][0]["state"], "MASTER");
    assert_eq!(m["instances"][0]["tracked"][0]["up"], false);
    assert!(!client.tcp_connect(VIP, PORT), "nobody serves the VIP now");
    say(&format!(
        "MEASURED: seed weights: HAProxy dead on the master for {watch:?}: both at priority 100, \
         the VIP stayed on the master (the article's pitfall, as keepalived)"
    ));
}

#[test]
fn a_weight_above_the_gap_moves_the_vip_and_back_and_sigterm_within_skew_time() {
    let Some(lab) =
        Lab::new("a_weight_above_the_gap_moves_the_vip_and_back_and_sigterm_within_skew_time")
    else {
        return;
    };
    let (master, backup, client) = hosts(&lab);
    let mut haproxy_master = haproxy::start(&master, PORT);
    let _haproxy_backup = haproxy::start(&backup, PORT);
    let ours = Daemon::ours();
    let mut daemon_master = ours.start(&master, &seed_with_weight("master", 5));
    let daemon_backup = ours.start(&backup, &seed_with_weight("backup", 5));
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has_address(VIP)
    });
    time_until(
        "the client reaching HAProxy",
        Duration::from_secs(5),
        || client.tcp_connect(VIP, PORT),
    );

    // HAProxy dies on the master: 105 -> 100 < 103.
    killall(&master, "KILL", "haproxy");
    let reaped = haproxy_master.wait_exit(Duration::from_secs(5));
    assert!(reaped.is_some(), "HAProxy lives on on the master");
    let bound = CHECK + master_down(103) + Duration::from_secs(1);
    let moved = time_until("the VIP on the backup", bound, || backup.has_address(VIP));
    time_until(
        "the master releasing the VIP",
        Duration::from_secs(1),
        || !master.has_address(VIP),
    );
    say(&format!(
        "MEASURED: HAProxy killed on the master: VIP on the backup after {moved:?} \
         (bound fall x interval + Master_Down_Interval + 1 s = {bound:?})"
    ));
    time_until(
        "the client reaching HAProxy again",
        Duration::from_secs(3),
        || client.tcp_connect(VIP, PORT),
    );

    // HAProxy back: 105 > 103, the master preempts.
    let _haproxy_again = haproxy::start(&master, PORT);
    let bound = CHECK + master_down(105) + Duration::from_secs(1);
    let back = time_until("the VIP back on the master", bound, || {
        master.has_address(VIP)
    });
    time_until(
        "the backup releasing the VIP",
        Duration::from_secs(1),
        || !backup.has_address(VIP),
    );
    say(&format!(
        "MEASURED: HAProxy restarted on the master: VIP back after {back:?} (bound {bound:?})"
    ));
    assert!(
        daemon_backup.log().contains("reason=HigherPriorityMaster"),
        "{}",
        daemon_backup.log()
    );

    // SIGTERM on the master: priority 0, the backup takes over after Skew_Time.
    let bound = skew(103) + Duration::from_millis(200);
    let sent = Instant::now();
    killall(&master, "TERM", "keepalive-haproxy");
    time_until("the VIP on the backup", bound, || backup.has_address(VIP));
    let moved = sent.elapsed();
    let exit = daemon_master.wait_exit(Duration::from_secs(3));
    assert_eq!(exit.and_then(|status| status.code()), Some(0));
    assert!(!master.has_address(VIP), "released at stop");
    say(&format!(
        "MEASURED: SIGTERM on the master: VIP on the backup after {moved:?} \
         (bound Skew_Time + 200 ms = {bound:?})"
    ));
}
