//! Gratuitous ARP timing in the lab, ours against keepalived 2.4.3 on the
//! same files (tcpdump on the Master's bridge port):
//!
//! - `garp_group { garp_interval 0.25 interface eth0 }` with three VIPs and
//!   `vrrp_garp_master_repeat 3`, `vrrp_garp_master_delay 3`: each burst is
//!   nine GARPs, three per VIP, at least 0.25 s apart, round robin; the
//!   second burst 3 s after the first. Then the Master stops and the client
//!   reaches every VIP at the Backup (the other daemon), whose GARPs moved it.
//! - `garp_extra_if all 2` with a VIP on a macvlan beside the instance's
//!   eth0: a GARP for it from the macvlan's MAC every 2 s.
//!
//! Both daemons must agree within generous tolerances (the machine is
//! shared); the MEASURED lines give the figures. Needs root.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use lab::capture::Frame;
use lab::keepalived::{Config, Instance};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Signal, say};

const VIPS: [&str; 3] = ["192.0.2.100", "192.0.2.101", "192.0.2.102"];
const INTERVAL: Duration = Duration::from_millis(250);
const DELAY: Duration = Duration::from_secs(3);
/// The extra-interface VIP and its macvlan's MAC.
const EXTRA_VIP: &str = "198.18.0.1";
const MACVLAN_MAC: &str = "02:67:61:72:70:01";
const EXTRA_PERIOD: Duration = Duration::from_secs(2);

/// A gratuitous ARP seen: when, and for which address.
#[derive(Debug, Clone)]
struct Garp {
    at: SystemTime,
    vip: IpAddr,
}

/// The gratuitous ARPs among `frames` (`who-has X tell X`).
fn garps(frames: &[Frame]) -> Vec<Garp> {
    frames
        .iter()
        .filter_map(|frame| {
            let rest = frame.text.split_once("Request who-has ")?.1;
            // `who-has 192.0.2.100 (ff:ff:ff:ff:ff:ff) tell 192.0.2.100, length 28`
            let asked = rest.split_whitespace().next()?;
            let teller = rest.split_once(" tell ")?.1.split(',').next()?;
            let vip = asked.parse().ok().filter(|_| asked == teller)?;
            Some(Garp { at: frame.at, vip })
        })
        .collect()
}

fn since(earlier: SystemTime, later: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or_default()
}

/// `lines` added at the top of `global_defs`.
fn with_global(text: String, lines: &str) -> String {
    text.replacen("global_defs {\n", &format!("global_defs {{\n{lines}"), 1)
}

/// The paced pair's keepalived.conf at `priority`.
fn paced_config(host: &Host<'_>, priority: u8) -> String {
    let mut instance = Instance::new("VI_1", 51).priority(priority);
    for vip in VIPS {
        instance = instance.vip(&format!("{vip}/24"));
    }
    let text = Config::new(host.name()).instance(instance).to_string();
    let text = with_global(
        text,
        "    vrrp_garp_master_repeat 3\n    vrrp_garp_master_delay 3\n",
    );
    text + "\ngarp_group {\n    garp_interval 0.25\n    interface eth0\n}\n"
}

/// One burst's figures: GARPs, per VIP, the least and the median gap.
#[derive(Debug)]
struct Burst {
    count: usize,
    per_vip: Vec<usize>,
    least_gap: Duration,
    median_gap: Duration,
}

fn burst(garps: &[Garp]) -> Burst {
    let mut gaps: Vec<Duration> = garps.windows(2).map(|w| since(w[0].at, w[1].at)).collect();
    gaps.sort();
    let per_vip = VIPS
        .iter()
        .map(|vip| {
            let vip: IpAddr = vip.parse().expect("an address");
            garps.iter().filter(|g| g.vip == vip).count()
        })
        .collect();
    Burst {
        count: garps.len(),
        per_vip,
        least_gap: gaps.first().copied().unwrap_or_default(),
        median_gap: gaps.get(gaps.len() / 2).copied().unwrap_or_default(),
    }
}

