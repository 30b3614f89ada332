//! Three routers on one segment: A (250, `state MASTER`), B (200) and D
//! (100), and a client C. The highest live priority holds the VIP, and
//! only it. B's and D's master-down intervals differ by 390 ms at 1 s
//! adverts, so which of them follows A is not a race.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use super::{Case, Expect, measured, pair_name};
use crate::keepalived::{Config, State};
use crate::watch::wait_for;
use crate::{Daemon, Host, Lab, Signal};

/// Slack on top of protocol times in the scenario's own assertions.
const SLACK: Duration = Duration::from_millis(2400);

/// What [`three_routers`] measured.
#[derive(Debug, Clone, Copy)]
pub struct Trio {
    /// SIGKILL of A → B holds the VIP.
    pub sigkill: Duration,
    /// A's last advert → B holds the VIP.
    pub sigkill_from_last_advert: Duration,
    /// SIGTERM of B → D holds the VIP.
    pub sigterm: Duration,
    /// SIGTERM of B → the VIP gone from B.
    pub sigterm_release: Duration,
}

/// Runs `daemon` on A, B and D for `case`:
///
/// 1. A starts first and takes the VIP; B and D start: neither takes it
///    nor advertises; C pings the VIP and learns A's MAC;
/// 2. SIGKILL A: B (200) takes the VIP a master-down interval after A's
///    last advert, D (100, whose interval is longer) never does; C's
///    neighbour entry moves to B's MAC;
/// 3. SIGTERM B: it drops the VIP and D takes it after Skew_Time; C's
///    entry moves to D's MAC.
pub fn three_routers(test: &str, case: Case, daemon: &Daemon) -> Option<Trio> {
    let lab = Lab::new(test)?;
    // Host n (the n-th plugged in) has address n: see `src`.
    let [a, b, c, d] = [(1, "a"), (2, "b"), (3, "c"), (4, "d")].map(|(n, name)| {
        let addresses = case.addresses(n);
        let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
        lab.host(name, &addresses)
    });
    let (watch_b, watch_d) = (b.monitor_addresses(), d.monitor_addresses());
    let capture = lab.capture_adverts();
    let label = format!("{} 3 routers", case.label());
    let name = pair_name(daemon, daemon);
    let config = |host: &Host<'_>, priority, state| {
        let instance = case.instance(priority).state(state);
        Config::new(host.name()).instance(instance).to_string()
    };
    let vip = case.vip();

    // 1. A, then B and D.
    let on_a = daemon.start(&a, &config(&a, 250, State::Master));
    let took = wait_for(Duration::from_secs(10), || a.has_address(vip));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    let start = SystemTime::now();
    let mut on_b = daemon.start(&b, &config(&b, 200, State::Backup));
    let _on_d = daemon.start(&d, &config(&d, 100, State::Backup));
    assert!(wait_for(Duration::from_secs(3), || c.ping(vip)).is_some());
    assert_eq!(c.neighbour_mac(vip).as_deref(), Some(a.mac()));
    std::thread::sleep(case.advert * 2);
    let now = SystemTime::now();
    for (host, watch) in [(&b, &watch_b), (&d, &watch_d)] {
        let took = watch.first(vip, true, start);
        assert_eq!(took, None, "{} took the VIP from A", host.name());
        let adverts = capture.from(src(case, host), start, now);
        assert!(
            adverts.is_empty(),
            "{} advertised: {adverts:?}",
            host.name()
        );
    }

    // 2. A crashes: B, not D.
    let since = SystemTime::now();
    on_a.kill_group(Signal::SIGKILL);
    let limit = case.master_down(200) + SLACK;
    let sigkill = watch_b.wait(vip, true, since, limit);
    let sigkill = sigkill.unwrap_or_else(|| panic!("B never took the VIP:\n{}", on_b.log()));
    assert!(sigkill < limit, "B took {sigkill:?}; limit {limit:?}");
    assert!(
        capture.catch_up(since + sigkill),
        "no adverts after the takeover"
    );
    let last = capture.last_before(src(case, &a), since + sigkill);
    let last = last.unwrap_or_else(|| panic!("no advert from A before the crash"));
    let silence = (since + sigkill)
        .duration_since(last.at)
        .unwrap_or_default();
    let rfc = case.master_down(200);
    measured(
        &name,
        &label,
        "sigkill->b_holds_vip",
        sigkill,
        Expect::AtMost(rfc),
    );
    let what = "sigkill:last_advert->b_holds_vip";
    measured(&name, &label, what, silence, Expect::Rfc(rfc));
    assert!(silence >= case.advert * 3, "B did not hear A: {silence:?}");
    let b_mac = Some(b.mac());
    let moved = wait_for(Duration::from_secs(3), || {
        c.neighbour_mac(vip).as_deref() == b_mac
    });
    assert!(moved.is_some(), "C has {:?}", c.neighbour_mac(vip));
    // D's master-down interval (3 intervals + its skew) has passed since
    // A's last advert, and B's adverts have been reaching it since then.
    std::thread::sleep(case.master_down(100).saturating_sub(silence) + case.advert);
    assert_eq!(watch_d.first(vip, true, start), None, "D took the VIP too");

    // 3. B stops cleanly: D after its Skew_Time.
    let since = SystemTime::now();
    on_b.kill(Signal::SIGTERM);
    let limit = case.skew(100) + SLACK;
    let sigterm = watch_d.wait(vip, true, since, limit);
    let sigterm = sigterm.unwrap_or_else(|| panic!("D never took the VIP:\n{}", on_b.log()));
    assert!(sigterm < limit, "D took {sigterm:?}; limit {limit:?}");
    let released = watch_b.wait(vip, false, since, Duration::from_secs(3));
    let released = released.unwrap_or_else(|| panic!("B kept the VIP after SIGTERM"));
    assert!(
        on_b.wait_exit(Duration::from_secs(5)).is_some(),
        "B lives on"
    );
    let rfc = case.skew(100);
    measured(
        &name,
        &label,
        "sigterm->d_holds_vip",
        sigterm,
        Expect::AtMost(rfc),
    );
    let what = "sigterm->b_releases_vip";
    measured(&name, &label, what, released, Expect::Nothing);
    let d_mac = Some(d.mac());
    let moved = wait_for(Duration::from_secs(3), || {
        c.neighbour_mac(vip).as_deref() == d_mac
    });
    assert!(moved.is_some(), "C has {:?}", c.neighbour_mac(vip));
    assert!(c.ping(vip), "C cannot reach the VIP on D");
    Some(Trio {
        sigkill,
        sigkill_from_last_advert: silence,
        sigterm,
        sigterm_release: released,
    })
}

/// The source of `host`'s adverts: its IPv4 address or its link-local.
pub(super) fn src(case: Case, host: &Host<'_>) -> IpAddr {
    if case.ipv6 {
        host.link_local().into()
    } else {
        IpAddr::from([192, 0, 2, host.index()])
    }
}
