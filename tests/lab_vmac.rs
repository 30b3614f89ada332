//! The VMAC family in the lab (`vrrp-lab`), ours beside keepalived 2.2.7
//! and 2.4.3 running the same file, as a client on the segment sees it:
//!
//! - `vmac_xmit_base`: a Master with `use_vmac` sends its adverts from the
//!   parent's MAC with it, from the virtual MAC without it;
//! - keepalived's nftables rules for VMACs: an IPv6 Master's VMAC sends no
//!   MLD report and no router solicitation from the virtual MAC;
//! - `use_vmac_addr`: the IPv6 eVIP of an IPv4 instance lives on a VMAC of
//!   its own, and the client reaches it at the IPv6 virtual MAC;
//! - `use_ipvlan`: where the kernel refuses the ipvlan (this one has none)
//!   the instance stays in FAULT and the VIP never answers; where the
//!   kernel has ipvlan, the lone instance takes the VIP and advertises from
//!   the ipvlan's address (else a loud `SKIPPED: this kernel has no ipvlan`,
//!   the only skip allowed under CI, since CI runs on such a kernel).
//!
//! Needs root.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance, State};
use lab::scenario::{self, Case};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, say};
use vrrp_keepalived::to_driver::DROP_TABLE;

const VIP: &str = "192.0.2.100";
const VRID: u8 = 51;

/// The daemons that run each file: ours, keepalived 2.2.7, and 2.4.3
/// where it can be had (its absence fails under CI).
fn daemons() -> Vec<Daemon> {
    let mut daemons = vec![Daemon::ours(), Daemon::Keepalived];
    daemons.extend(Daemon::keepalived_243());
    daemons
}

fn vip() -> IpAddr {
    VIP.parse().unwrap()
}

/// A lone Master (priority 150) on `host` with `lines` in its instance.
fn master(host: &Host<'_>, lines: &[&str]) -> String {
    let mut instance = Instance::new("VI_1", VRID)
        .state(State::Master)
        .priority(150)
        .vip(&format!("{VIP}/24"));
    for line in lines {
        instance = instance.line(line);
    }
    Config::new(host.name()).instance(instance).to_string()
}

/// The adverts of a lone Master with `use_vmac` (and `vmac_xmit_base` if
/// `xmit_base`) over 3 s: how many left from the virtual MAC, how many from
/// the parent's.
fn advert_sources(test: &str, daemon: &Daemon, xmit_base: bool) -> Option<(usize, usize)> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24"]);
    let proto = "(ip proto 112 or ip6 proto 112)";
    let from_vmac = lab.capture_adverts_matching(
        "from-vmac",
        &format!("ether src 00:00:5e:00:01:33 and {proto}"),
    );
    let from_parent =
        lab.capture_adverts_matching("from-parent", &format!("ether src {} and {proto}", a.mac()));
    let mut lines = vec!["use_vmac"];
    if xmit_base {
        lines.push("vmac_xmit_base");
    }
    let _daemon = daemon.start(&a, &master(&a, &lines));
    wait_for(Duration::from_secs(6), || a.has_address(vip()))
        .unwrap_or_else(|| panic!("{}: never became Master", daemon.name()));
    std::thread::sleep(Duration::from_secs(3));
    Some((from_vmac.adverts().len(), from_parent.adverts().len()))
}

#[test]
fn vmac_xmit_base_sends_from_the_parent_as_keepalived() {
    for daemon in daemons() {
        let name = daemon.name();
        let test = format!("xmit_base_{}", name.replace(['.', '-'], "_"));
        let Some((vmac, parent)) = advert_sources(&test, &daemon, true) else {
            return;
        };
        assert!(
            vmac == 0 && parent >= 2,
            "{name} with vmac_xmit_base: {vmac} adverts from the virtual MAC, {parent} from the parent's"
        );
        let Some((vmac, parent)) = advert_sources(&format!("{test}_off"), &daemon, false) else {
            return;
        };
        assert!(
            vmac >= 2 && parent == 0,
            "{name} without vmac_xmit_base: {vmac} adverts from the virtual MAC, {parent} from the parent's"
        );
    }
}

/// `use_vmac` with `vmac_xmit_base` on both hosts ([`scenario::use_vmac_with`]):
/// the client reaches the VIP at the virtual MAC through a stop and a
/// preemption, and each host's VMAC sent frames (the VIP's) while it was
/// Master. Ours is Backup, then Master, then Backup again beside keepalived
/// preempting it. Ours preempting keepalived, and the pings clients lose
/// in each takeover: `tests/lab_vmac_takeover.rs`.
fn xmit_base_pair(test: &str, daemon_a: &Daemon, daemon_b: &Daemon) {
    let case = Case::v3_ipv4(Duration::from_secs(1));
    let Some(run) = scenario::use_vmac_with(test, case, daemon_a, daemon_b, &["vmac_xmit_base"])
    else {
        return;
    };
    assert!(
        run.frames.iter().all(|&n| n > 0),
        "no frames captured: {run:?}"
    );
    for (k, daemon) in [daemon_a, daemon_b].into_iter().enumerate() {
        if !daemon.is_keepalived() {
            assert!(run.frames_while_backup[k].is_empty(), "{run:?}");
            assert_eq!(
                run.fdb_on_backup[k] + run.fdb_not_on_master[k],
                0,
                "{run:?}"
            );
        }
    }
}

