//! Notify scripts and notify FIFOs (keepalived's `notify_master`,
//! `notify_backup`, `notify_fault`, `notify_stop`, `notify_deleted`,
//! `notify` and `notify_fifo`), called as keepalived calls them:
//!
//! - `notify_<state>` runs as written;
//! - `notify` runs with four more arguments: `INSTANCE|GROUP NAME
//!   MASTER|BACKUP|FAULT|STOP|DELETED PRIORITY` (the priority is 0 for a
//!   group; DELETED: a reload removed an instance with `notify_deleted`);
//! - a FIFO gets one line per change: `INSTANCE "NAME" MASTER 100`, and
//!   with `notify_priority_changes` one per change of the effective
//!   priority: `INSTANCE "NAME" BACKUP_PRIORITY 90`.
//!
//! Unlike keepalived, the scripts of one instance (or sync group) never
//! overlap: they queue, strictly in the order of the state changes, and the
//! next starts when the previous exited. A script that hangs is killed at
//! the timeout so the queue moves on. Nothing here blocks: the driver calls
//! [`Notifier::handle_timeout`] at [`Notifier::poll_timeout`] and on SIGCHLD.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use vrrp_core::State;

use crate::child::{self, Output, kill_group};
use crate::track::script::split_command;

mod spec;

pub use self::spec::{
    DEFAULT_TIMEOUT, FifoSpec, GroupNotify, NotifyCommand, NotifyConfig, NotifyScripts, NotifyState,
};

/// How often a running script is looked at when no SIGCHLD says it ended
/// (an embedding service may not forward signals).
const REAP_POLL: Duration = Duration::from_millis(100);

/// One script run waiting in a queue.
#[derive(Debug)]
struct Job {
    argv: Vec<String>,
    run_as: Option<(u32, u32)>,
    /// For logs: `OCP_EXT MASTER (notify_master)`.
    label: String,
}

#[derive(Debug)]
struct Running {
    child: Child,
    label: String,
    started: Instant,
    killed: bool,
}

/// The scripts of one instance or group: one at a time, in order.
#[derive(Debug, Default)]
struct Queue {
    pending: VecDeque<Job>,
    running: Option<Running>,
}

#[derive(Debug)]
struct Fifo {
    path: PathBuf,
    file: File,
    reader: Option<Child>,
    /// Lines dropped since the FIFO filled (nobody reads it).
    dropped: u64,
}

/// Runs the notify scripts of every instance and group, and writes the FIFOs.
#[derive(Debug)]
pub struct Notifier {
    config: NotifyConfig,
    /// Instances first, then groups.
    queues: Vec<Queue>,
    /// False only while every queue is empty and no script runs: a turn
    /// then skips the scan of the queues (4,080 of them, at every wake-up).
    maybe_busy: bool,
    group_states: Vec<Option<NotifyState>>,
    fifos: Vec<Fifo>,
    /// Whether some instance has `priority_changes`: read every turn, so
    /// kept rather than found by a scan of the instances each time.
    watches_priorities: bool,
    /// Instances a reload is removing: their stop is notified DELETED
    /// where they have `notify_deleted`.
    deleting: Vec<usize>,
}

impl Notifier {
    /// Opens (creating if needed) the FIFOs and starts their readers. A FIFO
    /// that cannot be opened is logged and left out.
    pub fn new(config: NotifyConfig) -> Self {
        let fifos = config.fifos.iter().filter_map(open_fifo).collect();
        let queues = (0..config.instances.len() + config.groups.len())
            .map(|_| Queue::default())
            .collect();
        Self {
            group_states: vec![None; config.groups.len()],
            queues,
            maybe_busy: false,
            fifos,
            watches_priorities: watches_priorities(&config),
            deleting: Vec::new(),
            config,
        }
    }

