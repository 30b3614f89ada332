//! What the VIP's clients see, ours and keepalived side by side: the seed's
//! pair (lb1 priority 100, lb2 98, `killall -0 haproxy` with a weight above
//! the gap, real HAProxy on both) and a client that pings the VIP every
//! 10 ms and opens a TCP connection through it to HAProxy every 10 ms
//! ([`lab::probe`]). Each event is counted in its own window: the lost pings
//! and the failed connections from the event until the pair has had time to
//! settle (twice the backup's Master_Down_Interval, plus a check interval
//! and a second) and the client is served again; putting the pair back
//! afterwards is not counted.
//!
//! Events: the master's daemon SIGKILLed; started again with the stale VIP
//! still on its interface; SIGTERM; HAProxy killed on the master; the
//! master's link down; the master cut off, then the partition healed;
//! SIGHUP with an unchanged configuration while 255 instances run.
//!
//! `availability_in_ci` runs each event once at VRRPv3 0.1 s against ours
//! and keepalived 2.2.7, prints the table, and holds ours to the goals that
//! do not depend on timing noise: no lost ping and no failed connection on
//! SIGTERM and on SIGHUP. The README's table comes from
//! `availability_table` (ignored: about 20 minutes):
//!
//! ```sh
//! AVAILABILITY_RUNS=5 cargo test --release --test availability -- --ignored --nocapture
//! ```
//!
//! `AVAILABILITY_EVENTS=sigterm,partition` runs a subset (keys in
//! [`Event::key`]).

use vrrp_lab as lab;

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use lab::keepalived::{Config, Instance, Script, State};
use lab::probe::Probes;
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, Proc, Signal, haproxy, say};

const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));
const PORT: u16 = 80;
/// After the pair is back, before the next event: a new Master announces
/// its VIPs again 5 s after it took over (keepalived's `garp_master_delay`,
/// ours too), and Linux ignores an announcement that comes within 1 s
/// (`locktime`) of the one before; an event inside that time would be
/// measured against the last one's leftovers.
const QUIET: Duration = Duration::from_secs(6);
/// How long an event may keep the client from being served, and the pair
/// from coming back, before the run fails: a client that followed a Master
/// which then let go waits for its ARP entry to go stale (15 to 45 s).
const RECOVERY: Duration = Duration::from_secs(60);
/// Instances while the SIGHUP row runs.
const LARGE: u8 = 255;

/// One configuration of the pair.
#[derive(Clone, Copy, Debug)]
struct Setting {
    label: &'static str,
    version: u8,
    advert: Duration,
    /// The track script's interval, seconds.
    check: u32,
}

/// The seed's own: VRRPv2, advert_int 1, the check every 2 s.
const V2_1S: Setting = Setting {
    label: "VRRPv2 advert_int 1",
    version: 2,
    advert: Duration::from_secs(1),
    check: 2,
};

/// Fast: VRRPv3, advert_int 0.1, the check every second.
const V3_100MS: Setting = Setting {
    label: "VRRPv3 advert_int 0.1",
    version: 3,
    advert: Duration::from_millis(100),
    check: 1,
};

impl Setting {
    /// Master_Down_Interval of the backup (98).
    fn master_down(&self) -> Duration {
        let skew = if self.version == 2 {
            Duration::from_secs(1) * 158 / 256
        } else {
            self.advert * 158 / 256
        };
        self.advert * 3 + skew
    }

    /// How long an event's window lasts.
    fn window(&self) -> Duration {
        self.master_down() * 2 + Duration::from_secs(u64::from(self.check) + 1)
    }

