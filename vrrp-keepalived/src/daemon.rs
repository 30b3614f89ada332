//! The keepalived-compatible daemon's steps, so the `keepalive-haproxy`
//! example stays short and another daemon can reuse them: load and check a
//! configuration ([`prepare`]), then answer the driver's events
//! ([`Daemon::on_event`]): SIGHUP reloads, SIGUSR1 writes the status, and
//! systemd hears about readiness and reloads; keepalived's dump files are
//! written on their signals ([`serve_dumps`]).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::conf::{self, ConfigError, Warning};
use crate::dump::{Dump, DumpPaths, tmp_dir};
use crate::hook_script::HookScript;
use crate::mail::{AlertPlan, Alerts};
use crate::security::{self, Insecure};
use crate::{status, systemd};
use vrrp_io_linux::driver::{Driver, DriverConfig, DriverEvent, Handle};
use vrrp_io_linux::netns::Entered;
use vrrp_io_linux::tuning::Tuning;

/// How long a dump waits for the driver's snapshot.
const SNAPSHOT_WAIT: Duration = Duration::from_secs(1);

/// How [`prepare`] reads and checks a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// keepalived's `-i`: the config id `@ID` lines are compared with.
    pub read: conf::ReadOptions,
    /// Check the file against this host ([`host::check`](crate::host::check)),
    /// inside its `net_namespace`, which is entered for good.
    pub host_checks: bool,
    /// Prepared to run, not `-t`: a `net_namespace` that does not exist is
    /// an error, not a warning.
    pub to_run: bool,
    /// keepalived's `-u`: the file creation mask, over the file's `umask`.
    pub umask: Option<u32>,
}

impl Default for Options {
    /// keepalived's: this host's name as the config id, host checks on.
    fn default() -> Self {
        Self {
            read: conf::ReadOptions::this_host(),
            host_checks: true,
            to_run: false,
            umask: None,
        }
    }
}

/// A configuration ready for the driver.
#[derive(Debug)]
pub struct Prepared {
    /// What the driver runs.
    pub config: DriverConfig,
    /// What the configuration check found worth saying (file:line:column).
    pub warnings: Vec<Warning>,
    /// What checking it against this host found ([`host::check`](crate::host::check)):
    /// interfaces that may come later, scripts disabled.
    pub host: Vec<Warning>,
    /// Scripts that run as root from a path others can write, allowed
    /// because `enable_script_security` is off: worth a warning each.
    pub insecure: Vec<Insecure>,
    /// Who mails whom on state changes (`smtp_alert`), if anyone.
    pub alerts: Option<AlertPlan>,
    /// Where the dump files go (`state_dump_file`).
    pub dumps: DumpPaths,
    /// `startup_script`, run before the driver starts.
    pub startup: Option<HookScript>,
    /// `shutdown_script`, run after the driver stopped.
    pub shutdown: Option<HookScript>,
    /// How the process runs (`vrrp_priority`, `vrrp_rt_priority`, ...):
    /// applied by the thread that runs the driver, before it starts.
    pub tuning: Tuning,
    /// The file creation mask (`umask`, keepalived's 0177 by default), set
    /// before anything is created or started.
    pub umask: u32,
    /// keepalived's pid files under `use_pid_dir` / `instance` (unless
    /// `-p` names one).
    pub pid_files: Vec<PathBuf>,
    /// `vrrp_process_name`, `process_names` or `process_name`: the name
    /// our process takes.
    pub process_name: Option<String>,
}

/// Why a configuration cannot run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// It does not parse or does not make sense (with its position).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The `net_namespace` cannot be entered (keepalived exits too).
    #[error("net_namespace {name}: cannot enter /run/netns/{name}: {error}")]
    Namespace {
        /// The namespace's name.
        name: String,
        /// Why.
        error: io::Error,
    },
    /// `enable_script_security` is on and these scripts are not safe.
    #[error(
        "enable_script_security: refusing scripts that others could change:\n  {}",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
    )]
    Insecure(Vec<Insecure>),
}

