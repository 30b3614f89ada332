//! A throw-away LAN for the integration tests: network namespaces joined by
//! veth pairs to a bridge that lives in a namespace of its own, so nothing
//! touches the host's interfaces, addresses or sysctls.
//!
//! Names: every namespace is `vrrpio-<test>-<pid>[-<host>]`; inside a host
//! namespace the LAN interface is always `eth0`. Addresses come only from
//! 192.0.2.0/24, 2001:db8::/32 and the link-local fe80::/64 every IPv6
//! interface has (fixed ones, added with `nodad`, so tests never wait for
//! duplicate address detection).
//!
//! [`Lab`] deletes its namespaces on drop, so also when a test panics;
//! namespaces left by a killed test run are removed by the next run.

#![allow(dead_code, unreachable_pub)] // each test binary uses a different part

use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use mio::{Events, Interest, Poll, Token};
use nix::sched::CloneFlags;
use vrrp_io_linux::netlink::{NetEvent, Netlink, Seq};

const PREFIX: &str = "vrrpio";

/// Prints a loud SKIPPED line (past the test harness's output capture) and
/// returns true when the test cannot run because we are not root.
pub fn skip_unless_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return false;
    }
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: needs root: {test} builds network namespaces; run `cargo test` as root (CI does) ***\n"
    );
    true
}

/// Runs `ip` with `args`; panics with its stderr when it fails.
pub fn ip(args: &[&str]) -> String {
    run("ip", args)
}

/// Runs `sysctl -qw setting` inside namespace `ns`.
pub fn sysctl(ns: &str, setting: &str) {
    run("ip", &["netns", "exec", ns, "sysctl", "-qw", setting]);
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
    assert!(
        output.status.success(),
        "`{program} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// Runs `ip -j -n ns args` and parses its JSON.
pub fn ip_json(ns: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["-j", "-n", ns];
    all.extend_from_slice(args);
    let text = ip(&all);
    if text.trim().is_empty() {
        return serde_json::Value::Array(Vec::new());
    }
    serde_json::from_str(&text).expect("ip -j prints JSON")
}

/// Runs `f` on a thread that has entered network namespace `ns`; sockets
/// `f` opens stay in `ns` wherever they are used afterwards.
pub fn in_netns<T: Send>(ns: &str, f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let file = std::fs::File::open(format!("/run/netns/{ns}"))
                    .unwrap_or_else(|error| panic!("namespace {ns}: {error}"));
                nix::sched::setns(&file, CloneFlags::CLONE_NEWNET).expect("setns");
                f()
            })
            .join()
            .expect("namespace thread panicked")
    })
}

/// Polls `check` every 20 ms until it returns `Some`, for at most 3 s.
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `Netlink` in a mio loop, with the events it produced so far.
pub struct Watcher {
    poll: Poll,
    /// The handle, for sending requests.
    pub netlink: Netlink,
    seen: Vec<NetEvent>,
}

impl Watcher {
    pub fn new(netlink: Netlink) -> Self {
        let poll = Poll::new().unwrap();
        let mut watcher = Self {
            poll,
            netlink,
            seen: Vec::new(),
        };
        watcher
            .poll
            .registry()
            .register(&mut watcher.netlink, Token(0), Interest::READABLE)
            .unwrap();
        watcher
    }

    /// Runs the loop until an event matches `wanted` (3 s at most) and takes
    /// it out of `seen`. Other events stay: a notification can come before
    /// or after the ack of the request that caused it.
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&NetEvent) -> bool) -> NetEvent {
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut events = Events::with_capacity(8);
        loop {
            if let Some(at) = self.seen.iter().position(&wanted) {
                return self.seen.remove(at);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; saw {:?}",
                self.seen
            );
            self.poll.poll(&mut events, Some(left)).unwrap();
            self.netlink.poll_events(&mut self.seen).unwrap();
        }
    }

    /// Waits for the ack or error of request `seq`.
    pub fn wait_for_answer(&mut self, seq: Seq) -> NetEvent {
        self.wait_for(&format!("the answer to {seq}"), |event| {
            matches!(event, NetEvent::Ack { seq: s } | NetEvent::Error { seq: s, .. } if *s == seq)
        })
    }
}

