//! `auth_type AH` (IPsec AH, HMAC-MD5-96, VRRPv2 over IPv4) against
//! keepalived 2.2.7 (Debian's) and 2.4.3: our daemon Master and keepalived
//! Backup, then the other way round, multicast and unicast (whose ICV
//! leaves the TTL out); and a router with the wrong
//! `auth_pass` that must not take the VIP from the Master.
//!
//! Each pair: the Master (priority 150) takes the VIP; the Backup (100)
//! starts and must not take it for ten advert intervals (a Backup that
//! dropped the Master's adverts would: a dual Master); the Backup's counters
//! (ours from the status file, keepalived's from `keepalived.stats`, SIGUSR2)
//! show the adverts it accepted and no authentication error; the Master is
//! killed and the Backup takes over; the Master is started again and takes
//! the VIP back (AH's sequence counter carries over between them, or one
//! would refuse the other's adverts as replays). Needs root; keepalived 2.4.3 is built
//! into `target/` (`.ci/run` does it).

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use lab::keepalived::{Config, Instance, State};
use lab::watch::{holds_for, wait_for};
use lab::{Daemon, Host, Lab, Proc, Signal, say};

const VIP: &str = "192.0.2.100";
const PASS: &str = "secret";
const ADVERT: Duration = Duration::from_secs(1);

/// The configuration of host `me` (1 or 2): VRRPv2, AH with `pass`.
/// `state BACKUP` on both: keepalived clears `state MASTER` with AH (a
/// router must learn the sequence number before it takes over).
fn config(me: u8, priority: u8, pass: &str) -> String {
    config_with(me, priority, pass, false)
}

/// [`config`], to the other host by unicast (`unicast_peer`) when `unicast`:
/// then the ICV leaves the TTL out.
fn config_with(me: u8, priority: u8, pass: &str, unicast: bool) -> String {
    let mut instance = Instance::new("VI_51", 51)
        .priority(priority)
        .advert_int(ADVERT)
        .version(2)
        .state(State::Backup)
        .vip(&format!("{VIP}/24"))
        .auth_ah(pass);
    if unicast {
        let peer = format!("192.0.2.{}", 3 - me);
        instance = instance.unicast(&format!("192.0.2.{me}"), &[&peer]);
    }
    Config::new(&format!("host{me}"))
        .instance(instance)
        .to_string()
}

fn vip() -> IpAddr {
    VIP.parse().expect("an address")
}

/// The counters of one daemon's VI_51 that matter here.
#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    received: u64,
    /// Wrong ICV (keepalived: also a bad SPI or an old sequence).
    auth_failures: u64,
    auth_type_mismatch: u64,
    /// Ours only: a foreign SPI, an old sequence number.
    ah_bad_spi: u64,
    ah_replayed: u64,
}

impl Counters {
    fn auth_errors(self) -> u64 {
        self.auth_failures + self.auth_type_mismatch + self.ah_bad_spi + self.ah_replayed
    }
}

fn counters(daemon: &Daemon, host: &Host<'_>, proc: &Proc) -> Counters {
    if daemon.is_keepalived() {
        keepalived_counters(host, proc)
    } else {
        let status = lab::status(host, proc);
        let stats = &status["instances"][0]["stats"];
        let get = |name: &str| {
            stats[name]
                .as_u64()
                .unwrap_or_else(|| panic!("no counter {name} in {status:#}"))
        };
        Counters {
            received: get("adverts_received"),
            auth_failures: get("auth_failures"),
            auth_type_mismatch: get("auth_type_mismatch"),
            ah_bad_spi: get("ah_bad_spi"),
            ah_replayed: get("ah_replayed"),
        }
    }
}

/// keepalived's `keepalived.stats` (SIGUSR2; `$TMPDIR` is the host's
/// directory): Advertisements Received, and Authentication Errors' Type
/// Mismatch and Failure.
fn keepalived_counters(host: &Host<'_>, proc: &Proc) -> Counters {
    let path = host.dir().join("keepalived.stats");
    let _ = std::fs::remove_file(&path);
    proc.kill(Signal::SIGUSR2);
    let written = wait_for(Duration::from_secs(3), || path.exists());
    assert!(written.is_some(), "no {} after SIGUSR2", path.display());
    // keepalived writes in place: let it finish.
    std::thread::sleep(Duration::from_millis(200));
    let text = std::fs::read_to_string(&path).expect("keepalived.stats");
    let mut counters = Counters::default();
    let mut section = "";
    for line in text.lines() {
        let line = line.trim();
        if line.ends_with(':') {
            section = line;
            continue;
        }
        let Some((name, value)) = line.split_once(": ") else {
            continue;
        };
        let Ok(value) = value.parse::<u64>() else {
            continue;
        };
        match (section, name) {
            ("Advertisements:", "Received") => counters.received = value,
            ("Authentication Errors:", "Type Mismatch") => counters.auth_type_mismatch = value,
            ("Authentication Errors:", "Failure") => counters.auth_failures = value,
            _ => {}
        }
    }
    counters
}

