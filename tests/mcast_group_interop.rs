//! Where adverts go, against keepalived 2.2.7 (Debian's) and 2.4.3: another
//! multicast group (`vrrp_mcast_group4` in global_defs, `mcast_dst_ip` in an
//! instance) and the TTL of unicast adverts (`unicast_ttl`).
//!
//! Each pair: the Master (priority 150) takes its VIPs; the Backup (100)
//! starts and must not take one for ten advert intervals (a Backup deaf to
//! the Master's group would: a dual Master); the Backup's counters (ours
//! from the status file, keepalived's from `keepalived.stats`) show the
//! adverts it accepted and no TTL error; every advert on the wire went to
//! the group its instance was given; a client reaches each VIP at the
//! Master's MAC; the Master is killed, and the client then reaches each VIP
//! at the Backup's. Ours plays each role against each keepalived.
//!
//! And deafness, only where keepalived's is: a router on another group than
//! its peer's hears nothing of it, so both are Master, as two keepalived
//! routers set up so are. Needs root; keepalived 2.4.3 is built into
//! `target/` (`.ci/run` does it).

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::Duration;

use lab::keepalived::{Config, Instance, with_global};
use lab::watch::{holds_for, wait_for};
use lab::{Daemon, Host, Lab, Proc, Signal, say};

const ADVERT: Duration = Duration::from_secs(1);

/// What the pair is set up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    /// `vrrp_mcast_group4 224.0.0.19` for VI_51, and VI_52 on the same
    /// interface back on 224.0.0.18 with its own `mcast_dst_ip`.
    Ipv4Groups,
    /// VI_61 over IPv6 with `mcast_dst_ip ff02::13`.
    Ipv6Group,
    /// VI_51 unicast with `unicast_ttl 64`; each side accepts only TTL 64
    /// from its peer (`min_ttl 64 max_ttl 64` under `check_unicast_src`),
    /// so an advert sent with another TTL is dropped and counted.
    UnicastTtl,
}

impl Setup {
    /// Each instance: name, VIP, the group its adverts must go to (`None`:
    /// the peer, unicast).
    fn instances(self) -> Vec<(&'static str, &'static str, Option<&'static str>)> {
        match self {
            Self::Ipv4Groups => vec![
                ("VI_51", "192.0.2.100", Some("224.0.0.19")),
                ("VI_52", "192.0.2.101", Some("224.0.0.18")),
            ],
            Self::Ipv6Group => vec![("VI_61", "2001:db8::100", Some("ff02::13"))],
            Self::UnicastTtl => vec![("VI_51", "192.0.2.100", None)],
        }
    }
}

/// keepalived.conf of host `me` (1 or 2) at `priority`.
fn config(setup: Setup, me: u8, priority: u8) -> String {
    let mut config = Config::new(&format!("host{me}"));
    for (name, vip, _) in setup.instances() {
        let vrid = name[3..].parse().expect("VI_<vrid>");
        let prefix = if vip.contains(':') { 64 } else { 24 };
        let mut instance = Instance::new(name, vrid)
            .priority(priority)
            .advert_int(ADVERT)
            .vip(&format!("{vip}/{prefix}"));
        instance = match (setup, name) {
            (Setup::Ipv4Groups, "VI_52") => instance.line("mcast_dst_ip 224.0.0.18"),
            (Setup::Ipv6Group, _) => instance.line("mcast_dst_ip ff02::13"),
            (Setup::UnicastTtl, _) => {
                let peer = format!("192.0.2.{} min_ttl 64 max_ttl 64", 3 - me);
                instance
                    .unicast(&format!("192.0.2.{me}"), &[&peer])
                    .line("unicast_ttl 64")
                    .line("check_unicast_src")
            }
            _ => instance,
        };
        config = config.instance(instance);
    }
    let text = config.to_string();
    match setup {
        Setup::Ipv4Groups => with_global(&text, "vrrp_mcast_group4 224.0.0.19"),
        _ => text,
    }
}

fn addr(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

/// One instance's counters: adverts accepted, TTL errors.
fn counters(daemon: &Daemon, host: &Host<'_>, proc: &Proc, instance: &str) -> (u64, u64) {
    if daemon.is_keepalived() {
        return keepalived_counters(host, proc, instance);
    }
    let status = lab::status(host, proc);
    let found = status["instances"].as_array().and_then(|all| {
        all.iter()
            .find(|i| i["name"] == instance)
            .map(|i| &i["stats"])
    });
    let stats = found.unwrap_or_else(|| panic!("no {instance} in {status:#}"));
    let get = |name: &str| stats[name].as_u64().expect("a counter");
    (get("adverts_received"), get("ip_ttl_errors"))
}

/// `keepalived.stats` (SIGUSR2): the instance's Advertisements Received and
/// Packet Errors TTL.
fn keepalived_counters(host: &Host<'_>, proc: &Proc, instance: &str) -> (u64, u64) {
    let path = host.dir().join("keepalived.stats");
    let _ = std::fs::remove_file(&path);
    proc.kill(Signal::SIGUSR2);
    let written = wait_for(Duration::from_secs(3), || path.exists());
    assert!(written.is_some(), "no {} after SIGUSR2", path.display());
    // keepalived writes in place: let it finish.
    std::thread::sleep(Duration::from_millis(200));
    let text = std::fs::read_to_string(&path).expect("keepalived.stats");
    let (mut current, mut section) = ("", "");
    let (mut received, mut ttl) = (None, None);
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("VRRP Instance: ") {
            current = name.trim();
            continue;
        }
        let line = line.trim();
        if line.ends_with(':') {
            section = line;
        } else if current == instance
            && let Some((name, value)) = line.split_once(": ")
        {
            match (section, name) {
                ("Advertisements:", "Received") => received = value.parse().ok(),
                ("Packet Errors:", "TTL") => ttl = value.parse().ok(),
                _ => {}
            }
        }
    }
    match (received, ttl) {
        (Some(received), Some(ttl)) => (received, ttl),
        _ => panic!("no counters of {instance} in keepalived.stats:\n{text}"),
    }
}

