//! keepalived's `use_vmac`: the VIP lives on a macvlan whose MAC is the
//! virtual router's, 00:00:5e:00:01:VRID (00:00:5e:00:02:VRID for IPv6), so
//! a client's neighbour entry never changes when the Master does; only the
//! bridge learns where that MAC went. Every router of the VRID has that MAC,
//! so the bridge must only ever see it from the Master: a frame from a
//! Backup's VMAC moves the bridge's entry, and the VIP's traffic, to the
//! Backup. A and B run HAProxy, which answers with the host's name: C sees
//! which Master serves.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use super::tracking::served_by;
use super::{Case, Expect, HTTP_PORT, VRID, measured, pair_name};
use crate::capture::FrameCapture;
use crate::keepalived::{Config, State};
use crate::watch::{AddressMonitor, held, wait_for};
use crate::{Daemon, Host, Lab, Signal, haproxy, say};

/// Slack on top of protocol times in the scenario's own assertions.
const SLACK: Duration = Duration::from_millis(2400);

/// A frame from a host's VMAC this close to the host's holding the VIP
/// counts as the Master's: the VIP is added just before the first advert
/// and removed just after the last, and `ip monitor` stamps an address
/// change when it reads the notification.
const EDGE: Duration = Duration::from_millis(100);

/// What [`use_vmac`] saw that keepalived may do and we must not.
#[derive(Debug)]
pub struct VmacRun {
    /// Per host (A, B): frames sent from its VMAC while it was not Master.
    pub frames_while_backup: [Vec<String>; 2],
    /// Per host (A, B): frames sent from its VMAC in all (each is Master
    /// once at least, so none at all means the capture saw nothing).
    pub frames: [usize; 2],
    /// Per host (A, B): bridge samples, taken while the other host was the
    /// stable Master, that placed the virtual MAC on this host's port.
    pub fdb_on_backup: [usize; 2],
    /// Per host (A, B): bridge samples, taken while this host was the
    /// stable Master, that did not place the virtual MAC on its port.
    pub fdb_not_on_master: [usize; 2],
    /// Bridge samples taken in all.
    pub fdb_samples: usize,
}

/// Runs `daemon_a` on A (150) and `daemon_b` on B (100), both `use_vmac`,
/// VRRPv3 every `case.advert`, IPv4 or IPv6:
///
/// 1. A holds the VIP, B does not; C's neighbour entry for the VIP is the
///    virtual MAC and A serves C;
/// 2. SIGTERM A: B holds the VIP, C's entry is still the virtual MAC, and
///    B serves C;
/// 3. A starts again and preempts: A serves C, through the same MAC.
///
/// In each stable phase the bridge's forwarding database is sampled every
/// 50 ms; throughout, every frame each host sends from the virtual MAC is
/// captured on its bridge port and held against the times it held the VIP.
/// Returns what it saw; the caller decides what a daemon may do.
pub fn use_vmac(test: &str, case: Case, daemon_a: &Daemon, daemon_b: &Daemon) -> Option<VmacRun> {
    use_vmac_with(test, case, daemon_a, daemon_b, &[])
}

