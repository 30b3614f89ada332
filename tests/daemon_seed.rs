//! The seed's master/backup pair on two hosts plus a client, in network
//! namespaces (each host with its own PID namespace, a real HAProxy, and
//! our daemon with the seed's keepalived.conf):
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

mod daemon_support;

use std::time::{Duration, Instant};

use daemon_support::{
    Lab, Node, PORT, VIP, say, seed, seed_with_weight, skip_unless_root, stays, time_until,
};

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

#[test]
fn seed_pair_serves_the_client_and_its_weights_leave_a_dead_haproxy_master() {
    if skip_unless_root("seed_pair_serves_the_client_and_its_weights_leave_a_dead_haproxy_master") {
        return;
    }
    let mut lab = Lab::new("seedpair");
    let mut master = Node::new(&mut lab, "master", 2);
    let mut backup = Node::new(&mut lab, "backup", 3);
    let client = Node::new(&mut lab, "client", 10);
    let _haproxy_master = master.start_haproxy();
    let _haproxy_backup = backup.start_haproxy();
    let daemon_master = master.start_daemon(&seed("master"), &[]);
    let _daemon_backup = backup.start_daemon(&seed("backup"), &[]);

    let elected = time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has(VIP)
    });
    say(&format!(
        "MEASURED: seed pair: VIP on the master {elected:?} after start"
    ));
    assert!(!backup.has(VIP));
    let reached = time_until("a ping to the VIP", Duration::from_secs(5), || {
        client.ping(VIP)
    });
    assert!(client.tcp_connect(VIP, PORT), "TCP to HAProxy on the VIP");
    say(&format!(
        "MEASURED: seed pair: client pings the VIP after {reached:?}, TCP to HAProxy OK"
    ));
    daemon_master.wait_log("state changed", Duration::from_secs(1));

    // The pitfall: HAProxy dies on the master, the VIP stays.
    master.killall("KILL", "haproxy");
    let watch = CHECK + master_down(100) + Duration::from_secs(2);
    stays("the VIP on the master only", watch, || {
        master.has(VIP) && !backup.has(VIP)
    });
    let (m, b) = (master.status(), backup.status());
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
    if skip_unless_root(
        "a_weight_above_the_gap_moves_the_vip_and_back_and_sigterm_within_skew_time",
    ) {
        return;
    }
    let mut lab = Lab::new("seedfixed");
    let mut master = Node::new(&mut lab, "master", 2);
    let mut backup = Node::new(&mut lab, "backup", 3);
    let client = Node::new(&mut lab, "client", 10);
    let haproxy_master = master.start_haproxy();
    let _haproxy_backup = backup.start_haproxy();
    let mut daemon_master = master.start_daemon(&seed_with_weight("master", 5), &[]);
    let daemon_backup = backup.start_daemon(&seed_with_weight("backup", 5), &[]);
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has(VIP)
    });
    time_until(
        "the client reaching HAProxy",
        Duration::from_secs(5),
        || client.tcp_connect(VIP, PORT),
    );

    // HAProxy dies on the master: 105 -> 100 < 103.
    drop(haproxy_master);
    master.killall("KILL", "haproxy");
    let bound = CHECK + master_down(103) + Duration::from_secs(1);
    let moved = time_until("the VIP on the backup", bound, || backup.has(VIP));
    time_until(
        "the master releasing the VIP",
        Duration::from_secs(1),
        || !master.has(VIP),
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
    let _haproxy_again = master.start_haproxy();
    let bound = CHECK + master_down(105) + Duration::from_secs(1);
    let back = time_until("the VIP back on the master", bound, || master.has(VIP));
    time_until(
        "the backup releasing the VIP",
        Duration::from_secs(1),
        || !backup.has(VIP),
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
    master.killall("TERM", "keepalive-haproxy");
    time_until("the VIP on the backup", bound, || backup.has(VIP));
    let moved = sent.elapsed();
    assert_eq!(daemon_master.wait_exit(Duration::from_secs(3)), Some(0));
    assert!(!master.has(VIP), "released at stop");
    say(&format!(
        "MEASURED: SIGTERM on the master: VIP on the backup after {moved:?} \
         (bound Skew_Time + 200 ms = {bound:?})"
    ));
}