/// Loads the keepalived.conf at `path`, checks it against this host as
/// keepalived does (with `host_checks`: [`host::check`]), maps it onto the
/// driver, and checks its scripts as keepalived's `enable_script_security`
/// does.
pub fn prepare(path: &Path, options: &Options) -> Result<Prepared, PrepareError> {
    let mut loaded = conf::load_with(path, &options.read)?;
    let mut host_checks = options.host_checks;
    let mut namespace_note = None;
    if let Some(name) = loaded
        .config
        .global
        .net_namespace
        .clone()
        .filter(|_| host_checks)
    {
        if let Some(note) = enter_namespace(&name, options.to_run)? {
            // keepalived's -t stops there too, having checked nothing.
            host_checks = false;
            namespace_note = Some(note);
        }
    }
    let mut host = if host_checks {
        loaded.config.read_key_files()?;
        crate::host::check(&mut loaded.config)?
    } else {
        // Not run here: what needs this host's files is left out, noted.
        crate::iproute2::leave_out_names(&mut loaded.config)
    };
    host.extend(namespace_note);
    let driver_config = crate::to_driver::driver_config(&loaded.config)?;
    let alerts = AlertPlan::from_config(&loaded.config);
    let (startup, shutdown) = HookScript::from_config(&loaded.config)?;
    let state_dump_file = loaded.config.global.state_dump_file.as_ref();
    let dumps = DumpPaths::new(tmp_dir(), state_dump_file.map(|f| f.value.as_str()));
    let insecure = security::check(&driver_config, nix::unistd::geteuid().as_raw());
    if loaded.config.global.enable_script_security && !insecure.is_empty() {
        return Err(PrepareError::Insecure(insecure));
    }
    Ok(Prepared {
        config: driver_config,
        warnings: loaded.warnings,
        host,
        insecure,
        alerts,
        dumps,
        startup,
        shutdown,
        tuning: crate::process::tuning(&loaded.config.global),
        umask: crate::process::umask(&loaded.config.global, options.umask),
        pid_files: crate::process::pid_files(&loaded.config.global),
        process_name: crate::process::process_name(&loaded.config.global),
    })
}

/// Enters `name` (keepalived's `set_namespaces`, before its host checks
/// and sockets). A namespace that does not exist is an error to run;
/// under `-t`, a warning (keepalived's `-t` says nothing and passes).
fn enter_namespace(
    name: &conf::Spanned<String>,
    to_run: bool,
) -> Result<Option<Warning>, PrepareError> {
    match vrrp_io_linux::netns::enter(&name.value) {
        Ok(Entered::Now | Entered::Already) => Ok(None),
        Ok(Entered::Kept(first)) => {
            tracing::warn!(
                "net_namespace cannot change on a reload: still {first}, not {}",
                name.value
            );
            Ok(None)
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound && !to_run => Ok(Some(Warning::new(
            name.at.clone(),
            format!(
                "net_namespace {0}: /run/netns/{0} does not exist on this host, so the daemon \
                 would refuse to start; nothing else is checked against this host \
                 (keepalived's -t passes it unchecked)",
                name.value
            ),
        ))),
        Err(error) => Err(PrepareError::Namespace {
            name: name.value.clone(),
            error,
        }),
    }
}

impl Prepared {
    /// Logs the warnings and the insecure scripts.
    pub fn log(&self) {
        for warning in self.warnings.iter().chain(&self.host) {
            tracing::warn!("{warning}");
        }
        for insecure in &self.insecure {
            tracing::warn!("{insecure}");
        }
    }
}

impl Daemon {
    /// Follows `plan` from now on; the worker is kept when the plan is the
    /// same.
    pub fn restart_alerts(&mut self, plan: Option<AlertPlan>) {
        if self.alerts.as_ref().map(Alerts::plan) == plan.as_ref() {
            return;
        }
        self.alerts = plan.and_then(|plan| match Alerts::start(plan) {
            Ok(alerts) => Some(alerts),
            Err(error) => {
                tracing::error!(
                    "smtp_alert: cannot start the mail worker, no mail will be sent: {error}"
                );
                None
            }
        });
    }
}

/// The capabilities the daemon needs that this process lacks, by name:
/// CAP_NET_RAW (raw VRRP sockets, gratuitous ARP) and CAP_NET_ADMIN
/// (addresses, VMACs). Read from /proc/self/status.
pub fn missing_capabilities() -> Vec<&'static str> {
    missing_from(&std::fs::read_to_string("/proc/self/status").unwrap_or_default())
}

