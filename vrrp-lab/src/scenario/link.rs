//! The Master's link fails: A (150, `state MASTER`) loses its carrier or
//! is set down, enters Fault and lets go of the VIP; B (100) takes over;
//! the link comes back and A preempts again. C is the client.

use std::time::{Duration, SystemTime};

use super::trio::src;
use super::{Case, Expect, measured, pair_name};
use crate::keepalived::{Config, State};
use crate::watch::wait_for;
use crate::{Daemon, Host, Lab};

/// Slack on top of protocol times in the scenario's own assertions.
const SLACK: Duration = Duration::from_millis(2400);

/// How A's link fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkDown {
    /// The bridge port goes down: A's `eth0` loses its carrier, as when a
    /// cable is pulled (IPv6 addresses stay).
    Carrier,
    /// `ip link set eth0 down` on A. The kernel then drops every IPv6
    /// address of `eth0`, the lab's fixed link-local too: IPv4 only.
    Admin,
}

/// What [`link_down`] measured.
#[derive(Debug, Clone, Copy)]
pub struct LinkFault {
    /// Link down → B holds the VIP.
    pub takeover: Duration,
    /// A's last advert → B holds the VIP.
    pub takeover_from_last_advert: Duration,
    /// Link down → the VIP gone from A.
    pub release: Duration,
    /// Link up → A holds the VIP again.
    pub preempt: Duration,
}

/// Runs the link-failure scenario with `daemon_a` on A and `daemon_b` on B.
///
/// 1. A starts first and takes the VIP, then B; C pings the VIP (A's MAC);
/// 2. A's link goes down (`how`): A logs Fault and drops the VIP, B takes
///    it a master-down interval after A's last advert, C's neighbour entry
///    moves to B's MAC;
/// 3. the link comes back: A leaves Fault, preempts B, holds the VIP.
pub fn link_down(
    test: &str,
    case: Case,
    how: LinkDown,
    daemon_a: &Daemon,
    daemon_b: &Daemon,
) -> Option<LinkFault> {
    assert!(
        !(case.ipv6 && how == LinkDown::Admin),
        "see LinkDown::Admin"
    );
    let lab = Lab::new(test)?;
    let [a, b, c] = [(1, "a"), (2, "b"), (3, "c")].map(|(n, name)| {
        let addresses = case.addresses(n);
        let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
        lab.host(name, &addresses)
    });
    let (watch_a, watch_b) = (a.monitor_addresses(), b.monitor_addresses());
    let capture = lab.capture_adverts();
    let label = format!("{} link {how:?}", case.label()).to_lowercase();
    let name = pair_name(daemon_a, daemon_b);
    let config = |host: &Host<'_>, priority, state| {
        let instance = case.instance(priority).state(state);
        Config::new(host.name()).instance(instance).to_string()
    };
    let vip = case.vip();

    let on_a = daemon_a.start(&a, &config(&a, 150, State::Master));
    let took = wait_for(Duration::from_secs(10), || a.has_address(vip));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    let on_b = daemon_b.start(&b, &config(&b, 100, State::Backup));
    assert!(wait_for(Duration::from_secs(3), || c.ping(vip)).is_some());
    assert_eq!(c.neighbour_mac(vip).as_deref(), Some(a.mac()));
    std::thread::sleep(case.advert * 2);
    assert!(!b.has_address(vip), "B took the VIP from A");
    let faults_before = fault_lines(daemon_a, &on_a.log());

    // 2. The link goes.
    let since = SystemTime::now();
    set_link(&lab, &a, how, false);
    let limit = case.master_down(100) + SLACK;
    let takeover = watch_b.wait(vip, true, since, limit);
    let takeover = takeover.unwrap_or_else(|| panic!("B never took the VIP:\n{}", on_b.log()));
    assert!(takeover < limit, "B took {takeover:?}; limit {limit:?}");
    let release = watch_a.wait(vip, false, since, Duration::from_secs(3));
    let release = release.unwrap_or_else(|| panic!("A kept the VIP:\n{}", on_a.log()));
    let fault = wait_for(Duration::from_secs(3), || {
        fault_lines(daemon_a, &on_a.log()) > faults_before
    });
    assert!(fault.is_some(), "A never said Fault:\n{}", on_a.log());
    assert!(
        capture.catch_up(since + takeover),
        "no adverts after the takeover"
    );
    let last = capture.last_before(src(case, &a), since + takeover);
    let last = last.unwrap_or_else(|| panic!("no advert from A before its link went"));
    let silence = (since + takeover)
        .duration_since(last.at)
        .unwrap_or_default();
    let rfc = case.master_down(100);
    measured(
        &name,
        &label,
        "link_down->backup_holds_vip",
        takeover,
        Expect::AtMost(rfc),
    );
    let what = "link_down:last_advert->backup_holds_vip";
    measured(&name, &label, what, silence, Expect::Rfc(rfc));
    measured(
        &name,
        &label,
        "link_down->master_releases_vip",
        release,
        Expect::Nothing,
    );
    let b_mac = Some(b.mac());
    let moved = wait_for(Duration::from_secs(3), || {
        c.neighbour_mac(vip).as_deref() == b_mac
    });
    assert!(moved.is_some(), "C has {:?}", c.neighbour_mac(vip));

    // 3. The link is back: A is Backup first, then preempts.
    let since = SystemTime::now();
    set_link(&lab, &a, how, true);
    let limit = case.master_down(150) + SLACK;
    let preempt = watch_a.wait(vip, true, since, limit);
    let preempt = preempt.unwrap_or_else(|| panic!("A never came back:\n{}", on_a.log()));
    let released = watch_b.wait(vip, false, since, limit);
    assert!(released.is_some(), "B kept the VIP:\n{}", on_b.log());
    measured(
        &name,
        &label,
        "link_up->master_holds_vip",
        preempt,
        Expect::Nothing,
    );
    let a_mac = Some(a.mac());
    let moved = wait_for(Duration::from_secs(3), || {
        c.neighbour_mac(vip).as_deref() == a_mac
    });
    assert!(moved.is_some(), "C has {:?}", c.neighbour_mac(vip));
    Some(LinkFault {
        takeover,
        takeover_from_last_advert: silence,
        release,
        preempt,
    })
}

fn set_link(lab: &Lab, host: &Host<'_>, how: LinkDown, up: bool) {
    match how {
        LinkDown::Carrier => lab.unplug(host, !up),
        LinkDown::Admin => host.link_set(up),
    }
}

/// How many times `log` says the instance entered Fault.
fn fault_lines(daemon: &Daemon, log: &str) -> usize {
    let needle = match daemon {
        Daemon::Keepalived | Daemon::Keepalived243(_) => "Entering FAULT STATE",
        Daemon::Ours(_) => "to=Fault",
    };
    log.matches(needle).count()
}
