//! Gratuitous ARP timing in the lab, ours against keepalived 2.4.3 on the
//! same files (tcpdump on the Master's bridge port):
//!
//! - `garp_group { garp_interval 0.25 interface eth0 }` with three VIPs and
//!   `vrrp_garp_master_repeat 3`, `vrrp_garp_master_delay 3`: each burst is
//!   nine GARPs, three per VIP, at least 0.25 s apart, round robin; the
//!   second burst 3 s after the first. Then the Master stops and the client
//!   reaches every VIP at the Backup (the other daemon), whose GARPs moved it.
//! - the same with `vrrp_garp_interval 0.25` instead (keepalived gives eth0
//!   a group of its own), and with `gna_interval` and IPv6 VIPs.
//! - `garp_extra_if all 2` with a VIP on a macvlan beside the instance's
//!   eth0: a GARP for it from the macvlan's MAC every 2 s.
//! - `garp_extra_if 2` without `all`: only the instance's own VMACs get
//!   them (an eVIP's, its `use_vmac`), not that macvlan.
//! - a VIP on that macvlan is paced as its parent's (a `garp_group` on
//!   eth0), and `-t` refuses a `garp_group` naming the macvlan, as 2.2.7's
//!   and 2.4.3's `-t` do.
//!
//! Both daemons must agree within generous tolerances (the machine is
//! shared); the MEASURED lines give the figures. Needs root.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use lab::capture::Frame;
use lab::keepalived::{Config, Instance, with_global};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Proc, Signal, say};

const VIPS: [&str; 3] = ["192.0.2.100", "192.0.2.101", "192.0.2.102"];
const V6_VIPS: [&str; 3] = ["2001:db8::100", "2001:db8::101", "2001:db8::102"];
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

/// The gratuitous ARPs (`who-has X tell X`) and unsolicited NAs (from X to
/// ff02::1, target X) among `frames`.
fn garps(frames: &[Frame]) -> Vec<Garp> {
    frames
        .iter()
        .filter_map(|frame| {
            let text = &frame.text;
            let (asked, teller) = if let Some((_, rest)) = text.split_once("Request who-has ") {
                // `who-has 192.0.2.100 (ff:ff:ff:ff:ff:ff) tell 192.0.2.100, length 28`
                let asked = rest.split_whitespace().next()?;
                (asked, rest.split_once(" tell ")?.1.split(',').next()?)
            } else {
                // `2001:db8::100 > ff02::1: ICMP6, neighbor advertisement, tgt is 2001:db8::100, length 32`
                let (_, rest) = text.split_once("length ")?.1.split_once(": ")?;
                let source = rest.split_whitespace().next()?;
                let target = rest.split_once("neighbor advertisement, tgt is ")?.1;
                let ok = rest.contains(" > ff02::1: ");
                (source, target.split(',').next().filter(|_| ok)?)
            };
            let vip = asked.parse().ok().filter(|_| asked == teller)?;
            Some(Garp { at: frame.at, vip })
        })
        .collect()
}

fn since(earlier: SystemTime, later: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or_default()
}

/// How the paced pair is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    /// `garp_group { garp_interval 0.25 interface eth0 }`, IPv4 VIPs.
    Group,
    /// `vrrp_garp_interval 0.25` in global_defs (keepalived makes it eth0's
    /// group), IPv4 VIPs.
    Global,
    /// `garp_group { gna_interval 0.25 interface eth0 }`, IPv6 VIPs.
    Ipv6,
}

impl Setup {
    fn vips(self) -> Vec<IpAddr> {
        let text: &[&str] = match self {
            Self::Ipv6 => &V6_VIPS,
            _ => &VIPS,
        };
        text.iter()
            .map(|v| v.parse().expect("an address"))
            .collect()
    }
}