/// Whether client `c` reaches `vip` at `mac` (a ping, then its neighbour
/// entry).
fn client_reaches(c: &Host<'_>, vip: IpAddr, mac: &str) -> bool {
    c.ping(vip) && c.neighbour_mac(vip).as_deref() == Some(mac)
}

/// Host m (ours when `ours_master`, else `peer`) is the Master, host b the
/// Backup, client c.
fn pair(test: &str, peer: Option<Daemon>, ours_master: bool, setup: Setup) {
    let Some(peer) = peer else {
        return;
    };
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let ours = Daemon::ours();
    let (master, backup) = if ours_master {
        (&ours, &peer)
    } else {
        (&peer, &ours)
    };
    let label = format!(
        "{setup:?}: Master {} / Backup {}",
        master.name(),
        backup.name()
    );
    let m = lab.host("m", &["192.0.2.1/24", "2001:db8::1/64"]);
    let b = lab.host("b", &["192.0.2.2/24", "2001:db8::2/64"]);
    let c = lab.host("c", &["192.0.2.9/24", "2001:db8::9/64"]);
    let capture = lab.capture_adverts();
    let instances = setup.instances();
    let vips: Vec<IpAddr> = instances.iter().map(|(_, vip, _)| addr(vip)).collect();
    let all_on = |host: &Host<'_>| vips.iter().all(|vip| host.has_address(*vip));
    let none_on = |host: &Host<'_>| vips.iter().all(|vip| !host.has_address(*vip));

    let on_m = master.start(&m, &config(setup, 1, 150));
    let took = wait_for(Duration::from_secs(10), || all_on(&m));
    assert!(took.is_some(), "{label}: no Master:\n{}", on_m.log());
    let on_b = backup.start(&b, &config(setup, 2, 100));
    let quiet = ADVERT * 10 + Duration::from_secs(1);
    let stays = holds_for(quiet, || all_on(&m) && none_on(&b));
    assert!(
        stays,
        "{label}: a dual Master: the Backup took a VIP while the Master advertised:\n\
         Backup:\n{}\nMaster:\n{}",
        on_b.log(),
        on_m.log()
    );
    for (name, _, _) in &instances {
        let (received, ttl_errors) = counters(backup, &b, &on_b, name);
        assert!(
            received >= 8 && ttl_errors == 0,
            "{label}: the Backup's {name} accepted {received} adverts in {quiet:?}, \
             {ttl_errors} TTL errors:\n{}",
            on_b.log()
        );
    }
    for vip in &vips {
        let reached = wait_for(Duration::from_secs(3), || client_reaches(&c, *vip, m.mac()));
        assert!(
            reached.is_some(),
            "{label}: the client does not reach {vip} at the Master"
        );
    }
    // Every advert went where its instance says (the Master's own group, or
    // the peer).
    let adverts = capture.adverts();
    for (name, _, _) in &instances {
        assert!(
            adverts.iter().any(|a| format!("VI_{}", a.vrid) == *name),
            "{label}: no advert of {name} captured"
        );
    }
    for advert in adverts {
        let name = format!("VI_{}", advert.vrid);
        let Some((_, _, group)) = instances.iter().find(|(n, _, _)| *n == name) else {
            panic!("{label}: an advert of VRID {}: {advert:?}", advert.vrid);
        };
        let expected = group.map_or_else(|| addr("192.0.2.2"), addr);
        assert_eq!(advert.dst, expected, "{label}: {advert:?}");
    }

    on_m.kill_group(Signal::SIGKILL);
    let took = wait_for(ADVERT * 4 + Duration::from_secs(3), || all_on(&b));
    assert!(
        took.is_some(),
        "{label}: the Backup did not take over:\n{}",
        on_b.log()
    );
    for vip in &vips {
        let reached = wait_for(Duration::from_secs(5), || client_reaches(&c, *vip, b.mac()));
        assert!(
            reached.is_some(),
            "{label}: the client does not reach {vip} at the new Master"
        );
    }
    say(&format!(
        "MEASURED multicast group / unicast TTL interop: {label}: no dual Master for {quiet:?}, \
         every advert to its group, the client followed the VIPs to the Backup"
    ));
}

