//! The command line, keepalived's where the two overlap.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use vrrp::keepalived::{daemon, process};

/// A keepalived-compatible VRRP daemon for HAProxy hosts
///
/// It reads keepalived.conf, runs every vrrp_instance, tracks HAProxy with
/// the configured scripts and moves the virtual addresses. Without
/// arguments, a demonstration in throw-away network namespaces (root).
#[derive(Debug, Parser)]
#[command(name = "keepalive-haproxy", version)]
pub(crate) struct Args {
    /// The configuration file (keepalived.conf syntax).
    #[arg(
        short = 'f',
        long = "use-file",
        default_value = "/etc/keepalived/keepalived.conf"
    )]
    pub(crate) use_file: PathBuf,
    /// Model-check a deployment before it goes live, one keepalived.conf per
    /// host, at least two (unprivileged: nothing on this machine is looked at): exit 0 when
    /// every scenario is ok, 1 when one fails, 2 when a file is unreadable.
    #[arg(long = "verify", value_name = "FILE", num_args = 2..)]
    pub(crate) verify: Vec<PathBuf>,
    /// Check the configuration and exit: 0 when it loads, 1 when not.
    #[arg(short = 't', long = "config-test")]
    pub(crate) config_test: bool,
    /// The config id that `@ID` lines of the configuration are compared
    /// with (keepalived's -i; default: this host's name up to its first dot).
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    pub(crate) config_id: Option<String>,
    /// With -t: check the file alone, not against this host (its
    /// interfaces and scripts), for a file meant for another host.
    #[arg(long = "no-host-checks", requires = "config_test")]
    pub(crate) no_host_checks: bool,
    /// Stay in the foreground (always so: accepted for keepalived's command lines).
    #[arg(short = 'n', long = "dont-fork")]
    pub(crate) dont_fork: bool,
    /// Log to the console (always so; journald captures it under systemd).
    #[arg(short = 'l', long = "log-console")]
    pub(crate) log_console: bool,
    /// Detailed logs (debug level).
    #[arg(short = 'D', long = "log-detail")]
    pub(crate) log_detail: bool,
    /// Run only the VRRP part (the only part there is: accepted for keepalived's command lines).
    #[arg(short = 'P', long = "vrrp")]
    pub(crate) vrrp: bool,
    /// Write the daemon's pid to this file, held locked while it runs
    /// (default: keepalived's, /run/keepalived.pid and /run/vrrp.pid, or as
    /// `use_pid_dir` / `instance` say). A daemon running with it stops us.
    #[arg(short = 'p', long = "pid")]
    pub(crate) pid: Option<PathBuf>,
    /// The file creation mask, in numeric form (e.g. 027); it wins over
    /// the configuration's `umask` (keepalived's -u).
    #[arg(short = 'u', long = "umask", value_name = "MASK",
          value_parser = process::parse_umask)]
    pub(crate) umask: Option<u32>,
    /// Where SIGUSR1 writes the JSON status.
    #[arg(long = "status-file", default_value = "/tmp/keepalive-haproxy.json")]
    pub(crate) status_file: PathBuf,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9650 or [::]:9650).
    #[arg(long = "metrics-listen", value_name = "ADDR")]
    pub(crate) metrics_listen: Option<std::net::SocketAddr>,
    /// Which metric names --metrics-listen serves: keepalived-exporter's
    /// (`keepalived_*`), ours (`vrrp_*`), or both (the default).
    #[arg(
        long = "metrics-names",
        value_name = "SET",
        value_delimiter = ',',
        default_value = "keepalived,vrrp"
    )]
    pub(crate) metrics_names: Vec<MetricNames>,
    /// Print the number of the signal for STOP, RELOAD, DATA, STATS or JSON
    /// and exit, as keepalived does (keepalived-exporter asks it).
    #[arg(long = "signum", value_name = "SIGFUNC")]
    pub(crate) signum: Option<String>,
    /// Remove every configured virtual address from this host and exit
    /// (systemd ExecStopPost: no duplicate address survives a crash).
    #[arg(long = "release-vips")]
    pub(crate) release_vips: bool,
}

impl Args {
    /// How the daemon reads and checks its configuration.
    pub(crate) fn options(&self) -> daemon::Options {
        let mut options = daemon::Options {
            host_checks: !self.no_host_checks,
            to_run: !self.config_test,
            umask: self.umask,
            ..daemon::Options::default()
        };
        if let Some(id) = &self.config_id {
            options.read.config_id = Some(id.clone());
        }
        options
    }
}

/// A set of metric names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum MetricNames {
    /// keepalived-exporter's `keepalived_*`.
    Keepalived,
    /// Ours, `vrrp_*`.
    Vrrp,
}
