//! A process running on a lab host.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, killpg};
use nix::unistd::Pid;

use super::Signal;
use super::watch::wait_for;

/// A program started by [`Host::spawn`](super::Host::spawn). The process we
/// start is `nsenter`, which forks the program into the host's PID namespace
/// and waits for it; signals go to the program itself, found as nsenter's
/// child. Dropping a `Proc` SIGKILLs the program and its process group.
pub struct Proc {
    name: String,
    nsenter: Child,
    pid: Pid,
    log: PathBuf,
}

impl Proc {
    pub(super) fn spawn(name: &str, mut command: Command, log: PathBuf) -> Self {
        let file = File::create(&log).expect("log file");
        let mut nsenter = command
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
        let pid = child_of(&mut nsenter, &format!("{name} (log {})", log.display()));
        Self {
            name: name.to_owned(),
            nsenter,
            pid,
            log,
        }
    }

    /// The name given to `spawn`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The program's pid, as the root PID namespace numbers it.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Sends `signal` to the program, as `kill -SIG pid` on a real host.
    /// Its children (keepalived's VRRP process, say) do not get it.
    pub fn kill(&self, signal: Signal) {
        self.signal(signal, || kill(self.pid, signal));
    }

    /// Sends `signal` to the program and every process of its process group
    /// (its children, unless they left it), as `killall -SIG keepalived`
    /// does to all of keepalived's processes.
    pub fn kill_group(&self, signal: Signal) {
        self.signal(signal, || killpg(self.pid, signal));
    }

    /// Sends a signal with `send`, minding nsenter, which stops itself when
    /// the program stops and continues the program when it is continued.
    fn signal(&self, signal: Signal, send: impl FnOnce() -> nix::Result<()>) {
        let nsenter = self.nsenter_pid();
        if signal == Signal::SIGCONT {
            let _ = kill(nsenter, Signal::SIGCONT);
        }
        let _ = send();
        if signal == Signal::SIGSTOP {
            // Let nsenter follow now, so a later SIGCONT cannot overtake it
            // and leave it stopped for good.
            let _ = wait_for(Duration::from_secs(1), || state(nsenter) == Some('T'));
        }
    }

    fn nsenter_pid(&self) -> Pid {
        Pid::from_raw(i32::try_from(self.nsenter.id()).expect("a pid"))
    }

    /// Continues a stopped nsenter whose program is no longer stopped (it was
    /// continued, or died), so it can reap the program and exit.
    fn unstick(&self) {
        let nsenter = self.nsenter_pid();
        if state(nsenter) == Some('T') && state(self.pid) != Some('T') {
            let _ = kill(nsenter, Signal::SIGCONT);
        }
    }

    /// Whether the program still runs (stopped counts as running).
    pub fn is_running(&mut self) -> bool {
        self.unstick();
        matches!(self.nsenter.try_wait(), Ok(None))
    }

    /// Waits up to `timeout` for the program to end; its exit status (a
    /// signal that killed it shows as that signal).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            self.unstick();
            if let Ok(Some(status)) = self.nsenter.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Everything the program wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The file holding the program's stdout and stderr.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Waits up to `timeout` for `needle` to appear in the log.
    pub fn wait_log(&self, needle: &str, timeout: Duration) -> Option<Duration> {
        wait_for(timeout, || self.log().contains(needle))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = killpg(self.pid, Signal::SIGKILL);
        let _ = kill(self.pid, Signal::SIGKILL);
        let _ = kill(self.nsenter_pid(), Signal::SIGCONT);
        // nsenter reaps the program and exits; killing it first would leave
        // the program a zombie until the host's init goes.
        if self.wait_exit(Duration::from_secs(2)).is_none() {
            let _ = self.nsenter.kill();
            let _ = self.nsenter.wait();
        }
    }
}

/// The state letter of `pid` in `/proc/<pid>/stat` (`R`, `S`, `T`, `Z`...).
pub fn state(pid: Pid) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// The one child `parent` forks (nsenter's program, unshare's init), as the
/// root PID namespace numbers it. Panics if none shows up within 5 s.
pub(super) fn child_of(parent: &mut Child, what: &str) -> Pid {
    let id = parent.id();
    let path = format!("/proc/{id}/task/{id}/children");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let children = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(pid) = children.split_whitespace().next() {
            return Pid::from_raw(pid.parse().expect("a pid"));
        }
        if let Ok(Some(status)) = parent.try_wait() {
            panic!("{what}: exited at once ({status})");
        }
        assert!(
            Instant::now() < deadline,
            "{what}: no child process after 5 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}