/// Host 1 is the Master, host 2 the Backup; `ours_master` says which is
/// ours; multicast, or unicast to each other.
fn pair(test: &str, peer: Option<Daemon>, ours_master: bool, unicast: bool) {
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
        "Master {} / Backup {}, {}",
        master.name(),
        backup.name(),
        if unicast { "unicast" } else { "multicast" }
    );
    let m = lab.host("m", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);

    let on_m = master.start(&m, &config_with(1, 150, PASS, unicast));
    let took = wait_for(Duration::from_secs(10), || m.has_address(vip()));
    assert!(
        took.is_some(),
        "{label}: the Master never took the VIP:\n{}",
        on_m.log()
    );
    let on_b = backup.start(&b, &config_with(2, 100, PASS, unicast));
    let quiet = ADVERT * 10 + Duration::from_secs(1);
    let stays = holds_for(quiet, || !b.has_address(vip()) && m.has_address(vip()));
    assert!(
        stays,
        "{label}: a dual Master: the Backup took the VIP while the Master advertised:\n\
         Backup:\n{}\nMaster:\n{}",
        on_b.log(),
        on_m.log()
    );
    let heard = counters(backup, &b, &on_b);
    assert!(
        heard.received >= 8,
        "{label}: the Backup accepted only {} adverts in {quiet:?}: {heard:?}\n{}",
        heard.received,
        on_b.log()
    );
    assert_eq!(heard.auth_errors(), 0, "{label}: {heard:?}\n{}", on_b.log());
    let master_side = counters(master, &m, &on_m);
    assert_eq!(
        master_side.auth_errors(),
        0,
        "{label}: the Master: {master_side:?}"
    );

    let killed = Instant::now();
    on_m.kill_group(Signal::SIGKILL);
    let took = wait_for(ADVERT * 4 + Duration::from_secs(3), || b.has_address(vip()));
    assert!(
        took.is_some(),
        "{label}: the Backup did not take over:\n{}",
        on_b.log()
    );
    let took_over = killed.elapsed();

    // The old Master comes back with its sequence counter at 0: it must
    // accept the new Master's adverts (their sequence numbers continue its
    // own), then preempt with the next number, which the other accepts and
    // yields to. A refused sequence number on either side is a dual Master.
    let restarted = Instant::now();
    let on_m = master.start(&m, &config_with(1, 150, PASS, unicast));
    let back = wait_for(Duration::from_secs(15), || {
        m.has_address(vip()) && !b.has_address(vip())
    });
    assert!(
        back.is_some(),
        "{label}: the restarted Master did not take the VIP back alone:\nBackup:\n{}\n\
         Master:\n{}",
        on_b.log(),
        on_m.log()
    );
    let after = counters(backup, &b, &on_b);
    assert_eq!(after.auth_errors(), 0, "{label}: {after:?}\n{}", on_b.log());
    let again = counters(master, &m, &on_m);
    assert_eq!(
        again.auth_errors(),
        0,
        "{label}: restarted Master {again:?}"
    );
    assert!(
        again.received >= 1,
        "{label}: the restarted Master heard the other: {again:?}"
    );
    say(&format!(
        "MEASURED auth_type AH interop: {label}: no dual Master for {quiet:?}, the Backup \
         accepted {} adverts with no authentication error ({heard:?}); it took over \
         {took_over:?} after SIGKILL; the Master, restarted, took the VIP back in {:?} with \
         no authentication error on either side (Backup {after:?}, Master {again:?})",
        heard.received,
        restarted.elapsed()
    ));
}

/// AH adverts from `src` to the group on the wire so far (`tcpdump -n`
/// lines of the lab's `ah` capture).
fn on_the_wire(lab: &Lab, src: &str) -> u64 {
    let log = std::fs::read_to_string(lab.dir().join("ah.log")).unwrap_or_default();
    let prefix = format!("IP {src} > 224.0.0.18: AH(");
    log.lines().filter(|line| line.contains(&prefix)).count() as u64
}

