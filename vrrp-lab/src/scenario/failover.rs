//! Election, failover on a crash and on a clean stop, and preemption, with
//! hosts A (priority 150, `state MASTER`), B (100, `state BACKUP`) and a
//! client C.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use super::{Case, Expect, measured, pair_name};
use crate::capture::AdvertCapture;
use crate::keepalived::{Config, State};
use crate::watch::{AddressMonitor, wait_for};
use crate::{Daemon, Host, Lab, Proc, Signal, say};

/// Slack on top of protocol times in assertions (tests share 2 cores): B
/// must hold the VIP within 6 s of a crash at 1 s adverts.
const SLACK: Duration = Duration::from_millis(2400);
/// Slack after a clean stop: within 2 s at 1 s adverts.
const SLACK_GOODBYE: Duration = Duration::from_millis(1400);

/// Runs the failover scenario for `case` with `daemon_a` on A and `daemon_b`
/// on B, in a lab named `test`; `None` when skipped (not root).
///
/// 1. start A, then B once A holds the VIP: B never takes it nor
///    advertises; A's adverts have the case's version, priority and
///    authentication; C pings the VIP and learns A's MAC;
/// 2. SIGKILL A's daemon, every process of it: B takes the VIP a master-down
///    interval after A's last advert (so 2.6 to 3.6 s after the signal at
///    1 s adverts); C's neighbour entry moves to B's MAC;
/// 3. restart A: it preempts, B lets go;
/// 4. SIGTERM A's daemon: it sends priority 0 and drops the VIP; B takes
///    over Skew_Time after that advert;
/// 5. restart A again, then SIGKILL only its main process (keepalived's
///    VRRP child then still says goodbye; a one-process daemon cannot).
pub fn failover(test: &str, case: Case, daemon_a: &Daemon, daemon_b: &Daemon) -> Option<()> {
    failover_measured(test, case, daemon_a, daemon_b).map(|_| ())
}

/// What one [`failover`] run measured, for callers that hold the times to
/// tighter bounds than the scenario's own, and the daemons' logs.
#[derive(Debug, Clone)]
pub struct Failover {
    /// Step 1: A's daemon started → A holds the VIP.
    pub start: Duration,
    /// Step 2: SIGKILL to every process of A's daemon → B holds the VIP.
    pub sigkill: Duration,
    /// Step 2: A's last advert before the SIGKILL → B holds the VIP.
    pub sigkill_from_last_advert: Duration,
    /// Step 2: SIGKILL → C's neighbour entry for the VIP is B's MAC.
    pub sigkill_client_moved: Duration,
    /// Step 4: SIGTERM → B holds the VIP.
    pub sigterm: Duration,
    /// Step 4: A's priority 0 advert → B holds the VIP.
    pub sigterm_from_priority0: Duration,
    /// Step 4: SIGTERM → the VIP gone from A.
    pub sigterm_release: Duration,
    /// Step 5: SIGKILL to A's main process alone → B holds the VIP.
    pub sigkill_main: Duration,
    /// Step 5: whether A still sent priority 0 then.
    pub sigkill_main_goodbye: bool,
    /// Everything A's daemon logged, every start of it in order.
    pub log_a: String,
    /// Everything B's daemon logged.
    pub log_b: String,
}

