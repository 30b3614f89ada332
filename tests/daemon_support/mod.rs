//! What the daemon's end-to-end tests share, until the lab harness
//! (`vrrp::lab`) lands: the namespaces and bridge come from
//! vrrp-io-linux's test LAN (`tests/common`), and each host gets a PID
//! namespace of its own so `killall -0 haproxy` sees that host's HAProxy
//! only. Dropping a [`Node`] kills every process in it; dropping the
//! [`Lab`] deletes the namespaces, also when a test panics.

#![allow(dead_code, unreachable_pub)]

#[path = "../../vrrp-io-linux/tests/common/mod.rs"]
mod common;

use std::fs::File;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use common::{Lab, in_netns, ip_json, skip_unless_root};

/// The VIP of every configuration here.
pub const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
/// The stand-in HAProxy's port.
pub const PORT: u16 = 8080;

/// Writes `text` past the harness's capture: MEASURED lines show in every run.
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Our daemon: `target/<profile>/examples/keepalive-haproxy`.
pub fn daemon_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    let path = profile.join("examples").join("keepalive-haproxy");
    assert!(
        path.exists(),
        "run `cargo build --example keepalive-haproxy` first"
    );
    path
}

/// The seed's configuration for one side (`master` or `backup`), exactly
/// as the fixture has it, on the lab's `eth0` instead of `ens192`.
pub fn seed(side: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vrrp-io-linux/tests/fixtures")
        .join(format!("seed-{side}.conf"));
    std::fs::read_to_string(path)
        .unwrap()
        .replace("ens192", "eth0")
}

/// The seed's configuration with `weight` instead of `weight 2`.
pub fn seed_with_weight(side: &str, weight: i32) -> String {
    let text = seed(side);
    assert!(text.contains("weight 2\n"));
    text.replace("weight 2\n", &format!("weight {weight}\n"))
}

/// A host of the lab with its own PID namespace.
pub struct Node {
    pub name: String,
    pub ns: String,
    pub addr: Ipv4Addr,
    pub dir: PathBuf,
    /// `unshare --kill-child`: killing it ends the PID namespace.
    unshare: Child,
    init: u32,
    spawned: u32,
}