/// The paced pair's keepalived.conf at `priority`.
fn paced_config(setup: Setup, host: &Host<'_>, priority: u8) -> String {
    let mut instance = Instance::new("VI_1", 51).priority(priority);
    if setup == Setup::Ipv6 {
        instance = instance.version(3);
    }
    for vip in setup.vips() {
        let prefix = if vip.is_ipv6() { 64 } else { 24 };
        instance = instance.vip(&format!("{vip}/{prefix}"));
    }
    let text = Config::new(host.name()).instance(instance).to_string();
    let mut global = "    vrrp_garp_master_repeat 3\n    vrrp_garp_master_delay 3\n".to_owned();
    let group = match setup {
        Setup::Group => "\ngarp_group {\n    garp_interval 0.25\n    interface eth0\n}\n",
        Setup::Global => {
            global.push_str("    vrrp_garp_interval 0.25\n");
            ""
        }
        Setup::Ipv6 => "\ngarp_group {\n    gna_interval 0.25\n    interface eth0\n}\n",
    };
    with_global(&text, &global) + group
}

/// One burst's figures: GARPs, per VIP, the least and the median gap.
#[derive(Debug)]
struct Burst {
    count: usize,
    per_vip: Vec<usize>,
    least_gap: Duration,
    median_gap: Duration,
}