    /// Instance `instance`, called `name`, entered `state` with `priority`:
    /// queues its scripts and those of any sync group this moves, writes
    /// the FIFOs, and starts what can start.
    pub fn state_changed(
        &mut self,
        now: Instant,
        instance: usize,
        name: &str,
        state: State,
        priority: u8,
    ) {
        let group_state = NotifyState::of(state);
        let mut state = group_state;
        if let Some(scripts) = self.config.instances.get(instance) {
            // keepalived 2.4.3 (vrrp.c, clear_diff_vrrp): DELETED for an
            // instance a reload removes, with `notify_deleted`.
            if state == NotifyState::Stop
                && scripts.notify_deleted
                && self.deleting.contains(&instance)
            {
                state = NotifyState::Deleted;
            }
            let jobs = jobs(scripts, "INSTANCE", name, state, priority);
            let queue = &mut self.queues[instance].pending;
            let before = queue.len();
            queue.extend(jobs);
            self.maybe_busy |= queue.len() > before;
        }
        self.write_fifos(&format!(
            "INSTANCE \"{name}\" {} {priority}\n",
            state.as_str()
        ));
        for g in 0..self.config.groups.len() {
            let group = &self.config.groups[g];
            if !group.members.contains(&instance) || self.group_states[g] == Some(group_state) {
                continue;
            }
            self.group_states[g] = Some(group_state);
            let jobs = jobs(&group.scripts, "GROUP", &group.name, group_state, 0);
            let line = format!("GROUP \"{}\" {} 0\n", group.name, group_state.as_str());
            let queue = &mut self.queues[self.config.instances.len() + g].pending;
            let before = queue.len();
            queue.extend(jobs);
            self.maybe_busy |= queue.len() > before;
            self.write_fifos(&line);
        }
        self.handle_timeout(now);
    }

    /// Instance `instance`, called `name`, Master at `priority`, heard a
    /// lower-priority Master: queues `notify_master_rx_lower_pri` and writes
    /// the FIFOs (`INSTANCE "NAME" MASTER_RX_LOWER_PRI 100`), as keepalived.
    pub fn master_rx_lower_pri(&mut self, now: Instant, instance: usize, name: &str, priority: u8) {
        let script = self
            .config
            .instances
            .get(instance)
            .and_then(|s| s.master_rx_lower_pri.as_ref());
        if let Some(c) = script {
            self.queues[instance].pending.push_back(Job {
                argv: split_command(&c.command),
                run_as: c.run_as,
                label: format!("{name} MASTER_RX_LOWER_PRI (notify_master_rx_lower_pri)"),
            });
            self.maybe_busy = true;
        }
        self.write_fifos(&format!(
            "INSTANCE \"{name}\" MASTER_RX_LOWER_PRI {priority}\n"
        ));
        self.handle_timeout(now);
    }

    /// After a reload, `name` stays in `state` at `priority`: with
    /// [`NotifyConfig::states_on_reload`], the FIFOs get its line again.
    pub fn state_on_reload(&mut self, name: &str, state: State, priority: u8) {
        if self.config.states_on_reload {
            let state = NotifyState::of(state).as_str();
            self.write_fifos(&format!("INSTANCE \"{name}\" {state} {priority}\n"));
        }
    }

    /// Whether some instance has [`NotifyScripts::priority_changes`].
    pub fn watches_priorities(&self) -> bool {
        self.watches_priorities
    }

    /// Instance `instance`, called `name`, in `state`, now runs at
    /// `priority`: with `priority_changes`, the FIFOs get keepalived 2.4.3's
    /// line (`vrrp_notify.c`, `send_instance_priority_notifies`):
    /// `MASTER_PRIORITY` for a Master, `BACKUP_PRIORITY` in any other state.
    pub fn priority_changed(&mut self, instance: usize, name: &str, state: State, priority: u8) {
        if !self
            .config
            .instances
            .get(instance)
            .is_some_and(|s| s.priority_changes)
        {
            return;
        }
        let event = match state {
            State::Master => "MASTER_PRIORITY",
            _ => "BACKUP_PRIORITY",
        };
        self.write_fifos(&format!("INSTANCE \"{name}\" {event} {priority}\n"));
    }

