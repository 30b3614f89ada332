//! LAB: a throw-away Ethernet segment of network namespaces for end-to-end
//! tests of VRRP daemons, ours and keepalived alike.
//!
//! Its place (see ARCHITECTURE.md): `publish = false`, on `vrrp-core` and
//! `vrrp-io-linux`; the root package's tests, `vrrp-io-linux`'s namespace
//! tests (a dev-dependency cycle, which cargo allows) and the demonstration use it.
//!
//! ```text
//!   vlab-<pid>-<n>-a          vlab-<pid>-<n>-br            vlab-<pid>-<n>-b
//!  ┌───────────────┐        ┌───────────────────┐        ┌───────────────┐
//!  │ eth0 02:..:01 ├─veth───┤ p-a    br0    p-b ├───veth─┤ eth0 02:..:02 │
//!  │ pid ns (init) │        │ (no mcast snoop)  │        │ pid ns (init) │
//!  └───────────────┘        └───────────────────┘        └───────────────┘
//! ```
//!
//! - [`Lab::new`] makes the bridge namespace; [`Lab::host`] plugs in a host:
//!   its own network namespace with `eth0`, loopback up, the given addresses,
//!   MAC `02:00:00:00:00:NN` and link-local `fe80::NN` (NN = the host's
//!   number, 1 for the first host), IPv6 without duplicate address detection.
//! - Every host also has its own PID namespace, so `killall -0 haproxy` run by
//!   a daemon on host A sees A's processes only. [`Host::spawn`] and
//!   [`Host::exec`] run commands in both of the host's namespaces.
//! - [`Daemon`] starts keepalived or our daemon from the same keepalived.conf
//!   text; [`keepalived`] builds that text; [`haproxy`] runs a real HAProxy.
//! - [`watch`] measures: [`watch::wait_for`] polls, and
//!   [`watch::AddressMonitor`] timestamps address events as netlink reports
//!   them; [`capture`] timestamps every advert on the bridge (tcpdump).
//! - [`notify_fifo::NotifyFifo`] records what a notify FIFO gets.
//! - [`netlink_watch::NetlinkWatcher`] waits for the answers and
//!   notifications of netlink requests (`vrrp-io-linux`'s own tests).
//!
//! ```text
//! let Some(lab) = Lab::new("my_test") else { return }; // not root: SKIPPED
//! let a = lab.host("a", &["192.0.2.1/24"]);
//! let text = keepalived::Config::new("a").instance(Instance::new("VI_1", 51).vip("192.0.2.100/24"));
//! let on_a = Daemon::Keepalived.start(&a, &text.to_string()); // or Daemon::ours()
//! let took = watch::wait_for(Duration::from_secs(5), || a.has_address(vip));
//! on_a.kill(Signal::SIGTERM);
//! ```
//!
//! Clean-up: dropping a [`Host`] kills every process in its namespaces and
//! deletes them; dropping the [`Lab`] deletes the bridge and anything left
//! under its name, also while a test panics (then it prints the tail of every
//! log and keeps the lab's directory for a post-mortem). Namespaces left by a
//! test process that died without unwinding are swept by the next
//! [`Lab::new`]: names carry the creating pid, and a dead pid's namespaces go
//! (with the processes in them). A host's PID namespace dies with the test
//! process anyway: its init exits when its stdin, a pipe from the test, closes.
//!
//! Addresses: only 192.0.2.0/24, 198.18.0.0/15, 2001:db8::/32 and fe80::/64.

#![forbid(unsafe_code)]

pub mod capture;
pub mod daemon;
pub mod fdb;
pub mod haproxy;
mod host;
pub mod keepalived;
pub mod netlink_watch;
pub mod notify_fifo;
pub mod probe;
mod process;
pub mod scenario;
pub mod tools;
pub mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub use daemon::{Daemon, status, status_path};
pub use host::Host;
pub use nix::sys::signal::Signal;
pub use process::{Proc, state as process_state};

/// Every namespace and directory the harness makes starts with this.
pub const PREFIX: &str = "vlab";

/// Set (to anything) to keep every lab's directory, not only a failed one's.
pub const KEEP_ENV: &str = "VLAB_KEEP";

/// Labs made by this process so far; makes names unique across test threads.
static LABS: AtomicU32 = AtomicU32::new(0);

/// One Ethernet segment: a bridge in a namespace of its own, and the hosts
/// plugged into it (which borrow the lab, so they go first).
pub struct Lab {
    name: String,
    id: String,
    bridge_ns: String,
    dir: PathBuf,
    hosts: AtomicU8,
}

