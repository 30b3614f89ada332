//! How the daemon's process runs: nice value, real-time scheduling with its
//! CPU-time limit, memory locked, CPUs allowed ([`Tuning::apply`]), and the
//! children it starts run without them ([`untuned`]), as keepalived's
//! `set_process_priorities`, `set_process_cpu_affinity` and, in a script's
//! child, `reset_process_priorities` (its `lib/process.c`).
//!
//! Scheduling and nice are per thread on Linux: [`Tuning::apply`] tunes the
//! calling thread, which should be the one that runs the driver's loop.
//! Threads started after it inherit the nice value and the CPUs, but, under
//! real-time scheduling, start under SCHED_OTHER (`SCHED_RESET_ON_FORK`),
//! negative nice values reset, as keepalived's children do.

use std::io;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use nix::sched::{CpuSet, sched_setaffinity};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::unistd::Pid;

use crate::sys;

/// Bytes of stack touched once memory is locked, so that the loop's
/// deepest calls never fault (keepalived's `VRRP_STACK_SIZE`).
const STACK_RESERVE: usize = 32 * 1024;

/// What [`Tuning::apply`] changed, for [`untuned`] children to undo.
static CHANGED: OnceLock<Changed> = OnceLock::new();

/// The values a child gets back.
#[derive(Clone, Copy, Debug)]
struct Changed {
    /// The nice value before ours, if ours differs.
    nice: Option<i32>,
    /// RLIMIT_RTTIME before ours (soft, hard), if ours was set.
    rttime: Option<(u64, u64)>,
}

/// How the process should run. The default changes nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tuning {
    /// The nice value (-20..19), unless `round_robin` is set.
    pub nice: Option<i32>,
    /// SCHED_RR at this priority (1..99).
    pub round_robin: Option<u8>,
    /// Under `round_robin`, RLIMIT_RTTIME in microseconds: the hard limit
    /// (SIGKILL), half of it the soft one (SIGXCPU, logged). 0: none.
    pub rttime_limit: u32,
    /// Lock every page in memory (`mlockall`).
    pub lock_memory: bool,
    /// The CPUs it may run on; empty: any.
    pub cpus: Vec<usize>,
}

impl Tuning {
    /// Applies what is set to the calling thread (and, for the memory
    /// lock, the process), in keepalived's order; each step that fails is
    /// logged and the rest still done, as keepalived does. Call it once.
    pub fn apply(&self) {
        let mut changed = Changed {
            nice: None,
            rttime: None,
        };
        if let Some(priority) = self.round_robin {
            match sys::set_round_robin(priority.into()) {
                Ok(()) => {
                    tracing::info!(priority, "real-time scheduling (SCHED_RR)");
                    if self.rttime_limit > 0 {
                        changed.rttime = limit_rttime(self.rttime_limit);
                    }
                }
                Err(error) => {
                    tracing::warn!(priority, %error, "cannot use real-time scheduling");
                }
            }
        } else if let Some(nice) = self.nice {
            let before = sys::nice();
            match sys::set_nice(nice) {
                Ok(()) => {
                    tracing::info!(nice, "process priority set");
                    changed.nice = before.ok().filter(|&b| b != nice);
                }
                Err(error) => tracing::warn!(nice, %error, "cannot set the process priority"),
            }
        }
        if self.lock_memory {
            match sys::lock_all_memory() {
                Ok(()) => {
                    touch_stack();
                    tracing::info!("memory locked (no swap)");
                }
                Err(error) => tracing::warn!(%error, "cannot lock the process in memory"),
            }
        }
        if !self.cpus.is_empty() {
            if let Err(error) = set_cpus(&self.cpus) {
                tracing::warn!(cpus = ?self.cpus, %error, "cannot set the CPU affinity");
            }
        }
        let _ = CHANGED.set(changed);
    }
}

/// Sets RLIMIT_RTTIME to `limit` microseconds (half of it the soft limit),
/// logs SIGXCPU (the soft limit reached) instead of dying of it; returns
/// the limit before, to give children back.
fn limit_rttime(limit: u32) -> Option<(u64, u64)> {
    let before = getrlimit(Resource::RLIMIT_RTTIME).ok()?;
    let hard = u64::from(limit);
    if let Err(error) = log_sigxcpu() {
        tracing::warn!(%error, "cannot catch SIGXCPU");
    }
    match setrlimit(Resource::RLIMIT_RTTIME, hard / 2, hard) {
        Ok(()) => Some(before),
        Err(error) => {
            tracing::warn!(limit = hard, %error, "cannot set the real-time CPU limit");
            None
        }
    }
}

/// keepalived's automatic real-time priority (`max_auto_priority`,
/// `min_auto_priority_delay`; its lib/scheduler.c and lib/process.c): a
/// loop that wakes more than `min_delay` after its earliest deadline says
/// so and moves one SCHED_RR step up, from none to 1, up to `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AutoPriority {
    /// The highest priority it raises to; 0: it never raises.
    pub max: u8,
    /// How late a wake-up must be to count.
    pub min_delay: Duration,
    /// RLIMIT_RTTIME (microseconds, 0: none) set with the first step from
    /// SCHED_OTHER, as [`Tuning::rttime_limit`].
    pub rttime_limit: u32,
}

