//! The command line, keepalived's where the two overlap.

use std::path::PathBuf;

use clap::Parser;

/// A keepalived-compatible VRRP daemon for HAProxy hosts. Without
/// arguments, a demonstration in throw-away network namespaces.
#[derive(Debug, Parser)]
#[command(name = "keepalive-haproxy", version, about)]
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
    /// Write the daemon's pid to this file.
    #[arg(short = 'p', long = "pid")]
    pub(crate) pid: Option<PathBuf>,
    /// Where SIGUSR1 writes the JSON status.
    #[arg(long = "status-file", default_value = "/tmp/keepalive-haproxy.json")]
    pub(crate) status_file: PathBuf,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9650 or [::]:9650).
    #[arg(long = "metrics-listen", value_name = "ADDR")]
    pub(crate) metrics_listen: Option<std::net::SocketAddr>,
    /// Remove every configured virtual address from this host and exit
    /// (systemd ExecStopPost: no duplicate address survives a crash).
    #[arg(long = "release-vips")]
    pub(crate) release_vips: bool,
}