/// The Master (host 1, `auth_pass secret`, priority 150) and an intruder
/// (host 2, `auth_pass guessed`, priority 200) that hears no valid advert
/// and becomes Master on its own after Master_Down_Interval: the Master
/// drops the intruder's adverts, counts each as an authentication failure,
/// accepts none, and keeps the VIP; the intruder counts the Master's.
///
/// keepalived (2.2.7 and 2.4.3 alike) re-arms a Master's advert timer on
/// every packet it reads, valid or not (`vrrp_dispatcher_read`), so a
/// keepalived Master that gets the other's refused adverts every second
/// falls silent: whoever is keepalived here sends its first adverts only.
/// So the counts are checked against what tcpdump saw on the wire, not
/// against the time elapsed.
fn intruder(test: &str, peer: Option<Daemon>, ours_master: bool) {
    let Some(peer) = peer else {
        return;
    };
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let ours = Daemon::ours();
    let (master, intruder) = if ours_master {
        (&ours, &peer)
    } else {
        (&peer, &ours)
    };
    let label = format!("Master {} / intruder {}", master.name(), intruder.name());
    let m = lab.host("m", &["192.0.2.1/24"]);
    let x = lab.host("x", &["192.0.2.2/24"]);
    let _capture = lab.capture_adverts_matching("ah", "ip proto 51");

    let on_m = master.start(&m, &config(1, 150, PASS));
    let took = wait_for(Duration::from_secs(10), || m.has_address(vip()));
    assert!(took.is_some(), "{label}: no Master:\n{}", on_m.log());
    let before = counters(master, &m, &on_m);
    let on_x = intruder.start(&x, &config(2, 200, "guessed"));
    let quiet = ADVERT * 10 + Duration::from_secs(1);
    let stays = holds_for(quiet, || m.has_address(vip()));
    assert!(
        stays,
        "{label}: the intruder's adverts took the VIP from the Master:\n{}",
        on_m.log()
    );
    let took_own = x.has_address(vip());
    // Let tcpdump write out what it saw.
    std::thread::sleep(Duration::from_millis(500));
    let after = counters(master, &m, &on_m);
    let intruder_side = counters(intruder, &x, &on_x);
    let (from_x, from_m) = (
        on_the_wire(&lab, "192.0.2.2"),
        on_the_wire(&lab, "192.0.2.1"),
    );
    let refused = after.auth_failures - before.auth_failures;
    let context = format!(
        "{label}: Master {before:?} -> {after:?}, intruder {intruder_side:?}; on the wire: \
         {from_x} from the intruder, {from_m} from the Master\nMaster:\n{}\nIntruder:\n{}",
        on_m.log(),
        on_x.log()
    );
    assert!(
        took_own,
        "the intruder, hearing nothing valid, is Master on its own: {context}"
    );
    assert!(from_x >= 1, "the intruder advertised: {context}");
    assert!(
        refused >= 1 && refused + 1 >= from_x && refused <= from_x,
        "the Master counted each of the intruder's adverts: {context}"
    );
    assert_eq!(
        after.received, before.received,
        "and accepted none: {context}"
    );
    assert_eq!(intruder_side.received, 0, "{context}");
    assert!(
        intruder_side.auth_failures >= 2,
        "the intruder counted the Master's adverts before it took over: {context}"
    );
    say(&format!(
        "MEASURED auth_type AH wrong auth_pass: {label}: the Master kept the VIP for {quiet:?}, \
         accepted none of the intruder's {from_x} adverts and counted {refused} authentication \
         failures; the intruder counted {} of the Master's {from_m}",
        intruder_side.auth_failures
    ));
}

#[test]
fn ours_master_keepalived_227_backup() {
    pair("ah_ours_227", Some(Daemon::Keepalived), true, false);
}

#[test]
fn keepalived_227_master_ours_backup() {
    pair("ah_227_ours", Some(Daemon::Keepalived), false, false);
}

#[test]
fn ours_master_keepalived_243_backup() {
    pair("ah_ours_243", Daemon::keepalived_243(), true, false);
}

#[test]
fn keepalived_243_master_ours_backup() {
    pair("ah_243_ours", Daemon::keepalived_243(), false, false);
}

#[test]
fn unicast_ours_master_keepalived_227_backup() {
    pair("ah_u_ours_227", Some(Daemon::Keepalived), true, true);
}

#[test]
fn unicast_keepalived_227_master_ours_backup() {
    pair("ah_u_227_ours", Some(Daemon::Keepalived), false, true);
}

#[test]
fn unicast_ours_master_keepalived_243_backup() {
    pair("ah_u_ours_243", Daemon::keepalived_243(), true, true);
}

#[test]
fn unicast_keepalived_243_master_ours_backup() {
    pair("ah_u_243_ours", Daemon::keepalived_243(), false, true);
}

#[test]
fn ours_master_keepalived_227_intruder() {
    intruder("ah_x_ours_227", Some(Daemon::Keepalived), true);
}

#[test]
fn keepalived_227_master_ours_intruder() {
    intruder("ah_x_227_ours", Some(Daemon::Keepalived), false);
}

#[test]
fn ours_master_keepalived_243_intruder() {
    intruder("ah_x_ours_243", Daemon::keepalived_243(), true);
}

#[test]
fn keepalived_243_master_ours_intruder() {
    intruder("ah_x_243_ours", Daemon::keepalived_243(), false);
}