/// Host m on 224.0.0.19 (`vrrp_mcast_group4`), host n on 224.0.0.18, same
/// VRID: neither hears the other, so both are Master after Master_Down.
fn deaf(test: &str, on_19: &Daemon, on_18: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let label = format!(
        "{} on 224.0.0.19, {} on 224.0.0.18",
        on_19.name(),
        on_18.name()
    );
    let m = lab.host("m", &["192.0.2.1/24"]);
    let n = lab.host("n", &["192.0.2.2/24"]);
    let vip = addr("192.0.2.100");
    let instance = |priority| {
        Instance::new("VI_51", 51)
            .priority(priority)
            .advert_int(ADVERT)
            .vip("192.0.2.100/24")
    };
    let grouped = Config::new("m").instance(instance(150)).to_string();
    let grouped = with_global(&grouped, "vrrp_mcast_group4 224.0.0.19");
    let on_m = on_19.start(&m, &grouped);
    let on_n = on_18.start(&n, &Config::new("n").instance(instance(100)).to_string());
    let both = wait_for(ADVERT * 6 + Duration::from_secs(3), || {
        m.has_address(vip) && n.has_address(vip)
    });
    assert!(
        both.is_some() && holds_for(ADVERT * 3, || m.has_address(vip) && n.has_address(vip)),
        "{label}: deaf to each other, each should be Master:\nm:\n{}\nn:\n{}",
        on_m.log(),
        on_n.log()
    );
    for (daemon, host, proc) in [(on_19, &m, &on_m), (on_18, &n, &on_n)] {
        let (received, _) = counters(daemon, host, proc, "VI_51");
        assert_eq!(
            received,
            0,
            "{label}: {} heard the other group",
            daemon.name()
        );
    }
    say(&format!(
        "MEASURED multicast group deafness: {label}: both Master, as expected"
    ));
}

fn keepalived_227() -> Option<Daemon> {
    Some(Daemon::Keepalived)
}

#[test]
fn ipv4_groups_ours_master_keepalived_227_backup() {
    pair("mg4_ours_227", keepalived_227(), true, Setup::Ipv4Groups);
}

#[test]
fn ipv4_groups_keepalived_227_master_ours_backup() {
    pair("mg4_227_ours", keepalived_227(), false, Setup::Ipv4Groups);
}

#[test]
fn ipv4_groups_ours_master_keepalived_243_backup() {
    pair(
        "mg4_ours_243",
        Daemon::keepalived_243(),
        true,
        Setup::Ipv4Groups,
    );
}

#[test]
fn ipv4_groups_keepalived_243_master_ours_backup() {
    pair(
        "mg4_243_ours",
        Daemon::keepalived_243(),
        false,
        Setup::Ipv4Groups,
    );
}

#[test]
fn ipv6_group_ours_master_keepalived_227_backup() {
    pair("mg6_ours_227", keepalived_227(), true, Setup::Ipv6Group);
}

#[test]
fn ipv6_group_keepalived_227_master_ours_backup() {
    pair("mg6_227_ours", keepalived_227(), false, Setup::Ipv6Group);
}

#[test]
fn ipv6_group_ours_master_keepalived_243_backup() {
    pair(
        "mg6_ours_243",
        Daemon::keepalived_243(),
        true,
        Setup::Ipv6Group,
    );
}

#[test]
fn ipv6_group_keepalived_243_master_ours_backup() {
    pair(
        "mg6_243_ours",
        Daemon::keepalived_243(),
        false,
        Setup::Ipv6Group,
    );
}

#[test]
fn unicast_ttl_ours_master_keepalived_227_backup() {
    pair("uttl_ours_227", keepalived_227(), true, Setup::UnicastTtl);
}

#[test]
fn unicast_ttl_keepalived_227_master_ours_backup() {
    pair("uttl_227_ours", keepalived_227(), false, Setup::UnicastTtl);
}

#[test]
fn unicast_ttl_ours_master_keepalived_243_backup() {
    pair(
        "uttl_ours_243",
        Daemon::keepalived_243(),
        true,
        Setup::UnicastTtl,
    );
}

#[test]
fn unicast_ttl_keepalived_243_master_ours_backup() {
    pair(
        "uttl_243_ours",
        Daemon::keepalived_243(),
        false,
        Setup::UnicastTtl,
    );
}

/// The baseline: two keepalived 2.4.3 routers on different groups are deaf
/// to each other; then ours on either side of keepalived 2.2.7 and 2.4.3.
#[test]
fn different_groups_are_deaf_as_keepalived_is() {
    let ours = Daemon::ours();
    let mut peers = vec![Daemon::Keepalived];
    peers.extend(Daemon::keepalived_243());
    if let Some(k243) = Daemon::keepalived_243() {
        deaf("mg_deaf_k_k", &k243, &Daemon::Keepalived);
    }
    for (i, peer) in peers.iter().enumerate() {
        deaf(&format!("mg_deaf_o_{i}"), &ours, peer);
        deaf(&format!("mg_deaf_{i}_o"), peer, &ours);
    }
}
