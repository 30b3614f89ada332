//! keepalived's reported failures, replayed against OUR daemon in the lab
//! (`tests/lab/`): each must end with one Master and no transition that the
//! reload (or the reboot) caused.
//!
//! - keepalived issue 2387: two routers started at the same instant, one
//!   reloaded (SIGHUP) during its election: an unrecoverable dual Master;
//! - keepalived issue 2649: three routers, one rebooted (daemon and its
//!   addresses gone, back a few seconds later);
//! - keepalived issue 2159: a reload that takes longer than 3 × advert_int
//!   on a large configuration: the peer took over.
//!
//! Needs root; prints MEASURED lines.

mod fault_kit;
use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

use fault_kit::{measured, secs, start_running, state, status, transitions};
use lab::keepalived::{Config, Instance, State};
use lab::scenario::Case;
use lab::watch::{holds_for, wait_for};
use lab::{Host, Lab, Signal};

const VIP: IpAddr = fault_kit::VIP;

/// Which of `hosts` hold `vip` now.
fn holders(hosts: &[&Host<'_>], vip: IpAddr) -> Vec<String> {
    let holding = hosts.iter().filter(|h| h.has_address(vip));
    holding.map(|h| h.name().to_owned()).collect()
}

/// Waits (up to `timeout`) until exactly `host` holds `vip` among `hosts`,
/// then asserts that this lasts for `stable`.
fn settles_on(hosts: &[&Host<'_>], vip: IpAddr, host: &str, timeout: Duration, stable: Duration) {
    let settled = wait_for(timeout, || holders(hosts, vip) == [host]);
    assert!(
        settled.is_some(),
        "the VIP did not settle on {host} alone: held by {:?}",
        holders(hosts, vip)
    );
    assert!(
        holds_for(stable, || holders(hosts, vip) == [host]),
        "the VIP left {host}: held by {:?}",
        holders(hosts, vip)
    );
}

/// keepalived issue 2387: A (150) and B (100) start at once; during the
/// election (before B's Master_Down_Interval has run out) B, then A, is
/// reloaded with its unchanged configuration. Both end as they would have
/// without the reload: A Master, B Backup, each with exactly the startup
/// transitions (B: Initialize → Backup; A: Initialize → Backup → Master).
#[test]
fn sighup_during_the_election_of_two_routers_started_at_once() {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    for (k, delay) in [100, 1500, 3000]
        .map(Duration::from_millis)
        .into_iter()
        .enumerate()
    {
        let test = format!("regression_2387_{k}");
        let Some(lab) = Lab::new(&test) else {
            return;
        };
        let a = lab.host(
            "a",
            &case
                .addresses(1)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        let b = lab.host(
            "b",
            &case
                .addresses(2)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        let config = |name, priority| {
            let instance = case.instance(priority).state(State::Backup);
            Config::new(name).instance(instance).to_string()
        };
        let on_a = start_running(&a, &config("a", 150), &[]);
        let on_b = start_running(&b, &config("b", 100), &[]);
        std::thread::sleep(delay);
        on_b.kill(Signal::SIGHUP);
        on_a.kill(Signal::SIGHUP);
        let limit = case.master_down(150) + Duration::from_secs(3);
        settles_on(&[&a, &b], VIP, "a", limit, case.advert * 4);
        let (status_a, status_b) = (status(&a, &on_a), status(&b, &on_b));
        assert_eq!(state(&status_a, "VI_51"), "MASTER");
        assert_eq!(state(&status_b, "VI_51"), "BACKUP");
        assert_eq!(transitions(&status_a, "VI_51"), 2, "A: {status_a:#}");
        assert_eq!(transitions(&status_b, "VI_51"), 1, "B: {status_b:#}");
        for (name, daemon) in [("A", &on_a), ("B", &on_b)] {
            let log = daemon.log();
            assert!(
                log.contains("SIGHUP: reloading"),
                "{name} did not reload:\n{log}"
            );
        }
        measured(
            "keepalived 2387",
            &format!(
                "SIGHUP {} after a simultaneous start: A Master, B Backup, no extra transition",
                secs(delay)
            ),
        );
    }
}

/// keepalived issue 2649: A (250), B (200) and D (100); A reboots: its
/// daemon dies, its link goes down and its addresses go, and a few seconds
/// later it all comes back. B (not D) takes over alone while A is away;
/// A preempts when back; one Master at every sample after each settles.
#[test]
fn three_routers_one_rebooted() {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    let Some(lab) = Lab::new("regression_2649") else {
        return;
    };
    let hosts: Vec<_> = [(1, "a"), (2, "b"), (4, "d")]
        .into_iter()
        .map(|(n, name)| {
            let addresses = case.addresses(n);
            lab.host(
                name,
                &addresses.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        })
        .collect();
    let [a, b, d] = [&hosts[0], &hosts[1], &hosts[2]];
    let all = [a, b, d];
    let config = |host: &Host<'_>, priority| {
        let instance = case.instance(priority).state(State::Backup);
        Config::new(host.name()).instance(instance).to_string()
    };
    let mut on_a = start_running(a, &config(a, 250), &[]);
    settles_on(
        &all,
        VIP,
        "a",
        Duration::from_secs(10),
        Duration::from_secs(1),
    );
    let _on_b = start_running(b, &config(b, 200), &[]);
    let _on_d = start_running(d, &config(d, 100), &[]);
    std::thread::sleep(case.master_down(100));
    settles_on(&all, VIP, "a", Duration::from_secs(1), case.advert * 2);

    // The reboot: the daemon is gone without a word, then the link and
    // every address.
    let since = Instant::now();
    on_a.kill(Signal::SIGKILL);
    assert!(on_a.wait_exit(Duration::from_secs(3)).is_some());
    a.link_set(false);
    let out = a.exec(&["ip", "addr", "flush", "dev", "eth0"]);
    assert!(out.status.success(), "{out:?}");
    settles_on(
        &all,
        VIP,
        "b",
        case.master_down(200) + Duration::from_secs(2),
        case.advert * 2,
    );
    let took_over = since.elapsed();
    std::thread::sleep(Duration::from_secs(3).saturating_sub(since.elapsed()));

    // Back: link, addresses, daemon, as a boot would bring them.
    a.link_set(true);
    for address in case.addresses(1) {
        let out = a.exec(&["ip", "addr", "add", &address, "dev", "eth0"]);
        assert!(out.status.success(), "{out:?}");
    }
    let back = Instant::now();
    let on_a = start_running(a, &config(a, 250), &[]);
    settles_on(
        &all,
        VIP,
        "a",
        case.master_down(250) + Duration::from_secs(3),
        case.advert * 3,
    );
    let preempted = back.elapsed();
    let status_a = status(a, &on_a);
    assert_eq!(transitions(&status_a, "VI_51"), 2, "A: {status_a:#}");
    measured(
        "keepalived 2649",
        &format!(
            "A rebooted: B alone held the VIP {} after, A alone again {} after it was back",
            secs(took_over),
            secs(preempted)
        ),
    );
}

/// Instances in the large configuration: every VRID on one interface.
const LARGE: u8 = 255;

/// The large configuration: [`LARGE`] VRRPv3 instances at `advert`, VRID
/// n with VIP 198.18.0.n, priority `priority`.
fn large_config(name: &str, priority: u8, advert: Duration) -> String {
    let mut config = Config::new(name);
    for vrid in 1..=LARGE {
        let instance = Instance::new(&format!("VI_{vrid}"), vrid)
            .priority(priority)
            .advert_int(advert)
            .version(3)
            .state(State::Backup)
            .vip(&format!("198.18.0.{vrid}/15"));
        config = config.instance(instance);
    }
    config.to_string()
}

/// keepalived issue 2159: A (150) and B (100) with 255 instances at 0.1 s;
/// A is reloaded (SIGHUP, unchanged) ten times in a row. B takes over none
/// of the instances, and A's adverts never pause for 3 intervals (B's
/// Master_Down_Interval is more than that).
#[test]
fn reloading_a_large_configuration_never_lets_the_peer_take_over() {
    let advert = Duration::from_millis(100);
    let Some(lab) = Lab::new("regression_2159") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let capture = lab.capture_adverts_matching("adverts-a", "ip proto 112 and src host 192.0.2.1");
    let on_a = start_running(&a, &large_config("a", 150, advert), &[]);
    let last = IpAddr::from([198, 18, 0, LARGE]);
    let held = wait_for(Duration::from_secs(10), || a.has_address(last));
    assert!(held.is_some(), "A never took its VIPs:\n{}", on_a.log());
    let on_b = start_running(&b, &large_config("b", 100, advert), &[]);
    std::thread::sleep(advert * 10);
    let before = status(&b, &on_b);
    let started = SystemTime::now();
    for _ in 0..10 {
        on_a.kill(Signal::SIGHUP);
        std::thread::sleep(advert * 3);
    }
    std::thread::sleep(advert * 5);
    let ended = SystemTime::now();
    let after = status(&b, &on_b);
    for vrid in 1..=LARGE {
        let name = format!("VI_{vrid}");
        assert_eq!(state(&after, &name), "BACKUP", "B took {name}");
        assert_eq!(
            transitions(&after, &name),
            transitions(&before, &name),
            "B moved {name}"
        );
    }
    assert!(
        !b.addresses()
            .iter()
            .any(|a| matches!(a, IpAddr::V4(v4) if v4.octets()[..2] == [198, 18])),
        "B holds a VIP"
    );
    capture.catch_up(ended);
    let mut largest = Duration::ZERO;
    for vrid in [1, 128, LARGE] {
        let adverts: Vec<_> = capture
            .adverts()
            .into_iter()
            .filter(|x| x.vrid == vrid && x.at >= started && x.at < ended)
            .collect();
        let (gap, n) = fault_kit::largest_gap(&adverts);
        assert!(n > 20, "VRID {vrid}: only {n} adverts from A");
        largest = largest.max(gap);
    }
    assert!(largest < advert * 3, "A's adverts paused {largest:?}");
    let reloads = on_a.log().matches("SIGHUP: reloading").count();
    assert!(reloads >= 10, "A reloaded {reloads} times:\n{}", on_a.log());
    measured(
        "keepalived 2159",
        &format!(
            "{LARGE} instances at 0.1 s, 10 reloads of A: B took over none; A's largest advert gap {}",
            secs(largest)
        ),
    );
}
