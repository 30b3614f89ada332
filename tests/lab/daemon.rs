//! The VRRP daemon a lab host runs: keepalived, or ours, from the same
//! keepalived.conf text.

use std::path::{Path, PathBuf};

use super::{Host, Proc};

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
    /// next to this test binary (`cargo test` builds examples; a single
    /// `--test` run needs `cargo build --example keepalive-haproxy` first).
    pub fn ours() -> Self {
        if let Some(path) = std::env::var_os(DAEMON_ENV) {
            return Self::Ours(path.into());
        }
        // target/<profile>/deps/<test binary> -> target/<profile>/examples/
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>");
        Self::Ours(profile.join("examples").join("keepalive-haproxy"))
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
        let path = host.dir().join(format!("{}.conf", self.name()));
        std::fs::write(&path, config).expect("write the daemon's config");
        let argv = self.argv(&path, host.dir());
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        host.spawn(self.name(), &argv)
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
                vec![program.display().to_string(), "-f".to_owned(), config]
            }
        }
    }
}