    /// lb1's (`master`) or lb2's configuration; with `large`, 254 more
    /// instances (VIPs in 198.18.0.0/15) beside the seed's.
    fn config(&self, master: bool, large: bool) -> String {
        let (name, priority, state) = if master {
            ("lb1", 100, State::Master)
        } else {
            ("lb2", 98, State::Backup)
        };
        let instance = |vrid: u8, vip: String| {
            let mut instance = Instance::new(&format!("VI_{vrid}"), vrid)
                .priority(priority)
                .advert_int(self.advert)
                .version(self.version)
                .state(state)
                .vip(&vip);
            if self.version == 2 {
                instance = instance.auth_pass("lab-pass");
            }
            instance
        };
        let check = Script::haproxy_check(self.check).weight(5);
        let seed = instance(51, "192.0.2.100/24".into()).track_script(check.name());
        let mut config = Config::new(name).script(check).instance(seed);
        if large {
            for vrid in (1..=LARGE).filter(|&v| v != 51) {
                config = config.instance(instance(vrid, format!("198.18.0.{vrid}/15")));
            }
        }
        config.to_string()
    }
}

/// The events, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    SigKill,
    RestartWithStaleVip,
    SigTerm,
    HaproxyKilled,
    LinkDown,
    PartitionHealed,
    SighupLarge,
}

const EVENTS: [Event; 7] = [
    Event::SigKill,
    Event::RestartWithStaleVip,
    Event::SigTerm,
    Event::HaproxyKilled,
    Event::LinkDown,
    Event::PartitionHealed,
    Event::SighupLarge,
];

impl Event {
    /// Its name in `AVAILABILITY_EVENTS` (a comma-separated subset to run).
    fn key(self) -> &'static str {
        match self {
            Self::SigKill => "sigkill",
            Self::RestartWithStaleVip => "stale",
            Self::SigTerm => "sigterm",
            Self::HaproxyKilled => "haproxy",
            Self::LinkDown => "link",
            Self::PartitionHealed => "partition",
            Self::SighupLarge => "sighup",
        }
    }

    /// Whether `AVAILABILITY_EVENTS` (unset: all) selects it. The stale-VIP
    /// restart needs the SIGKILL before it.
    fn selected(self) -> bool {
        let Ok(list) = std::env::var("AVAILABILITY_EVENTS") else {
            return true;
        };
        let on = |e: Self| list.split(',').any(|k| k.trim() == e.key());
        on(self) || (self == Self::SigKill && on(Self::RestartWithStaleVip))
    }

    fn label(self) -> &'static str {
        match self {
            Self::SigKill => "master's daemon SIGKILLed",
            Self::RestartWithStaleVip => "restarted, stale VIP on eth0",
            Self::SigTerm => "SIGTERM",
            Self::HaproxyKilled => "HAProxy killed on the master",
            Self::LinkDown => "master's link down",
            Self::PartitionHealed => "master cut off, then healed",
            Self::SighupLarge => "SIGHUP, unchanged, 255 instances",
        }
    }
}

/// Lost pings and failed connections of one event, with what was sent.
#[derive(Clone, Copy, Debug, Default)]
struct Loss {
    pings_lost: usize,
    pings: usize,
    connects_failed: usize,
    connects: usize,
}

/// The pair, the client and the probes for one daemon and one setting.
struct Pair<'lab> {
    setting: Setting,
    daemon: &'lab Daemon,
    lb1: Host<'lab>,
    lb2: Host<'lab>,
    client: Host<'lab>,
    haproxy: Option<Proc>,
    _haproxy_lb2: Proc,
    on_lb1: Option<Proc>,
    on_lb2: Option<Proc>,
    large: bool,
}

impl<'lab> Pair<'lab> {
    fn new(lab: &'lab Lab, setting: Setting, daemon: &'lab Daemon) -> Self {
        let lb1 = lab.host("lb1", &["192.0.2.1/24"]);
        let lb2 = lab.host("lb2", &["192.0.2.2/24"]);
        let client = lab.host("client", &["192.0.2.3/24"]);
        Self {
            setting,
            daemon,
            haproxy: Some(haproxy::start(&lb1, PORT)),
            _haproxy_lb2: haproxy::start(&lb2, PORT),
            lb1,
            lb2,
            client,
            on_lb1: None,
            on_lb2: None,
            large: false,
        }
    }