/// `master` paced on host m, `backup` on host b, a client c: the two
/// bursts' figures and the second burst's offset; then the failover.
fn paced(test: &str, master: &Daemon, backup: &Daemon) -> Option<(Burst, Burst, Duration)> {
    let lab = Lab::new(test)?;
    let label = format!("Master {} / Backup {}", master.name(), backup.name());
    let m = lab.host("m", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let c = lab.host("c", &["192.0.2.9/24"]);
    let vips: Vec<IpAddr> = VIPS
        .iter()
        .map(|v| v.parse().expect("an address"))
        .collect();
    let capture = lab.capture_frames_from(&m, m.mac());
    let on_m = master.start(&m, &paced_config(&m, 150));
    let took = wait_for(Duration::from_secs(10), || {
        vips.iter().all(|v| m.has_address(*v))
    });
    assert!(took.is_some(), "{label}: no Master:\n{}", on_m.log());
    let on_b = backup.start(&b, &paced_config(&b, 100));
    // Both bursts (2 s each at most) and some slack.
    std::thread::sleep(DELAY + Duration::from_millis(3500));
    let seen = garps(&capture.frames());
    let first = seen
        .first()
        .unwrap_or_else(|| panic!("{label}: no GARP captured: {:?}", capture.frames()))
        .at;
    let (one, two): (Vec<Garp>, Vec<Garp>) = seen
        .iter()
        .cloned()
        .partition(|g| since(first, g.at) < DELAY - Duration::from_millis(500));
    let second_at = two.first().map_or(Duration::ZERO, |g| since(first, g.at));
    let (one, two) = (burst(&one), burst(&two));

    // The clients: each VIP at the Master, then at the Backup once the
    // Master stops.
    for vip in &vips {
        let reached = wait_for(Duration::from_secs(3), || {
            c.ping(*vip) && c.neighbour_mac(*vip).as_deref() == Some(m.mac())
        });
        assert!(
            reached.is_some(),
            "{label}: the client does not reach {vip}"
        );
    }
    on_m.kill_group(Signal::SIGTERM);
    let moved = wait_for(Duration::from_secs(6), || {
        vips.iter().all(|v| b.has_address(*v))
    });
    assert!(moved.is_some(), "{label}: no takeover:\n{}", on_b.log());
    for vip in &vips {
        let reached = wait_for(Duration::from_secs(5), || {
            c.ping(*vip) && c.neighbour_mac(*vip).as_deref() == Some(b.mac())
        });
        assert!(
            reached.is_some(),
            "{label}: the client does not reach {vip} at the new Master"
        );
    }
    say(&format!(
        "MEASURED garp_group (interval 0.25 s, repeat 3, 3 VIPs), {}: first burst {one:?}, \
         second {second_at:?} later {two:?}; clients followed the VIPs to {}",
        master.name(),
        backup.name()
    ));
    Some((one, two, second_at))
}

/// keepalived's pacing (`vrrp_arp.c`): nine GARPs a burst, three per VIP,
/// one per interval.
fn check_paced(name: &str, one: &Burst, two: &Burst, second_at: Duration) {
    for (which, b) in [("first", one), ("second", two)] {
        assert_eq!(b.count, 9, "{name}: {which} burst {b:?}");
        assert_eq!(b.per_vip, [3, 3, 3], "{name}: {which} burst {b:?}");
        assert!(
            b.least_gap >= INTERVAL - Duration::from_millis(30),
            "{name}: {which} burst closer than garp_interval: {b:?}"
        );
        assert!(
            b.median_gap <= INTERVAL + Duration::from_millis(150),
            "{name}: {which} burst slower than garp_interval: {b:?}"
        );
    }
    let late = second_at.abs_diff(DELAY);
    assert!(
        late <= Duration::from_millis(600),
        "{name}: the second burst {second_at:?} after the first, not {DELAY:?}"
    );
}

#[test]
fn garp_group_paces_as_keepalived_and_clients_follow_a_failover() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    let ours = Daemon::ours();
    let Some((k1, k2, k_at)) = paced("garp_group keepalived", &keepalived, &ours) else {
        return;
    };
    check_paced("keepalived-2.4.3", &k1, &k2, k_at);
    let (o1, o2, o_at) = paced("garp_group ours", &ours, &keepalived).expect("the lab ran once");
    check_paced("vrrp-rs", &o1, &o2, o_at);
    let medians = o1.median_gap.abs_diff(k1.median_gap);
    assert!(
        medians <= Duration::from_millis(100),
        "median gaps differ: ours {o1:?}, keepalived {k1:?}"
    );
    assert!(
        o_at.abs_diff(k_at) <= Duration::from_millis(500),
        "second bursts: ours {o_at:?}, keepalived {k_at:?} after the first"
    );
}