#[test]
fn vmac_xmit_base_keepalived_2_2_7_master_first_ours() {
    xmit_base_pair("xmit_base_ka227_ours", &Daemon::Keepalived, &Daemon::ours());
}

#[test]
fn vmac_xmit_base_keepalived_2_4_3_master_first_ours() {
    if let Some(keepalived) = Daemon::keepalived_243() {
        xmit_base_pair("xmit_base_ka243_ours", &keepalived, &Daemon::ours());
    }
}

#[test]
fn vmac_xmit_base_ours_and_ours() {
    xmit_base_pair("xmit_base_ours_ours", &Daemon::ours(), &Daemon::ours());
}

/// The MAC a client on the segment reaches `address` at, once it answers
/// a ping from the client (within 6 s of the daemon's start).
fn client_sees(test: &str, daemon: &Daemon, lines: &[&str], address: IpAddr) -> Option<String> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
    let client = lab.host("client", &["192.0.2.50/24", "2001:db8::50/64"]);
    let _daemon = daemon.start(&a, &master(&a, lines));
    let answered = wait_for(Duration::from_secs(6), || client.ping(address));
    assert!(
        answered.is_some(),
        "{}: {address} never answered",
        daemon.name()
    );
    Some(client.neighbour_mac(address).expect("a neighbour entry"))
}

#[test]
fn use_vmac_addr_puts_the_other_family_on_its_own_vmac_as_keepalived() {
    let evip: IpAddr = "2001:db8::200".parse().unwrap();
    let excluded = "virtual_ipaddress_excluded {\n        2001:db8::200/64\n    }";
    for daemon in daemons() {
        let name = daemon.name();
        let test = format!("vmac_addr_{}", name.replace(['.', '-'], "_"));
        let Some(mac) = client_sees(&test, &daemon, &["use_vmac_addr", excluded], evip) else {
            return;
        };
        assert_eq!(mac, "00:00:5e:00:02:33", "{name}: the eVIP's MAC");
        let Some(mac) = client_sees(&format!("{test}_off"), &daemon, &[excluded], evip) else {
            return;
        };
        assert_eq!(
            mac, "02:00:00:00:00:01",
            "{name} without use_vmac_addr: the eVIP's MAC"
        );
    }
}

/// Whether this kernel creates an L2 ipvlan (on `host`'s eth0; deleted again).
fn kernel_has_ipvlan(host: &Host<'_>) -> bool {
    let made = host.exec(&[
        "ip",
        "link",
        "add",
        "vm13probe",
        "link",
        "eth0",
        "type",
        "ipvlan",
    ]);
    if made.status.success() {
        host.exec(&["ip", "link", "del", "vm13probe"]);
    }
    made.status.success()
}

#[test]
fn use_ipvlan_refused_by_the_kernel_holds_the_instance_in_fault_as_keepalived() {
    for daemon in daemons() {
        let name = daemon.name();
        let Some(lab) = Lab::new(&format!("ipvlan_refused_{}", name.replace(['.', '-'], "_")))
        else {
            return;
        };
        let a = lab.host("a", &["192.0.2.1/24"]);
        let client = lab.host("client", &["192.0.2.50/24"]);
        if kernel_has_ipvlan(&a) {
            say(
                "NOTE: this kernel has ipvlan: the refusal is not reachable here (see use_ipvlan_runs_where_the_kernel_has_it)",
            );
            return;
        }
        let adverts = lab.capture_adverts();
        let mut proc = daemon.start(&a, &master(&a, &["use_ipvlan vm13ipv 192.0.2.9/24"]));
        let said = if daemon.is_keepalived() {
            "Unable to create ipvlan interface vm13ipv"
        } else {
            "cannot create the ipvlan interface"
        };
        assert!(
            proc.wait_log(said, Duration::from_secs(5)).is_some(),
            "{name} never said {said:?}:\n{}",
            proc.log()
        );
        // Three advert intervals: a working lone Master has taken the VIP by now.
        std::thread::sleep(Duration::from_secs(4));
        // "No VIP, no advert" must not be a daemon that died.
        assert!(proc.is_running(), "{name} is not running:\n{}", proc.log());
        assert!(!a.has_address(vip()), "{name} took the VIP");
        assert!(!client.ping(vip()), "{name}: the VIP answers");
        assert_eq!(adverts.adverts(), Vec::new(), "{name} advertised");
        if !daemon.is_keepalived() {
            let status = lab::daemon::status(&a, &proc);
            assert_eq!(status["instances"][0]["state"], "FAULT", "{status:#}");
        }
    }
    // The control: the same file without use_ipvlan takes the VIP.
    let Some(lab) = Lab::new("ipvlan_refused_control") else {
        return;
    };
    let a = lab.host("a", &["192.0.2.1/24"]);
    let _ours = Daemon::ours().start(&a, &master(&a, &[]));
    assert!(wait_for(Duration::from_secs(6), || a.has_address(vip())).is_some());
}

