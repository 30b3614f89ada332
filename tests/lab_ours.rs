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

/// `use_vmac` on both hosts ([`scenario::use_vmac`]): whichever daemon is
/// Master, the client's neighbour entry for the VIP is the virtual MAC and
/// the VIP serves it. Where our daemon is Backup, not one frame leaves its
/// VMAC, and the bridge never learns the virtual MAC on its port; where it
/// is Master, every sample has the virtual MAC on its port.
/// keepalived's frames are measured and printed, not held to that.
fn vmac_pair(test: &str, case: Case, daemon_a: &Daemon, daemon_b: &Daemon) {
    let Some(run) = scenario::use_vmac(test, case, daemon_a, daemon_b) else {
        return;
    };
    assert!(run.fdb_samples > 20, "too few bridge samples: {run:?}");
    // Each host is Master once: its VMAC must have sent (the capture works).
    assert!(
        run.frames.iter().all(|&n| n > 0),
        "no frames captured: {run:?}"
    );
    for (k, daemon) in [daemon_a, daemon_b].into_iter().enumerate() {
        if daemon.is_keepalived() {
            continue;
        }
        let host = ["A", "B"][k];
        assert!(
            run.frames_while_backup[k].is_empty(),
            "frames left {host}'s VMAC while it was not Master:\n{}",
            run.frames_while_backup[k].join("\n")
        );
        assert_eq!(
            run.fdb_on_backup[k], 0,
            "the bridge learnt the virtual MAC on {host}'s port while {host} was Backup"
        );
        assert_eq!(
            run.fdb_not_on_master[k], 0,
            "the bridge did not have the virtual MAC on {host}'s port while {host} was Master"
        );
    }
}

/// The `use_vmac` matrix: ours with ours, and ours on A (Master first) or on
/// B with keepalived 2.2.7 and 2.4.3 on the other host; IPv4 and IPv6.
macro_rules! vmac_tests {
    ($($name:ident: $case:expr;)*) => {
        mod use_vmac {
            use super::*;
            $(
                mod $name {
                    use super::*;

                    #[test]
                    fn ours_and_ours() {
                        let ours = Daemon::ours();
                        let test = concat!("vmac_ours_", stringify!($name));
                        vmac_pair(test, $case, &ours, &ours);
                    }

                    #[test]
                    fn ours_master_first_keepalived_2_2_7() {
                        let test = concat!("vmac_ours_ka227_", stringify!($name));
                        vmac_pair(test, $case, &Daemon::ours(), &Daemon::Keepalived);
                    }

                    #[test]
                    fn keepalived_2_2_7_master_first_ours() {
                        let test = concat!("vmac_ka227_ours_", stringify!($name));
                        vmac_pair(test, $case, &Daemon::Keepalived, &Daemon::ours());
                    }

                    #[test]
                    fn ours_master_first_keepalived_2_4_3() {
                        let Some(keepalived) = Daemon::keepalived_243() else {
                            return;
                        };
                        let test = concat!("vmac_ours_ka243_", stringify!($name));
                        vmac_pair(test, $case, &Daemon::ours(), &keepalived);
                    }

                    #[test]
                    fn keepalived_2_4_3_master_first_ours() {
                        let Some(keepalived) = Daemon::keepalived_243() else {
                            return;
                        };
                        let test = concat!("vmac_ka243_ours_", stringify!($name));
                        vmac_pair(test, $case, &keepalived, &Daemon::ours());
                    }
                }
            )*
        }
    };
}

vmac_tests! {
    v3_ipv4: Case::v3_ipv4(Duration::from_secs(1));
    v3_ipv6: Case::v3_ipv6(Duration::from_secs(1));
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

/// Ours and `keepalived` as the two routers of the failover scenario, ours
/// on A (150) or on B (100): each wins with the higher priority, takes
/// over on SIGKILL and on SIGTERM; keepalived parsed our adverts (it names
/// our address) and reported none of them as bad.
fn interop(test: &str, case: Case, keepalived: &Daemon, ours_on_a: bool) {
    let ours = Daemon::ours();
    let (daemon_a, daemon_b) = if ours_on_a {
        (&ours, keepalived)
    } else {
        (keepalived, &ours)
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

/// The interop tests, once against Debian's keepalived 2.2.7 and once
/// against 2.4.3 (whose receive checks changed in 2.3.3).
macro_rules! interop_tests {
    ($($name:ident: $case:expr, ours_on_a = $ours_on_a:expr;)*) => {
        mod interop_2_2_7 {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let test = concat!("interop_", stringify!($name));
                    interop(test, $case, &Daemon::Keepalived, $ours_on_a);
                }
            )*
        }
        mod interop_2_4_3 {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let Some(keepalived) = Daemon::keepalived_243() else {
                        return;
                    };
                    let test = concat!("interop243_", stringify!($name));
                    interop(test, $case, &keepalived, $ours_on_a);
                }
            )*
        }
    };
}

interop_tests! {
    v2_pass_ours_master: Case::v2_pass(Duration::from_secs(1), "lab-pass"), ours_on_a = true;
    v2_pass_keepalived_master: Case::v2_pass(Duration::from_secs(1), "lab-pass"), ours_on_a = false;
    v3_ipv4_ours_master: Case::v3_ipv4(Duration::from_secs(1)), ours_on_a = true;
    v3_ipv4_keepalived_master: Case::v3_ipv4(Duration::from_secs(1)), ours_on_a = false;
    v3_ipv6_ours_master: Case::v3_ipv6(Duration::from_secs(1)), ours_on_a = true;
    v3_ipv6_keepalived_master: Case::v3_ipv6(Duration::from_secs(1)), ours_on_a = false;
}