    /// Reaps scripts that ended, kills those past the timeout, starts the
    /// next of each queue. Call it at [`poll_timeout`](Self::poll_timeout)
    /// and on SIGCHLD; spurious calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.maybe_busy {
            return;
        }
        let timeout = self.timeout();
        for queue in &mut self.queues {
            if let Some(running) = &mut queue.running {
                match running.child.try_wait() {
                    Ok(Some(status)) => {
                        if running.killed {
                            tracing::warn!(script = %running.label, ?timeout, "notify script killed at its timeout");
                        } else if !status.success() {
                            tracing::warn!(script = %running.label, %status, "notify script failed");
                        } else {
                            tracing::debug!(script = %running.label, "notify script done");
                        }
                        queue.running = None;
                    }
                    Ok(None) => {
                        if !running.killed && now >= running.started + timeout {
                            let _ = kill_group(&running.child);
                            running.killed = true;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(script = %running.label, %error, "cannot wait for notify script");
                        queue.running = None;
                    }
                }
            }
            while queue.running.is_none() {
                let Some(job) = queue.pending.pop_front() else {
                    break;
                };
                match child::spawn(&job.argv, job.run_as, Output::Discard) {
                    Ok(child) => {
                        queue.running = Some(Running {
                            child,
                            label: job.label,
                            started: now,
                            killed: false,
                        })
                    }
                    Err(error) => {
                        tracing::warn!(script = %job.label, %error, "notify script could not start")
                    }
                }
            }
        }
        self.maybe_busy = !self.is_idle();
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next: while a
    /// script runs, soon (in case no SIGCHLD comes) and at its timeout.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if !self.maybe_busy {
            return None;
        }
        let timeout = self.timeout();
        self.queues
            .iter()
            .filter_map(|q| q.running.as_ref())
            .map(|r| (Instant::now() + REAP_POLL).min(r.started + timeout))
            .min()
    }

    /// Whether no script runs or waits.
    pub fn is_idle(&self) -> bool {
        self.queues
            .iter()
            .all(|q| q.running.is_none() && q.pending.is_empty())
    }

    /// Scripts running or waiting, for status and metrics.
    pub fn busy(&self) -> usize {
        self.queues
            .iter()
            .map(|q| q.pending.len() + usize::from(q.running.is_some()))
            .sum()
    }

    /// A reload is about to stop `instances` (old indexes) for good.
    pub fn deleting(&mut self, instances: Vec<usize>) {
        self.deleting = instances;
    }

    /// Takes the configuration of a reload. `instance_map[old]` is the new
    /// index of old instance `old` (by name), if it is still configured.
    /// Queued and running scripts carry on in order: an instance's (or a
    /// group's, by name) go on in its new queue, so its scripts still never
    /// overlap; those of removed instances finish on their own. A group
    /// keeps its state when it keeps its name; FIFOs that stay stay open.
    pub fn reconfigure(&mut self, config: NotifyConfig, instance_map: &[Option<usize>]) {
        let old_instances = self.config.instances.len();
        self.deleting.clear();
        let mut old: Vec<Option<Queue>> = std::mem::take(&mut self.queues)
            .into_iter()
            .map(Some)
            .collect();
        let old_groups: Vec<&str> = self.config.groups.iter().map(|g| g.name.as_str()).collect();
        let group_states = config
            .groups
            .iter()
            .map(|g| {
                let i = old_groups.iter().position(|name| *name == g.name)?;
                self.group_states[i]
            })
            .collect();
        let mut queues: Vec<Queue> = (0..config.instances.len() + config.groups.len())
            .map(|_| Queue::default())
            .collect();
        for (j, new) in instance_map.iter().enumerate().take(old_instances) {
            if let Some(i) = new.filter(|&i| i < config.instances.len()) {
                queues[i] = old[j].take().unwrap_or_default();
            }
        }
        for (g, group) in config.groups.iter().enumerate() {
            if let Some(k) = old_groups.iter().position(|name| *name == group.name) {
                queues[config.instances.len() + g] =
                    old[old_instances + k].take().unwrap_or_default();
            }
        }
        // The rest (removed instances and groups, earlier leftovers) finish
        // on their own, after every regular queue.
        queues.extend(
            old.into_iter()
                .flatten()
                .filter(|q| q.running.is_some() || !q.pending.is_empty()),
        );
        self.queues = queues;
        self.maybe_busy = !self.is_idle();
        self.group_states = group_states;
        let mut fifos = std::mem::take(&mut self.fifos);
        self.fifos = config
            .fifos
            .iter()
            .filter_map(
                |spec| match fifos.iter().position(|f| f.path == spec.path) {
                    Some(i) => Some(fifos.swap_remove(i)),
                    None => open_fifo(spec),
                },
            )
            .collect();
        self.watches_priorities = watches_priorities(&config);
        self.config = config;
    }

    fn timeout(&self) -> Duration {
        if self.config.timeout.is_zero() {
            DEFAULT_TIMEOUT
        } else {
            self.config.timeout
        }
    }

    fn write_fifos(&mut self, line: &str) {
        for fifo in &mut self.fifos {
            match fifo.file.write(line.as_bytes()) {
                Ok(n) if n == line.len() => {
                    if fifo.dropped > 0 {
                        tracing::warn!(fifo = %fifo.path.display(), dropped = fifo.dropped, "notify FIFO drained again; lines were lost while it was full");
                        fifo.dropped = 0;
                    }
                }
                Ok(_) | Err(_) => {
                    if fifo.dropped == 0 {
                        tracing::warn!(fifo = %fifo.path.display(), "notify FIFO is full (is its reader running?): dropping lines");
                    }
                    fifo.dropped += 1;
                }
            }
        }
    }
}

