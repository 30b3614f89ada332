//! Process tracking (keepalived's `vrrp_track_process`) natively, without
//! psmisc: count the matching processes in /proc at an interval, with
//! quorum and a delay before a loss counts.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

/// How the parameters of a process must match (keepalived's `param_match`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamMatch {
    /// The parameters are exactly the configured ones (`param_match` alone,
    /// or parameters given without it).
    Exact,
    /// The configured parameters are a prefix of the process's (`partial`).
    Partial,
    /// Like `Partial`, and the last configured one may be a prefix of its
    /// counterpart (`initial`).
    Initial,
}

/// What to look for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessSpec {
    /// The `vrrp_track_process` name.
    pub name: String,
    /// The process name (`comm`, or argv\[0\] or its basename).
    pub process: String,
    /// Parameters to match (argv\[1..\]).
    pub params: Vec<String>,
    /// How to match them; `None`: parameters are not compared.
    pub param_match: Option<ParamMatch>,
    /// Up while at least this many match.
    pub quorum: u32,
    /// ... and at most this many.
    pub quorum_max: u32,
    /// A loss of quorum counts only after it lasted this long.
    pub delay: Duration,
}

/// Up/down state of one tracked process spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessState {
    /// Within quorum (or lost it less than `delay` ago).
    pub up: bool,
    /// Matching processes at the last scan.
    pub count: u32,
}

/// A process spec whose state changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessChange {
    /// Index of the spec in the order given to [`ProcessTracker::new`].
    pub index: usize,
    /// The new state.
    pub up: bool,
}

struct Tracked {
    spec: ProcessSpec,
    state: ProcessState,
    lost_since: Option<Instant>,
}

/// Scans /proc for every tracked process spec at one interval.
pub struct ProcessTracker {
    tracked: Vec<Tracked>,
    interval: Duration,
    next_scan: Instant,
    proc_root: std::path::PathBuf,
}

impl ProcessTracker {
    /// Specs start up; the first scan is at `now`.
    pub fn new(specs: Vec<ProcessSpec>, interval: Duration, now: Instant) -> Self {
        Self::with_proc_root(specs, interval, now, "/proc")
    }

    /// Like [`new`](Self::new), reading another procfs mount (tests, PID namespaces).
    pub fn with_proc_root(
        specs: Vec<ProcessSpec>,
        interval: Duration,
        now: Instant,
        root: impl AsRef<Path>,
    ) -> Self {
        let tracked = specs
            .into_iter()
            .map(|spec| Tracked {
                spec,
                state: ProcessState { up: true, count: 0 },
                lost_since: None,
            })
            .collect();
        Self {
            tracked,
            interval,
            next_scan: now,
            proc_root: root.as_ref().to_path_buf(),
        }
    }

    /// Takes a reloaded configuration: a spec that did not change keeps
    /// its state; new specs start up and are scanned at the next scan.
    pub fn reconfigure(&mut self, specs: Vec<ProcessSpec>) {
        let mut old = std::mem::take(&mut self.tracked);
        self.tracked = specs
            .into_iter()
            .map(|spec| match old.iter().position(|t| t.spec == spec) {
                Some(i) => old.swap_remove(i),
                None => Tracked {
                    spec,
                    state: ProcessState { up: true, count: 0 },
                    lost_since: None,
                },
            })
            .collect();
    }

    /// Whether spec `index` is up.
    pub fn is_up(&self, index: usize) -> bool {
        self.tracked[index].state.up
    }

    /// Each spec and its state, in order.
    pub fn processes(&self) -> impl Iterator<Item = (&ProcessSpec, ProcessState)> {
        self.tracked.iter().map(|t| (&t.spec, t.state))
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.tracked.is_empty() {
            return None;
        }
        // A loss still inside its delay: when it will count.
        let delays = self
            .tracked
            .iter()
            .filter(|t| t.state.up)
            .filter_map(|t| Some(t.lost_since? + t.spec.delay));
        delays.chain([self.next_scan]).min()
    }