/// One host on the lab's LAN.
#[derive(Debug, Clone)]
pub struct Host {
    /// Its network namespace.
    pub ns: String,
    /// `02:00:00:00:00:<n>`.
    pub mac: [u8; 6],
    /// `192.0.2.<n>/24`.
    pub ipv4: Ipv4Addr,
    /// `2001:db8::<n>/64`.
    pub ipv6: Ipv6Addr,
    /// `fe80::<n>/64`.
    pub link_local: Ipv6Addr,
}

impl Host {
    /// `mac` as `ip` prints it.
    pub fn mac_text(&self) -> String {
        self.mac.map(|b| format!("{b:02x}")).join(":")
    }
}

/// A bridge in its own namespace, plus hosts plugged into it.
pub struct Lab {
    base: String,
    switch: String,
    namespaces: Vec<String>,
}

impl Lab {
    /// A LAN for test `test` (letters, digits and `_` only).
    pub fn new(test: &str) -> Self {
        assert!(!test.contains('-'), "test names use _ so names parse");
        remove_stale_namespaces();
        let base = format!("{PREFIX}-{test}-{}", std::process::id());
        let mut lab = Self {
            switch: base.clone(),
            base,
            namespaces: Vec::new(),
        };
        lab.add_namespace(&lab.switch.clone());
        // No multicast snooping: every port sees 224.0.0.18 and ff02::12
        // without waiting for IGMP/MLD state to build up.
        ip(&[
            "-n",
            &lab.switch,
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "0",
        ]);
        ip(&["-n", &lab.switch, "link", "set", "br0", "up"]);
        lab
    }

    fn add_namespace(&mut self, ns: &str) {
        // Recorded first, so Drop removes it even if `ip netns add` half-failed.
        self.namespaces.push(ns.to_owned());
        ip(&["netns", "add", ns]);
    }

    /// Plugs host number `n` (2..=254) into the LAN, up and addressed.
    pub fn host(&mut self, name: &str, n: u8) -> Host {
        let ns = format!("{}-{name}", self.base);
        self.add_namespace(&ns);
        let host = Host {
            ns: ns.clone(),
            mac: [0x02, 0, 0, 0, 0, n],
            ipv4: Ipv4Addr::new(192, 0, 2, n),
            ipv6: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(n)),
            link_local: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, u16::from(n)),
        };
        let port = format!("p-{name}");
        let mac = host.mac_text();
        ip(&[
            "-n",
            &ns,
            "link",
            "add",
            "eth0",
            "address",
            &mac,
            "type",
            "veth",
            "peer",
            "name",
            &port,
            "netns",
            &self.switch,
        ]);
        ip(&[
            "-n",
            &self.switch,
            "link",
            "set",
            &port,
            "master",
            "br0",
            "up",
        ]);
        // Fixed link-local address instead of a generated one, no DAD.
        ip(&["-n", &ns, "link", "set", "eth0", "addrgenmode", "none"]);
        ip(&["-n", &ns, "link", "set", "lo", "up"]);
        ip(&["-n", &ns, "link", "set", "eth0", "up"]);
        let v4 = format!("{}/24", host.ipv4);
        let v6 = format!("{}/64", host.ipv6);
        let ll = format!("{}/64", host.link_local);
        ip(&["-n", &ns, "addr", "add", &v4, "dev", "eth0"]);
        ip(&["-n", &ns, "addr", "add", &v6, "dev", "eth0", "nodad"]);
        ip(&["-n", &ns, "addr", "add", &ll, "dev", "eth0", "nodad"]);
        host
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in self.namespaces.iter().rev() {
            // Not `ip()`: never panic while a test may already be panicking.
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

/// Deletes `vrrpio-*` namespaces whose test process no longer exists (a run
/// killed before its Drop guards ran).
fn remove_stale_namespaces() {
    let Ok(list) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&list.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let mut parts = name.split('-');
        if parts.next() != Some(PREFIX) {
            continue;
        }
        let pid = parts.nth(1).and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid {
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = Command::new("ip").args(["netns", "del", name]).output();
            }
        }
    }
}