    /// Starts (or restarts) the daemon on lb1.
    fn start_lb1(&mut self) {
        remove_pid_files(&self.lb1);
        let config = self.setting.config(true, self.large);
        self.on_lb1 = Some(self.daemon.start(&self.lb1, &config));
    }

    /// Both daemons, lb1 first; waits until lb1 holds the VIP, lb2 has
    /// heard it, and the client reaches the VIP.
    fn start(&mut self, large: bool) -> Result<(), String> {
        self.large = large;
        self.start_lb1();
        let held = wait_for(Duration::from_secs(15), || self.lb1.has_address(VIP));
        if held.is_none() {
            return Err(format!(
                "{}: lb1 never took the VIP; the end of its log:\n{}",
                self.daemon.name(),
                tail(&self.log_lb1(), 30)
            ));
        }
        remove_pid_files(&self.lb2);
        let config = self.setting.config(false, large);
        self.on_lb2 = Some(self.daemon.start(&self.lb2, &config));
        std::thread::sleep(self.setting.master_down() + self.setting.advert);
        self.settled()
    }

    /// Stops both daemons (SIGTERM, each process).
    fn stop(&mut self) {
        for daemon in [self.on_lb1.take(), self.on_lb2.take()]
            .into_iter()
            .flatten()
        {
            let mut daemon = daemon;
            daemon.kill_group(Signal::SIGTERM);
            let _ = daemon.wait_exit(Duration::from_secs(5));
        }
    }

    fn log_lb1(&self) -> String {
        self.on_lb1.as_ref().map(Proc::log).unwrap_or_default()
    }

    /// Waits until lb1 alone holds the VIP and the client reaches HAProxy
    /// through it, then [`QUIET`]: each event starts from a steady state.
    fn settled(&self) -> Result<(), String> {
        let timeout = self.setting.window() + RECOVERY;
        let settled = wait_for(timeout, || {
            self.lb1.has_address(VIP)
                && !self.lb2.has_address(VIP)
                && self.client.tcp_connect(VIP, PORT)
        });
        if settled.is_none() {
            return Err(format!(
                "{}: the VIP did not come back to lb1 alone within {timeout:?}; \
                 the end of lb1's log:\n{}",
                self.daemon.name(),
                tail(&self.log_lb1(), 30)
            ));
        }
        std::thread::sleep(QUIET);
        Ok(())
    }

    /// Causes `event`; returns the window to count in. [`Pair::restore`]
    /// puts the pair back afterwards.
    fn cause(&mut self, event: Event, lab: &Lab) -> Result<(SystemTime, SystemTime), String> {
        let window = self.setting.window();
        let from = SystemTime::now();
        match event {
            Event::SigKill => {
                let mut on_lb1 = self.on_lb1.take().expect("lb1 runs");
                on_lb1.kill_group(Signal::SIGKILL);
                let _ = on_lb1.wait_exit(Duration::from_secs(3));
            }
            Event::RestartWithStaleVip => {
                assert!(
                    self.lb1.has_address(VIP),
                    "no stale VIP after SIGKILL: nothing to measure"
                );
                self.start_lb1();
            }
            Event::SigTerm => {
                let mut on_lb1 = self.on_lb1.take().expect("lb1 runs");
                on_lb1.kill_group(Signal::SIGTERM);
                let _ = on_lb1.wait_exit(Duration::from_secs(5));
            }
            Event::HaproxyKilled => {
                let haproxy = self.haproxy.take().expect("HAProxy runs on lb1");
                haproxy.kill(Signal::SIGKILL);
            }
            Event::LinkDown => self.lb1.link_set(false),
            Event::PartitionHealed => {
                lab.cut(&self.lb1, true);
                std::thread::sleep(self.setting.master_down() + self.setting.advert * 2);
                lab.cut(&self.lb1, false);
            }
            Event::SighupLarge => self.on_lb1.as_ref().expect("lb1 runs").kill(Signal::SIGHUP),
        }
        std::thread::sleep(window);
        // Counted until the client gets through again, however long that
        // takes (up to RECOVERY): a blackhole past the window is the event's.
        let served = wait_for(RECOVERY, || self.client.tcp_connect(VIP, PORT));
        if served.is_none() {
            return Err(format!(
                "{}: {}: the client was not served for {RECOVERY:?}",
                self.daemon.name(),
                event.label()
            ));
        }
        Ok((from, SystemTime::now()))
    }