/// Host m with a macvlan `mv0` on eth0 carrying [`EXTRA_VIP`]: the times of
/// the GARPs for it in the first seven seconds of Master.
fn extra_if(test: &str, daemon: &Daemon) -> Option<Vec<Duration>> {
    let lab = Lab::new(test)?;
    let m = lab.host("m", &["192.0.2.1/24"]);
    for argv in [
        &[
            "ip",
            "link",
            "add",
            "mv0",
            "link",
            "eth0",
            "address",
            MACVLAN_MAC,
            "type",
            "macvlan",
            "mode",
            "bridge",
        ][..],
        &["ip", "link", "set", "mv0", "up"][..],
    ] {
        let out = m.exec(argv);
        assert!(out.status.success(), "{argv:?}: {out:?}");
    }
    let instance = Instance::new("VI_1", 51)
        .priority(150)
        .vip("192.0.2.100/24")
        .vip(&format!("{EXTRA_VIP}/24 dev mv0"))
        .line(&format!("garp_extra_if all {}", EXTRA_PERIOD.as_secs()));
    let text = Config::new(m.name()).instance(instance).to_string();
    let text = with_global(
        text,
        "    vrrp_garp_master_repeat 1\n    vrrp_garp_master_delay 0\n",
    );
    let capture = lab.capture_frames_from(&m, MACVLAN_MAC);
    let on_m = daemon.start(&m, &text);
    let extra: IpAddr = EXTRA_VIP.parse().expect("an address");
    let took = wait_for(Duration::from_secs(10), || m.has_address(extra));
    assert!(
        took.is_some(),
        "{}: no Master:\n{}",
        daemon.name(),
        on_m.log()
    );
    std::thread::sleep(Duration::from_millis(7300));
    let seen: Vec<Garp> = garps(&capture.frames())
        .into_iter()
        .filter(|g| g.vip == extra)
        .collect();
    let first = seen
        .first()
        .unwrap_or_else(|| panic!("{}: no GARP from mv0:\n{}", daemon.name(), on_m.log()))
        .at;
    let times: Vec<Duration> = seen
        .iter()
        .map(|g| since(first, g.at))
        .take_while(|t| *t < Duration::from_secs(7))
        .collect();
    say(&format!(
        "MEASURED garp_extra_if all 2, {}: GARPs for {EXTRA_VIP} from mv0 at {times:?} after \
         the first",
        daemon.name()
    ));
    Some(times)
}

/// The burst at once, then one every period.
fn check_extra_if(name: &str, times: &[Duration]) {
    assert_eq!(times.len(), 4, "{name}: {times:?}");
    for (n, at) in times.iter().enumerate() {
        let expected = EXTRA_PERIOD * u32::try_from(n).expect("a few");
        assert!(
            at.abs_diff(expected) <= Duration::from_millis(400),
            "{name}: GARP {n} at {at:?}, not {expected:?}: {times:?}"
        );
    }
}

#[test]
fn garp_extra_if_repeats_on_the_other_interface_as_keepalived() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    let Some(theirs) = extra_if("garp_extra_if keepalived", &keepalived) else {
        return;
    };
    check_extra_if("keepalived-2.4.3", &theirs);
    let ours = extra_if("garp_extra_if ours", &Daemon::ours()).expect("the lab ran once");
    check_extra_if("vrrp-rs", &ours);
}
