//! The fault matrix: one test per row, each on a lab segment running OUR
//! daemon (A priority 150, B 100, client C; VRRPv3, VIP 192.0.2.100), each
//! with its expectation in its doc comment and its numbers printed as
//! `MEASURED <row>: ...`. Times come from netlink address events and the
//! kernel's capture timestamps, not from polling. Needs root.

mod fault_kit;
use vrrp_lab as lab;

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
/// interval + Skew_Time. A never changes state; the client ends at A's MAC;
/// A's `notify_master_rx_lower_pri` ran, because it heard B as a Master.
#[test]
fn master_sigstop_then_sigcont() {
    let Some(lab) = Lab::new("master_sigstop") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let heard = t.a.dir().join("rx_lower_pri");
    let script = fault_kit::write_script(
        &t.a,
        "rx_lower_pri.sh",
        &format!("echo heard >> {}\n", heard.display()),
    );
    let notify = format!("notify_master_rx_lower_pri {}", script.display());
    let (on_a, on_b) = t.elect(&t.config_a(|i| i.line(&notify), ""), &t.config_b(|i| i, ""));
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
    let ran = std::fs::read_to_string(&heard).unwrap_or_default();
    assert_eq!(
        ran.lines().count(),
        1,
        "notify_master_rx_lower_pri once (a burst a second at most): {ran:?}\n{}",
        on_a.log()
    );
}

/// A partition (A's bridge port disabled, its carrier up) and its heal,
/// first of the Master, then of the Backup: two Masters during it, exactly
/// one (A) within one advert interval + Skew_Time after it heals, and the
/// client at A's MAC.
///
/// A announces the VIP again when it hears B (RFC 9568 §6.4.3 answers): B's
/// periodic advert, or, if A's crossed first, the one B sends before it
/// yields (`higher_prio_send_advert`, our default without `use_vmac`; a
/// silent yield left the client at B's MAC for 8-9 s).
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
        let heard_before = fault_kit::counter(&status(&t.a, &on_a), NAME, "adverts_received");
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
        // A's announcements from its election are over; one follows only
        // if A heard B's advert (and answered it).
        let heard_b =
            fault_kit::counter(&status(&t.a, &on_a), NAME, "adverts_received") > heard_before;
        assert!(
            heard_b,
            "A never heard B after the heal: B yielded silently"
        );
        let first = "A heard B and answered";
        let client = t.client_reaches_within(&t.a, Duration::from_secs(1));
        measured(
            &format!("partition of the {name}"),
            &format!(
                "B Master {} into it (two Masters); after the heal B released the VIP in {} \
                 (bound {}); {first}; client at A's MAC after {}",
                secs(took),
                secs(released),
                secs(bound),
                secs(client)
            ),
        );
        assert!(released <= bound + SLACK, "two Masters for {released:?}");
    }
}

/// How a row takes a host's link away.
#[derive(Debug, Clone, Copy)]
enum LinkLoss {
    /// `ip link set eth0 down` on the host.
    AdminDown,
    /// The host's bridge port down: its `eth0` loses carrier.
    Carrier,
}

impl LinkLoss {
    fn set(self, lab: &Lab, host: &lab::Host<'_>, lost: bool) {
        match self {
            Self::AdminDown => host.link_set(!lost),
            Self::Carrier => lab.unplug(host, lost),
        }
    }
}