    /// Puts the pair back as it was before `event`.
    fn restore(&mut self, event: Event) -> Result<(), String> {
        match event {
            Event::SigKill => return Ok(()), // the next event restarts it
            Event::SigTerm => self.start_lb1(),
            Event::HaproxyKilled => self.haproxy = Some(haproxy::start(&self.lb1, PORT)),
            Event::LinkDown => self.lb1.link_set(true),
            Event::RestartWithStaleVip | Event::PartitionHealed | Event::SighupLarge => {}
        }
        self.settled()
    }
}

/// The last `lines` lines of `log`.
fn tail(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// keepalived refuses to start while its pid files name a live process; a
/// SIGKILLed one leaves them behind, and PIDs are reused in a host's own
/// PID namespace.
fn remove_pid_files(host: &Host<'_>) {
    for file in ["keepalived.pid", "vrrp.pid", "checkers.pid"] {
        let _ = std::fs::remove_file(host.dir().join(file));
    }
}

/// How one event ended: what the client lost, or why the pair did not come
/// back to a steady state (then nothing after it was measured).
type Outcome = Result<Loss, String>;

/// Runs every event `runs` times for `daemon` at `setting`; the outcomes per
/// event, in [`EVENTS`] order. The first event the pair does not come back
/// from ends the run: whatever came after it would start from an unknown
/// state.
fn measure(
    test: &str,
    setting: Setting,
    daemon: &Daemon,
    runs: usize,
) -> Option<Vec<Vec<Outcome>>> {
    let lab = Lab::new(test)?;
    let mut pair = Pair::new(&lab, setting, daemon);
    let probes = Probes::start(&pair.client, VIP, PORT);
    let mut outcomes = vec![Vec::new(); EVENTS.len()];
    let run = |pair: &mut Pair<'_>, event: Event| -> Outcome {
        let (from, to) = pair.cause(event, &lab)?;
        pair.restore(event)?;
        Ok(count(&probes, from, to))
    };
    let small = EVENTS.iter().filter(|&&e| e != Event::SighupLarge);
    let phases: [(bool, Vec<Event>); 2] = [
        (false, small.copied().filter(|e| e.selected()).collect()),
        (
            true,
            [Event::SighupLarge]
                .into_iter()
                .filter(|e| e.selected())
                .collect(),
        ),
    ];
    'phases: for (large, events) in phases {
        if events.is_empty() {
            continue;
        }
        if let Err(why) = pair.start(large) {
            outcomes[EVENTS
                .iter()
                .position(|&e| e == events[0])
                .expect("an event")]
            .push(Err(why));
            break;
        }
        for _ in 0..runs {
            for &event in &events {
                let outcome = run(&mut pair, event);
                let failed = outcome.is_err();
                outcomes[EVENTS.iter().position(|&e| e == event).expect("an event")].push(outcome);
                if failed {
                    break 'phases;
                }
            }
        }
        pair.stop();
    }
    pair.stop();
    Some(outcomes)
}

fn count(probes: &Probes, from: SystemTime, to: SystemTime) -> Loss {
    let (pings_lost, pings) = probes.lost_pings(from, to);
    let (connects_failed, connects) = probes.failed_connections(from, to);
    assert!(
        pings > 0 && connects > 0,
        "the probes sent nothing in the window"
    );
    Loss {
        pings_lost,
        pings,
        connects_failed,
        connects,
    }
}