fn burst(garps: &[Garp], vips: &[IpAddr]) -> Burst {
    let mut gaps: Vec<Duration> = garps.windows(2).map(|w| since(w[0].at, w[1].at)).collect();
    gaps.sort();
    let per_vip = vips
        .iter()
        .map(|vip| garps.iter().filter(|g| g.vip == *vip).count())
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
fn paced(
    test: &str,
    setup: Setup,
    master: &Daemon,
    backup: &Daemon,
) -> Option<(Burst, Burst, Duration)> {
    let lab = Lab::new(test)?;
    let label = format!(
        "{setup:?}: Master {} / Backup {}",
        master.name(),
        backup.name()
    );
    let m = lab.host("m", &["192.0.2.1/24", "2001:db8::1/64"]);
    let b = lab.host("b", &["192.0.2.2/24", "2001:db8::2/64"]);
    let c = lab.host("c", &["192.0.2.9/24", "2001:db8::9/64"]);
    let vips = setup.vips();
    let capture = lab.capture_frames_from(&m, m.mac());
    let on_m = master.start(&m, &paced_config(setup, &m, 150));
    let took = wait_for(Duration::from_secs(10), || {
        vips.iter().all(|v| m.has_address(*v))
    });
    assert!(took.is_some(), "{label}: no Master:\n{}", on_m.log());
    let on_b = backup.start(&b, &paced_config(setup, &b, 100));
    // Both bursts (2 s each at most) and some slack.
    std::thread::sleep(DELAY + Duration::from_millis(3500));
    let seen: Vec<Garp> = garps(&capture.frames())
        .into_iter()
        .filter(|g| vips.contains(&g.vip))
        .collect();
    let first = seen
        .first()
        .unwrap_or_else(|| panic!("{label}: no GARP captured: {:?}", capture.frames()))
        .at;
    let (one, two): (Vec<Garp>, Vec<Garp>) = seen
        .iter()
        .cloned()
        .partition(|g| since(first, g.at) < DELAY - Duration::from_millis(500));
    let second_at = two.first().map_or(Duration::ZERO, |g| since(first, g.at));
    let (one, two) = (burst(&one, &vips), burst(&two, &vips));

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
        "MEASURED {setup:?} (interval 0.25 s, repeat 3, 3 VIPs), {}: first burst {one:?}, \
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

/// `setup` on both daemons, each as the Master: both pace as keepalived's
/// `vrrp_arp.c` / `vrrp_ndisc.c`, and alike.
fn paced_alike(setup: Setup) {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    let ours = Daemon::ours();
    let test = format!("{setup:?} keepalived");
    let Some((k1, k2, k_at)) = paced(&test, setup, &keepalived, &ours) else {
        return;
    };
    check_paced(&format!("{setup:?} keepalived-2.4.3"), &k1, &k2, k_at);
    let test = format!("{setup:?} ours");
    let (o1, o2, o_at) = paced(&test, setup, &ours, &keepalived).expect("the lab ran once");
    check_paced(&format!("{setup:?} vrrp-rs"), &o1, &o2, o_at);
    let medians = o1.median_gap.abs_diff(k1.median_gap);
    assert!(
        medians <= Duration::from_millis(100),
        "{setup:?}: median gaps differ: ours {o1:?}, keepalived {k1:?}"
    );
    assert!(
        o_at.abs_diff(k_at) <= Duration::from_millis(500),
        "{setup:?}: second bursts: ours {o_at:?}, keepalived {k_at:?} after the first"
    );
}

#[test]
fn garp_group_paces_as_keepalived_and_clients_follow_a_failover() {
    paced_alike(Setup::Group);
}

#[test]
fn vrrp_garp_interval_paces_each_interface_as_keepalived() {
    paced_alike(Setup::Global);
}

#[test]
fn gna_interval_paces_unsolicited_nas_as_keepalived() {
    paced_alike(Setup::Ipv6);
}

/// `daemon` started on host m with `text`, once it holds `vip` (its
/// Master); fails, with its log, after 10 s without.
fn start_master(m: &Host<'_>, daemon: &Daemon, text: &str, vip: &str) -> Proc {
    let on_m = daemon.start(m, text);
    let vip: IpAddr = vip.parse().expect("an address");
    let took = wait_for(Duration::from_secs(10), || m.has_address(vip));
    assert!(
        took.is_some(),
        "{}: no Master:\n{}",
        daemon.name(),
        on_m.log()
    );
    on_m
}

/// Host m (at `addresses`) with a macvlan `mv0` on eth0 (MAC
/// [`MACVLAN_MAC`]), and its instance at priority 150: a VIP on eth0,
/// [`EXTRA_VIP`] on mv0.
fn with_mv0<'l>(lab: &'l Lab, addresses: &[&str]) -> (Host<'l>, Instance) {
    let m = lab.host("m", addresses);
    m.add_macvlan("mv0", Some(MACVLAN_MAC));
    let instance = Instance::new("VI_1", 51)
        .priority(150)
        .vip("192.0.2.100/24")
        .vip(&format!("{EXTRA_VIP}/24 dev mv0"));
    (m, instance)
}

/// Host m with a macvlan `mv0` on eth0 carrying [`EXTRA_VIP`]: the times of
/// the GARPs for it in the first seven seconds of Master.
fn extra_if(test: &str, daemon: &Daemon) -> Option<Vec<Duration>> {
    let lab = Lab::new(test)?;
    let (m, instance) = with_mv0(&lab, &["192.0.2.1/24"]);
    let instance = instance.line(&format!("garp_extra_if all {}", EXTRA_PERIOD.as_secs()));
    let text = Config::new(m.name()).instance(instance).to_string();
    let text = with_global(&text, "vrrp_garp_master_repeat 1\nvrrp_garp_master_delay 0");
    let capture = lab.capture_frames_from(&m, MACVLAN_MAC);
    let on_m = start_master(&m, daemon, &text, EXTRA_VIP);
    std::thread::sleep(Duration::from_millis(7300));
    let extra: IpAddr = EXTRA_VIP.parse().expect("an address");
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

/// `lab` with keepalived 2.4.3 as `{test} keepalived`, then with ours as
/// `{test} ours`, each result by the name the assertions give it; `None`
/// (said loudly) without keepalived 2.4.3 or the lab.
fn theirs_then_ours<T>(
    test: &str,
    lab: impl Fn(&str, &Daemon) -> Option<T>,
) -> Option<[(&'static str, T); 2]> {
    let keepalived = Daemon::keepalived_243()?;
    let theirs = lab(&format!("{test} keepalived"), &keepalived)?;
    let ours = lab(&format!("{test} ours"), &Daemon::ours()).expect("the lab ran once");
    Some([("keepalived-2.4.3", theirs), ("vrrp-rs", ours)])
}

#[test]
fn garp_extra_if_repeats_on_the_other_interface_as_keepalived() {
    for (name, times) in theirs_then_ours("garp_extra_if", extra_if)
        .into_iter()
        .flatten()
    {
        check_extra_if(name, &times);
    }
}

/// The IPv6 eVIP that `use_vmac_addr` puts on a VMAC of its own, and that
/// VMAC's MAC (IPv6, VRID 51).
const VMAC_EVIP: &str = "2001:db8::200";
const ADDR_VMAC_MAC: &str = "00:00:5e:00:02:33";

/// `garp_extra_if 2` without `all`: host m's instance has a VIP on its
/// interface, [`EXTRA_VIP`] on a macvlan `mv0` it did not make, and the
/// eVIP [`VMAC_EVIP`] on a VMAC of its own (the address's `use_vmac`). The
/// announcements in the first seven seconds of Master from mv0 and from
/// the address VMAC, as times after the first of each.
fn extra_if_vmacs_only(test: &str, daemon: &Daemon) -> Option<[Vec<Duration>; 2]> {
    let lab = Lab::new(test)?;
    let (m, instance) = with_mv0(&lab, &["192.0.2.1/24", "2001:db8::1/64"]);
    let instance = instance
        .line(&format!(
            "virtual_ipaddress_excluded {{\n        {VMAC_EVIP}/64 dev eth0 use_vmac\n    }}"
        ))
        .line(&format!("garp_extra_if {}", EXTRA_PERIOD.as_secs()));
    let text = Config::new(m.name()).instance(instance).to_string();
    let text = with_global(
        &text,
        "    vrrp_garp_master_repeat 1\n    vrrp_garp_master_delay 0\n",
    );
    let captures = [MACVLAN_MAC, ADDR_VMAC_MAC].map(|mac| lab.capture_frames_from(&m, mac));
    let _on_m = start_master(&m, daemon, &text, VMAC_EVIP);
    std::thread::sleep(Duration::from_millis(7300));
    let vips: [IpAddr; 2] = [EXTRA_VIP, VMAC_EVIP].map(|v| v.parse().expect("an address"));
    let times = [0, 1].map(|k| {
        let seen: Vec<Garp> = garps(&captures[k].frames())
            .into_iter()
            .filter(|g| g.vip == vips[k])
            .collect();
        let Some(first) = seen.first().map(|g| g.at) else {
            return Vec::new();
        };
        seen.iter()
            .map(|g| since(first, g.at))
            .take_while(|t| *t < Duration::from_secs(7))
            .collect()
    });
    say(&format!(
        "MEASURED garp_extra_if 2 (no all), {}: {EXTRA_VIP} from mv0 at {:?}, {VMAC_EVIP} \
         from its VMAC at {:?}, after the first of each",
        daemon.name(),
        times[0],
        times[1]
    ));
    Some(times)
}

/// keepalived 2.4.3 (`vrrp_send_vmac_update`): without `all`, only the
/// interfaces it made get the extra announcements; mv0 gets the burst's.
/// Ours also announces on a VMAC 100 ms after the burst (`VMAC_SETTLE`):
/// the periods are read from the announcements a second and more after
/// the first.
#[test]
fn garp_extra_if_without_all_repeats_on_the_address_vmac_only_as_keepalived() {
    let runs = theirs_then_ours("garp_extra_vmac", extra_if_vmacs_only);
    for (name, [mv0, vmac]) in runs.into_iter().flatten() {
        assert_eq!(mv0, [Duration::ZERO], "{name}: mv0 got more than the burst");
        let periodic: Vec<Duration> = vmac
            .iter()
            .copied()
            .filter(|t| *t >= Duration::from_secs(1))
            .collect();
        assert!(periodic.len() >= 2, "{name}: {vmac:?}");
        for pair in periodic.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap.abs_diff(EXTRA_PERIOD) <= Duration::from_millis(400),
                "{name}: {gap:?} between two, not {EXTRA_PERIOD:?}: {vmac:?}"
            );
        }
    }
}

/// `-t` on host m (which has the macvlan mv0) with `daemon`: whether it
/// passed, and what it said.
fn config_test(m: &Host<'_>, daemon: &Daemon, text: &str) -> (bool, String) {
    let path = m.dir().join(format!("t-{}.conf", daemon.name()));
    std::fs::write(&path, text).expect("the file");
    let path = path.display().to_string();
    let argv: Vec<String> = match daemon {
        Daemon::Ours(program) => vec![program.display().to_string(), "-t".into()],
        Daemon::Keepalived243(program) => vec![program.display().to_string()],
        Daemon::Keepalived => vec!["keepalived".into()],
    };
    let mut argv = argv;
    if daemon.is_keepalived() {
        argv.extend(["--config-test", "--log-console", "--use-file"].map(String::from));
    } else {
        argv.push("-f".into());
    }
    argv.push(path);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let out = m.exec(&argv);
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), said)
}