/// Link down, then up, on the Master (admin down, then carrier loss): A
/// enters Fault and drops the VIP at once; B takes over within its
/// Master_Down_Interval of A's last advert; when the link returns A hears B
/// again (its socket still receives), preempts within its own
/// Master_Down_Interval, B lets go, and the client follows A.
#[test]
fn link_down_up_on_master() {
    let Some(lab) = Lab::new("link_master") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let (on_a, on_b) = t.elect(&t.config_a(|i| i, ""), &t.config_b(|i| i, ""));
    for loss in [LinkLoss::AdminDown, LinkLoss::Carrier] {
        let down = SystemTime::now();
        loss.set(&lab, &t.a, true);
        let dropped = expect(
            t.watch_a.wait(VIP, false, down, Duration::from_secs(2)),
            "A dropping the VIP",
        );
        let took = expect(
            t.watch_b.wait(VIP, true, down, Duration::from_secs(3)),
            "B taking the VIP",
        );
        let last = t.adverts(addr(1), down - Duration::from_secs(1), down + took);
        let last = last.last().expect("an advert of A before the link went");
        let from_last = (down + took).duration_since(last.at).unwrap_or_default();
        let status_a = status(&t.a, &on_a);
        assert_eq!(state(&status_a, NAME), "FAULT", "{loss:?}");
        let heard_before = fault_kit::counter(&status_a, NAME, "adverts_received");
        assert!(
            from_last <= t.case.master_down(PRIORITY_B) + SLACK,
            "{from_last:?}"
        );

        let up = SystemTime::now();
        loss.set(&lab, &t.a, false);
        let back = expect(
            t.watch_a.wait(VIP, true, up, Duration::from_secs(3)),
            "A taking the VIP back",
        );
        let released = expect(
            t.watch_b.wait(VIP, false, up, Duration::from_secs(3)),
            "B releasing the VIP",
        );
        let status_a = status(&t.a, &on_a);
        assert_eq!(state(&status_a, NAME), "MASTER");
        let heard = fault_kit::counter(&status_a, NAME, "adverts_received") - heard_before;
        assert!(heard > 0, "A heard nothing after its link came back");
        assert_eq!(state(&status(&t.b, &on_b), NAME), "BACKUP");
        let client = t.client_reaches_within(&t.a, Duration::from_secs(1));
        measured(
            &format!("link down/up on the master ({loss:?})"),
            &format!(
                "A dropped the VIP {} after the link went; B holds it {} after A's last advert \
                 (Master_Down_Interval {}); link back: A holds it after {} (its Master_Down_Interval \
                 {}), B let go after {}, A heard {heard} adverts of B meanwhile; client at A's MAC \
                 after {}",
                secs(dropped),
                secs(from_last),
                secs(t.case.master_down(PRIORITY_B)),
                secs(back),
                secs(t.case.master_down(fault_kit::PRIORITY_A)),
                secs(released),
                secs(client),
            ),
        );
        assert!(back <= t.case.master_down(fault_kit::PRIORITY_A) + ADVERT + SLACK);
        assert!(released.saturating_sub(back) <= t.one_interval_and_skew() + SLACK);
    }
}

/// Link down, then up, on the Backup (admin down, then carrier loss): B
/// enters Fault, A never notices (no transition, the VIP stays, the client
/// stays); back up, B hears A again and stays Backup without ever taking
/// the VIP.
#[test]
fn link_down_up_on_backup() {
    let Some(lab) = Lab::new("link_backup") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let (on_a, on_b) = t.elect(&t.config_a(|i| i, ""), &t.config_b(|i| i, ""));
    let a_transitions = transitions(&status(&t.a, &on_a), NAME);
    let start = SystemTime::now();
    for loss in [LinkLoss::AdminDown, LinkLoss::Carrier] {
        loss.set(&lab, &t.b, true);
        let fault = lab::watch::wait_for(Duration::from_secs(2), || {
            state(&status(&t.b, &on_b), NAME) == "FAULT"
        });
        let fault = expect(fault, "B entering Fault");
        let heard_before = fault_kit::counter(&status(&t.b, &on_b), NAME, "adverts_received");
        std::thread::sleep(t.case.master_down(PRIORITY_B) * 2);
        loss.set(&lab, &t.b, false);
        let backup = lab::watch::wait_for(Duration::from_secs(2), || {
            state(&status(&t.b, &on_b), NAME) == "BACKUP"
        });
        let backup = expect(backup, "B back in Backup");
        // Long enough for a deaf B to have taken over.
        std::thread::sleep(t.case.master_down(PRIORITY_B) * 3);
        let status_b = status(&t.b, &on_b);
        assert_eq!(state(&status_b, NAME), "BACKUP", "{loss:?}");
        let heard = fault_kit::counter(&status_b, NAME, "adverts_received") - heard_before;
        assert!(
            heard >= 3,
            "B heard {heard} adverts after its link came back"
        );
        assert_eq!(t.holders(), (true, false));
        measured(
            &format!("link down/up on the backup ({loss:?})"),
            &format!(
                "B in Fault after {}, Backup {} after the link returned, heard {heard} adverts of \
                 A since; A untouched",
                secs(fault),
                secs(backup)
            ),
        );
    }
    assert_eq!(t.watch_b.first(VIP, true, start), None, "B took the VIP");
    assert_eq!(
        t.watch_a.first(VIP, false, start),
        None,
        "A dropped the VIP"
    );
    let status_a = status(&t.a, &on_a);
    assert_eq!(transitions(&status_a, NAME), a_transitions, "A moved");
    t.client_reaches_within(&t.a, Duration::from_secs(1));
}

