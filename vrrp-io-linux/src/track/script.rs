//! Track scripts (keepalived's `vrrp_script`): child processes started at
//! their interval, never waited for, killed at their timeout, with
//! rise/fall counting.
//!
//! The loop calls [`ScriptRunner::handle_timeout`] at
//! [`ScriptRunner::poll_timeout`] and whenever SIGCHLD arrives; it reaps with
//! `try_wait`, so a hung or chatty script never delays an advert (output goes
//! to /dev/null).

use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// How a track script is run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptSpec {
    /// The `vrrp_script` name.
    pub name: String,
    /// The command line, as written after `script`.
    pub command: String,
    /// Time between starts.
    pub interval: Duration,
    /// A run still going after this is killed and counts as a failure.
    pub timeout: Duration,
    /// Consecutive successes that bring a failed script up.
    pub rise: u32,
    /// Consecutive failures that bring a good script down.
    pub fall: u32,
    /// Start as failed (keepalived's `init_fail`) rather than undecided.
    pub init_fail: bool,
    /// Run as this uid and gid (keepalived's `user` / `script_user`).
    pub run_as: Option<(u32, u32)>,
}

/// What one run of a script came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Exit status 0.
    Success,
    /// Another exit status.
    Exited(i32),
    /// Killed by a signal (not ours).
    Signalled(i32),
    /// Killed by us at its timeout.
    TimedOut,
    /// Could not be started (not found, not executable, ...).
    SpawnFailed,
}

impl Outcome {
    /// Whether this run counts as a success.
    pub fn is_success(self) -> bool {
        self == Self::Success
    }
}

/// A script whose up/down state changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptChange {
    /// Index of the script in the order given to [`ScriptRunner::new`].
    pub index: usize,
    /// The new state.
    pub up: bool,
}

/// The state of one script, for status dumps and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptState {
    /// Up (counts as good), after rise/fall.
    pub up: bool,
    /// How the last run ended, if any run ended yet.
    pub last: Option<Outcome>,
    /// Runs so far.
    pub runs: u64,
}

struct Running {
    child: Child,
    started: Instant,
    killed: bool,
}

struct Script {
    spec: ScriptSpec,
    argv: Vec<String>,
    /// None until the first result (unless `init_fail`).
    up: Option<bool>,
    streak: u32,
    running: Option<Running>,
    next_run: Instant,
    state: ScriptState,
}

/// Runs every track script of a daemon.
pub struct ScriptRunner {
    scripts: Vec<Script>,
}

/// How long to wait for a killed script's exit before looking again, in case
/// SIGCHLD was missed.
const REAP_RETRY: Duration = Duration::from_millis(100);

impl ScriptRunner {
    /// Scripts start at `now`. An undecided script (before its first result)
    /// counts as up.
    pub fn new(specs: Vec<ScriptSpec>, now: Instant) -> Self {
        let scripts = specs
            .into_iter()
            .map(|spec| Script::new(spec, now))
            .collect();
        Self { scripts }
    }

    /// Takes a reloaded configuration: a script whose spec did not change
    /// keeps its state (and its run in progress), so a reload does not
    /// make an instance's priority flap; new scripts start at `now`;
    /// scripts no longer configured are killed if running.
    pub fn reconfigure(&mut self, specs: Vec<ScriptSpec>, now: Instant) {
        let mut old = std::mem::take(&mut self.scripts);
        self.scripts = specs
            .into_iter()
            .map(|spec| match old.iter().position(|s| s.spec == spec) {
                Some(i) => old.swap_remove(i),
                None => Script::new(spec, now),
            })
            .collect();
        for script in &mut old {
            if let Some(running) = &mut script.running {
                let _ = kill_group(&running.child);
                let _ = running.child.wait();
            }
        }
    }

    /// Whether script `index` is up.
    pub fn is_up(&self, index: usize) -> bool {
        self.scripts[index].state.up
    }

    /// Each script's spec and state, in order.
    pub fn scripts(&self) -> impl Iterator<Item = (&ScriptSpec, ScriptState)> {
        self.scripts.iter().map(|s| (&s.spec, s.state))
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.scripts
            .iter()
            .map(|s| match &s.running {
                Some(r) if r.killed => Instant::now().max(r.started) + REAP_RETRY,
                Some(r) => r.started + s.spec.timeout,
                None => s.next_run,
            })
            .min()
    }