impl Lab {
    /// A new, empty segment for test `name`. `None` after a loud SKIPPED line
    /// when not root (outside CI; under `CI` it panics instead, since a
    /// skipped end-to-end test there would be a silent pass).
    pub fn new(name: &str) -> Option<Self> {
        if !nix::unistd::geteuid().is_root() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{name}: the lab tests need root, and CI must run them"
            );
            let missing = tools::missing_packages();
            let missing = if missing.is_empty() {
                String::new()
            } else {
                format!(" (and {} to install)", missing.join(" "))
            };
            say(&format!(
                "\n*** SKIPPED: needs root{missing}: {name} builds network namespaces; run `cargo test` as root (CI does) ***\n"
            ));
            return None;
        }
        // Missing programs: the tests that run them fail and say which.
        let _ = tools::ensure();
        sweep_stale();
        let n = LABS.fetch_add(1, Ordering::Relaxed);
        let id = format!("{PREFIX}-{}-{n}", std::process::id());
        let dir = std::env::temp_dir().join(&id);
        std::fs::create_dir_all(&dir).expect("lab directory");
        std::fs::write(dir.join("test-name"), name).expect("lab directory");
        let lab = Self {
            name: name.to_owned(),
            bridge_ns: format!("{id}-br"),
            id,
            dir,
            hosts: AtomicU8::new(0),
        };
        ip(&["netns", "add", &lab.bridge_ns]);
        // No multicast snooping: every port hears 224.0.0.18 and ff02::12 at
        // once, without waiting for IGMP/MLD state.
        let br = &lab.bridge_ns;
        ip(&[
            "-n",
            br,
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "0",
        ]);
        ip(&["-n", br, "link", "set", "br0", "up"]);
        Some(lab)
    }

    /// Plugs host `name` (lowercase letters and digits, at most 10) into the
    /// segment with `addresses` (`"192.0.2.1/24"`, `"2001:db8::1/64"`, ...)
    /// on its `eth0`, plus the link-local `fe80::NN/64`.
    pub fn host(&self, name: &str, addresses: &[&str]) -> Host<'_> {
        let index = self.hosts.fetch_add(1, Ordering::Relaxed) + 1;
        assert!(index < 255, "at most 254 hosts");
        Host::new(self, name, index, addresses)
    }

    /// Cuts (`true`) or heals (`false`) `host`'s bridge port without touching
    /// its carrier: the host still sees its link up but hears and reaches
    /// nobody (the port is disabled, STP state 0, instead of forwarding).
    pub fn cut(&self, host: &Host<'_>, cut: bool) {
        let state = if cut { "0" } else { "3" };
        let port = host.bridge_port();
        run(
            "bridge",
            &[
                "-n",
                &self.bridge_ns,
                "link",
                "set",
                "dev",
                &port,
                "state",
                state,
            ],
        );
    }

    /// Sets `host`'s bridge port down or up: the host loses or regains its
    /// carrier (its `eth0` goes `NO-CARRIER`), as when a cable is pulled.
    pub fn unplug(&self, host: &Host<'_>, unplug: bool) {
        let updown = if unplug { "down" } else { "up" };
        ip(&[
            "-n",
            &self.bridge_ns,
            "link",
            "set",
            &host.bridge_port(),
            updown,
        ]);
    }

    /// Starts capturing every VRRP packet on the bridge (tcpdump on `br0`).
    pub fn capture_adverts(&self) -> capture::AdvertCapture {
        capture::AdvertCapture::start(&self.bridge_ns, &self.dir)
    }

    /// Starts capturing every frame `host` sends into the bridge from
    /// source MAC `mac`, into `<lab dir>/frames-from-<host>-<mac>.log` (one
    /// file per MAC: two captures on one host must not share a log).
    pub fn capture_frames_from(&self, host: &Host<'_>, mac: &str) -> capture::FrameCapture {
        let name = format!("frames-from-{}-{}", host.name(), mac.replace(':', ""));
        capture::FrameCapture::start(&self.bridge_ns, &self.dir, &name, &host.bridge_port(), mac)
    }

    /// Samples where the bridge has learnt `mac` every 50 ms for `period`.
    pub fn sample_fdb(&self, mac: &str, period: Duration) -> Vec<fdb::FdbSample> {
        fdb::sample(&self.bridge_ns, mac, period, Duration::from_millis(50))
    }

    /// Starts capturing the VRRP packets on the bridge that tcpdump filter
    /// `filter` matches, into `<lab dir>/<name>.log`.
    pub fn capture_adverts_matching(&self, name: &str, filter: &str) -> capture::AdvertCapture {
        capture::AdvertCapture::start_matching(&self.bridge_ns, &self.dir, name, filter)
    }

    /// The test name given to [`Lab::new`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `vlab-<pid>-<n>`: the prefix of all of this lab's namespaces.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The bridge's namespace.
    pub fn bridge_ns(&self) -> &str {
        &self.bridge_ns
    }

    /// The lab's directory: one subdirectory per host with its configs and
    /// logs. Removed on drop unless the test panics or `VLAB_KEEP` is set.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every namespace whose name starts with this lab's id.
    pub fn namespaces(&self) -> Vec<String> {
        let prefix = format!("{}-", self.id);
        netns_list()
            .into_iter()
            .filter(|ns| ns.starts_with(&prefix))
            .collect()
    }

    /// Writes the last lines of every log under the lab's directory to stderr.
    pub fn dump_logs(&self) {
        let mut text = format!(
            "\n===== lab {} ({}) logs, in {} =====\n",
            self.name,
            self.id,
            self.dir.display()
        );
        for path in log_files(&self.dir) {
            let log = std::fs::read_to_string(&path).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(40)..];
            text += &format!("----- {} (last {} lines)\n", path.display(), tail.len());
            for line in tail {
                text += line;
                text.push('\n');
            }
        }
        say(&text);
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        if panicking {
            self.dump_logs();
        }
        // Hosts are gone already (they borrow the lab); this catches anything
        // a forgotten or leaked host left behind, then the bridge.
        for ns in self.namespaces() {
            remove_namespace(&ns);
        }
        if panicking {
            say(&format!(
                "lab {}: kept {} for a post-mortem",
                self.name,
                self.dir.display()
            ));
        } else {
            if std::env::var_os(KEEP_ENV).is_none() {
                let _ = std::fs::remove_dir_all(&self.dir);
            }
        }
    }
}