/// The VIP deleted by hand on the Master (`ip addr del`), three times: the
/// daemon puts it back at once (netlink tells it), without a state change;
/// B never takes it.
#[test]
fn vip_deleted_by_hand_is_restored() {
    let Some(lab) = Lab::new("vip_deleted") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let (on_a, _on_b) = t.elect(&t.config_a(|i| i, ""), &t.config_b(|i| i, ""));
    let a_transitions = transitions(&status(&t.a, &on_a), NAME);
    let start = SystemTime::now();
    let mut restored = Vec::new();
    for _ in 0..3 {
        let deleted = SystemTime::now();
        let out =
            t.a.exec(&["ip", "addr", "del", "192.0.2.100/24", "dev", "eth0"]);
        assert!(out.status.success(), "{out:?}");
        let back = expect(
            t.watch_a.wait(VIP, true, deleted, Duration::from_secs(2)),
            "the VIP restored",
        );
        restored.push(back);
        std::thread::sleep(ADVERT * 3);
    }
    let worst = restored.iter().copied().max().unwrap_or_default();
    measured(
        "VIP deleted by hand on the master",
        &format!(
            "restored after {} (3 deletions; bound one advert interval {})",
            restored
                .iter()
                .map(|d| secs(*d))
                .collect::<Vec<_>>()
                .join(", "),
            secs(ADVERT)
        ),
    );
    assert!(worst <= ADVERT, "restored after {worst:?}");
    assert_eq!(transitions(&status(&t.a, &on_a), NAME), a_transitions);
    assert_eq!(t.watch_b.first(VIP, true, start), None, "B took the VIP");
    assert!(t.c.ping(VIP), "the client reaches the VIP");
}

/// Restart after a SIGKILL with the VIP still on the interface, both
/// routers `nopreempt` (`state BACKUP`): A is killed, B takes over, A keeps
/// its stale copy of the VIP (nobody removes it). The restarted A will not
/// be Master (B is, and A does not preempt), so it removes the stale VIP at
/// start-up and never adds it back; B keeps serving the client.
#[test]
fn restart_after_sigkill_removes_a_stale_vip() {
    let Some(lab) = Lab::new("stale_vip") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let backup = |i: lab::keepalived::Instance| i.state(lab::keepalived::State::Backup).nopreempt();
    let config_a = t.config_a(backup, "");
    let (on_a, on_b) = t.elect(&config_a, &t.config_b(backup, ""));
    on_a.kill_group(Signal::SIGKILL);
    let killed = SystemTime::now();
    expect(
        t.watch_b.wait(VIP, true, killed, Duration::from_secs(3)),
        "B taking the VIP",
    );
    assert_eq!(t.holders(), (true, true), "A's stale VIP beside B's");
    drop(on_a);

    let restarted = SystemTime::now();
    let on_a = fault_kit::start_running(&t.a, &config_a, &[]);
    let removed = expect(
        t.watch_a
            .wait(VIP, false, restarted, Duration::from_secs(3)),
        "the stale VIP removed",
    );
    std::thread::sleep(t.case.master_down(fault_kit::PRIORITY_A) * 3);
    assert_eq!(
        t.watch_a.first(VIP, true, restarted),
        None,
        "A added it back"
    );
    assert_eq!(t.holders(), (false, true));
    assert_eq!(state(&status(&t.a, &on_a), NAME), "BACKUP");
    assert_eq!(state(&status(&t.b, &on_b), NAME), "MASTER");
    assert!(
        on_a.log()
            .contains("left on the interface by an earlier run")
    );
    t.client_reaches_within(&t.b, Duration::from_secs(1));
    measured(
        "restart after SIGKILL, VIP left on the interface",
        &format!(
            "the restarted (non-Master) daemon removed the stale VIP {} after its start; never \
             re-added in {}",
            secs(removed),
            secs(t.case.master_down(fault_kit::PRIORITY_A) * 3)
        ),
    );
}