/// The needed capabilities missing from `status`, a /proc/PID/status text.
fn missing_from(status: &str) -> Vec<&'static str> {
    const CAP_NET_ADMIN: u32 = 12;
    const CAP_NET_RAW: u32 = 13;
    let effective = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    [
        (CAP_NET_RAW, "CAP_NET_RAW"),
        (CAP_NET_ADMIN, "CAP_NET_ADMIN"),
    ]
    .into_iter()
    .filter(|(bit, _)| effective & (1 << bit) == 0)
    .map(|(_, name)| name)
    .collect()
}

/// Writes keepalived's dump file on its signal (SIGUSR1:
/// `keepalived.data`, SIGUSR2: `keepalived.stats`, SIGRTMIN+2:
/// `keepalived.json`) where `paths` says now (a reload may move it), from
/// a snapshot `handle` asks the driver for, on a thread of its own.
/// SIGUSR1 also reaches the driver (the status dump). A file that cannot
/// be written is logged as an error.
pub fn serve_dumps(handle: Handle, paths: Arc<Mutex<DumpPaths>>) -> io::Result<JoinHandle<()>> {
    let mut signals = signal_hook::iterator::Signals::new(Dump::ALL.map(Dump::signal))?;
    std::thread::Builder::new()
        .name("dumps".into())
        .spawn(move || {
            for signal in signals.forever() {
                let Some(dump) = Dump::of_signal(signal) else {
                    continue;
                };
                let file = paths.lock().unwrap_or_else(PoisonError::into_inner).path(dump);
                let Some(snapshot) = handle.inspect(status::snapshot, SNAPSHOT_WAIT) else {
                    tracing::error!(file = %file.display(), "cannot write: the VRRP driver did not answer");
                    continue;
                };
                match dump.write(&snapshot, &file) {
                    // Routine (an exporter asks every scrape): not worth a line at info.
                    Ok(()) => tracing::debug!(file = %file.display(), "written"),
                    Err(error) => tracing::error!(file = %file.display(), %error, "cannot write"),
                }
            }
        })
}

/// What the daemon does with the driver's events.
#[derive(Debug)]
pub struct Daemon {
    /// The configuration file, read again on SIGHUP.
    pub config_path: PathBuf,
    /// Where SIGUSR1 writes the JSON status.
    pub status_path: PathBuf,
    /// The e-mail alerts (`smtp_alert`), if the configuration has any.
    pub alerts: Option<Alerts>,
    /// How the configuration is read again.
    pub options: Options,
    /// Where the dump files go ([`serve_dumps`]), set again on reload.
    pub dumps: Arc<Mutex<DumpPaths>>,
    /// The name the configuration gave our process, changed on reload.
    pub process_name: Option<String>,
}

impl Daemon {
    /// Answers one driver event: SIGHUP reloads, SIGUSR1 dumps the status,
    /// a state change is mailed where `smtp_alert` asks. State changes are
    /// logged by the driver, one line each.
    pub fn on_event(&mut self, driver: &mut Driver, event: DriverEvent) {
        match event {
            DriverEvent::Reload => self.reload(driver),
            DriverEvent::StateChanged { instance, to, .. } => {
                if let (Some(alerts), Some(spec)) = (&mut self.alerts, driver.specs().get(instance))
                {
                    alerts.on_state(&spec.name, to);
                }
            }
            DriverEvent::DumpStatus => {
                let snapshot = status::to_json(&status::snapshot(driver));
                match status::write(&snapshot, &self.status_path) {
                    Ok(()) => tracing::info!(file = %self.status_path.display(), "status written"),
                    Err(error) => {
                        tracing::error!(file = %self.status_path.display(), %error, "cannot write the status")
                    }
                }
            }
            DriverEvent::Stopped => {
                let _ = systemd::notify("STOPPING=1");
            }
            _ => {}
        }
    }