/// Writes `text` and a newline straight to stderr, past the test harness's
/// output capture: SKIPPED and MEASURED lines must show in every run.
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Runs `ip args`; panics with its stderr when it fails.
pub fn ip(args: &[&str]) -> String {
    run("ip", args)
}

/// Runs `program args`; panics with its stderr when it fails.
pub fn run(program: &str, args: &[&str]) -> String {
    let output = output(program, args);
    assert!(
        output.status.success(),
        "`{program} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// Runs `program args` and returns what happened, whatever it was.
pub fn output(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"))
}

/// Names of all network namespaces.
pub fn netns_list() -> Vec<String> {
    let Ok(list) = Command::new("ip").args(["netns", "list"]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Kills every process in namespace `ns` and deletes it. Never panics: it
/// runs in `Drop`, maybe while a test is already panicking.
fn remove_namespace(ns: &str) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let pids = netns_pids(ns);
        if pids.is_empty() || Instant::now() > deadline {
            break;
        }
        for pid in pids {
            let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = Command::new("ip").args(["netns", "del", ns]).output();
}

/// Processes whose network namespace is `ns`.
fn netns_pids(ns: &str) -> Vec<nix::unistd::Pid> {
    let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .map(nix::unistd::Pid::from_raw)
        .collect()
}

/// Removes `vlab-<pid>-...` namespaces (and their processes) whose creating
/// test process is gone: a run killed before its Drop guards ran.
fn sweep_stale() {
    for ns in netns_list() {
        let mut parts = ns.split('-');
        if parts.next() != Some(PREFIX) {
            continue;
        }
        let Some(pid) = parts.next().and_then(|pid| pid.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            remove_namespace(&ns);
        }
    }
}

/// Removes every namespace (and the processes in it) that process `pid`'s
/// labs made, live or not; how many it removed. For a process that must
/// clean up at once, without unwinding through its [`Lab`]s (a demo's second
/// Ctrl-C, say). Never panics.
pub fn remove_namespaces_of(pid: u32) -> usize {
    let prefix = format!("{PREFIX}-{pid}-");
    let mine: Vec<String> = netns_list()
        .into_iter()
        .filter(|ns| ns.starts_with(&prefix))
        .collect();
    for ns in &mine {
        remove_namespace(ns);
    }
    mine.len()
}

/// `*.log` files under `dir`, one level of subdirectories deep, sorted.
fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(dir) {
        dirs.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        found.extend(
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "log")),
        );
    }
    found.sort();
    found
}
