//! The VRRP daemon a lab host runs: keepalived, or ours, from the same
//! keepalived.conf text.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::watch::wait_for;
use super::{Host, Proc, Signal};

/// Environment variable naming our daemon's binary, overriding the default
/// `target/<profile>/examples/keepalive-haproxy`.
pub const DAEMON_ENV: &str = "VRRP_LAB_DAEMON";

/// Which VRRP daemon to start on a host. Scenario code takes a `&Daemon` per
/// host, so the same test runs keepalived against keepalived, ours against
/// ours, or one against the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Daemon {
    /// keepalived from `PATH` (Debian's 2.2.7): `-n -l -D` (foreground, log
    /// to the console, detailed), pid files in the host's directory.
    Keepalived,
    /// keepalived 2.4.3 at this path (see [`Daemon::keepalived_243`]), run
    /// as [`Daemon::Keepalived`] is.
    Keepalived243(PathBuf),
    /// Our daemon, the binary at this path, run as `<path> -f <config>`.
    Ours(PathBuf),
}

impl Daemon {
    /// Our daemon: `$VRRP_LAB_DAEMON`, else the `keepalive-haproxy` example
    /// next to this test binary, built first if it is not there (a plain
    /// `cargo test` builds the example as a test harness, not as the daemon).
    pub fn ours() -> Self {
        if let Some(path) = std::env::var_os(DAEMON_ENV) {
            return Self::Ours(path.into());
        }
        Self::Ours(our_example())
    }

    /// keepalived 2.4.3, the newest release, built from `../shared/peers`
    /// into `target/keepalived-2.4.3/` (`.ci/run` builds it; here it is built
    /// when missing, once per test binary, which takes a minute). `None`,
    /// with a loud SKIPPED line, where it cannot be had: not root, or a plain
    /// clone without `../shared`. Under `CI` a missing peer fails the test.
    pub fn keepalived_243() -> Option<Self> {
        static BUILT: std::sync::Mutex<Option<Result<PathBuf, String>>> =
            std::sync::Mutex::new(None);
        let mut built = BUILT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let found = built.get_or_insert_with(build_keepalived_243).clone();
        match found {
            Ok(path) => Some(Self::Keepalived243(path)),
            Err(why) if std::env::var_os("CI").is_some() => {
                panic!("keepalived 2.4.3 is missing and CI must test against it: {why}")
            }
            Err(why) => {
                super::say(&format!(
                    "\n*** SKIPPED: keepalived 2.4.3 is missing: {why} ***\n"
                ));
                None
            }
        }
    }