impl Default for AutoPriority {
    /// keepalived's: no raising; a wake-up 1 s late is logged.
    fn default() -> Self {
        Self {
            max: 0,
            min_delay: Duration::from_secs(1),
            rttime_limit: 0,
        }
    }
}

impl AutoPriority {
    /// The priority one step above `current` (0: not real-time), if
    /// `max` allows one.
    pub fn next(&self, current: u8) -> Option<u8> {
        (current < self.max).then_some(current + 1)
    }

    /// The loop woke `late` after its earliest deadline: past `min_delay`,
    /// logged and the calling thread raised a step (keepalived: "A thread
    /// timer expired ... ago", "Set realtime priority N"). Returns the
    /// priority set.
    pub fn handle_late(&self, late: Duration) -> Option<u8> {
        if late <= self.min_delay {
            return None;
        }
        tracing::warn!(
            late_ms = late.as_millis(),
            "the loop woke late: a timer expired that long ago"
        );
        let current = match sys::realtime_priority() {
            Ok(current) => u8::try_from(current).unwrap_or(u8::MAX),
            Err(error) => {
                tracing::warn!(%error, "cannot read the scheduling priority");
                return None;
            }
        };
        let next = self.next(current)?;
        if let Err(error) = sys::set_round_robin(next.into()) {
            tracing::warn!(priority = next, %error, "cannot raise the real-time priority");
            return None;
        }
        if current == 0 && self.rttime_limit > 0 {
            limit_rttime(self.rttime_limit);
        }
        tracing::info!(priority = next, "real-time priority raised (SCHED_RR)");
        Some(next)
    }
}

/// `command` runs its program with the nice value and RLIMIT_RTTIME we
/// started with (keepalived's `reset_process_priorities` in a script's
/// child): real-time scheduling is already off in it (`SCHED_RESET_ON_FORK`)
/// and memory locks are never inherited. The CPU affinity is inherited, as
/// keepalived's scripts inherit it. A child that drops to another user
/// cannot take a nice value back below ours (the kernel refuses it).
pub fn untuned(command: &mut Command) -> &mut Command {
    if let Some(changed) = CHANGED.get() {
        if changed.nice.is_some() || changed.rttime.is_some() {
            sys::untune_on_exec(command, changed.nice, changed.rttime);
        }
    }
    command
}

/// Sets the file creation mask of the process (its threads and the
/// children it starts share it); returns the one before.
pub fn set_umask(mask: u32) -> u32 {
    let mode = nix::sys::stat::Mode::from_bits_truncate(mask & 0o777);
    nix::sys::stat::umask(mode).bits()
}

/// Names the calling thread `name` (`prctl(PR_SET_NAME)`, at most 15
/// bytes: `/proc/PID/comm` for the main thread), as keepalived's
/// `set_process_name`.
pub fn set_process_name(name: &str) -> io::Result<()> {
    let name = std::ffi::CString::new(name).map_err(io::Error::other)?;
    nix::sys::prctl::set_name(&name).map_err(io::Error::from)
}

fn set_cpus(cpus: &[usize]) -> nix::Result<()> {
    let mut set = CpuSet::new();
    for &cpu in cpus {
        set.set(cpu)?;
    }
    sched_setaffinity(Pid::from_raw(0), &set)?;
    tracing::info!(?cpus, "CPU affinity set");
    Ok(())
}

/// Faults [`STACK_RESERVE`] bytes of stack in now that they stay locked.
#[inline(never)]
fn touch_stack() {
    let mut stack = [0u8; STACK_RESERVE];
    for byte in stack.iter_mut().step_by(4096) {
        *byte = 23;
    }
    std::hint::black_box(&mut stack);
}

/// SIGXCPU's default ends the process: log it instead (keepalived's
/// `log_sigxcpu`), on a thread of its own.
fn log_sigxcpu() -> io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGXCPU])?;
    std::thread::Builder::new()
        .name("sigxcpu".into())
        .spawn(move || {
            for _ in signals.forever() {
                tracing::warn!(
                    "SIGXCPU: the real-time loop used half its RLIMIT_RTTIME without blocking"
                );
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::AutoPriority;
    use std::time::Duration;

    #[test]
    fn a_step_up_from_none_to_the_cap() {
        let auto = AutoPriority {
            max: 2,
            ..AutoPriority::default()
        };
        assert_eq!(auto.next(0), Some(1));
        assert_eq!(auto.next(1), Some(2));
        assert_eq!(auto.next(2), None);
        // Started higher by vrrp_rt_priority: never lowered.
        assert_eq!(auto.next(20), None);
        assert_eq!(AutoPriority::default().next(0), None);
    }

    #[test]
    fn on_time_is_not_late() {
        let auto = AutoPriority {
            max: 99,
            min_delay: Duration::from_millis(200),
            rttime_limit: 0,
        };
        assert_eq!(auto.handle_late(Duration::from_millis(200)), None);
    }
}
