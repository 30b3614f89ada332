//! End-to-end tests of OUR daemon in the LAB (`tests/lab/`), issue 4's
//! list: pairs and a trio of our daemons, IPv4 and IPv6, crash, clean stop,
//! link down, a stale VIP, `use_vmac`, and keepalived 2.2.7 as the peer.
//! Each test builds its own namespaces; timings print as `MEASURED ...`
//! lines on stderr, next to lab_keepalived's, and are held to the issue's
//! bounds where the issue sets one.

mod lab;

use std::time::Duration;

use lab::scenario::{self, Case, Failover};
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
            "NOTE {label}: beyond the issue's +100 ms, within the CI slack: {run:?}"
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
