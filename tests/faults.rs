//! The fault matrix: one test per row, each on a lab segment running OUR
//! daemon (A priority 150, B 100, client C; VRRPv3, VIP 192.0.2.100), each
//! with its expectation in its doc comment and its numbers printed as
//! `MEASURED <row>: ...`. Times come from netlink address events and the
//! kernel's capture timestamps, not from polling. Needs root.

mod fault_kit;
mod lab;

use std::time::{Duration, SystemTime};

use fault_kit::{NAME, PRIORITY_B, Trio, VIP, addr, measured, secs, state, status, transitions};
use lab::{Lab, Signal};

/// A new Master announces its VIPs twice: at once, and again after
/// keepalived's default `garp_master_delay` of 5 s. Rows that check an
/// announcement of their own wait this long after the election, so that
/// second burst cannot pass for it.
const GARP_MASTER_DELAY: Duration = Duration::from_millis(5500);

/// The advert interval of the rows that time failovers.
const ADVERT: Duration = Duration::from_millis(100);

/// Measurement slack on top of a protocol bound: netlink and capture
/// timestamps are exact, but the tests share two cores.
const SLACK: Duration = Duration::from_millis(150);

/// Waits for `event` on a monitor, panicking with `what` if it never comes.
fn expect(found: Option<Duration>, what: &str) -> Duration {
    found.unwrap_or_else(|| panic!("{what}: never happened"))
}

/// Master SIGKILL: B holds the VIP within its Master_Down_Interval of A's
/// last advert; the client follows B's gratuitous ARP.
#[test]
fn master_sigkill() {
    let Some(lab) = Lab::new("master_sigkill") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let (on_a, on_b) = t.elect(&t.config_a(|i| i, ""), &t.config_b(|i| i, ""));
    let killed = SystemTime::now();
    on_a.kill_group(Signal::SIGKILL);
    let took = expect(
        t.watch_b.wait(VIP, true, killed, Duration::from_secs(3)),
        "B taking the VIP",
    );
    let taken = killed + took;
    let last = t.adverts(addr(1), killed - Duration::from_secs(1), taken);
    let last = last.last().expect("an advert of A before the kill");
    let from_last = taken.duration_since(last.at).unwrap_or_default();
    let bound = t.case.master_down(PRIORITY_B);
    measured(
        "master SIGKILL",
        &format!(
            "B holds the VIP {} after A's last advert (Master_Down_Interval {}), {} after the signal",
            secs(from_last),
            secs(bound),
            secs(took)
        ),
    );
    assert!(from_last <= bound + SLACK, "B took {from_last:?}");
    let client = t.client_reaches(&t.b);
    assert_eq!(state(&status(&t.b, &on_b), NAME), "MASTER");
    measured(
        "master SIGKILL",
        &format!("client at B's MAC {} after the takeover", secs(client)),
    );
}

/// Master SIGSTOP for 5 s, then SIGCONT: B takes over meanwhile (two VIPs
/// while A is frozen, as with a crash); on SIGCONT A, still Master with the
/// higher priority, asserts itself and B lets go within one advert
/// interval + Skew_Time. A never changes state; the client ends at A's MAC.
#[test]
fn master_sigstop_then_sigcont() {
    let Some(lab) = Lab::new("master_sigstop") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let (on_a, on_b) = t.elect(&t.config_a(|i| i, ""), &t.config_b(|i| i, ""));
    let a_transitions = transitions(&status(&t.a, &on_a), NAME);
    std::thread::sleep(GARP_MASTER_DELAY);
    let stopped = SystemTime::now();
    on_a.kill(Signal::SIGSTOP);
    let took = expect(
        t.watch_b.wait(VIP, true, stopped, Duration::from_secs(3)),
        "B taking the VIP",
    );
    assert!(took <= t.case.master_down(PRIORITY_B) + ADVERT + SLACK);
    assert_eq!(t.holders(), (true, true), "A frozen with its VIP, B Master");
    t.client_reaches(&t.b);
    std::thread::sleep(Duration::from_secs(5).saturating_sub(stopped.elapsed().unwrap()));

    let resumed = SystemTime::now();
    on_a.kill(Signal::SIGCONT);
    let released = expect(
        t.watch_b.wait(VIP, false, resumed, Duration::from_secs(3)),
        "B releasing the VIP",
    );
    let bound = t.one_interval_and_skew();
    measured(
        "master SIGSTOP 5s",
        &format!(
            "B took over {} after SIGSTOP; after SIGCONT B released the VIP in {} (bound: one \
             interval + Skew_Time = {})",
            secs(took),
            secs(released),
            secs(bound)
        ),
    );
    assert!(released <= bound + SLACK, "two VIPs for {released:?}");
    std::thread::sleep(ADVERT * 3);
    assert_eq!(t.watch_a.first(VIP, false, resumed), None, "A let go");
    assert_eq!(t.holders(), (true, false));
    let status_a = status(&t.a, &on_a);
    assert_eq!(state(&status_a, NAME), "MASTER");
    assert_eq!(transitions(&status_a, NAME), a_transitions, "A never moved");
    assert_eq!(state(&status(&t.b, &on_b), NAME), "BACKUP");
    // Within a second, long before A's next scheduled announcement.
    let client = t.client_reaches_within(&t.a, Duration::from_secs(1));
    measured(
        "master SIGSTOP 5s",
        &format!("client back at A's MAC {} after SIGCONT", secs(client)),
    );
}

/// A partition (A's bridge port disabled, its carrier up) and its heal,
/// first of the Master, then of the Backup: two Masters during it, exactly
/// one (A) within one advert interval + Skew_Time after it heals, and the
/// client at A's MAC.
#[test]
fn partition_and_heal() {
    let Some(lab) = Lab::new("partition") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let (on_a, on_b) = t.elect(&t.config_a(|i| i, ""), &t.config_b(|i| i, ""));
    std::thread::sleep(GARP_MASTER_DELAY);
    for (cut, name) in [(&t.a, "master"), (&t.b, "backup")] {
        let start = SystemTime::now();
        lab.cut(cut, true);
        let took = expect(
            t.watch_b.wait(VIP, true, start, Duration::from_secs(3)),
            "B taking the VIP in the partition",
        );
        std::thread::sleep(ADVERT * 5);
        assert_eq!(t.holders(), (true, true), "two Masters in the partition");
        assert_eq!(state(&status(&t.a, &on_a), NAME), "MASTER");
        assert_eq!(state(&status(&t.b, &on_b), NAME), "MASTER");
        let healed = SystemTime::now();
        lab.cut(cut, false);
        let released = expect(
            t.watch_b.wait(VIP, false, healed, Duration::from_secs(3)),
            "B releasing the VIP after the heal",
        );
        let bound = t.one_interval_and_skew();
        std::thread::sleep(ADVERT * 3);
        assert_eq!(t.watch_a.first(VIP, false, start), None, "A let go");
        assert_eq!(t.holders(), (true, false), "one Master after the heal");
        // A's announcements from its election are over; this one answers
        // B's lower-priority advert.
        let client = t.client_reaches_within(&t.a, Duration::from_secs(1));
        measured(
            &format!("partition of the {name}"),
            &format!(
                "B Master {} into it (two Masters); after the heal B released the VIP in {} \
                 (bound {}), client at A's MAC after {}",
                secs(took),
                secs(released),
                secs(bound),
                secs(client)
            ),
        );
        assert!(released <= bound + SLACK, "two Masters for {released:?}");
    }
}
