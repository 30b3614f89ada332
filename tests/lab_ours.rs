//! End-to-end tests of OUR daemon in the LAB (`vrrp-lab`), issue 4's
//! list: pairs and a trio of our daemons, IPv4 and IPv6, crash, clean stop,
//! link down, a stale VIP, `use_vmac`, and keepalived 2.2.7 as the peer.
//! Each test builds its own namespaces; timings print as `MEASURED ...`
//! lines on stderr, next to lab_keepalived's, and are held to the issue's
//! bounds where the issue sets one.

use vrrp_lab as lab;

use std::time::Duration;

use lab::scenario::{self, Case, Failover, LinkDown};
use lab::{Daemon, say};

/// On top of the issue's bounds (Master_Down_Interval + 100 ms after the
/// last advert, Skew_Time + 100 ms after SIGTERM): a 2-core CI box runs
/// other test binaries' builds and tests beside this one.
const CI_SLACK: Duration = Duration::from_millis(150);

/// Holds a pair of our daemons to the issue's bounds: SIGKILL of the master
/// moves the VIP within Master_Down_Interval + 100 ms of its last advert,
/// SIGTERM within Skew_Time + 100 ms of the signal, and the old master
/// drops the VIP on SIGTERM (the scenario asserts that it did).
fn assert_issue_bounds(case: Case, run: &Failover) {
    let label = case.label();
    let bound = case.master_down(100) + Duration::from_millis(100);
    assert!(
        run.sigkill_from_last_advert <= bound + CI_SLACK,
        "{label}: SIGKILL: B held the VIP {:?} after A's last advert; bound {bound:?}",
        run.sigkill_from_last_advert
    );
    let bound = case.skew(100) + Duration::from_millis(100);
    assert!(
        run.sigterm <= bound + CI_SLACK,
        "{label}: SIGTERM: B held the VIP {:?} after the signal; bound {bound:?}",
        run.sigterm
    );
    assert!(
        !run.sigkill_main_goodbye,
        "{label}: a SIGKILLed one-process daemon cannot send priority 0"
    );
    if run.sigkill_from_last_advert > case.master_down(100) + Duration::from_millis(100)
        || run.sigterm > case.skew(100) + Duration::from_millis(100)
    {
        say(&format!(
            "NOTE {label}: beyond the issue's +100 ms, within the CI slack: SIGKILL {:?} \
             after the last advert, SIGTERM {:?}",
            run.sigkill_from_last_advert, run.sigterm
        ));
    }
}

/// Our daemon on A (150) and B (100): [`scenario::failover`] and the
/// issue's bounds.
fn ours_pair(test: &str, case: Case) {
    let ours = Daemon::ours();
    if let Some(run) = scenario::failover_measured(test, case, &ours, &ours) {
        assert_issue_bounds(case, &run);
    }
}

#[test]
fn ours_v3_ipv4_1s() {
    ours_pair("ours_v3_ipv4_1s", Case::v3_ipv4(Duration::from_secs(1)));
}

#[test]
fn ours_v3_ipv4_100ms() {
    ours_pair(
        "ours_v3_ipv4_100ms",
        Case::v3_ipv4(Duration::from_millis(100)),
    );
}

#[test]
fn ours_v2_pass_ipv4_1s() {
    ours_pair(
        "ours_v2_pass_ipv4_1s",
        Case::v2_pass(Duration::from_secs(1), "lab-pass"),
    );
}

#[test]
fn ours_v3_ipv6_1s() {
    ours_pair("ours_v3_ipv6_1s", Case::v3_ipv6(Duration::from_secs(1)));
}

/// Three of our daemons: A (250) holds the VIP alone; SIGKILL A and B
/// (200) follows within Master_Down_Interval + 100 ms of A's last advert,
/// D (100) never; SIGTERM B and D follows within Skew_Time + 100 ms.
#[test]
fn ours_three_routers_v3_ipv4_1s() {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    let Some(run) = scenario::three_routers("ours_three_routers_v3_ipv4_1s", case, &Daemon::ours())
    else {
        return;
    };
    let bound = case.master_down(200) + Duration::from_millis(100);
    assert!(
        run.sigkill_from_last_advert <= bound + CI_SLACK,
        "SIGKILL: {:?} after A's last advert; bound {bound:?}",
        run.sigkill_from_last_advert
    );
    let bound = case.skew(100) + Duration::from_millis(100);
    assert!(
        run.sigterm <= bound + CI_SLACK,
        "SIGTERM: {:?}; bound {bound:?}",
        run.sigterm
    );
}

/// Link down on the master (`ip link set eth0 down`): Fault, the VIP
/// leaves it and B takes over a master-down interval after A's last
/// advert; link up: A preempts.
#[test]
fn ours_link_down_v3_ipv4_1s() {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    ours_link_down("ours_link_down_v3_ipv4_1s", case, LinkDown::Admin);
}

