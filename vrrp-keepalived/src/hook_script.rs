//! keepalived's `startup_script` and `shutdown_script` (keepalived 2.4.3
//! `main.c`: `run_startup_script`, `startup_shutdown_script_completed`):
//! run once, before the instances start and after they stopped; the
//! daemon waits for each, killing it (and its process group) after its
//! timeout. Its exit status is logged, and the daemon goes on either way.

use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use vrrp_io_linux::notify::NotifyCommand;
use vrrp_io_linux::track::script::split_command;

use crate::conf::{ConfigError, KeepalivedConfig, NotifyScript};
use crate::to_driver::notify_command;

/// keepalived's timeout when none is written.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A startup or shutdown script, its user resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookScript {
    /// `startup` or `shutdown`, for the log.
    pub kind: &'static str,
    /// The command and who runs it.
    pub command: NotifyCommand,
    /// How long it may run.
    pub timeout: Duration,
}

/// How a script ended.
#[derive(Debug)]
pub enum Ended {
    /// It exited or was signalled.
    Exited(ExitStatus),
    /// It ran past its timeout and was killed.
    TimedOut,
}

impl HookScript {
    /// The `startup_script` and `shutdown_script` of `config`.
    pub fn from_config(
        config: &KeepalivedConfig,
    ) -> Result<(Option<Self>, Option<Self>), ConfigError> {
        let g = &config.global;
        let one = |kind, script: &Option<NotifyScript>, timeout: Option<u32>| {
            script
                .as_ref()
                .map(|script| {
                    Ok(Self {
                        kind,
                        command: notify_command(config, script)?,
                        timeout: timeout.map_or(DEFAULT_TIMEOUT, |s| Duration::from_secs(s.into())),
                    })
                })
                .transpose()
        };
        Ok((
            one("startup", &g.startup_script, g.startup_script_timeout)?,
            one("shutdown", &g.shutdown_script, g.shutdown_script_timeout)?,
        ))
    }

    /// Runs it and waits for it (at most its timeout, then kills its
    /// process group); logs how it ended.
    pub fn run(&self) -> io::Result<Ended> {
        let argv = split_command(&self.command.command);
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "an empty command"))?;
        let mut command = Command::new(program);
        command.args(args).stdin(Stdio::null()).process_group(0);
        vrrp_io_linux::tuning::untuned(&mut command);
        if let Some((uid, gid)) = self.command.run_as {
            command.gid(gid).uid(uid);
        }
        tracing::info!(command = %self.command.command, "running the {} script", self.kind);
        let mut child = command.spawn()?;
        let deadline = Instant::now() + self.timeout;
        let ended = loop {
            if let Some(status) = child.try_wait()? {
                break Ended::Exited(status);
            }
            if Instant::now() >= deadline {
                let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
                let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
                child.wait()?;
                break Ended::TimedOut;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        match &ended {
            Ended::Exited(status) if status.success() => {
                tracing::info!("{} script succeeded", self.kind);
            }
            Ended::Exited(status) => match status.code() {
                Some(code) => tracing::warn!("{} script failed, status {code}", self.kind),
                None => tracing::warn!(
                    "{} script killed by signal {}",
                    self.kind,
                    status.signal().unwrap_or(0)
                ),
            },
            Ended::TimedOut => tracing::warn!(
                timeout = ?self.timeout,
                "{} script timed out; killed",
                self.kind
            ),
        }
        Ok(ended)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn script(command: &str, timeout: Duration) -> HookScript {
        HookScript {
            kind: "startup",
            command: NotifyCommand {
                command: command.into(),
                run_as: None,
            },
            timeout,
        }
    }

    #[test]
    fn waits_for_the_script_and_reports_its_status() {
        let second = Duration::from_secs(1);
        let ended = script("/bin/sh -c 'sleep 0.2; exit 3'", second)
            .run()
            .unwrap();
        assert!(
            matches!(ended, Ended::Exited(s) if s.code() == Some(3)),
            "{ended:?}"
        );
        let ended = script("/bin/true", second).run().unwrap();
        assert!(
            matches!(ended, Ended::Exited(s) if s.success()),
            "{ended:?}"
        );
    }

    #[test]
    fn kills_it_at_its_timeout() {
        let start = Instant::now();
        let ended = script("/bin/sleep 30", Duration::from_millis(300))
            .run()
            .unwrap();
        assert!(matches!(ended, Ended::TimedOut), "{ended:?}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }
}