    /// `keepalived`, `keepalived-2.4.3` or `vrrp-rs`, for MEASURED lines and
    /// messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Keepalived => "keepalived",
            Self::Keepalived243(_) => "keepalived-2.4.3",
            Self::Ours(_) => "vrrp-rs",
        }
    }

    /// Whether this is keepalived, of either version.
    pub fn is_keepalived(&self) -> bool {
        !matches!(self, Self::Ours(_))
    }

    /// The process name, for `killall`: `keepalived` or `keepalive-haproxy`.
    pub fn process_name(&self) -> &'static str {
        if self.is_keepalived() {
            "keepalived"
        } else {
            "keepalive-haproxy"
        }
    }

    /// Writes `config` to `<host dir>/<name>.conf` and starts the daemon on
    /// `host` with it; its output goes to `<host dir>/<name>.<k>.log`.
    pub fn start(&self, host: &Host<'_>, config: &str) -> Proc {
        self.start_with(host, config, &[])
    }

    /// [`start`](Self::start) with `extra` arguments after the usual ones
    /// (`--metrics-listen ...` for ours, say).
    pub fn start_with(&self, host: &Host<'_>, config: &str, extra: &[&str]) -> Proc {
        let path = self.config_path(host);
        std::fs::write(&path, config).expect("write the daemon's config");
        let mut argv = vec!["env".to_owned(), dumps_in(host.dir())];
        // A pid file in `extra` replaces ours.
        if extra.contains(&"-p") && !self.is_keepalived() {
            argv.extend(self.argv_without_pid_files(&path, host.dir()));
        } else {
            argv.extend(self.argv(&path, host.dir()));
        }
        argv.extend(extra.iter().map(|&arg| arg.to_owned()));
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        host.spawn(self.name(), &argv)
    }

    /// Where [`start`](Self::start) writes the config on `host`:
    /// `<host dir>/<name>.conf` (a reload test rewrites it there).
    pub fn config_path(&self, host: &Host<'_>) -> PathBuf {
        host.dir().join(format!("{}.conf", self.name()))
    }

    /// [`argv`](Self::argv) without the lab's own pid-file flags, which come
    /// last: the configuration's pid files then, or the caller's.
    pub fn argv_without_pid_files(&self, config: &Path, dir: &Path) -> Vec<String> {
        let mut argv = self.argv(config, dir);
        let at = (argv.iter().position(|arg| arg == "-p")).expect("the lab names a pid file");
        argv.truncate(at);
        argv
    }

    /// The command line for config file `config`, with state files in `dir`.
    pub fn argv(&self, config: &Path, dir: &Path) -> Vec<String> {
        let config = config.display().to_string();
        match self {
            Self::Keepalived | Self::Keepalived243(_) => {
                let pid = |name: &str| dir.join(name).display().to_string();
                let program = match self {
                    Self::Keepalived243(path) => path.display().to_string(),
                    _ => "keepalived".to_owned(),
                };
                let mut argv = vec![program];
                argv.extend(["-n", "-l", "-D", "-f"].map(str::to_owned));
                argv.push(config);
                // Own pid files: the default ones in /run are shared by all
                // hosts, and keepalived refuses to start when one is live.
                for (flag, file) in [
                    ("-p", "keepalived.pid"),
                    ("-r", "vrrp.pid"),
                    ("-c", "checkers.pid"),
                ] {
                    argv.push(flag.to_owned());
                    argv.push(pid(file));
                }
                argv
            }
            Self::Ours(program) => {
                assert!(
                    program.exists(),
                    "our daemon is not built at {}: run `cargo build --example keepalive-haproxy` \
                     or set {DAEMON_ENV}",
                    program.display()
                );
                // The status file in the host's directory: the default in
                // /tmp is shared by every host and every test.
                let status = status_path(dir).display().to_string();
                let program = program.display().to_string();
                // Its own pid file, last (a test may cut it off to see the
                // configuration's): the default in /run is shared by all
                // hosts, and a second daemon refuses to start on a held one.
                let pid = dir.join("keepalived.pid").display().to_string();
                vec![
                    program,
                    "-f".to_owned(),
                    config,
                    "--status-file".to_owned(),
                    status,
                    "-p".to_owned(),
                    pid,
                ]
            }
        }
    }
}

/// `TMPDIR=<dir>`, for `env`: keepalived's dump files (SIGUSR1 writes
/// keepalived.data too) go to `$TMPDIR`, so each lab host's go to its own
/// directory, not to the /tmp every host shares.
pub fn dumps_in(dir: &Path) -> String {
    format!("TMPDIR={}", dir.display())
}

/// Where our daemon, started with state files in `dir`, writes its SIGUSR1
/// status: `<dir>/status.json`.
pub fn status_path(dir: &Path) -> PathBuf {
    dir.join("status.json")
}

/// Our daemon's JSON status: SIGUSR1 to `daemon` (started on `host`), then
/// the status file once written anew (up to 3 s).
pub fn status(host: &Host<'_>, daemon: &Proc) -> serde_json::Value {
    let path = status_path(host.dir());
    let _ = std::fs::remove_file(&path);
    daemon.kill(Signal::SIGUSR1);
    let mut parsed = None;
    // The daemon renames the finished file into place.
    wait_for(Duration::from_secs(3), || {
        parsed = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        parsed.is_some()
    });
    parsed.unwrap_or_else(|| panic!("no status in {} after SIGUSR1", path.display()))
}