/// Each run's value (`x` where the pair did not come back) and the median
/// of the measured ones: `**3** (3 2 4)`.
fn cell(outcomes: &[Outcome], value: impl Fn(&Loss) -> usize) -> String {
    let mut sorted: Vec<usize> = outcomes.iter().flatten().map(&value).collect();
    sorted.sort_unstable();
    let median = sorted
        .get(sorted.len() / 2)
        .map_or("x".to_string(), usize::to_string);
    if outcomes.len() == 1 {
        return median;
    }
    let each: Vec<String> = outcomes
        .iter()
        .map(|o| o.as_ref().map_or("x".to_string(), |l| value(l).to_string()))
        .collect();
    format!("**{median}** ({})", each.join(" "))
}

/// The markdown table of one setting: per event, ours and keepalived's lost
/// pings and failed connections; below it, why a pair did not come back.
fn table(setting: Setting, ours: &[Vec<Outcome>], theirs: &[Vec<Outcome>], name: &str) -> String {
    let mut out = format!(
        "\n{} (window {:.1} s per event; lost pings / failed TCP connects, median (each run))\n",
        setting.label,
        setting.window().as_secs_f64()
    );
    if let Some(Ok(first)) = ours.iter().flatten().next() {
        let _ = writeln!(
            out,
            "(a window holds about {} pings and {} connects)",
            first.pings, first.connects
        );
    }
    let _ = write!(
        out,
        "\n| event | vrrp-rs pings | {name} pings | vrrp-rs connects | {name} connects |\n\
         |---|---|---|---|---|\n"
    );
    for (k, event) in EVENTS.iter().enumerate() {
        if ours[k].is_empty() && theirs[k].is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            event.label(),
            cell(&ours[k], |l| l.pings_lost),
            cell(&theirs[k], |l| l.pings_lost),
            cell(&ours[k], |l| l.connects_failed),
            cell(&theirs[k], |l| l.connects_failed)
        );
    }
    for why in ours
        .iter()
        .chain(theirs)
        .flatten()
        .filter_map(|o| o.as_ref().err())
    {
        let _ = writeln!(out, "\nx: {why}");
    }
    out
}

/// Ours: back to a steady state after every event, and nothing lost on
/// SIGTERM or SIGHUP.
fn assert_goals(setting: Setting, ours: &[Vec<Outcome>]) {
    for (k, outcome) in ours.iter().enumerate() {
        for outcome in outcome {
            let loss = match outcome {
                Ok(loss) => loss,
                Err(why) => panic!("{}: {why}", setting.label),
            };
            let goal = [Event::SigTerm, Event::SighupLarge].contains(&EVENTS[k]);
            assert!(
                !goal || (loss.pings_lost == 0 && loss.connects_failed == 0),
                "{}: {}: {loss:?}",
                setting.label,
                EVENTS[k].label()
            );
        }
    }
}

#[test]
fn availability_in_ci() {
    let setting = V3_100MS;
    let Some(ours) = measure("availability_ours", setting, &Daemon::ours(), 1) else {
        return;
    };
    let keepalived = Daemon::Keepalived;
    let Some(theirs) = measure("availability_keepalived", setting, &keepalived, 1) else {
        return;
    };
    say(&table(setting, &ours, &theirs, "keepalived 2.2.7"));
    assert_goals(setting, &ours);
}

#[test]
#[ignore = "about 20 minutes: the README's table (AVAILABILITY_RUNS, default 5)"]
fn availability_table() {
    let runs = std::env::var("AVAILABILITY_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    for setting in [V2_1S, V3_100MS] {
        let Some(ours) = measure("avail_table_ours", setting, &Daemon::ours(), runs) else {
            return;
        };
        let keepalived = Daemon::Keepalived;
        let Some(theirs) = measure("avail_table_ka", setting, &keepalived, runs) else {
            return;
        };
        say(&table(setting, &ours, &theirs, "keepalived 2.2.7"));
        assert_goals(setting, &ours);
    }
}