    /// Scans if due and pushes every up/down change onto `changes`.
    pub fn handle_timeout(&mut self, now: Instant, changes: &mut Vec<ProcessChange>) {
        if !self.tracked.is_empty() && now >= self.next_scan {
            self.next_scan = now + self.interval;
            let counts = self.scan();
            for (t, count) in self.tracked.iter_mut().zip(counts) {
                t.state.count = count;
                let within = count >= t.spec.quorum && count <= t.spec.quorum_max;
                t.lost_since = match (within, t.lost_since) {
                    (true, _) => None,
                    (false, since) => Some(since.unwrap_or(now)),
                };
            }
        }
        for (index, t) in self.tracked.iter_mut().enumerate() {
            let up = t.lost_since.is_none_or(|since| now < since + t.spec.delay);
            if up != t.state.up {
                t.state.up = up;
                changes.push(ProcessChange { index, up });
            }
        }
    }

    /// Counts, for each spec, the processes that match it.
    fn scan(&self) -> Vec<u32> {
        let mut counts = vec![0; self.tracked.len()];
        let Ok(entries) = fs::read_dir(&self.proc_root) else {
            tracing::warn!(root = %self.proc_root.display(), "cannot read procfs");
            return counts;
        };
        let needs_cmdline = self
            .tracked
            .iter()
            .any(|t| t.spec.param_match.is_some() || t.spec.process.len() > 15);
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !name.as_encoded_bytes().iter().all(u8::is_ascii_digit) {
                continue;
            }
            let dir = entry.path();
            // A process may exit between read_dir and here: it just does not count.
            let Ok(comm) = fs::read_to_string(dir.join("comm")) else {
                continue;
            };
            let cmdline = if needs_cmdline {
                fs::read(dir.join("cmdline")).unwrap_or_default()
            } else {
                Vec::new()
            };
            let argv: Vec<&str> = cmdline
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .filter_map(|a| std::str::from_utf8(a).ok())
                .collect();
            for (count, t) in counts.iter_mut().zip(&self.tracked) {
                if matches(&t.spec, comm.trim_end(), &argv) {
                    *count += 1;
                }
            }
        }
        counts
    }
}

/// Whether a process (its `comm` and argv) matches a spec.
fn matches(spec: &ProcessSpec, comm: &str, argv: &[&str]) -> bool {
    let argv0 = argv.first().copied().unwrap_or("");
    let basename = argv0.rsplit('/').next().unwrap_or("");
    // comm is the first 15 bytes of the executable's name.
    let comm_match = spec.process.len() <= 15 && comm == spec.process;
    if !(comm_match || argv0 == spec.process || basename == spec.process) {
        return false;
    }
    let args = argv.get(1..).unwrap_or(&[]);
    let want = &spec.params;
    match spec.param_match {
        None => true,
        Some(ParamMatch::Exact) => {
            args.len() == want.len() && args.iter().zip(want).all(|(a, w)| a == w)
        }
        Some(ParamMatch::Partial) => {
            args.len() >= want.len() && args.iter().zip(want).all(|(a, w)| a == w)
        }
        Some(ParamMatch::Initial) => {
            args.len() >= want.len()
                && args.iter().zip(want).enumerate().all(|(i, (a, w))| {
                    if i + 1 == want.len() {
                        a.starts_with(w.as_str())
                    } else {
                        a == w
                    }
                })
        }
    }
}

#[cfg(test)]
mod test {
    use std::process::{Command, Stdio};

    use super::*;

    fn spec(process: &str) -> ProcessSpec {
        ProcessSpec {
            name: "p".into(),
            process: process.into(),
            params: Vec::new(),
            param_match: None,
            quorum: 1,
            quorum_max: u32::MAX,
            delay: Duration::ZERO,
        }
    }

