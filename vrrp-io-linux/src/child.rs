//! A script's child process, the one home of how scripts run: track
//! scripts, notify scripts and FIFO readers, startup and shutdown scripts.
//! Each leads a process group of its own, so a timeout kills whatever the
//! script started too.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// Where a script's stdout and stderr go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// To /dev/null: a chatty script never fills a pipe nobody reads.
    Discard,
    /// To the daemon's own (its log, under systemd).
    Inherit,
}

/// Starts `argv` (program first) with stdin from /dev/null, as `run_as`
/// (uid, gid) when given, leading a new process group.
pub fn spawn(argv: &[String], run_as: Option<(u32, u32)>, output: Output) -> io::Result<Child> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "an empty command"))?;
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null()).process_group(0);
    crate::tuning::untuned(&mut command);
    if output == Output::Discard {
        command.stdout(Stdio::null()).stderr(Stdio::null());
    }
    if let Some((uid, gid)) = run_as {
        command.gid(gid).uid(uid);
    }
    command.spawn()
}

/// SIGKILLs `child`'s process group (it leads one: [`spawn`]).
pub fn kill_group(child: &Child) -> nix::Result<()> {
    let pid = i32::try_from(child.id()).map_err(|_| nix::Error::ESRCH)?;
    killpg(Pid::from_raw(pid), Signal::SIGKILL)
}
