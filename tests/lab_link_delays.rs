//! `interface_up_down_delays` end to end in the lab (`vrrp-lab`): a Master
//! (priority 150) with `interface_up_down_delays { eth0 2 }` beside a
//! Backup (100); C is the client. The Master's carrier goes (its bridge
//! port down):
//!
//! - for 0.5 s: not seen at all. The Master keeps the VIP, the Backup
//!   never takes it, and C's pings answer from the Master's MAC after;
//! - for 4 s: the Master lets the VIP go once the delay is over (2 s, cut
//!   to 1.996094 s by the 1 s advert_int, as keepalived cuts it), and the
//!   Backup takes it a Master_Down_Interval (3.61 s) after the last advert;
//! - the same file without the block: the VIP goes at once.
//!
//! Ours as the Master beside keepalived 2.4.3, and keepalived 2.4.3 as the
//! Master (the same file) beside ours, and Debian's 2.2.7 so: all must
//! agree. Needs root.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use lab::keepalived::{Config, Instance, State};
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, say};

const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));
const DELAYS: &str = "\ninterface_up_down_delays {\n    eth0 2\n}\n";
/// keepalived's cut: 2 × 1 s - 1 s / 256.
const DOWN_DELAY: Duration = Duration::from_micros(1_996_094);
/// Scheduling slack around a protocol time, either way.
const SLACK: Duration = Duration::from_millis(600);

fn config(host: &Host<'_>, priority: u8, state: State, delays: bool) -> String {
    let instance = Instance::new("VI_1", 51)
        .priority(priority)
        .state(state)
        .vip("192.0.2.100/24");
    let text = Config::new(host.name()).instance(instance).to_string();
    if delays { text + DELAYS } else { text }
}

/// What one unplugging showed, from the moment the carrier went.
struct Seen {
    /// The Master let the VIP go.
    released: Option<Duration>,
    /// The Backup took it.
    taken: Option<Duration>,
    /// The Master took it back, from the carrier's return.
    back: Option<Duration>,
}

/// Master `master` (with the block if `delays`) and Backup `backup`; the
/// Master's carrier goes for `down`; watched until `down` plus 6 s.
fn unplug(
    test: &str,
    master: &Daemon,
    backup: &Daemon,
    delays: bool,
    down: Duration,
) -> Option<Seen> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &["192.0.2.1/24"]);
    let b = lab.host("b", &["192.0.2.2/24"]);
    let c = lab.host("c", &["192.0.2.3/24"]);
    let (watch_a, watch_b) = (a.monitor_addresses(), b.monitor_addresses());
    let on_a = master.start(&a, &config(&a, 150, State::Master, delays));
    let took = wait_for(Duration::from_secs(10), || a.has_address(VIP));
    assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
    let on_b = backup.start(&b, &config(&b, 100, State::Backup, false));
    assert!(wait_for(Duration::from_secs(3), || c.ping(VIP)).is_some());
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !b.has_address(VIP),
        "B took the VIP from A:\n{}",
        on_b.log()
    );

    let since = SystemTime::now();
    lab.unplug(&a, true);
    std::thread::sleep(down);
    let returned = SystemTime::now();
    lab.unplug(&a, false);
    std::thread::sleep(Duration::from_secs(6));
    let seen = Seen {
        released: watch_a.first(VIP, false, since),
        taken: watch_b.first(VIP, true, since),
        back: watch_a.first(VIP, true, returned),
    };
    if seen.released.is_none() {
        // Still the Master: C's pings answer from it.
        assert!(
            wait_for(Duration::from_secs(3), || c.ping(VIP)).is_some(),
            "C's pings to the VIP go unanswered:\n{}",
            on_a.log()
        );
        assert_eq!(c.neighbour_mac(VIP).as_deref(), Some(a.mac()));
        assert!(a.has_address(VIP));
    }
    let label = format!(
        "{} as Master{} beside {}, carrier gone {down:?}",
        master.name(),
        if delays {
            " with interface_up_down_delays { eth0 2 }"
        } else {
            ""
        },
        backup.name()
    );
    say(&format!(
        "MEASURED: {label}: the Master released the VIP after {:?}, the Backup took it after \
         {:?}, the Master took it back {:?} after the carrier's return",
        seen.released, seen.taken, seen.back
    ));
    Some(seen)
}

/// Runs the three cases with `master` as the Master, `backup` beside it.
fn agree(test: &str, master: &Daemon, backup: &Daemon) {
    let within = |what: &str, at: Option<Duration>, expected: Duration| {
        let at = at.unwrap_or_else(|| panic!("{}: {what}: never", master.name()));
        assert!(
            at + SLACK >= expected && at <= expected + SLACK,
            "{}: {what} after {at:?}, expected {expected:?}",
            master.name()
        );
    };
    let short = Duration::from_millis(500);
    let Some(flap) = unplug(&format!("{test}_flap"), master, backup, true, short) else {
        return;
    };
    assert_eq!(
        flap.released,
        None,
        "{}: a 0.5 s flap was seen",
        master.name()
    );
    assert_eq!(flap.taken, None, "{}: the Backup took over", master.name());

    let long = Duration::from_secs(4);
    let Some(down) = unplug(&format!("{test}_down"), master, backup, true, long) else {
        return;
    };
    within("released after the delay", down.released, DOWN_DELAY);
    // Master_Down_Interval: 3 × 1 s + (256 - 100) / 256 s.
    within(
        "the Backup took it",
        down.taken,
        Duration::from_millis(3609),
    );
    // No up delay written means none (keepalived's code; its man page
    // says the down delay's): A is Backup at once and, ignoring B's lower
    // priority, takes the VIP back at its own Master_Down_Interval,
    // 3 × 1 s + (256 - 150) / 256 s; after a 1.996 s up delay it would
    // be 5.41 s.
    within("took it back", down.back, Duration::from_millis(3414));

    let Some(at_once) = unplug(&format!("{test}_none"), master, backup, false, long) else {
        return;
    };
    within(
        "released without the block",
        at_once.released,
        Duration::ZERO,
    );
}

#[test]
fn ours_as_master_beside_keepalived_243() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    agree("ud13_ours", &Daemon::ours(), &keepalived);
}

#[test]
fn keepalived_243_as_master_beside_ours() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    agree("ud13_ka", &keepalived, &Daemon::ours());
}

/// Debian's keepalived 2.2.7 as the Master, the same file: it agrees too.
#[test]
fn keepalived_227_as_master_beside_ours() {
    agree("ud13_227", &Daemon::Keepalived, &Daemon::ours());
}
