//! End-to-end tests in the LAB (`vrrp-lab`): the harness's own checks, and
//! keepalived against keepalived, the baseline our daemon is measured
//! against. Timings print as `MEASURED ...` lines on stderr; assertions only
//! hold them to generous bounds.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use lab::keepalived::Config;
use lab::scenario::{self, Case};
use lab::{Daemon, Lab, Signal, haproxy};

fn addr(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

/// Two hosts reach each other over the bridge over IPv4, IPv6 and
/// link-local, with the MACs and addresses the harness promises; a cut
/// bridge port partitions a host without touching its carrier.
#[test]
fn lab_hosts_reach_each_other() {
    let Some(lab) = Lab::new("lab_hosts_reach_each_other") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
    let b = lab.host("b", &["192.0.2.2/24", "2001:db8::2/64"]);
    assert_eq!(
        (a.mac(), b.mac()),
        ("02:00:00:00:00:01", "02:00:00:00:00:02")
    );
    assert!(a.has_address(addr("fe80::1")) && b.has_address(addr("fe80::2")));
    assert!(a.ping(addr("192.0.2.2")), "IPv4");
    assert!(b.ping(addr("2001:db8::1")), "IPv6");
    assert_eq!(a.neighbour_mac(addr("192.0.2.2")).as_deref(), Some(b.mac()));
    assert_eq!(
        b.neighbour_mac(addr("2001:db8::1")).as_deref(),
        Some(a.mac())
    );
    let link_local = b.exec(&["ping", "-c", "1", "-W", "1", "-q", "fe80::1%eth0"]);
    assert!(link_local.status.success(), "link-local");

    lab.cut(&a, true);
    assert!(
        !a.ping(addr("192.0.2.2")),
        "a cut host still reaches the bridge"
    );
    let link = a.exec(&["ip", "-br", "link", "show", "eth0"]);
    assert!(
        String::from_utf8_lossy(&link.stdout).contains(" UP "),
        "carrier lost on a cut"
    );
    lab.cut(&a, false);
    assert!(a.ping(addr("192.0.2.2")), "healed");

    a.link_set(false);
    assert!(!b.ping(addr("192.0.2.1")), "eth0 down");
    a.link_set(true);
    assert!(lab::watch::wait_for(Duration::from_secs(3), || b.ping(addr("192.0.2.1"))).is_some());
}

/// Everything a lab made is gone once it is dropped: namespaces, processes,
/// its directory; also when the test body panics.
#[test]
fn lab_cleans_up_also_on_panic() {
    let Some(lab) = Lab::new("lab_cleans_up_also_on_panic") else {
        return;
    };
    let (id, dir) = (lab.id().to_owned(), lab.dir().to_owned());
    let pids = {
        let a = lab.host("a", &["192.0.2.1/24"]);
        let sleeper = a.spawn("sleep", &["sleep", "1000"]);
        assert_eq!(lab.namespaces().len(), 2, "{:?}", lab.namespaces());
        vec![sleeper.pid()]
    };
    drop(lab);
    assert_gone(&id, &pids);
    assert!(!dir.exists(), "{} survived", dir.display());

    let mut pids = Vec::new();
    let mut panicking_id = String::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let lab = Lab::new("lab_cleans_up_also_on_panic (inner)").expect("root");
        panicking_id = lab.id().to_owned();
        let a = lab.host("a", &["192.0.2.1/24"]);
        let _b = lab.host("b", &["192.0.2.2/24"]);
        let sleeper = a.spawn("sleep", &["sleep", "1000"]);
        pids.push(sleeper.pid());
        panic!("on purpose: the lab must clean up while unwinding");
    }));
    assert!(result.is_err());
    assert_gone(&panicking_id, &pids);
    // A panicking lab keeps its directory for a post-mortem.
    let _ = std::fs::remove_dir_all(std::env::temp_dir().join(&panicking_id));
}

fn assert_gone(id: &str, pids: &[nix::unistd::Pid]) {
    let left: Vec<String> = lab::netns_list()
        .into_iter()
        .filter(|ns| ns.starts_with(id))
        .collect();
    assert!(left.is_empty(), "namespaces left: {left:?}");
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} lives on"
        );
    }
}