/// A flapping track script, `fall 2` / `rise 2`, weight -60 on A (150 ->
/// 90, below B's 100), run every 0.2 s through a fixed sequence of
/// results: a success (the first result decides the start state), then
/// fail and succeed in turn (never two failures in a row: the VIP
/// must not move), two failures (down: B takes the VIP), succeed and fail
/// in turn (never two successes: the VIP must stay on B), two successes
/// (up: A takes it back). Exactly one move each way.
#[test]
fn flapping_track_script_respects_rise_and_fall() {
    let Some(lab) = Lab::new("flapping") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let dir = t.a.dir().display().to_string();
    // Run n reads line n (1 = fail), then 0 (success) once past the end.
    // The first result decides the start state (as keepalived's does).
    let sequence = ["0"] // run 1: up
        .into_iter()
        .chain(["1", "0", "1", "0", "1", "0", "1", "0"]) // runs 2-9: still up
        .chain(["1", "1"]) // 10-11: down
        .chain(["0", "1", "0", "1", "0", "1"]) // 12-17: still down
        .chain(["0", "0"]) // 18-19: up
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(t.a.dir().join("sequence"), sequence + "\n").expect("sequence");
    let script = fault_kit::write_script(
        &t.a,
        "flap.sh",
        &format!(
            "n=$(cat {dir}/runs 2>/dev/null || echo 0)\nn=$((n + 1))\necho $n > {dir}/runs.tmp\n\
             mv {dir}/runs.tmp {dir}/runs\nr=$(sed -n \"${{n}}p\" {dir}/sequence)\nexit ${{r:-0}}\n"
        ),
    );
    let extra = format!(
        "\nvrrp_script flap {{\n    script \"/bin/sh {}\"\n    interval 0.2\n    timeout 1\n    \
         fall 2\n    rise 2\n    weight -60\n}}\n",
        script.display()
    );
    let config_a = t.config_a(|i| i.track_script("flap"), &extra);
    let start = SystemTime::now();
    let (on_a, _on_b) = t.elect(&config_a, &t.config_b(|i| i, ""));
    let runs = || {
        std::fs::read_to_string(t.a.dir().join("runs"))
            .ok()
            .and_then(|n| n.trim().parse::<u32>().ok())
            .unwrap_or(0)
    };
    let after_run = |n: u32| {
        let ran = lab::watch::wait_for(Duration::from_secs(10), || runs() >= n);
        assert!(
            ran.is_some(),
            "the script never ran {n} times:\n{}",
            on_a.log()
        );
        SystemTime::now()
    };
    // The first of the two failures in a row: before it, nothing may move.
    let first_of_two = after_run(10);
    let down = after_run(11);
    let took = expect(
        t.watch_b.wait(VIP, true, down, Duration::from_secs(3)),
        "B taking the VIP after two failures",
    );
    let first_move = t.watch_b.first(VIP, true, start).unwrap_or_default();
    assert!(
        start + first_move >= first_of_two,
        "single failures moved the VIP ({first_move:?} after the start)"
    );
    let bound = ADVERT + t.case.master_down(PRIORITY_B);
    let steady = after_run(17);
    assert_eq!(
        t.holders(),
        (false, true),
        "single successes moved the VIP back"
    );
    let up = after_run(19);
    let back = expect(
        t.watch_a.wait(VIP, true, up, Duration::from_secs(3)),
        "A taking the VIP back after two successes",
    );
    std::thread::sleep(t.case.master_down(PRIORITY_B) * 2);
    let events = |watch: &lab::watch::AddressMonitor, added: bool| {
        let events = watch.events().into_iter();
        events
            .filter(|e| e.address == VIP && e.added == added && e.at >= start)
            .count()
    };
    assert_eq!(
        (events(&t.watch_b, true), events(&t.watch_b, false)),
        (1, 1),
        "B took and released the VIP once"
    );
    assert_eq!(events(&t.watch_a, false), 1, "A released the VIP once");
    assert_eq!(t.watch_b.first(VIP, true, steady), None);
    let status_a = status(&t.a, &on_a);
    let script_runs = status_a["scripts"][0]["runs"].as_u64().unwrap_or(0);
    assert_eq!(status_a["scripts"][0]["up"], true);
    assert_eq!(
        fault_kit::instance(&status_a, NAME)["priority"]["effective"],
        150
    );
    measured(
        "flapping track script (fall 2, rise 2, every 0.2s)",
        &format!(
            "1 success, 8 alternating results: VIP stayed; 2 failures: B took it {} later (bound {}); 6 \
             alternating: stayed on B; 2 successes: A took it back {} later (bound {}); {script_runs} \
             runs, one move each way",
            secs(took),
            secs(bound + SLACK),
            secs(back),
            secs(ADVERT + t.case.master_down(fault_kit::PRIORITY_A) + SLACK)
        ),
    );
    assert!(took <= bound + SLACK, "B took {took:?}");
    assert!(back <= ADVERT + t.case.master_down(fault_kit::PRIORITY_A) + SLACK);
}

