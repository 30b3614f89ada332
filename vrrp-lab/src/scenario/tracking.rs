//! HAProxy tracking: the article's configuration, and one whose weights do
//! move the VIP when HAProxy dies. Hosts A and B run HAProxy and the daemon;
//! C is the client fetching `http://VIP/`, which names the host that served.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use super::{Case, Expect, HTTP_PORT, measured, pair_name};
use crate::keepalived::{Config, Script, State};
use crate::watch::{holds_for, wait_for};
use crate::{Daemon, Host, Lab, Signal, haproxy, say};

/// The article's keepalived.conf, master side (as vrrp-keepalived's fixtures
/// restore it: VIP 192.0.2.100, interface ens192).
const SEED_MASTER: &str = include_str!("../../../vrrp-keepalived/tests/fixtures/seed-master.conf");
/// The article's backup side: priority 98, `state BACKUP`.
const SEED_BACKUP: &str = include_str!("../../../vrrp-keepalived/tests/fixtures/seed-backup.conf");

/// Slack on top of protocol and script times in assertions.
const SLACK: Duration = Duration::from_millis(2400);

/// The article's configuration, verbatim but for the interface name: A at
/// 100 + 2 while HAProxy lives, B at 98 + 2, `killall -0 haproxy` every 2 s.
/// When A's HAProxy dies, A drops to 100, equal to B, and a Backup does not
/// preempt an equal Master (RFC 9568 §6.4.2): the VIP stays on A, where
/// nothing serves it. Asserts exactly that, for the daemons given.
pub fn seed_haproxy_dies(test: &str, daemon_a: &Daemon, daemon_b: &Daemon) -> Option<()> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let c = lab.host("c", &["192.0.2.3/24"]);
    let vip = IpAddr::from([192, 0, 2, 100]);
    let (mut haproxy_a, _haproxy_b) =
        (haproxy::start(&a, HTTP_PORT), haproxy::start(&b, HTTP_PORT));
    let watch_b = b.monitor_addresses();
    // A first: started together, A (102) and B (100) run master-down timers
    // 7 ms apart, and both may take the VIP for a moment (see failover.rs).
    let on_a = daemon_a.start(&a, &SEED_MASTER.replace("ens192", "eth0"));
    let took = wait_for(Duration::from_secs(10), || a.has_address(vip));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    let b_start = SystemTime::now();
    let _on_b = daemon_b.start(&b, &SEED_BACKUP.replace("ens192", "eth0"));
    served_by(&c, vip, "a");
    // Both scripts have run at least once (interval 2 s): A 102, B 100.
    std::thread::sleep(Duration::from_millis(2500));

    haproxy_a.kill(Signal::SIGKILL);
    // Reaped, not a zombie, which `killall -0` would still find.
    assert!(
        haproxy_a.wait_exit(Duration::from_secs(5)).is_some(),
        "haproxy lives on"
    );
    let check = a.exec(&["killall", "-0", "haproxy"]);
    assert!(!check.status.success(), "A's haproxy check still passes");
    // Within one script interval A drops to 100; B must then still see an
    // equal Master through its whole master-down interval and more.
    let seed = Case {
        version: 2,
        auth_pass: Some("1cee4b6e"),
        ..Case::v3_ipv4(Duration::from_secs(1))
    };
    let period = Duration::from_secs(2) + seed.master_down(100) + Duration::from_secs(1);
    let stayed = holds_for(period, || a.has_address(vip));
    assert!(stayed, "the VIP left A:\n{}", on_a.log());
    assert_eq!(watch_b.first(vip, true, b_start), None, "B took the VIP");
    assert_eq!(c.http_get(vip, HTTP_PORT), None, "someone serves the VIP");
    say(&format!(
        "OBSERVED {} seed config: HAProxy dead on the master, VIP still there {:.1}s later, \
         unserved (100 vs 98+2 is a tie)",
        pair_name(daemon_a, daemon_b),
        period.as_secs_f64()
    ));
    Some(())
}