impl Drop for Notifier {
    /// FIFO readers get SIGTERM, as keepalived sends them. Notify scripts
    /// are left to finish: one may be restarting a service.
    fn drop(&mut self) {
        for fifo in &mut self.fifos {
            if let Some(reader) = &mut fifo.reader {
                if let Ok(pid) = i32::try_from(reader.id()) {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid),
                        nix::sys::signal::Signal::SIGTERM,
                    );
                }
                let _ = reader.try_wait();
            }
        }
    }
}

/// The runs one change causes: the state's own script, then `notify`.
fn jobs(
    scripts: &NotifyScripts,
    kind: &str,
    name: &str,
    state: NotifyState,
    priority: u8,
) -> impl Iterator<Item = Job> {
    let own = scripts.for_state(state).map(|c| Job {
        argv: split_command(&c.command),
        run_as: c.run_as,
        label: format!(
            "{name} {} (notify_{})",
            state.as_str(),
            state.as_str().to_lowercase()
        ),
    });
    let any = scripts.any.as_ref().map(|c| Job {
        argv: with_args(
            &c.command,
            &[kind, name, state.as_str(), &priority.to_string()],
        ),
        run_as: c.run_as,
        label: format!("{name} {} (notify)", state.as_str()),
    });
    own.into_iter().chain(any)
}

/// The argv of `command` with `args` appended; a command that needs a shell
/// gets them as `"$@"` at the end of its line.
pub fn with_args(command: &str, args: &[&str]) -> Vec<String> {
    let mut argv = split_command(command);
    if argv.first().is_some_and(|a| a == "/bin/sh") && argv.len() == 3 && argv[2] == command {
        argv[2] = format!("{command} \"$@\"");
        argv.push("sh".into());
    }
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    argv
}

/// Creates the FIFO if missing, opens it read-write and non-blocking (so a
/// write never blocks and never fails for want of a reader), starts its reader.
/// Whether some instance of `config` has `priority_changes`.
fn watches_priorities(config: &NotifyConfig) -> bool {
    config.instances.iter().any(|s| s.priority_changes)
}

fn open_fifo(spec: &FifoSpec) -> Option<Fifo> {
    let opened = (|| -> io::Result<File> {
        match std::fs::metadata(&spec.path) {
            Ok(meta) if meta.file_type().is_fifo() => {}
            Ok(_) => return Err(io::Error::other("exists and is not a FIFO")),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                // rw-r--r-- less the umask, as keepalived's `notify_fifo_open`.
                nix::unistd::mkfifo(&spec.path, nix::sys::stat::Mode::from_bits_truncate(0o644))
                    .map_err(io::Error::from)?;
                if let Some((uid, gid)) = spec.owner {
                    std::os::unix::fs::chown(&spec.path, Some(uid), Some(gid))?;
                }
            }
            Err(error) => return Err(error),
        }
        OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&spec.path)
    })();
    let file = match opened {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(fifo = %spec.path.display(), %error, "cannot open the notify FIFO");
            return None;
        }
    };
    let reader = spec.script.as_ref().and_then(|script| {
        let path = spec.path.display().to_string();
        match child::spawn(
            &with_args(&script.command, &[&path]),
            script.run_as,
            Output::Discard,
        ) {
            Ok(child) => Some(child),
            Err(error) => {
                tracing::error!(script = %script.command, %error, "cannot start the notify FIFO script");
                None
            }
        }
    });
    Some(Fifo {
        path: spec.path.clone(),
        file,
        reader,
        dropped: 0,
    })
}

#[cfg(test)]
mod test;