    /// Reaps finished scripts, kills overdue ones, starts due ones; pushes
    /// every up/down change onto `changes`. Call it at the deadline and on SIGCHLD.
    pub fn handle_timeout(&mut self, now: Instant, changes: &mut Vec<ScriptChange>) {
        for (index, script) in self.scripts.iter_mut().enumerate() {
            if let Some(outcome) = script.reap_or_kill(now) {
                if let Some(up) = script.record(outcome) {
                    changes.push(ScriptChange { index, up });
                }
            }
            if script.running.is_none() && script.next_run <= now {
                script.next_run = now + script.spec.interval;
                match script.spawn() {
                    Ok(child) => {
                        script.running = Some(Running {
                            child,
                            started: now,
                            killed: false,
                        })
                    }
                    Err(error) => {
                        tracing::warn!(script = %script.spec.name, %error, "track script could not start");
                        if let Some(up) = script.record(Outcome::SpawnFailed) {
                            changes.push(ScriptChange { index, up });
                        }
                    }
                }
            }
        }
    }
}

impl Drop for ScriptRunner {
    /// No script outlives the daemon.
    fn drop(&mut self) {
        for script in &mut self.scripts {
            if let Some(running) = &mut script.running {
                let _ = kill_group(&running.child);
                let _ = running.child.wait();
            }
        }
    }
}

impl Script {
    fn new(spec: ScriptSpec, now: Instant) -> Self {
        Self {
            argv: split_command(&spec.command),
            up: spec.init_fail.then_some(false),
            streak: 0,
            running: None,
            next_run: now,
            state: ScriptState {
                up: !spec.init_fail,
                last: None,
                runs: 0,
            },
            spec,
        }
    }

    fn spawn(&self) -> io::Result<Child> {
        let (program, args) = self.argv.split_first().ok_or(io::ErrorKind::InvalidInput)?;
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Its own process group, so a timeout kills the script's children too.
        command.process_group(0);
        crate::tuning::untuned(&mut command);
        if let Some((uid, gid)) = self.spec.run_as {
            command.gid(gid).uid(uid);
        }
        command.spawn()
    }

    /// The outcome of the running script if it ended; kills it if overdue.
    fn reap_or_kill(&mut self, now: Instant) -> Option<Outcome> {
        let running = self.running.as_mut()?;
        match running.child.try_wait() {
            Ok(Some(status)) => {
                let killed = running.killed;
                self.running = None;
                Some(match (killed, status.code(), status.signal()) {
                    (true, _, _) => Outcome::TimedOut,
                    (_, Some(0), _) => Outcome::Success,
                    (_, Some(code), _) => Outcome::Exited(code),
                    (_, None, signal) => Outcome::Signalled(signal.unwrap_or(0)),
                })
            }
            Ok(None) => {
                if !running.killed && now >= running.started + self.spec.timeout {
                    tracing::warn!(script = %self.spec.name, timeout = ?self.spec.timeout, "track script timed out; killed");
                    let _ = kill_group(&running.child);
                    running.killed = true;
                }
                None
            }
            Err(error) => {
                tracing::warn!(script = %self.spec.name, %error, "cannot wait for track script");
                self.running = None;
                Some(Outcome::SpawnFailed)
            }
        }
    }

    /// Counts a result against rise/fall; returns the new state if it changed.
    fn record(&mut self, outcome: Outcome) -> Option<bool> {
        self.state.last = Some(outcome);
        self.state.runs += 1;
        let success = outcome.is_success();
        let before = self.state.up;
        match self.up {
            // The first result decides at once.
            None => self.up = Some(success),
            Some(up) if up == success => self.streak = 0,
            Some(up) => {
                self.streak += 1;
                let needed = if up { self.spec.fall } else { self.spec.rise };
                if self.streak >= needed.max(1) {
                    self.up = Some(success);
                    self.streak = 0;
                }
            }
        }
        self.state.up = self.up.unwrap_or(true);
        (self.state.up != before).then_some(self.state.up)
    }
}

/// SIGKILLs `child`'s process group (it leads one: `process_group(0)`).
pub(crate) fn kill_group(child: &Child) -> nix::Result<()> {
    let pid = i32::try_from(child.id()).map_err(|_| nix::Error::ESRCH)?;
    killpg(Pid::from_raw(pid), Signal::SIGKILL)
}

/// Splits a command line into argv as a shell would for simple words and
/// quotes. A line that needs a shell (pipes, redirections, variables,
/// globs, `&&`, ...) runs under `/bin/sh -c`.
pub fn split_command(line: &str) -> Vec<String> {
    const SHELL: &[char] = &[
        '|', '&', ';', '<', '>', '(', ')', '$', '`', '*', '?', '[', ']', '~', '{', '}', '#',
    ];
    if line.contains(SHELL) {
        return vec!["/bin/sh".into(), "-c".into(), line.into()];
    }
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => word.get_or_insert_default().extend(chars.next()),
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, '\\') => word.get_or_insert_default().extend(chars.next()),
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    words
}

#[cfg(test)]
mod test {
    use super::*;

