//! What the fault matrix, the bad-packet tests, the config rejection tests
//! and the soak share, on top of the lab (`vrrp-lab`): our daemon with a
//! status file of its own per host, its JSON status, a three-host segment
//! (A priority 150, B 100, a client C), VIP timelines, advert gaps, RSS, and
//! the raw-socket injector ([`inject`]).
//!
//! Everything runs OUR daemon (`Daemon::ours()`), VRRPv3 over IPv4 unless a
//! test says otherwise, VIP 192.0.2.100/24 on VRID 51.

#![allow(dead_code, unreachable_pub)]

pub mod inject;
pub mod timeline;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::lab::capture::{Advert, AdvertCapture};
use crate::lab::keepalived::{Config, Instance, State};
use crate::lab::scenario::Case;
use crate::lab::watch::{AddressMonitor, wait_for};
use crate::lab::{Daemon, Host, Lab, Proc, say};

/// The virtual address every test moves.
pub const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));

/// Host `n`'s address (A = 1, B = 2, C = 3).
pub fn addr(n: u8) -> IpAddr {
    IpAddr::from([192, 0, 2, n])
}

/// Where our daemon on `host` reads its configuration.
pub fn config_path(host: &Host<'_>) -> PathBuf {
    host.dir().join("vrrp-rs.conf")
}

/// Where our daemon on `host` writes its SIGUSR1 status.
pub fn status_path(host: &Host<'_>) -> PathBuf {
    crate::lab::status_path(host.dir())
}

/// Starts our daemon on `host` with `config` (written to [`config_path`]),
/// its status file in the host's directory, and `extra` arguments.
pub fn start(host: &Host<'_>, config: &str, extra: &[&str]) -> Proc {
    start_as(host, &[], config, extra)
}

/// [`start`] through `wrapper` (`setpriv ...`): the daemon's command line
/// follows the wrapper's.
pub fn start_as(host: &Host<'_>, wrapper: &[&str], config: &str, extra: &[&str]) -> Proc {
    let Daemon::Ours(program) = Daemon::ours() else {
        unreachable!("Daemon::ours is ours")
    };
    assert!(
        program.exists(),
        "our daemon is not built at {}: run `cargo build --example keepalive-haproxy`",
        program.display()
    );
    let path = config_path(host);
    std::fs::write(&path, config).expect("write the daemon's config");
    let (program, path, status) = (
        program.display().to_string(),
        path.display().to_string(),
        status_path(host).display().to_string(),
    );
    let tmpdir = crate::lab::daemon::dumps_in(host.dir());
    let mut argv = vec!["env", tmpdir.as_str()];
    argv.extend_from_slice(wrapper);
    // Its own pid file: the default in /run is shared by every host.
    let pid = host.dir().join("keepalived.pid").display().to_string();
    argv.extend([
        program.as_str(),
        "-f",
        &path,
        "--status-file",
        &status,
        "-p",
        &pid,
    ]);
    argv.extend_from_slice(extra);
    host.spawn("vrrp-rs", &argv)
}

/// [`start`], then waits until the daemon runs its loop (its signal
/// handlers are in place: before that, SIGUSR1 would kill it).
pub fn start_running(host: &Host<'_>, config: &str, extra: &[&str]) -> Proc {
    start_running_as(host, &[], config, extra)
}

/// [`start_as`], then waits until the daemon runs its loop.
pub fn start_running_as(host: &Host<'_>, wrapper: &[&str], config: &str, extra: &[&str]) -> Proc {
    let daemon = start_as(host, wrapper, config, extra);
    let running = daemon.wait_log("running instances", Duration::from_secs(5));
    assert!(
        running.is_some(),
        "our daemon does not run:\n{}",
        daemon.log()
    );
    daemon
}

/// SIGUSR1 to our daemon, then its JSON status: the lab's.
pub use crate::lab::status;

/// The instance called `name` in a status.
pub fn instance<'s>(status: &'s serde_json::Value, name: &str) -> &'s serde_json::Value {
    status["instances"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["name"] == name))
        .unwrap_or_else(|| panic!("no instance {name} in {status:#}"))
}

/// A counter of instance `name` (`stats.<counter>`).
pub fn counter(status: &serde_json::Value, name: &str, counter: &str) -> u64 {
    instance(status, name)["stats"][counter]
        .as_u64()
        .unwrap_or_else(|| panic!("no counter {counter} in {status:#}"))
}