/// The same over IPv6, the carrier lost (a pulled cable): the client's
/// neighbour entry follows B's unsolicited NA, then A's.
#[test]
fn ours_link_down_v3_ipv6_1s() {
    let case = Case::v3_ipv6(Duration::from_secs(1));
    ours_link_down("ours_link_down_v3_ipv6_1s", case, LinkDown::Carrier);
}

fn ours_link_down(test: &str, case: Case, how: LinkDown) {
    let ours = Daemon::ours();
    let Some(run) = scenario::link_down(test, case, how, &ours, &ours) else {
        return;
    };
    let bound = case.master_down(100) + Duration::from_millis(100);
    assert!(
        run.takeover_from_last_advert <= bound + CI_SLACK,
        "{:?} after A's last advert; bound {bound:?}",
        run.takeover_from_last_advert
    );
    // Fault removes the VIP at once, not when a timer fires.
    assert!(run.release < Duration::from_secs(1), "{run:?}");
}

/// A SIGKILLed daemon's VIP is still on the interface when it starts again
/// as Backup: gone within a second.
#[test]
fn ours_removes_a_stale_vip_at_start() {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    let test = "ours_removes_a_stale_vip_at_start";
    let Some(removed) = scenario::stale_vip(test, case, &Daemon::ours()) else {
        return;
    };
    assert!(
        removed < Duration::from_secs(1),
        "the stale VIP went {removed:?} after the start"
    );
}

/// `use_vmac` with ours on A and keepalived on B: the client's neighbour
/// entry for the VIP is 00:00:5e:00:01:33 whichever is Master.
#[test]
fn ours_and_keepalived_use_vmac() {
    let test = "ours_and_keepalived_use_vmac";
    scenario::use_vmac(test, &Daemon::ours(), &Daemon::Keepalived);
}

/// The grep of the interop tests can fail: keepalived 2.2.7 logs a bad
/// checksum, and nothing for a valid advert.
#[test]
fn keepalived_log_shows_a_bad_checksum() {
    let test = "keepalived_log_shows_a_bad_checksum";
    let Some(log) = scenario::keepalived_sees_a_bad_checksum(test) else {
        return;
    };
    let errors = scenario::receive_errors(&log);
    assert_eq!(errors.len(), 1, "{errors:#?}\n{log}");
    assert!(errors[0].contains("Invalid VRRPv3 checksum"), "{errors:?}");
}

/// Ours and keepalived as the two routers of the failover scenario, ours
/// on A (150) or on B (100): each wins with the higher priority, takes
/// over on SIGKILL and on SIGTERM; keepalived parsed our adverts (it names
/// our address) and reported none of them as bad.
fn interop(test: &str, case: Case, ours_on_a: bool) {
    let (ours, keepalived) = (Daemon::ours(), Daemon::Keepalived);
    let (daemon_a, daemon_b) = if ours_on_a {
        (&ours, &keepalived)
    } else {
        (&keepalived, &ours)
    };
    let Some(run) = scenario::failover_measured(test, case, daemon_a, daemon_b) else {
        return;
    };
    let (log, our_n) = if ours_on_a {
        (&run.log_b, 1)
    } else {
        (&run.log_a, 2)
    };
    let errors = scenario::receive_errors(log);
    assert!(
        errors.is_empty(),
        "keepalived complained:\n{}",
        errors.join("\n")
    );
    let ours_src = if case.ipv6 {
        format!("fe80::{our_n}")
    } else {
        format!("192.0.2.{our_n}")
    };
    assert!(
        log.contains(&format!("advert from {ours_src} ")),
        "keepalived never named an advert of ours ({ours_src}):\n{log}"
    );
}

#[test]
fn interop_v2_pass_ours_master() {
    let case = Case::v2_pass(Duration::from_secs(1), "lab-pass");
    interop("interop_v2_pass_ours_master", case, true);
}

#[test]
fn interop_v2_pass_keepalived_master() {
    let case = Case::v2_pass(Duration::from_secs(1), "lab-pass");
    interop("interop_v2_pass_keepalived_master", case, false);
}

#[test]
fn interop_v3_ipv4_ours_master() {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    interop("interop_v3_ipv4_ours_master", case, true);
}

#[test]
fn interop_v3_ipv4_keepalived_master() {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    interop("interop_v3_ipv4_keepalived_master", case, false);
}

#[test]
fn interop_v3_ipv6_ours_master() {
    let case = Case::v3_ipv6(Duration::from_secs(1));
    interop("interop_v3_ipv6_ours_master", case, true);
}

#[test]
fn interop_v3_ipv6_keepalived_master() {
    let case = Case::v3_ipv6(Duration::from_secs(1));
    interop("interop_v3_ipv6_keepalived_master", case, false);
}