    fn spec(name: &str, command: &str) -> ScriptSpec {
        ScriptSpec {
            name: name.into(),
            command: command.into(),
            interval: Duration::from_millis(50),
            timeout: Duration::from_millis(300),
            rise: 2,
            fall: 2,
            init_fail: false,
            run_as: None,
        }
    }

    #[test]
    fn splits_like_a_shell_and_defers_to_one_when_needed() {
        assert_eq!(
            split_command("killall -0 haproxy"),
            ["killall", "-0", "haproxy"]
        );
        assert_eq!(
            split_command(r#"/bin/check "a b" 'c d' e\ f"#),
            ["/bin/check", "a b", "c d", "e f"]
        );
        assert_eq!(
            split_command("pidof haproxy || exit 1"),
            ["/bin/sh", "-c", "pidof haproxy || exit 1"]
        );
        assert_eq!(split_command("  "), Vec::<String>::new());
        assert_eq!(split_command(r#""""#), [""]);
    }

    /// Drives the runner in real time until `until` returns true or 5 s pass.
    fn drive(
        runner: &mut ScriptRunner,
        mut until: impl FnMut(&ScriptRunner, &[ScriptChange]) -> bool,
    ) -> Vec<ScriptChange> {
        let mut changes = Vec::new();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            runner.handle_timeout(Instant::now(), &mut changes);
            if until(runner, &changes) {
                return changes;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("timed out; changes so far: {changes:?}");
    }

    #[test]
    fn first_result_decides_then_fall_counts() {
        let dir = std::env::temp_dir().join(format!("vrrp-track-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let flag = dir.join("ok");
        std::fs::write(&flag, "").unwrap();
        let mut runner = ScriptRunner::new(
            vec![spec("flag", &format!("test -e {}", flag.display()))],
            Instant::now(),
        );
        assert!(runner.is_up(0));
        drive(&mut runner, |r, _| r.scripts().next().unwrap().1.runs >= 2);
        assert!(runner.is_up(0));
        std::fs::remove_file(&flag).unwrap();
        let changes = drive(&mut runner, |_, c| !c.is_empty());
        assert_eq!(
            changes,
            [ScriptChange {
                index: 0,
                up: false
            }]
        );
        let state = runner.scripts().next().unwrap().1;
        assert_eq!(state.last, Some(Outcome::Exited(1)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_hung_script_is_killed_at_its_timeout() {
        let mut runner = ScriptRunner::new(vec![spec("hung", "sleep 1000")], Instant::now());
        let started = Instant::now();
        let changes = drive(&mut runner, |_, c| !c.is_empty());
        let took = started.elapsed();
        assert_eq!(
            changes,
            [ScriptChange {
                index: 0,
                up: false
            }]
        );
        assert_eq!(
            runner.scripts().next().unwrap().1.last,
            Some(Outcome::TimedOut)
        );
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(3),
            "took {took:?}"
        );
    }

    #[test]
    fn a_missing_program_is_a_failure() {
        let mut runner =
            ScriptRunner::new(vec![spec("missing", "/nonexistent/check")], Instant::now());
        let changes = drive(&mut runner, |_, c| !c.is_empty());
        assert_eq!(
            changes,
            [ScriptChange {
                index: 0,
                up: false
            }]
        );
        assert_eq!(
            runner.scripts().next().unwrap().1.last,
            Some(Outcome::SpawnFailed)
        );
    }

    #[test]
    fn reconfigure_keeps_the_state_of_unchanged_scripts() {
        let mut runner = ScriptRunner::new(
            vec![spec("false", "false"), spec("gone", "true")],
            Instant::now(),
        );
        drive(&mut runner, |r, _| !r.is_up(0));
        let runs = runner.scripts().next().unwrap().1.runs;
        let mut new = spec("new", "true");
        new.init_fail = true;
        runner.reconfigure(vec![new, spec("false", "false")], Instant::now());
        let names: Vec<_> = runner.scripts().map(|(s, _)| s.name.clone()).collect();
        assert_eq!(names, ["new", "false"]);
        assert!(!runner.is_up(1), "kept its failed state");
        assert!(runner.scripts().nth(1).unwrap().1.runs >= runs);
        assert!(!runner.is_up(0), "a new script starts afresh (init_fail)");
    }

    #[test]
    fn init_fail_needs_rise_successes() {
        let mut s = spec("true", "true");
        s.init_fail = true;
        s.rise = 3;
        let mut runner = ScriptRunner::new(vec![s], Instant::now());
        assert!(!runner.is_up(0));
        let changes = drive(&mut runner, |_, c| !c.is_empty());
        assert_eq!(changes, [ScriptChange { index: 0, up: true }]);
        assert_eq!(runner.scripts().next().unwrap().1.runs, 3);
    }
}