impl Daemon {
    /// The process that runs VRRP for this daemon started as `proc`: ours
    /// is the daemon itself; keepalived's its first child (started with
    /// `-P`, its only one). Panics if keepalived forks none within 5 s.
    pub fn vrrp_process(&self, proc: &Proc) -> nix::unistd::Pid {
        let pid = proc.pid();
        if !self.is_keepalived() {
            return pid;
        }
        let children = format!("/proc/{pid}/task/{pid}/children");
        let first = || {
            let list = std::fs::read_to_string(&children).unwrap_or_default();
            list.split_whitespace().next()?.parse::<i32>().ok()
        };
        let started = wait_for(Duration::from_secs(5), || first().is_some());
        assert!(
            started.is_some(),
            "{}: no VRRP process\n{}",
            self.name(),
            proc.log()
        );
        nix::unistd::Pid::from_raw(first().expect("seen above"))
    }

    /// Whether the (first) instance of this daemon, started as `proc` on
    /// `host`, is in FAULT now: ours by its status, keepalived by its log
    /// (entered FAULT last).
    pub fn in_fault(&self, host: &Host<'_>, proc: &Proc) -> bool {
        if !self.is_keepalived() {
            return status(host, proc)["instances"][0]["state"] == "FAULT";
        }
        let log = proc.log();
        let entered = log.rfind("Entering FAULT STATE");
        let left = (log.rfind("Entering BACKUP STATE")).max(log.rfind("Entering MASTER STATE"));
        entered.is_some() && entered > left
    }
}

/// `target/<profile>/examples/keepalive-haproxy`, next to the running test
/// binary (`target/<profile>/deps/`), built with the same profile once per
/// test binary: `cargo test --test faults` alone does not rebuild examples,
/// and a stale daemon would test yesterday's code (a no-op when current).
pub fn our_example() -> PathBuf {
    static BUILT: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = profile.join("examples").join("keepalive-haproxy");
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !*built {
        let mut cargo = std::process::Command::new(env!("CARGO"));
        cargo
            .args(["build", "-p", "vrrp", "--example", "keepalive-haproxy"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile.file_name().is_some_and(|name| name == "release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("running cargo to build the daemon");
        assert!(
            status.success(),
            "cargo build --example keepalive-haproxy failed"
        );
        *built = true;
    }
    path
}

/// The workspace's root (this crate's parent directory).
fn workspace() -> &'static Path {
    let lab = Path::new(env!("CARGO_MANIFEST_DIR"));
    lab.parent().expect("vrrp-lab sits in the workspace")
}

/// Where [`Daemon::keepalived_243`] keeps the build: `target/keepalived-2.4.3/`.
pub fn keepalived_243_dir() -> PathBuf {
    workspace().join("target/keepalived-2.4.3")
}

/// The 2.4.3 binary, built by `../shared/peers/build-keepalived.sh` when it
/// is not there yet (the script reuses a finished build); why not, if not.
fn build_keepalived_243() -> Result<PathBuf, String> {
    let dir = keepalived_243_dir();
    let binary = dir.join("keepalived");
    let script = workspace().join("../shared/peers/build-keepalived.sh");
    if !script.exists() {
        if binary.exists() {
            return Ok(binary);
        }
        return Err(format!(
            "no {} and no {} to build it (a plain clone has no ../shared): \
             put keepalived 2.4.3 there to run these tests",
            binary.display(),
            script.display()
        ));
    }
    let version = || {
        std::process::Command::new(&binary)
            .arg("--version")
            .output()
            .map(|v| {
                String::from_utf8_lossy(&v.stderr).into_owned()
                    + &String::from_utf8_lossy(&v.stdout)
            })
            .unwrap_or_default()
    };
    // The script's own reuse check pipes `--version` into `grep -q` under
    // pipefail, which can die of SIGPIPE and rebuild a good binary (2.5 min):
    // a finished build is recognised here instead.
    if version().contains("v2.4.3") {
        return Ok(binary);
    }
    // Its status is not the verdict either: it ends with `--version |
    // head -1` under pipefail.
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(&dir)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", script.display()))?;
    if !version().contains("v2.4.3") {
        return Err(format!(
            "{} failed ({}): {}; see {}/build.log",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            dir.display()
        ));
    }
    Ok(binary)
}