/// VRRPv3, 1 s adverts; A at 150 and B at 100 both track HAProxy with
/// weight -60 (interval 1 s, fall 1, rise 1). Kill A's HAProxy: A drops to
/// 90 and B takes over after its master-down interval. Start it again: A
/// rises to 150 and preempts after its own master-down interval.
pub fn track_script_moves_vip(test: &str, daemon_a: &Daemon, daemon_b: &Daemon) -> Option<()> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let c = lab.host("c", &["192.0.2.3/24"]);
    let case = Case::v3_ipv4(Duration::from_secs(1));
    let (daemons, label) = (
        pair_name(daemon_a, daemon_b),
        "v3 ipv4 adv=1s track(1s,-60)",
    );
    let vip = case.vip();
    let script = Script::haproxy_check(1).weight(-60).fall(1).rise(1);
    let config = |router: &str, priority: u8, state: State| {
        let instance = case
            .instance(priority)
            .state(state)
            .track_script(script.name());
        Config::new(router)
            .script(script.clone())
            .instance(instance)
            .to_string()
    };
    let haproxy_a = haproxy::start(&a, HTTP_PORT);
    let _haproxy_b = haproxy::start(&b, HTTP_PORT);
    let (watch_a, watch_b) = (a.monitor_addresses(), b.monitor_addresses());
    let on_a = daemon_a.start(&a, &config("a", 150, State::Master));
    let took = wait_for(Duration::from_secs(10), || a.has_address(vip));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    let _on_b = daemon_b.start(&b, &config("b", 100, State::Backup));
    served_by(&c, vip, "a");

    // HAProxy dies on A: one script interval, then B's master-down interval.
    let since = SystemTime::now();
    haproxy_a.kill(Signal::SIGKILL);
    let bound = Duration::from_secs(1) + case.master_down(100);
    let took = watch_b.wait(vip, true, since, bound + SLACK + Duration::from_secs(3));
    let took = took.unwrap_or_else(|| panic!("B never took the VIP:\n{}", on_a.log()));
    assert!(took < bound + SLACK, "B took {took:?} to take the VIP");
    measured(
        &daemons,
        label,
        "haproxy_sigkill->backup_holds_vip",
        took,
        Expect::AtMost(bound),
    );
    let released = watch_a.wait(vip, false, since, Duration::from_secs(5));
    let released = released.unwrap_or_else(|| panic!("A kept the VIP:\n{}", on_a.log()));
    measured(
        &daemons,
        label,
        "haproxy_sigkill->master_releases_vip",
        released,
        Expect::Nothing,
    );
    served_by(&c, vip, "b");

    // HAProxy is back on A: it preempts after its own master-down interval.
    let since = SystemTime::now();
    let _haproxy_a = haproxy::start(&a, HTTP_PORT);
    let bound = Duration::from_secs(1) + case.master_down(150);
    let took = watch_a.wait(vip, true, since, bound + SLACK + Duration::from_secs(3));
    let took = took.unwrap_or_else(|| panic!("A never took the VIP back:\n{}", on_a.log()));
    assert!(took < bound + SLACK, "A took {took:?} to take the VIP back");
    measured(
        &daemons,
        label,
        "haproxy_restart->master_holds_vip",
        took,
        Expect::AtMost(bound),
    );
    served_by(&c, vip, "a");
    Some(())
}

/// Asserts that C's `GET http://vip/` is answered by host `name` within 3 s.
pub(super) fn served_by(c: &Host<'_>, vip: IpAddr, name: &str) {
    let mut last = None;
    let served = wait_for(Duration::from_secs(3), || {
        last = c.http_get(vip, HTTP_PORT);
        last.as_deref().map(str::trim) == Some(name)
    });
    assert!(served.is_some(), "C's GET on the VIP: {last:?}, not {name}");
}
