//! keepalive-haproxy: keeps a virtual IP on a host whose HAProxy is alive,
//! configured with keepalived.conf.
//!
//! ```text
//! cargo run --example keepalive-haproxy                    # no arguments: the demonstration (root)
//! keepalive-haproxy -f /etc/keepalived/keepalived.conf -n  # the daemon
//! keepalive-haproxy -t -f keepalived.conf                  # check a configuration
//! keepalive-haproxy --verify lb1.conf lb2.conf             # model-check a deployment, one file per host
//! keepalive-haproxy --release-vips -f keepalived.conf      # systemd ExecStopPost
//! keepalive-haproxy --signum=DATA                          # 10: SIGUSR1 writes $TMPDIR/keepalived.data
//! ```
//!
//! The parts live in the libraries (`vrrp::keepalived::{daemon, conf,
//! status, metrics, systemd}`, `vrrp::linux::{driver, notify}`); this file
//! wires them.

mod cli;
mod demo;
/// The namespace lab the demonstration builds, shared with the tests.
use vrrp_lab as lab;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use vrrp::keepalived::daemon::{self, Daemon};
use vrrp::keepalived::process::{PID_DIR, RUN_DIR};
use vrrp::keepalived::{dump, journal, metrics, systemd};
use vrrp::linux::driver::{Driver, release_vips};
use vrrp::linux::pidfile::{PidFile, PidFileError};