    /// Reads the configuration again and applies it; a configuration that
    /// fails is rejected and the running one stays.
    pub fn reload(&mut self, driver: &mut Driver) {
        let _ = systemd::notify("RELOADING=1");
        tracing::info!(file = %self.config_path.display(), "SIGHUP: reloading");
        match prepare(&self.config_path, &self.options) {
            Err(error) => {
                tracing::error!("reload rejected, the running configuration stays: {error}")
            }
            Ok(prepared) => {
                prepared.log();
                crate::process::rename(
                    self.process_name.as_deref(),
                    prepared.process_name.as_deref(),
                );
                self.process_name.clone_from(&prepared.process_name);
                self.restart_alerts(prepared.alerts.clone());
                *self.dumps.lock().unwrap_or_else(PoisonError::into_inner) = prepared.dumps.clone();
                let mut config = prepared.config;
                config.handle_signals = true;
                let mut events = Vec::new();
                match driver.reload(config, &mut events) {
                    Ok(summary) => tracing::info!(
                        kept = ?summary.kept,
                        restarted = ?summary.restarted,
                        removed = ?summary.removed,
                        added = ?summary.added,
                        "reloaded"
                    ),
                    Err(error) => {
                        tracing::error!("reload rejected, the running configuration stays: {error}")
                    }
                }
            }
        }
        // The file read and the old instances are freed in holes of the
        // heap: give them back, or every reload would leave them resident.
        vrrp_io_linux::release_free_heap();
        let _ = systemd::notify("READY=1");
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vrrp-daemon-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    const INSTANCE: &str = "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n \
                            virtual_ipaddress { 192.0.2.1 }\n track_script { chk }\n}\n";

    fn no_host_checks() -> Options {
        Options {
            host_checks: false,
            ..Options::default()
        }
    }

    #[test]
    fn a_config_error_names_its_position() {
        let path = write("bad.conf", "vrrp_instance V {\n priority 300\n}\n");
        let error = prepare(&path, &no_host_checks()).unwrap_err().to_string();
        assert!(error.contains("bad.conf:2:"), "{error}");
    }

    #[test]
    fn script_security_refuses_what_others_can_change() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED: script security applies to root's scripts");
            return;
        }
        // /tmp is sticky (fine) but a 0777 file in it is not.
        let script = write("check.sh", "#!/bin/sh\nexit 0\n");
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .unwrap();
        let body = format!(
            "vrrp_script chk {{\n script \"{}\"\n}}\n{INSTANCE}",
            script.display()
        );
        let lax = write("lax.conf", &body);
        let prepared = prepare(&lax, &no_host_checks()).unwrap();
        assert_eq!(prepared.insecure.len(), 1, "warned, not refused");
        let strict = write(
            "strict.conf",
            &format!("global_defs {{\n enable_script_security\n}}\n{body}"),
        );
        let error = prepare(&strict, &no_host_checks()).unwrap_err().to_string();
        assert!(error.contains("refusing"), "{error}");
        assert!(error.contains(&script.display().to_string()), "{error}");
        assert!(error.contains("writable by everyone"), "{error}");
    }

    #[test]
    fn capabilities_from_proc_status() {
        let status = |eff: &str| format!("Name:\tx\nCapInh:\t0\nCapEff:\t{eff}\nCapBnd:\t0\n");
        assert!(missing_from(&status("000001ffffffffff")).is_empty());
        assert!(missing_from(&status("0000000000003000")).is_empty());
        assert_eq!(missing_from(&status("0000000000002000")), ["CAP_NET_ADMIN"]);
        assert_eq!(
            missing_from(&status("0000000000000000")),
            ["CAP_NET_RAW", "CAP_NET_ADMIN"]
        );
    }
}