/// A `garp_group` naming a macvlan: keepalived 2.2.7 and 2.4.3 refuse it
/// under `-t` ("Cannot specify garp_delay on a vmac", at its line), and so
/// do we; naming its parent passes all three.
#[test]
fn a_garp_group_on_a_macvlan_is_refused_as_keepalived() {
    let Some(lab) = Lab::new("garp_group_macvlan") else {
        return;
    };
    let m = lab.host("m", &["192.0.2.1/24"]);
    m.add_macvlan("mv0", Some(MACVLAN_MAC));
    let file = |interface: &str| {
        format!(
            "garp_group {{\n garp_interval 0.25\n interface {interface}\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n \
             virtual_ipaddress {{\n  {EXTRA_VIP}/24 dev mv0\n }}\n}}\n"
        )
    };
    let mut daemons = vec![Daemon::ours(), Daemon::Keepalived];
    daemons.extend(Daemon::keepalived_243());
    for daemon in &daemons {
        let name = daemon.name();
        let (passed, said) = config_test(&m, daemon, &file("mv0"));
        assert!(!passed, "{name} passed a garp_group on mv0:\n{said}");
        let at_line_3 = if daemon.is_keepalived() {
            said.contains("Line 3) Cannot specify garp_delay on a vmac (mv0)")
        } else {
            said.contains(":3:12: interface mv0 of garp_group is a macvlan")
        };
        assert!(at_line_3, "{name} on a garp_group on mv0:\n{said}");
        let (passed, said) = config_test(&m, daemon, &file("eth0"));
        assert!(passed, "{name} refused a garp_group on eth0:\n{said}");
    }
}