#[test]
fn use_ipvlan_runs_where_the_kernel_has_it() {
    for daemon in daemons() {
        let name = daemon.name();
        let Some(lab) = Lab::new(&format!("ipvlan_runs_{}", name.replace(['.', '-'], "_"))) else {
            return;
        };
        let a = lab.host("a", &["192.0.2.1/24"]);
        let client = lab.host("client", &["192.0.2.50/24"]);
        if !kernel_has_ipvlan(&a) {
            say(
                "\n*** SKIPPED: this kernel has no ipvlan: use_ipvlan_runs_where_the_kernel_has_it (the refusal is tested instead) ***\n",
            );
            return;
        }
        let adverts = lab.capture_adverts();
        let _daemon = daemon.start(&a, &master(&a, &["use_ipvlan vm13ipv 192.0.2.9/24"]));
        let answered = wait_for(Duration::from_secs(6), || client.ping(vip()));
        assert!(answered.is_some(), "{name}: the VIP never answered");
        let source: IpAddr = "192.0.2.9".parse().unwrap();
        assert!(
            adverts.adverts().iter().any(|ad| ad.src == source),
            "{name}: no advert from the ipvlan's address: {:?}",
            adverts.adverts()
        );
    }
}

/// What an IPv6 Master with `use_vmac` sends from the virtual MAC in its
/// first 5 s as Master besides adverts and neighbour advertisements (MLD
/// reports, router solicitations): keepalived's nftables rules keep these
/// off it. Ours then stops (SIGTERM): the tables it made must be gone; and
/// killed, `--release-vips` must take them.
fn chatter_from_vmac(test: &str, daemon: &Daemon) -> Option<Vec<String>> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24", "2001:db8::1/64"]);
    let frames = lab.capture_frames_from(&a, "00:00:5e:00:02:33");
    let instance = Instance::new("VI_1", VRID)
        .state(State::Master)
        .priority(150)
        .version(3)
        .use_vmac()
        .vip("fe80::100/64")
        .vip("2001:db8::100/64");
    let config = Config::new(a.name()).instance(instance).to_string();
    let mut proc = daemon.start(&a, &config);
    let vip: IpAddr = "2001:db8::100".parse().unwrap();
    wait_for(Duration::from_secs(8), || a.has_address(vip))
        .unwrap_or_else(|| panic!("{}: never became Master", daemon.name()));
    std::thread::sleep(Duration::from_secs(5));
    // "Nothing sent" must not be a daemon that died.
    assert!(
        proc.is_running(),
        "{} is not running:\n{}",
        daemon.name(),
        proc.log()
    );
    let chatter = frames
        .frames()
        .into_iter()
        .map(|f| f.text)
        .filter(|t| !t.contains("VRRP") && !t.contains("neighbor advertisement"))
        .collect();
    if let Daemon::Ours(program) = daemon {
        let tables =
            || String::from_utf8_lossy(&a.exec(&["nft", "list", "tables"]).stdout).into_owned();
        let ours = format!("table ip6 {DROP_TABLE}");
        assert!(tables().contains(&ours), "no VMAC rules: {}", tables());
        proc.kill(lab::Signal::SIGTERM);
        assert!(
            proc.wait_exit(Duration::from_secs(5)).is_some(),
            "ours did not stop"
        );
        assert!(
            !tables().contains(DROP_TABLE),
            "tables left behind: {}",
            tables()
        );
        // Killed, it leaves them; --release-vips (the unit's ExecStopPost) takes them.
        let mut proc = daemon.start(&a, &config);
        wait_for(Duration::from_secs(8), || tables().contains(&ours)).expect("VMAC rules");
        proc.kill(lab::Signal::SIGKILL);
        proc.wait_exit(Duration::from_secs(5));
        assert!(
            tables().contains(&ours),
            "a killed daemon leaves its tables"
        );
        let path = daemon.config_path(&a).display().to_string();
        let program = program.display().to_string();
        let release = a.exec(&[&program, "--release-vips", "-f", &path]);
        assert!(release.status.success(), "{release:?}");
        assert!(
            !tables().contains(DROP_TABLE),
            "left after release: {}",
            tables()
        );
    }
    Some(chatter)
}

#[test]
fn a_master_s_vmac_sends_no_mld_report_or_router_solicitation_as_keepalived() {
    for daemon in daemons() {
        let name = daemon.name();
        let test = format!("vmac_chatter_{}", name.replace(['.', '-'], "_"));
        let Some(chatter) = chatter_from_vmac(&test, &daemon) else {
            return;
        };
        assert_eq!(
            chatter,
            Vec::<String>::new(),
            "{name}: from the virtual MAC"
        );
    }
}
