//! A VIP left behind by a crash: B was Master, its daemon was SIGKILLed
//! and the VIP stayed on its `eth0`; meanwhile A became Master. B's daemon
//! starts again, as Backup: the stale VIP must go at once, not when B
//! next leaves Master (it never will while A lives).

use std::time::{Duration, SystemTime};

use super::{Case, Expect, measured};
use crate::keepalived::{Config, State};
use crate::watch::{holds_for, wait_for};
use crate::{Daemon, Lab, Signal};

/// Runs the stale-VIP scenario with `daemon` on A and B; returns how long
/// after B's daemon started again the stale VIP was gone.
///
/// 1. B alone (priority 100) becomes Master; SIGKILL, every process: the
///    VIP stays on B's `eth0`;
/// 2. A (150) starts and takes the VIP: now both hosts have it;
/// 3. B's daemon starts again as Backup: the VIP leaves B (the time is
///    returned), B stays Backup without it, A keeps it, and C's neighbour
///    entry for the VIP is A's MAC.
pub fn stale_vip(test: &str, case: Case, daemon: &Daemon) -> Option<Duration> {
    let lab = Lab::new(test)?;
    let [a, b, c] = [(1, "a"), (2, "b"), (3, "c")].map(|(n, name)| {
        let addresses = case.addresses(n);
        let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
        lab.host(name, &addresses)
    });
    let watch_b = b.monitor_addresses();
    let vip = case.vip();
    let config = |router: &str, priority| {
        let instance = case.instance(priority).state(State::Backup);
        Config::new(router).instance(instance).to_string()
    };

    // 1. B's crash leaves the VIP.
    let mut crashed = daemon.start(&b, &config("b", 100));
    let took = wait_for(Duration::from_secs(10), || b.has_address(vip));
    assert!(took.is_some(), "B never took the VIP:\n{}", crashed.log());
    crashed.kill_group(Signal::SIGKILL);
    assert!(crashed.wait_exit(Duration::from_secs(5)).is_some());
    assert!(b.has_address(vip), "the crash took the VIP along");

    // 2. A takes over the segment.
    let on_a = daemon.start(&a, &config("a", 150));
    let took = wait_for(Duration::from_secs(10), || a.has_address(vip));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    assert!(b.has_address(vip), "someone removed B's stale VIP early");

    // 3. B's daemon again.
    let since = SystemTime::now();
    let on_b = daemon.start(&b, &config("b", 100));
    let removed = watch_b.wait(vip, false, since, Duration::from_secs(5));
    let removed = removed.unwrap_or_else(|| panic!("B's stale VIP stayed:\n{}", on_b.log()));
    let label = case.label();
    let what = "start_as_backup->stale_vip_removed";
    measured(daemon.name(), &label, what, removed, Expect::Nothing);
    let stays = holds_for(case.advert * 2, || {
        a.has_address(vip) && !b.has_address(vip)
    });
    assert!(stays, "the VIP is not on A alone:\n{}", on_b.log());
    assert_eq!(watch_b.first(vip, true, since), None, "B put the VIP back");
    assert!(c.ping(vip), "C cannot reach the VIP");
    assert_eq!(c.neighbour_mac(vip).as_deref(), Some(a.mac()));
    Some(removed)
}