    #[test]
    fn matching_rules() {
        let s = spec("haproxy");
        assert!(matches(
            &s,
            "haproxy",
            &["/usr/sbin/haproxy", "-f", "/etc/haproxy.cfg"]
        ));
        assert!(!matches(
            &s,
            "haproxy-exporter",
            &["/usr/bin/haproxy-exporter"]
        ));
        let exact = ProcessSpec {
            params: vec!["-f".into(), "/etc/haproxy.cfg".into()],
            param_match: Some(ParamMatch::Exact),
            ..s.clone()
        };
        assert!(matches(
            &exact,
            "haproxy",
            &["haproxy", "-f", "/etc/haproxy.cfg"]
        ));
        assert!(!matches(
            &exact,
            "haproxy",
            &["haproxy", "-f", "/etc/haproxy.cfg", "-D"]
        ));
        let partial = ProcessSpec {
            param_match: Some(ParamMatch::Partial),
            ..exact.clone()
        };
        assert!(matches(
            &partial,
            "haproxy",
            &["haproxy", "-f", "/etc/haproxy.cfg", "-D"]
        ));
        let initial = ProcessSpec {
            params: vec!["-f".into(), "/etc/hap".into()],
            param_match: Some(ParamMatch::Initial),
            ..s
        };
        assert!(matches(
            &initial,
            "haproxy",
            &["haproxy", "-f", "/etc/haproxy.cfg"]
        ));
        assert!(!matches(
            &initial,
            "haproxy",
            &["haproxy", "-x", "/etc/haproxy.cfg"]
        ));
    }

    #[test]
    fn reconfigure_keeps_the_state_of_unchanged_specs() {
        let now = Instant::now();
        let mut tracker = ProcessTracker::new(
            vec![spec("no-such-process-here"), spec("gone")],
            Duration::from_secs(1),
            now,
        );
        let mut changes = Vec::new();
        tracker.handle_timeout(now, &mut changes);
        assert!(!tracker.is_up(0), "nothing matches: down");
        let mut new = spec("new-one");
        new.name = "n".into();
        tracker.reconfigure(vec![new, spec("no-such-process-here")]);
        let names: Vec<_> = tracker
            .processes()
            .map(|(s, _)| s.process.clone())
            .collect();
        assert_eq!(names, ["new-one", "no-such-process-here"]);
        assert!(tracker.is_up(0), "a new spec starts up");
        assert!(!tracker.is_up(1), "kept its state");
    }

    #[test]
    fn notices_a_process_dying_after_its_delay() {
        // A uniquely named process: `sleep` run through a symlink, whose name
        // becomes the comm (a copy could hit ETXTBSY while other tests fork).
        let dir = std::env::temp_dir().join(format!("vrrp-proc-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        // Unique per run: a process left by an earlier, failed run must not count.
        let name = format!("vrt{}", std::process::id());
        let exe = dir.join(&name);
        let _ = fs::remove_file(&exe);
        std::os::unix::fs::symlink("/bin/sleep", &exe).unwrap();
        let mut child = Command::new(&exe)
            .arg("30")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();

        // Until the child has exec'd, its comm is still this test's name.
        let comm = format!("/proc/{}/comm", child.id());
        let exec_deadline = Instant::now() + Duration::from_secs(5);
        while !fs::read_to_string(&comm).is_ok_and(|c| c.trim() == name) {
            assert!(Instant::now() < exec_deadline, "the child never exec'd");
            std::thread::sleep(Duration::from_millis(1));
        }
        let start = Instant::now();
        let mut specs = vec![spec(&name), spec(&name)];
        specs[1].delay = Duration::from_secs(2);
        let mut tracker = ProcessTracker::new(specs, Duration::from_millis(10), start);
        let mut changes = Vec::new();
        tracker.handle_timeout(start, &mut changes);
        assert!(changes.is_empty());
        assert_eq!(
            tracker.processes().next().unwrap().1,
            ProcessState { up: true, count: 1 }
        );

        child.kill().unwrap();
        child.wait().unwrap();
        let later = start + Duration::from_millis(50);
        tracker.handle_timeout(later, &mut changes);
        assert_eq!(
            changes,
            [ProcessChange {
                index: 0,
                up: false
            }],
            "the spec with a delay waits"
        );
        assert_eq!(
            tracker.poll_timeout(),
            Some(later + Duration::from_millis(10)),
            "the next scan"
        );
        tracker.handle_timeout(later + Duration::from_secs(2), &mut changes);
        assert_eq!(
            changes[1..],
            [ProcessChange {
                index: 1,
                up: false
            }]
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