/// [`failover`], returning what it measured.
pub fn failover_measured(
    test: &str,
    case: Case,
    daemon_a: &Daemon,
    daemon_b: &Daemon,
) -> Option<Failover> {
    let lab = Lab::new(test)?;
    let a = lab.host("a", &strs(&case.addresses(1)));
    let b = lab.host("b", &strs(&case.addresses(2)));
    let run = Run {
        daemons: pair_name(daemon_a, daemon_b),
        label: case.label(),
        case,
        src_a: src(case, 1),
        watch_a: a.monitor_addresses(),
        watch_b: b.monitor_addresses(),
        capture: lab.capture_adverts(),
        c: lab.host("c", &strs(&case.addresses(3))),
        daemon_a,
        config_a: Config::new("a")
            .instance(case.instance(150).state(State::Master))
            .to_string(),
        a,
        b,
    };
    let config_b = Config::new("b").instance(case.instance(100).state(State::Backup));
    let (mut on_a, on_b, start) = run.elect(daemon_b, &config_b.to_string());
    let (sigkill, sigkill_from_last_advert, sigkill_client_moved) = run.crash(&mut on_a);
    let mut on_a = run.restart();
    let (sigterm, sigterm_from_priority0, sigterm_release) = run.clean_stop(&mut on_a);
    let mut on_a = run.restart();
    let (sigkill_main, sigkill_main_goodbye) = run.kill_main_process(&mut on_a);
    drop(on_a);
    Some(Failover {
        start,
        sigkill,
        sigkill_from_last_advert,
        sigkill_client_moved,
        sigterm,
        sigterm_from_priority0,
        sigterm_release,
        sigkill_main,
        sigkill_main_goodbye,
        log_a: daemon_logs(&run.a, daemon_a),
        log_b: on_b.log(),
    })
}

/// Every log of `daemon` on `host`, oldest start first.
fn daemon_logs(host: &Host<'_>, daemon: &Daemon) -> String {
    let prefix = format!("{}.", daemon.name());
    let mut logs: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir(host.dir())
        .expect("the host's directory")
        .flatten()
        .map(|entry| entry.path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            let k = name.strip_prefix(&prefix)?.strip_suffix(".log")?;
            Some((k.parse().ok()?, path))
        })
        .collect();
    logs.sort();
    let logs = logs.iter().map(|(_, path)| std::fs::read_to_string(path));
    logs.map(Result::unwrap_or_default).collect()
}

/// One failover run: its hosts, watchers, and what names its measurements.
struct Run<'lab, 'd> {
    daemons: String,
    label: String,
    case: Case,
    /// A's adverts' source: its IPv4 address, or its link-local for IPv6.
    src_a: IpAddr,
    watch_a: AddressMonitor,
    watch_b: AddressMonitor,
    capture: AdvertCapture,
    daemon_a: &'d Daemon,
    config_a: String,
    a: Host<'lab>,
    b: Host<'lab>,
    c: Host<'lab>,
}

/// How to stop A's daemon.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// The main process only.
    Main(Signal),
    /// Its whole process group.
    Group(Signal),
}

impl Run<'_, '_> {
    fn measured(&self, what: &str, took: Duration, expect: Expect) {
        measured(&self.daemons, &self.label, what, took, expect);
    }

    /// Step 1. A starts alone: started together, keepalived (which ignores
    /// `state MASTER` below priority 255) runs two master-down timers only
    /// Skew_Time apart, a race the lab is too jittery to call.
    fn elect(&self, daemon_b: &Daemon, config_b: &str) -> (Proc, Proc, Duration) {
        let vip = self.case.vip();
        let start = SystemTime::now();
        let on_a = self.daemon_a.start(&self.a, &self.config_a);
        let took = self.watch_a.wait(vip, true, start, Duration::from_secs(10));
        let took = took.unwrap_or_else(|| panic!("A never took the VIP:\n{}", on_a.log()));
        let rfc = self.case.master_down(150);
        self.measured("start->master_holds_vip", took, Expect::Rfc(rfc));
        let elected = took;

        let start = SystemTime::now();
        let on_b = daemon_b.start(&self.b, config_b);
        let pinged = wait_for(Duration::from_secs(3), || self.c.ping(vip));
        assert!(pinged.is_some(), "C cannot ping the VIP");
        let mac = self.c.neighbour_mac(vip);
        assert_eq!(mac.as_deref(), Some(self.a.mac()), "C's MAC for the VIP");
        // Two intervals: B has heard A by then. A deaf B would still take the
        // VIP a master-down interval after its own start, which the crash
        // step tells apart: less than three intervals after A's last advert.
        let quiet = self.case.advert * 2;
        std::thread::sleep(quiet.saturating_sub(start.elapsed().unwrap_or_default()));
        let b_took = self.watch_b.first(vip, true, start);
        assert_eq!(b_took, None, "B took the VIP although A is master");
        self.check_adverts(start);
        (on_a, on_b, elected)
    }