impl Node {
    /// Plugs host `name` number `n` (address 192.0.2.n) into `lab`.
    pub fn new(lab: &mut Lab, name: &str, n: u8) -> Self {
        let host = lab.host(name, n);
        let dir = std::env::temp_dir().join(format!("{}-{}", host.ns, "dir"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // bash as PID 1 reaps orphans; it ends when its stdin (ours) closes.
        let mut unshare = Command::new("ip")
            .args(["netns", "exec", &host.ns, "unshare", "--pid", "--fork"])
            .args(["--mount-proc", "--kill-child", "bash", "-c"])
            .arg("trap '' TERM INT HUP; while read -r _; do :; done")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let init = child_of(&mut unshare);
        Self {
            name: name.to_owned(),
            ns: host.ns.clone(),
            addr: host.ipv4,
            dir,
            unshare,
            init,
            spawned: 0,
        }
    }

    fn enter(&self, argv: &[&str]) -> Command {
        let mut command = Command::new("nsenter");
        command
            .args([
                "--target",
                &self.init.to_string(),
                "--net",
                "--pid",
                "--mount",
            ])
            .args(["--", "setsid"])
            .args(argv);
        command
    }

    /// Starts `argv` in the host's namespaces; output to `<dir>/<name>.<k>.log`.
    pub fn spawn(&mut self, name: &str, argv: &[&str]) -> Proc {
        self.spawned += 1;
        let log = self.dir.join(format!("{name}.{}.log", self.spawned));
        let file = File::create(&log).unwrap();
        let child = self
            .enter(argv)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        Proc { child, log }
    }

    /// Runs `argv` to completion in the host's namespaces.
    pub fn exec(&self, argv: &[&str]) -> Output {
        self.enter(argv).stdin(Stdio::null()).output().unwrap()
    }

    /// Writes `text` to `<dir>/<file>` and returns the path.
    pub fn write(&self, file: &str, text: &str) -> PathBuf {
        let path = self.dir.join(file);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Starts our daemon with `config` (and `extra` flags), status file in the host's dir.
    pub fn start_daemon(&mut self, config: &str, extra: &[&str]) -> Proc {
        let conf = self.write("keepalived.conf", config);
        let status = self.dir.join("status.json");
        let binary = daemon_binary();
        let mut argv = vec![
            binary.to_str().unwrap(),
            "-n",
            "-l",
            "-f",
            conf.to_str().unwrap(),
            "--status-file",
            status.to_str().unwrap(),
        ];
        argv.extend_from_slice(extra);
        self.spawn("daemon", &argv)
    }

    /// Starts keepalived with `config`, its pid files in the host's dir.
    pub fn start_keepalived(&mut self, config: &str) -> Proc {
        let conf = self.write("keepalived.conf", config);
        let pid = |f: &str| self.dir.join(f).display().to_string();
        let (a, b, c) = (pid("k.pid"), pid("v.pid"), pid("c.pid"));
        let conf = conf.display().to_string();
        self.spawn(
            "keepalived",
            &[
                "keepalived",
                "-n",
                "-l",
                "-D",
                "-f",
                &conf,
                "-p",
                &a,
                "-r",
                &b,
                "-c",
                &c,
            ],
        )
    }

    /// Starts a real HAProxy answering `<host name>` over HTTP on [`PORT`].
    pub fn start_haproxy(&mut self) -> Proc {
        let cfg = self.write(
            "haproxy.cfg",
            &format!(
                "global\n    maxconn 64\n\ndefaults\n    mode http\n    timeout connect 1s\n    \
                 timeout client 5s\n    timeout server 5s\n\nfrontend lab\n    bind :{PORT}\n    \
                 http-request return status 200 content-type text/plain string \"{}\\n\"\n",
                self.name
            ),
        );
        self.spawn("haproxy", &["haproxy", "-db", "-f", cfg.to_str().unwrap()])
    }

    /// `killall -SIG name` in the host: what an operator would type.
    pub fn killall(&self, signal: &str, name: &str) {
        let out = self.exec(&["killall", &format!("-{signal}"), name]);
        assert!(out.status.success(), "killall {name}: {out:?}");
    }

    /// Whether the host has `addr` on any interface.
    pub fn has(&self, addr: Ipv4Addr) -> bool {
        let json = ip_json(&self.ns, &["-4", "addr", "show"]);
        json.as_array().into_iter().flatten().any(|link| {
            link["addr_info"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| a["local"].as_str() == Some(&addr.to_string()))
        })
    }

    /// One ping to `addr`.
    pub fn ping(&self, addr: Ipv4Addr) -> bool {
        let to = addr.to_string();
        self.exec(&["ping", "-c", "1", "-W", "1", "-q", &to])
            .status
            .success()
    }

    /// Whether a TCP connection from this host to `addr:port` opens within 1 s.
    pub fn tcp_connect(&self, addr: Ipv4Addr, port: u16) -> bool {
        let to = SocketAddr::new(IpAddr::V4(addr), port);
        in_netns(&self.ns, || {
            TcpStream::connect_timeout(&to, Duration::from_secs(1)).is_ok()
        })
    }

    /// SIGUSR1 to our daemon, then its JSON status once written anew.
    pub fn status(&self) -> serde_json::Value {
        let path = self.dir.join("status.json");
        let _ = std::fs::remove_file(&path);
        self.killall("USR1", "keepalive-haproxy");
        let text = wait_for("the status file", Duration::from_secs(3), || {
            std::fs::read_to_string(&path).ok()
        });
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Node {
    /// Ends the PID namespace (every process in it dies with its init) and
    /// removes the host's directory, unless the test failed: then it stays
    /// for a post-mortem.
    fn drop(&mut self) {
        let _ = self.unshare.kill();
        let _ = self.unshare.wait();
        if std::thread::panicking() {
            say(&format!(
                "{}: kept {} for a post-mortem",
                self.name,
                self.dir.display()
            ));
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A process started in a node (nsenter, waiting for it).
pub struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    /// Everything it wrote so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until its log contains `needle`; how long that took.
    pub fn wait_log(&self, needle: &str, timeout: Duration) -> Duration {
        let started = Instant::now();
        wait_for(needle, timeout, || {
            self.log().contains(needle).then_some(())
        });
        started.elapsed()
    }

    /// Waits for it to end, up to `timeout`; its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        say(&format!(
            "----- {} -----\n{}",
            self.log.display(),
            self.log()
        ));
    }
}

/// Polls `check` every 10 ms until `Some`, at most `timeout`; panics naming `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            Instant::now() < end,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How long until `check` holds, polled every 10 ms, at most `timeout`.
pub fn time_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    wait_for(what, timeout, || check().then_some(()));
    started.elapsed()
}

/// Holds that `check` stays true for `period` (sampled every 20 ms).
pub fn stays(what: &str, period: Duration, mut check: impl FnMut() -> bool) {
    let end = Instant::now() + period;
    while Instant::now() < end {
        assert!(check(), "{what} stopped holding");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pid of the one child `parent` forks, waiting up to 5 s for it.
fn child_of(parent: &mut Child) -> u32 {
    let id = parent.id();
    let path = format!("/proc/{id}/task/{id}/children");
    wait_for("the PID namespace's init", Duration::from_secs(5), || {
        std::fs::read_to_string(&path)
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}