/// A hung track script (`sleep 1000`, interval 1 s, timeout 0.5 s, weight
/// -20: A stays Master at 130): each run is killed at its timeout (no
/// `sleep` outlives it, never two at once), counts as a failure, and A's
/// adverts keep their 0.1 s interval throughout; B never takes over.
#[test]
fn hung_track_script_is_killed_at_its_timeout_and_adverts_stay_on_time() {
    let Some(lab) = Lab::new("hung_script") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let script = fault_kit::write_script(&t.a, "hang.sh", "exec sleep 1000\n");
    let extra = format!(
        "\nvrrp_script hang {{\n    script \"/bin/sh {}\"\n    interval 1\n    timeout 0.5\n    \
         weight -20\n}}\n",
        script.display()
    );
    let config_a = t.config_a(|i| i.track_script("hang"), &extra);
    let start = SystemTime::now();
    let (on_a, _on_b) = t.elect(&config_a, &t.config_b(|i| i, ""));
    let watched = SystemTime::now();
    // Every `sleep` in A's PID namespace: when first and last seen.
    let mut seen: std::collections::BTreeMap<String, (SystemTime, SystemTime)> = Default::default();
    let mut most_at_once = 0;
    while watched.elapsed().unwrap_or_default() < Duration::from_secs(4) {
        let out = t.a.exec(&["pgrep", "-x", "sleep"]);
        let pids: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        most_at_once = most_at_once.max(pids.len());
        let now = SystemTime::now();
        for pid in pids {
            seen.entry(pid).or_insert((now, now)).1 = now;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let ended = SystemTime::now();
    // Lifetimes of the runs that started and ended while we watched.
    let lifetimes: Vec<Duration> = seen
        .values()
        .filter(|(first, last)| *first > watched && *last + Duration::from_millis(200) < ended)
        .filter_map(|(first, last)| last.duration_since(*first).ok())
        .collect();
    let adverts = t.adverts(addr(1), watched, ended);
    let (gap, count) = fault_kit::largest_gap(&adverts);
    let status_a = status(&t.a, &on_a);
    let tracked = &fault_kit::instance(&status_a, NAME)["tracked"][0];
    measured(
        "hung track script (sleep 1000, interval 1s, timeout 0.5s)",
        &format!(
            "each run lived {} (polled every 20 ms), at most {most_at_once} at once, last result \
             {}; A's adverts over 4s: {count}, largest gap {} at advert_int {}",
            lifetimes
                .iter()
                .map(|d| secs(*d))
                .collect::<Vec<_>>()
                .join(", "),
            tracked["last"],
            secs(gap),
            secs(ADVERT)
        ),
    );
    assert!(lifetimes.len() >= 2, "runs seen: {seen:?}");
    // Seen by polling (an exec every 20 ms or more): the first and last
    // sightings are up to a poll late or early. Killed at the timeout, not
    // at the next interval (1 s), nor early.
    for lifetime in &lifetimes {
        let timeout = Duration::from_millis(500);
        assert!(
            *lifetime >= timeout / 2 && *lifetime <= timeout + Duration::from_millis(250),
            "a hung run lived {lifetime:?}, its timeout is {timeout:?}"
        );
    }
    assert_eq!(most_at_once, 1, "two runs of one script at once");
    assert_eq!(tracked["last"], "TimedOut", "{status_a:#}");
    assert_eq!(tracked["up"], false);
    assert_eq!(
        fault_kit::instance(&status_a, NAME)["priority"]["effective"],
        130
    );
    assert!(count >= 35, "{count} adverts in 4 s");
    assert!(gap <= ADVERT * 3 / 2, "an advert gap of {gap:?}");
    assert_eq!(t.watch_b.first(VIP, true, start), None, "B took over");
}

/// A track script that others can change, with `enable_script_security`:
/// the daemon refuses to start, with a log line naming the file or
/// directory at fault and why (a world-writable file, a world-writable
/// directory above it, a file writable by a non-root group); it never takes
/// the VIP nor sends an advert. A script made writable while the daemon
/// runs gets the same refusal at a SIGHUP reload, and the running
/// configuration stays (no transition) until the file is fixed.
#[test]
fn script_writable_by_others_is_refused_under_script_security() {
    use std::os::unix::fs::PermissionsExt;
    let Some(lab) = Lab::new("script_security") else {
        return;
    };
    let t = Trio::new(&lab, ADVERT);
    let open_dir = t.a.dir().join("open");
    std::fs::create_dir(&open_dir).expect("a directory");
    std::fs::set_permissions(&open_dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let in_open_dir = open_dir.join("check.sh");
    std::fs::write(&in_open_dir, "#!/bin/sh\nexit 0\n").expect("a script");
    std::fs::set_permissions(&in_open_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let script = fault_kit::write_script(&t.a, "check.sh", "exit 0\n");
    let config = |path: &std::path::Path| {
        let extra = format!(
            "\nvrrp_script chk {{\n    script \"{}\"\n    interval 1\n    weight 10\n}}\n",
            path.display()
        );
        lab::keepalived::with_global(
            &t.config_a(|i| i.track_script("chk"), &extra),
            "enable_script_security",
        )
    };
    let chmod = |mode| {
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    let nogroup = nix::unistd::Gid::from_raw(65534);
    let start = SystemTime::now();
    let cases: [(&str, &std::path::Path, &std::path::Path, String); 3] = [
        (
            "file mode 0777",
            &script,
            &script,
            "writable by everyone".into(),
        ),
        (
            "directory mode 0777",
            &in_open_dir,
            &open_dir,
            "writable by everyone".into(),
        ),
        (
            "file 0775 of group nogroup",
            &script,
            &script,
            "writable by group 65534".into(),
        ),
    ];
    for (case, path, at_fault, why) in cases {
        match case {
            "file mode 0777" => chmod(0o777),
            "file 0775 of group nogroup" => {
                nix::unistd::chown(&script, None, Some(nogroup)).expect("chown");
                chmod(0o775);
            }
            _ => chmod(0o755),
        }
        let launched = std::time::Instant::now();
        let mut daemon = fault_kit::start(&t.a, &config(path), &[]);
        let exit = daemon.wait_exit(Duration::from_secs(5));
        let log = daemon.log();
        assert_eq!(exit.and_then(|s| s.code()), Some(1), "{case}: {log}");
        let line = log
            .lines()
            .find(|l| l.contains("refusing scripts that others could change"))
            .unwrap_or_else(|| panic!("{case}: no refusal in {log}"));
        assert!(line.contains("ERROR"), "{line}");
        let reason = format!("{} is {why}", at_fault.display());
        assert!(
            log.contains(&reason),
            "{case}: {reason:?} missing from {log}"
        );
        assert!(log.contains("vrrp_script chk"), "{log}");
        measured(
            "script writable by others, enable_script_security",
            &format!(
                "{case}: refused, exit 1 after {}: {:?}",
                secs(launched.elapsed()),
                log.lines()
                    .skip_while(|l| !l.contains("refusing"))
                    .nth(1)
                    .unwrap_or("")
                    .trim()
            ),
        );
    }
    nix::unistd::chown(&script, None, Some(nix::unistd::Gid::from_raw(0))).expect("chown");
    chmod(0o755);
    std::thread::sleep(ADVERT * 5);
    assert_eq!(
        t.watch_a.first(VIP, true, start),
        None,
        "a refused daemon took the VIP"
    );
    let adverts = t.adverts(addr(1), start, SystemTime::now());
    assert!(
        adverts.is_empty(),
        "a refused daemon advertised: {adverts:?}"
    );

    // Running, then the script becomes writable: the reload is refused.
    let on_a = fault_kit::start_running(&t.a, &config(&script), &[]);
    let took = lab::watch::wait_for(Duration::from_secs(5), || t.a.has_address(VIP));
    assert!(
        took.is_some(),
        "a secure script is accepted:\n{}",
        on_a.log()
    );
    let before = transitions(&status(&t.a, &on_a), NAME);
    chmod(0o777);
    on_a.kill(Signal::SIGHUP);
    let refused = on_a.wait_log("reload rejected", Duration::from_secs(3));
    assert!(refused.is_some(), "{}", on_a.log());
    assert!(
        on_a.log()
            .contains(&format!("{} is writable by everyone", script.display()))
    );
    std::thread::sleep(ADVERT * 5);
    let status_a = status(&t.a, &on_a);
    assert_eq!(state(&status_a, NAME), "MASTER");
    assert_eq!(
        transitions(&status_a, NAME),
        before,
        "the refused reload moved A"
    );
    chmod(0o755);
    on_a.kill(Signal::SIGHUP);
    assert!(
        on_a.wait_log("reloaded", Duration::from_secs(3)).is_some(),
        "{}",
        on_a.log()
    );
    assert!(t.a.has_address(VIP));
    measured(
        "script writable by others, enable_script_security",
        "made writable while running: SIGHUP's reload refused naming the file, A stayed Master \
         without a transition; fixed: reloaded",
    );
}