/// `MASTER`, `BACKUP`, `FAULT` or `INIT` of instance `name`.
pub fn state(status: &serde_json::Value, name: &str) -> String {
    instance(status, name)["state"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// State changes of instance `name` so far (startup included).
pub fn transitions(status: &serde_json::Value, name: &str) -> u64 {
    instance(status, name)["transitions"].as_u64().unwrap_or(0)
}

/// Writes an executable shell script `name` (mode 0755) into `host`'s
/// directory and returns its path.
pub fn write_script(host: &Host<'_>, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = host.dir().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).expect("write a script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// The resident set size of `pid` in kB (`VmRSS` in /proc/PID/status).
pub fn rss_kb(pid: nix::unistd::Pid) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Prints `MEASURED <row>: <text>`.
pub fn measured(row: &str, text: &str) {
    say(&format!("MEASURED {row}: {text}"));
}

/// Seconds with milliseconds, for MEASURED lines.
pub fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// The usual segment: A (192.0.2.1, priority 150, `state MASTER`), B
/// (192.0.2.2, 100, `state BACKUP`), client C (192.0.2.3), VRRPv3 at
/// `case.advert`; address monitors on A and B, a capture of A's and B's
/// adverts.
pub struct Trio<'lab> {
    pub lab: &'lab Lab,
    pub case: Case,
    pub a: Host<'lab>,
    pub b: Host<'lab>,
    pub c: Host<'lab>,
    pub watch_a: AddressMonitor,
    pub watch_b: AddressMonitor,
    pub capture: AdvertCapture,
}

/// A's priority in a [`Trio`].
pub const PRIORITY_A: u8 = 150;
/// B's priority in a [`Trio`].
pub const PRIORITY_B: u8 = 100;
/// The instance name [`Case::instance`] gives.
pub const NAME: &str = "VI_51";

impl<'lab> Trio<'lab> {
    /// Plugs in A, B and C and starts watching; no daemon yet.
    pub fn new(lab: &'lab Lab, advert: Duration) -> Self {
        let a = lab.host("a", &["192.0.2.1/24"]);
        let b = lab.host("b", &["192.0.2.2/24"]);
        let c = lab.host("c", &["192.0.2.3/24"]);
        Self {
            lab,
            case: Case::v3_ipv4(advert),
            watch_a: a.monitor_addresses(),
            watch_b: b.monitor_addresses(),
            capture: lab.capture_adverts_matching(
                "adverts-ab",
                "ip proto 112 and (src host 192.0.2.1 or src host 192.0.2.2)",
            ),
            a,
            b,
            c,
        }
    }

    /// A's config: [`PRIORITY_A`], `state MASTER`, with `extra` text
    /// (scripts, say) and the instance changed by `tweak`.
    pub fn config_a(&self, tweak: impl FnOnce(Instance) -> Instance, extra: &str) -> String {
        let instance = tweak(self.case.instance(PRIORITY_A).state(State::Master));
        format!("{extra}{}", Config::new("a").instance(instance))
    }

    /// B's config: [`PRIORITY_B`], `state BACKUP`.
    pub fn config_b(&self, tweak: impl FnOnce(Instance) -> Instance, extra: &str) -> String {
        let instance = tweak(self.case.instance(PRIORITY_B).state(State::Backup));
        format!("{extra}{}", Config::new("b").instance(instance))
    }

    /// Starts A, waits for it to hold the VIP, then B, and waits until B is
    /// a Backup that has heard A; the client C has learnt A's MAC for the
    /// VIP. Returns both daemons.
    pub fn elect(&self, config_a: &str, config_b: &str) -> (Proc, Proc) {
        let on_a = start_running(&self.a, config_a, &[]);
        let took = wait_for(Duration::from_secs(10), || self.a.has_address(VIP));
        assert!(took.is_some(), "A never took the VIP:\n{}", on_a.log());
        let on_b = start_running(&self.b, config_b, &[]);
        let heard = wait_for(Duration::from_secs(5), || {
            let status = status(&self.b, &on_b);
            let heard = counter(&status, NAME, "adverts_received") >= 2;
            // Not a status dump every 5 ms.
            std::thread::sleep(Duration::from_millis(20));
            state(&status, NAME) == "BACKUP" && heard
        });
        assert!(heard.is_some(), "B never heard A:\n{}", on_b.log());
        assert!(!self.b.has_address(VIP), "B holds the VIP beside A");
        self.client_reaches(&self.a);
        (on_a, on_b)
    }

    /// C pings the VIP and its neighbour entry for it is `host`'s MAC
    /// (within 3 s: after a takeover the new Master's announcement moves it).
    pub fn client_reaches(&self, host: &Host<'_>) -> Duration {
        self.client_reaches_within(host, Duration::from_secs(3))
    }

    /// [`client_reaches`](Self::client_reaches) within `timeout`.
    pub fn client_reaches_within(&self, host: &Host<'_>, timeout: Duration) -> Duration {
        let mut last = None;
        let took = wait_for(timeout, || {
            last = self.c.neighbour_mac(VIP);
            self.c.ping(VIP) && last.as_deref() == Some(host.mac())
        });
        took.unwrap_or_else(|| {
            panic!(
                "C does not reach the VIP at {}'s MAC {} within {timeout:?}: its entry says {last:?}",
                host.name(),
                host.mac()
            )
        })
    }

    /// Which of A and B hold the VIP now.
    pub fn holders(&self) -> (bool, bool) {
        (self.a.has_address(VIP), self.b.has_address(VIP))
    }

    /// The adverts `src` sent in `[from, to)` (waiting until the capture
    /// has caught up with `to`).
    pub fn adverts(&self, src: IpAddr, from: SystemTime, to: SystemTime) -> Vec<Advert> {
        self.capture.catch_up(to);
        self.capture.from(src, from, to)
    }

    /// Skew_Time + one advert interval of B: the bound within which two
    /// Masters must have become one after they hear each other again.
    pub fn one_interval_and_skew(&self) -> Duration {
        self.case.advert + self.case.skew(PRIORITY_B)
    }
}

/// The largest gap between consecutive adverts, and their number.
pub fn largest_gap(adverts: &[Advert]) -> (Duration, usize) {
    let gap = adverts
        .windows(2)
        .filter_map(|w| w[1].at.duration_since(w[0].at).ok())
        .max()
        .unwrap_or_default();
    (gap, adverts.len())
}

/// A small seeded random number generator (SplitMix64): reproducible runs
/// without a dependency. Print the seed; the same seed replays the run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A seed from the clock, for runs that are not replays.
    pub fn seed_from_time() -> u64 {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH);
        let nanos = now.map(|d| d.as_nanos()).unwrap_or_default();
        (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A duration in `[low, high)`.
    pub fn between(&mut self, low: Duration, high: Duration) -> Duration {
        let span = u64::try_from((high - low).as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        low + Duration::from_micros(self.below(span))
    }

    /// Fills `bytes` with random bytes.
    pub fn fill(&mut self, bytes: &mut [u8]) {
        for chunk in bytes.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}