    /// A advertised since `since` with the case's version, VRID, priority 150
    /// and authentication; B, a Backup all along, never advertised.
    fn check_adverts(&self, since: SystemTime) {
        let now = SystemTime::now();
        // tcpdump writes behind: on a loaded box a 0.1 s run checked before
        // it had written A's adverts of the last 0.2 s (seen twice).
        assert!(self.capture.catch_up(now), "the capture stopped");
        let from_a = self.capture.from(self.src_a, since, now);
        assert!(
            !from_a.is_empty(),
            "no adverts from A: {:?}",
            self.capture.adverts()
        );
        let auth = match (self.case.version, self.case.auth_pass) {
            (2, Some(_)) => Some("simple"),
            (2, None) => Some("none"),
            _ => None,
        };
        for advert in &from_a {
            let (version, vrid, priority) = (self.case.version, super::VRID, 150);
            let got = (advert.version, advert.vrid, advert.priority);
            assert_eq!(got, (version, vrid, priority), "{advert:?}");
            assert_eq!(advert.auth.as_deref(), auth, "{advert:?}");
        }
        let from_b = self.capture.from(src(self.case, 2), since, now);
        assert!(from_b.is_empty(), "B advertised: {from_b:?}");
    }

    /// Step 2: no goodbye, B waits its master-down interval from A's last
    /// advert; C's neighbour entry follows B's gratuitous ARP / NA. Returns
    /// the times from the signal and from A's last advert to B holding the
    /// VIP, and from the signal to C's entry moving.
    fn crash(&self, on_a: &mut Proc) -> (Duration, Duration, Duration) {
        let vip = self.case.vip();
        let rfc = self.case.master_down(100);
        let since = SystemTime::now();
        let took = self.stop_a(on_a, Kill::Group(Signal::SIGKILL), rfc + SLACK);
        self.measured("sigkill->backup_holds_vip", took, Expect::AtMost(rfc));
        let last = self.capture.last_before(self.src_a, since + took);
        let last = last.unwrap_or_else(|| panic!("no advert from A before the crash"));
        let silence = (since + took).duration_since(last.at).unwrap_or_default();
        let what = "sigkill:last_advert->backup_holds_vip";
        self.measured(what, silence, Expect::Rfc(rfc));
        assert!(
            silence >= self.case.advert * 3,
            "B took over {silence:?} after A's last advert: it did not hear A"
        );
        if self.a.has_address(vip) {
            say(&format!(
                "OBSERVED {} {}: after SIGKILL the dead master still has the VIP on eth0 \
                 (nobody removed it) until its daemon restarts",
                self.daemons, self.label
            ));
        }
        let b_mac = Some(self.b.mac());
        let moved = wait_for(Duration::from_secs(3), || {
            self.c.neighbour_mac(vip).as_deref() == b_mac
        });
        let moved = moved.unwrap_or_else(|| panic!("C has {:?}", self.c.neighbour_mac(vip)));
        let what = "sigkill->client_neighbour_is_backup(poll)";
        self.measured(what, took + moved, Expect::Nothing);
        (took, silence, took + moved)
    }

