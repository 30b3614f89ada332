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
    /// keepalived from `PATH`: `-n -l -D` (foreground, log to the console,
    /// detailed), pid files in the host's directory.
    Keepalived,
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

    /// `keepalived` or `vrrp-rs`, for MEASURED lines and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Keepalived => "keepalived",
            Self::Ours(_) => "vrrp-rs",
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
        let mut argv = self.argv(&path, host.dir());
        argv.extend(extra.iter().map(|&arg| arg.to_owned()));
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        host.spawn(self.name(), &argv)
    }

    /// Where [`start`](Self::start) writes the config on `host`:
    /// `<host dir>/<name>.conf` (a reload test rewrites it there).
    pub fn config_path(&self, host: &Host<'_>) -> PathBuf {
        host.dir().join(format!("{}.conf", self.name()))
    }

    /// The command line for config file `config`, with state files in `dir`.
    pub fn argv(&self, config: &Path, dir: &Path) -> Vec<String> {
        let config = config.display().to_string();
        match self {
            Self::Keepalived => {
                let pid = |name: &str| dir.join(name).display().to_string();
                let mut argv: Vec<String> = ["keepalived", "-n", "-l", "-D", "-f"]
                    .map(str::to_owned)
                    .into();
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
                vec![
                    program,
                    "-f".to_owned(),
                    config,
                    "--status-file".to_owned(),
                    status,
                ]
            }
        }
    }
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