fn main() -> ExitCode {
    if let Some(code) = demo::entry() {
        return code;
    }
    let args = cli::Args::parse();
    if !args.verify.is_empty() {
        return verify(&args.verify);
    }
    if let Some(func) = &args.signum {
        return signum(func);
    }
    init_logging(args.log_detail);
    if args.config_test {
        return config_test(&args);
    }
    let missing = daemon::missing_capabilities();
    if !missing.is_empty() {
        eprintln!(
            "keepalive-haproxy needs {} (raw VRRP sockets and address changes): run it as root, \
             or grant exactly these with `setcap cap_net_raw,cap_net_admin+ep` on the binary or \
             AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN in its systemd unit",
            missing.join(" and ")
        );
        return ExitCode::FAILURE;
    }
    let result = if args.release_vips {
        release(&args)
    } else {
        run(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// Logs on stderr; no colours unless it is a terminal. Under systemd
/// (stderr is the journal), each event goes to journald with its fields
/// (`journalctl VRID=51`), falling back to stderr, without timestamps
/// (journald adds its own), when journald's socket does not answer.
fn init_logging(detail: bool) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| if detail { "debug" } else { "info" }.into());
    let under_journald = journal::stderr_is_journal();
    if under_journald {
        let path = journal::socket_path();
        match journal::JournalLayer::new(&path) {
            Ok(layer) => {
                tracing_subscriber::registry()
                    .with(filter)
                    .with(layer)
                    .init();
                return;
            }
            Err(error) => eprintln!(
                "journald at {} does not answer ({error}): logging to stderr",
                path.display()
            ),
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    if under_journald || std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
}

/// `-t`: the configuration's warnings (file:line:column), what checking it
/// against this host found (unless `--no-host-checks`), then OK or the error.
fn config_test(args: &cli::Args) -> ExitCode {
    match daemon::prepare(&args.use_file, &args.options()) {
        Ok(prepared) => {
            for warning in &prepared.warnings {
                eprintln!("{warning}");
            }
            if !prepared.host.is_empty() {
                eprintln!(
                    "{}",
                    if args.no_host_checks {
                        "left to the host that runs it:"
                    } else {
                        "on this host:"
                    }
                );
            }
            for warning in &prepared.host {
                eprintln!("{warning}");
            }
            for insecure in &prepared.insecure {
                eprintln!("{insecure}");
            }
            println!("{}: configuration OK", args.use_file.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// `--verify`: every scenario of the deployment explored by the model
/// checker, on the real core; 2 when a file does not load.
fn verify(files: &[std::path::PathBuf]) -> ExitCode {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    match vrrp_model::verify::verify(files, threads) {
        Ok(report) => {
            print!("{}", report.render());
            if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(2)
        }
    }
}

/// `--signum=FUNC`: the signal's number, or keepalived's error and 1.
fn signum(func: &str) -> ExitCode {
    match dump::signum(func) {
        Some(number) => {
            println!("{number}");
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("Unknown sigfunc {func}");
            ExitCode::FAILURE
        }
    }
}

/// `--release-vips`: no duplicate address survives us, however we ended.
fn release(args: &cli::Args) -> Result<(), Box<dyn std::error::Error>> {
    let loaded = vrrp::keepalived::conf::load_with(&args.use_file, &args.options().read)?;
    // The VIPs are in the daemon's namespace.
    if let Some(name) = &loaded.config.global.net_namespace {
        vrrp::linux::netns::enter(&name.value)?;
    }
    let config = vrrp::keepalived::driver_config(&loaded.config)?;
    for released in release_vips(&config)? {
        tracing::info!(instance = %released.instance, vip = %released.addr, interface = %released.interface, "released");
    }
    Ok(())
}

fn run(args: &cli::Args) -> Result<(), Box<dyn std::error::Error>> {
    let prepared = daemon::prepare(&args.use_file, &args.options())?;
    // keepalived sets it first: the startup script inherits it too.
    vrrp::linux::tuning::set_umask(prepared.umask);
    vrrp::keepalived::process::rename(None, prepared.process_name.as_deref());
    prepared.log();
    let alerts = prepared.alerts.clone();
    let paths = prepared.dumps.clone();
    // keepalived runs it before anything else starts (its `main.c`).
    let shutdown = prepared.shutdown.clone();
    // `-p`, else keepalived's; held before anything starts: a daemon that
    // already runs with them makes us stop here, as keepalived.
    let pid_files = match &args.pid {
        Some(pid) => vec![pid.clone()],
        None => prepared.pid_files.clone(),
    };
    let held = hold_pid_files(&pid_files, args.pid.is_none())?;
    let process_name = prepared.process_name.clone();
    if let Some(script) = &prepared.startup {
        if let Err(error) = script.run() {
            tracing::error!(%error, "cannot run the startup script");
        }
    }
    // keepalived tunes its VRRP process once the startup script ran; ours
    // is this thread, which runs the loop, tuned before the others start.
    prepared.tuning.apply();
    let mut config = prepared.config;
    config.handle_signals = true;
    let mut driver = Driver::new(config)?;
    if let Some(addr) = args.metrics_listen {
        let sets = metrics::MetricSets {
            ours: args.metrics_names.contains(&cli::MetricNames::Vrrp),
            exporter: args.metrics_names.contains(&cli::MetricNames::Keepalived),
        };
        let (bound, _thread) = metrics::serve(addr, driver.handle(), sets)?;
        tracing::info!(%bound, ?sets, "serving Prometheus metrics on /metrics");
    }
    let [data, stats, json] = dump::Dump::ALL.map(|d| paths.path(d));
    tracing::info!(
        data = %data.display(),
        stats = %stats.display(),
        json = %json.display(),
        "SIGUSR1, SIGUSR2, SIGRTMIN+2: keepalived.data, .stats, .json"
    );
    let dumps = Arc::new(Mutex::new(paths));
    daemon::serve_dumps(driver.handle(), Arc::clone(&dumps))?;
    let names: Vec<&str> = driver.specs().iter().map(|s| s.name.as_str()).collect();
    tracing::info!(instances = ?names, "running");
    let _ = systemd::notify(&format!(
        "READY=1\nSTATUS=running {} instance(s)",
        names.len()
    ));
    let mut daemon = Daemon {
        config_path: args.use_file.clone(),
        status_path: args.status_file.clone(),
        alerts: None,
        options: args.options(),
        dumps,
        process_name,
    };
    daemon.restart_alerts(alerts);
    // What reading the configuration freed lies in holes of the heap.
    vrrp::linux::release_free_heap();
    let ran = driver.run(|driver, event| daemon.on_event(driver, event));
    // After the instances stopped, as keepalived (the one read at start).
    if let Some(script) = &shutdown {
        if let Err(error) = script.run() {
            tracing::error!(%error, "cannot run the shutdown script");
        }
    }
    drop(held);
    // keepalived's pid directories go too when empty (its
    // `remove_pid_dir`, `unmount_run`).
    if args.pid.is_none() {
        let made = pid_files
            .first()
            .and_then(|p| p.parent())
            .filter(|dir| dir.starts_with(PID_DIR));
        for dir in made.into_iter().flat_map(std::path::Path::ancestors) {
            if std::fs::remove_dir(dir).is_err() || dir == std::path::Path::new(PID_DIR) {
                break;
            }
        }
    }
    ran?;
    Ok(())
}

/// Holds `paths` ([`PidFile`]). keepalived's default ones in /run
/// (`implicit`) that we may not write (a non-root daemon with only
/// CAP_NET_RAW and CAP_NET_ADMIN, or contrib's unit, whose /run is
/// read-only) are warned and left out (keepalived stops); a held one
/// stops us, as keepalived.
fn hold_pid_files(
    paths: &[std::path::PathBuf],
    implicit: bool,
) -> Result<Vec<PidFile>, PidFileError> {
    // keepalived's, and ours under whatever name it was installed.
    let own = std::env::current_exe().ok();
    let own = own
        .as_ref()
        .and_then(|exe| exe.file_name())
        .map(|name| name.to_string_lossy().into_owned());
    let programs: Vec<&str> = ["keepalived"].into_iter().chain(own.as_deref()).collect();
    let mut held = Vec::new();
    for path in paths {
        match PidFile::create(path, &programs) {
            Ok(file) => held.push(file),
            Err(PidFileError::Io { source, .. })
                if implicit
                    && path.parent() == Some(std::path::Path::new(RUN_DIR))
                    && matches!(
                        source.kind(),
                        std::io::ErrorKind::PermissionDenied
                            | std::io::ErrorKind::ReadOnlyFilesystem
                    ) =>
            {
                tracing::warn!(file = %path.display(), %source, "no pid file: name one with -p");
            }
            Err(error) => return Err(error),
        }
    }
    Ok(held)
}