/// Each host has its own PID namespace: `killall -0 haproxy` on B does not
/// see A's HAProxy. Signals reach the program itself: SIGSTOP stops it,
/// SIGCONT resumes it, SIGTERM ends it.
#[test]
fn lab_processes_are_per_host() {
    let Some(lab) = Lab::new("lab_processes_are_per_host") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let mut ha = haproxy::start(&a, 80);
    let alive = |host: &lab::Host<'_>| host.exec(&["killall", "-0", "haproxy"]).status.success();
    let seen = lab::watch::wait_for(Duration::from_secs(3), || alive(&a));
    assert!(
        seen.is_some(),
        "A's haproxy is not seen on A:\n{}",
        ha.log()
    );
    assert!(!alive(&b), "A's haproxy is seen on B");
    let served = lab::watch::wait_for(Duration::from_secs(3), || {
        b.http_get(addr("192.0.2.1"), 80).as_deref() == Some("a\n")
    });
    assert!(
        served.is_some(),
        "A's haproxy: {:?}",
        b.http_get(addr("192.0.2.1"), 80)
    );

    let state = lab::process_state;
    ha.kill(Signal::SIGSTOP);
    let stopped = lab::watch::wait_for(Duration::from_secs(2), || state(ha.pid()) == Some('T'));
    assert!(stopped.is_some(), "SIGSTOP: state {:?}", state(ha.pid()));
    ha.kill(Signal::SIGCONT);
    let resumed = lab::watch::wait_for(Duration::from_secs(2), || {
        state(ha.pid()).is_some_and(|s| s != 'T')
    });
    assert!(resumed.is_some(), "SIGCONT: state {:?}", state(ha.pid()));
    ha.kill(Signal::SIGTERM);
    assert!(
        ha.wait_exit(Duration::from_secs(5)).is_some(),
        "SIGTERM did not end haproxy"
    );
    assert!(!alive(&a));
}

/// `unicast_peer`: adverts go to the peer's address, not 224.0.0.18, and
/// the capture on the bridge still sees them; B takes over after a crash.
#[test]
fn keepalived_v3_unicast_100ms() {
    let Some(lab) = Lab::new("keepalived_v3_unicast_100ms") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let capture = lab.capture_adverts();
    let (vip, ip_a, ip_b) = (addr("192.0.2.100"), addr("192.0.2.1"), addr("192.0.2.2"));
    let case = Case::v3_ipv4(Duration::from_millis(100));
    let config = |name: &str, priority, src: &str, peer: &str| {
        let instance = case.instance(priority).unicast(src, &[peer]);
        Config::new(name).instance(instance).to_string()
    };
    let start = SystemTime::now();
    let on_a = Daemon::Keepalived.start(&a, &config("a", 150, "192.0.2.1", "192.0.2.2"));
    let took = lab::watch::wait_for(Duration::from_secs(5), || a.has_address(vip));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    let _on_b = Daemon::Keepalived.start(&b, &config("b", 100, "192.0.2.2", "192.0.2.1"));
    let stays = lab::watch::holds_for(Duration::from_millis(800), || !b.has_address(vip));
    assert!(stays, "B took the VIP");

    let adverts = capture.from(ip_a, start, SystemTime::now());
    assert!(adverts.len() >= 5, "few adverts from A: {adverts:?}");
    assert!(
        adverts.iter().all(|advert| advert.dst == ip_b),
        "{adverts:?}"
    );

    on_a.kill_group(Signal::SIGKILL);
    let limit = case.master_down(100) + Duration::from_secs(2);
    let took = lab::watch::wait_for(limit, || b.has_address(vip));
    assert!(took.is_some(), "B did not take over");
    let since = SystemTime::now();
    assert!(capture.catch_up(since), "B does not advertise");
    let from_b = capture.from(ip_b, since, SystemTime::now() + Duration::from_secs(1));
    assert!(from_b.iter().all(|advert| advert.dst == ip_a), "{from_b:?}");
}

#[test]
fn keepalived_v3_ipv4_1s() {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    scenario::failover(
        "keepalived_v3_ipv4_1s",
        case,
        &Daemon::Keepalived,
        &Daemon::Keepalived,
    );
}

#[test]
fn keepalived_v3_ipv4_100ms() {
    let case = Case::v3_ipv4(Duration::from_millis(100));
    scenario::failover(
        "keepalived_v3_ipv4_100ms",
        case,
        &Daemon::Keepalived,
        &Daemon::Keepalived,
    );
}

#[test]
fn keepalived_v2_pass_ipv4_1s() {
    let case = Case::v2_pass(Duration::from_secs(1), "lab-pass");
    scenario::failover(
        "keepalived_v2_pass_ipv4_1s",
        case,
        &Daemon::Keepalived,
        &Daemon::Keepalived,
    );
}

#[test]
fn keepalived_v3_ipv6_1s() {
    let case = Case::v3_ipv6(Duration::from_secs(1));
    scenario::failover(
        "keepalived_v3_ipv6_1s",
        case,
        &Daemon::Keepalived,
        &Daemon::Keepalived,
    );
}

#[test]
fn keepalived_seed_config_keeps_vip_on_dead_haproxy() {
    let test = "keepalived_seed_config_keeps_vip_on_dead_haproxy";
    scenario::seed_haproxy_dies(test, &Daemon::Keepalived, &Daemon::Keepalived);
}

#[test]
fn keepalived_track_script_moves_vip() {
    let test = "keepalived_track_script_moves_vip";
    scenario::track_script_moves_vip(test, &Daemon::Keepalived, &Daemon::Keepalived);
}