    /// Step 4: priority 0 on the wire, the VIP gone from A, B waits only its
    /// Skew_Time. Returns the times from the signal and from the priority 0
    /// advert to B holding the VIP, and from the signal to A dropping it.
    fn clean_stop(&self, on_a: &mut Proc) -> (Duration, Duration, Duration) {
        let vip = self.case.vip();
        let rfc = self.case.skew(100);
        let since = SystemTime::now();
        let took = self.stop_a(on_a, Kill::Main(Signal::SIGTERM), rfc + SLACK_GOODBYE);
        self.measured("sigterm->backup_holds_vip", took, Expect::AtMost(rfc));
        let released = self.watch_a.wait(vip, false, since, Duration::from_secs(3));
        let released = released.unwrap_or_else(|| panic!("A kept the VIP after SIGTERM"));
        assert!(!self.a.has_address(vip), "A has the VIP again");
        self.measured("sigterm->master_releases_vip", released, Expect::Nothing);
        let goodbye = self.capture.from(self.src_a, since, since + took);
        let goodbye = goodbye.iter().find(|advert| advert.priority == 0);
        let goodbye = goodbye.unwrap_or_else(|| panic!("A sent no priority 0 on SIGTERM"));
        let after = (since + took)
            .duration_since(goodbye.at)
            .unwrap_or_default();
        self.measured(
            "sigterm:priority0->backup_holds_vip",
            after,
            Expect::Rfc(rfc),
        );
        (took, after, released)
    }

    /// Step 5: SIGKILL to the main process alone; says whether A still got
    /// a priority 0 out; returns the takeover time and whether it did.
    fn kill_main_process(&self, on_a: &mut Proc) -> (Duration, bool) {
        let rfc = self.case.master_down(100);
        let since = SystemTime::now();
        let took = self.stop_a(on_a, Kill::Main(Signal::SIGKILL), rfc + SLACK);
        let goodbye = self.capture.from(self.src_a, since, since + took);
        let goodbye = goodbye.iter().any(|advert| advert.priority == 0);
        let said = if goodbye { "priority0_sent" } else { "silent" };
        let what = format!("sigkill_main_only({said})->backup_holds_vip");
        self.measured(&what, took, Expect::Nothing);
        (took, goodbye)
    }

    /// Stops A's daemon with `kill` and returns how long until B held the
    /// VIP; asserts that was within `limit` and the daemon exited, and waits
    /// for the capture to hold the adverts up to the takeover.
    fn stop_a(&self, on_a: &mut Proc, kill: Kill, limit: Duration) -> Duration {
        let vip = self.case.vip();
        let since = SystemTime::now();
        match kill {
            Kill::Main(signal) => on_a.kill(signal),
            Kill::Group(signal) => on_a.kill_group(signal),
        }
        let took = self
            .watch_b
            .wait(vip, true, since, limit + Duration::from_secs(3));
        let took = took.unwrap_or_else(|| panic!("after {kill:?} B never took the VIP"));
        assert!(
            took < limit,
            "after {kill:?} B took {took:?} to take the VIP; limit {limit:?}"
        );
        let exited = on_a.wait_exit(Duration::from_secs(5));
        assert!(exited.is_some(), "A's daemon survived {kill:?}");
        let caught_up = self.capture.catch_up(since + took);
        assert!(caught_up, "no adverts after the takeover");
        took
    }

    /// Steps 3 and 5: starts A's daemon again and waits for it to take the
    /// VIP back, and for B to let go.
    fn restart(&self) -> Proc {
        let vip = self.case.vip();
        let since = SystemTime::now();
        let on_a = self.daemon_a.start(&self.a, &self.config_a);
        let limit = self.case.master_down(150) + SLACK;
        let took = self.watch_a.wait(vip, true, since, limit);
        let took = took.unwrap_or_else(|| panic!("A did not preempt:\n{}", on_a.log()));
        self.measured("restart->master_holds_vip", took, Expect::Nothing);
        let released = self.watch_b.wait(vip, false, since, limit);
        let released = released.unwrap_or_else(|| panic!("B kept the VIP after A came back"));
        self.measured("restart->backup_releases_vip", released, Expect::Nothing);
        on_a
    }
}

/// The source address of host `n`'s adverts for `case`.
fn src(case: Case, n: u8) -> IpAddr {
    if case.ipv6 {
        IpAddr::from([0xfe80, 0, 0, 0, 0, 0, 0, u16::from(n)])
    } else {
        IpAddr::from([192, 0, 2, n])
    }
}

/// `&str`s of `strings`.
fn strs(strings: &[String]) -> Vec<&str> {
    strings.iter().map(String::as_str).collect()
}