/// [`use_vmac`] with `lines` more in both instances (`vmac_xmit_base`, say).
pub fn use_vmac_with(
    test: &str,
    case: Case,
    daemon_a: &Daemon,
    daemon_b: &Daemon,
    lines: &[&str],
) -> Option<VmacRun> {
    let lab = Lab::new(test)?;
    let [a, b, c] = [(1, "a"), (2, "b"), (3, "c")].map(|(n, name)| {
        let addresses = case.addresses(n);
        let addresses: Vec<&str> = addresses.iter().map(String::as_str).collect();
        lab.host(name, &addresses)
    });
    let (watch_a, watch_b) = (a.monitor_addresses(), b.monitor_addresses());
    let _haproxy = (haproxy::start(&a, HTTP_PORT), haproxy::start(&b, HTTP_PORT));
    let label = format!("{} use_vmac", case.label());
    let name = pair_name(daemon_a, daemon_b);
    let family = if case.ipv6 { 2 } else { 1 };
    let vmac = format!("00:00:5e:00:{family:02x}:{VRID:02x}");
    let frames = [&a, &b].map(|host| lab.capture_frames_from(host, &vmac));
    let config = |host: &Host<'_>, priority, state| {
        let instance = case.instance(priority).state(state).use_vmac();
        let instance = lines.iter().fold(instance, |i, line| i.line(line));
        Config::new(host.name()).instance(instance).to_string()
    };
    for (host, daemon) in [(&a, daemon_a), (&b, daemon_b)] {
        if daemon.is_keepalived() && !case.ipv6 {
            admin_tuning(host);
        }
    }
    let vip = case.vip();
    let client_sees = |host: &Host<'_>| {
        served_by(&c, vip, host.name());
        assert_eq!(
            c.neighbour_mac(vip),
            Some(vmac.clone()),
            "C's MAC for the VIP"
        );
    };
    // A stable phase: a few adverts' worth of samples, at least 2 s.
    let period = (case.advert * 3).max(Duration::from_secs(2));
    let (mut fdb_on_backup, mut fdb_not_on_master) = ([0, 0], [0, 0]);
    let mut fdb_samples = 0;
    let mut sample_fdb = |master: &Host<'_>, backup: &Host<'_>, k: usize| {
        let samples = lab.sample_fdb(&vmac, period);
        fdb_samples += samples.len();
        fdb_on_backup[k] += samples
            .iter()
            .filter(|s| s.ports.contains(&backup.bridge_port()))
            .count();
        fdb_not_on_master[1 - k] += samples
            .iter()
            .filter(|s| !s.ports.contains(&master.bridge_port()))
            .count();
        let wrong: Vec<_> = samples
            .iter()
            .filter(|s| s.ports != [master.bridge_port()])
            .collect();
        if !wrong.is_empty() {
            say(&format!(
                "{name} {label}: {} of {} bridge samples do not place {vmac} on {}'s port alone: {:?}",
                wrong.len(),
                samples.len(),
                master.name(),
                wrong.iter().map(|s| &s.ports).collect::<Vec<_>>()
            ));
        }
    };

    // 1. A is Master.
    let config_a = config(&a, 150, State::Master);
    let mut on_a = daemon_a.start(&a, &config_a);
    let took = wait_for(Duration::from_secs(10), || a.has_address(vip));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    let on_b = daemon_b.start(&b, &config(&b, 100, State::Backup));
    client_sees(&a);
    std::thread::sleep(case.advert * 2);
    assert!(
        !b.has_address(vip),
        "B took the VIP from A:\n{}",
        on_b.log()
    );
    if case.ipv6 {
        // RFC 9568 §7.4: the virtual MAC MUST NOT form an IPv6 interface
        // identifier, on the Master's VMAC (up) either.
        let formed = vmac_interface_ids(&a);
        say(&format!(
            "MEASURED {name} {label} interface_ids_from_the_vmac_on_A ({}): {}",
            daemon_a.name(),
            formed.len()
        ));
        assert!(
            daemon_a.is_keepalived() || formed.is_empty(),
            "RFC 9568 7.4: A formed IPv6 addresses from the virtual MAC: {formed:?}"
        );
    }
    sample_fdb(&a, &b, 1);
    assert!(!b.has_address(vip), "B took the VIP from A");

    // 2. A stops: B is Master behind the same MAC.
    let since = SystemTime::now();
    on_a.kill(Signal::SIGTERM);
    let limit = case.skew(100) + SLACK;
    let took = watch_b.wait(vip, true, since, limit);
    let took = took.unwrap_or_else(|| panic!("B never took the VIP:\n{}", on_b.log()));
    assert!(took < limit, "B took {took:?}; limit {limit:?}");
    assert!(
        on_a.wait_exit(Duration::from_secs(5)).is_some(),
        "A lives on"
    );
    assert!(!a.has_address(vip), "A kept the VIP");
    measured(
        &name,
        &label,
        "sigterm->backup_holds_vip",
        took,
        Expect::AtMost(case.skew(100)),
    );
    client_sees(&b);
    sample_fdb(&b, &a, 0);

    // 3. A is back and preempts.
    let since = SystemTime::now();
    let on_a = daemon_a.start(&a, &config_a);
    let limit = case.master_down(150) + SLACK;
    let took = watch_a.wait(vip, true, since, limit);
    let took = took.unwrap_or_else(|| panic!("A did not preempt:\n{}", on_a.log()));
    let released = watch_b.wait(vip, false, since, limit);
    assert!(released.is_some(), "B kept the VIP:\n{}", on_b.log());
    measured(
        &name,
        &label,
        "restart->master_holds_vip",
        took,
        Expect::Nothing,
    );
    client_sees(&a);
    // B has just let go: give a Backup's leftovers (MLD done reports are
    // repeated for a second) time to show before sampling.
    std::thread::sleep(case.advert);
    sample_fdb(&a, &b, 1);
    assert!(!b.has_address(vip), "B took the VIP back");

    let frames_while_backup = [(&frames[0], &watch_a), (&frames[1], &watch_b)]
        .map(|(frames, watch)| outside_master(frames, watch, vip));
    for (host, (frames, daemon)) in ["A", "B"]
        .iter()
        .zip(frames_while_backup.iter().zip([daemon_a, daemon_b]))
    {
        say(&format!(
            "MEASURED {name} {label} frames_from_{host}'s_vmac_while_not_master ({}): {}{}",
            daemon.name(),
            frames.len(),
            frames
                .first()
                .map(|f| format!(", first: {f}"))
                .unwrap_or_default()
        ));
    }
    Some(VmacRun {
        frames_while_backup,
        frames: frames.map(|capture| capture.frames().len()),
        fdb_on_backup,
        fdb_not_on_master,
        fdb_samples,
    })
}