/// A `garp_group { garp_interval 0.25 interface eth0 }` and one VIP on eth0,
/// one on the macvlan mv0 (`dev mv0`): keepalived paces the macvlan's GARPs
/// as its parent's, so the two VIPs' GARPs share eth0's lane, one per
/// 0.25 s. The gaps between the GARPs of the first burst (3 each).
fn macvlan_paced_as_parent(test: &str, daemon: &Daemon) -> Option<Vec<Duration>> {
    let lab = Lab::new(test)?;
    let (m, instance) = with_mv0(&lab, &["192.0.2.1/24"]);
    let text = Config::new(m.name()).instance(instance).to_string();
    let text = with_global(
        &text,
        "    vrrp_garp_master_repeat 3\n    vrrp_garp_master_delay 0\n",
    );
    let text = format!(
        "{text}\ngarp_group {{\n    garp_interval {}\n    interface eth0\n}}\n",
        INTERVAL.as_secs_f64()
    );
    let from_eth0 = lab.capture_frames_from(&m, m.mac());
    let from_mv0 = lab.capture_frames_from(&m, MACVLAN_MAC);
    let _on_m = start_master(&m, daemon, &text, EXTRA_VIP);
    std::thread::sleep(Duration::from_secs(3));
    let mut seen = garps(&from_eth0.frames());
    seen.extend(garps(&from_mv0.frames()));
    seen.sort_by_key(|g| g.at);
    let gaps: Vec<Duration> = seen.windows(2).map(|w| since(w[0].at, w[1].at)).collect();
    say(&format!(
        "MEASURED garp_group on eth0, a VIP on mv0, {}: {} GARPs, gaps {gaps:?}",
        daemon.name(),
        seen.len()
    ));
    assert_eq!(seen.len(), 6, "{}: {seen:?}", daemon.name());
    Some(gaps)
}

#[test]
fn a_vip_on_a_macvlan_is_paced_as_its_parent_as_keepalived() {
    let runs = theirs_then_ours("garp_mv0", macvlan_paced_as_parent);
    for (name, gaps) in runs.into_iter().flatten() {
        for gap in &gaps {
            assert!(
                *gap + Duration::from_millis(30) >= INTERVAL,
                "{name}: two GARPs {gap:?} apart, under the group's {INTERVAL:?}: {gaps:?}"
            );
        }
    }
}