/// The IPv6 addresses on `host` whose interface identifier comes from an
/// IPv6 virtual MAC (00-00-5E-00-02-XX gives ...:200:5eff:fe00:2XX).
fn vmac_interface_ids(host: &Host<'_>) -> Vec<String> {
    let out = host.exec(&["ip", "-6", "-o", "addr", "show"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| line.contains("200:5eff:fe00:2"))
        .map(str::to_owned)
        .collect()
}

/// The frames `capture` holds that the host sent while `watch` did not see
/// it hold `vip` (with [`EDGE`] around each holding), as tcpdump printed them.
fn outside_master(capture: &FrameCapture, watch: &AddressMonitor, vip: IpAddr) -> Vec<String> {
    let far = SystemTime::now() + Duration::from_secs(3600);
    let held = held(&watch.events(), vip, far);
    capture
        .frames()
        .into_iter()
        .filter(|frame| {
            !held
                .iter()
                .any(|&(from, to)| frame.at + EDGE >= from && frame.at <= to + EDGE)
        })
        .map(|frame| frame.text)
        .collect()
}

/// What keepalived leaves to the administrator for `use_vmac` (its docs'
/// "Note on using VRRP with Virtual MAC address"): an `arp_announce` on
/// the parent, else the Master's ARP requests for a client name the VIP
/// with the parent's MAC and the client files that MAC for the VIP. The
/// docs say `all.arp_announce=1`; with the VIP in `eth0`'s subnet only 2
/// helps (measured here). Our daemon sets it itself.
fn admin_tuning(host: &Host<'_>) {
    let path = "/proc/sys/net/ipv4/conf/eth0/arp_announce";
    let out = host.exec(&["sh", "-c", &format!("echo 2 > {path}")]);
    assert!(out.status.success(), "{out:?}");
}
