//! Waiting and asking, minding Ctrl-C: every wait here checks for a signal
//! ([`interrupt::check`]) as it polls; and a daemon's state and priorities
//! as its SIGUSR1 status JSON reports them.

use std::time::{Duration, Instant};

use super::interrupt;
use crate::lab::{Host, Proc, Signal};

/// The panic payload of an expectation the demonstration saw fail: the
/// report says it as it is, without a source location.
#[derive(Debug, Clone)]
pub(crate) struct Failure(pub(crate) String);

/// Stops the story: `what` did not happen as expected.
pub(crate) fn fail(what: impl Into<String>) -> ! {
    std::panic::panic_any(Failure(what.into()))
}

/// Polls `condition` every 10 ms until it holds (how long it took) or
/// `timeout` passes (`None`).
pub(crate) fn until(timeout: Duration, mut condition: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        interrupt::check();
        if condition() {
            return Some(start.elapsed());
        }
        if start.elapsed() >= timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `condition` holds throughout `period` (polled every 20 ms).
pub(crate) fn holds(period: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < period {
        interrupt::check();
        if !condition() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

/// One instance's state, as the daemon reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Status {
    /// `MASTER`, `BACKUP`, `FAULT`, `INIT`.
    pub(crate) state: String,
    /// The configured priority.
    pub(crate) base: u64,
    /// The priority it advertises: base plus the tracking weights.
    pub(crate) effective: u64,
    /// Whether its first tracked object (`haproxy_check`) is up.
    pub(crate) check_up: Option<bool>,
}

impl Status {
    /// Reads the status JSON's first instance.
    pub(crate) fn from_json(json: &serde_json::Value) -> Option<Self> {
        let instance = &json["instances"][0];
        Some(Self {
            state: instance["state"].as_str()?.to_owned(),
            base: instance["priority"]["base"].as_u64()?,
            effective: instance["priority"]["effective"].as_u64()?,
            check_up: instance["tracked"][0]["up"].as_bool(),
        })
    }

    /// `MASTER 102 = 100 + 2 (haproxy_check up)`.
    pub(crate) fn describe(&self) -> String {
        let check = match self.check_up {
            Some(true) => " (haproxy_check up)",
            Some(false) => " (haproxy_check failed)",
            None => "",
        };
        let added = self.effective.abs_diff(self.base);
        let sign = if self.effective >= self.base {
            '+'
        } else {
            '-'
        };
        format!(
            "{} {} = {} {sign} {added}{check}",
            self.state, self.effective, self.base
        )
    }
}

/// The status file of the daemon on `host`.
pub(crate) fn status_path(host: &Host<'_>) -> std::path::PathBuf {
    host.dir().join("status.json")
}

/// SIGUSR1 to `daemon` on `host`, then its fresh status (up to 3 s).
pub(crate) fn status(host: &Host<'_>, daemon: &Proc) -> Status {
    let path = status_path(host);
    let _ = std::fs::remove_file(&path);
    daemon.kill(Signal::SIGUSR1);
    let mut found = None;
    until(Duration::from_secs(3), || {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let json = serde_json::from_str(&text).ok();
        found = json.as_ref().and_then(Status::from_json);
        found.is_some()
    });
    found.unwrap_or_else(|| {
        fail(format!(
            "{}'s daemon wrote no status on SIGUSR1 (log: {})",
            host.name(),
            daemon.log_path().display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn reads_and_describes_the_status_json() {
        let json = serde_json::json!({"instances": [{
            "state": "MASTER", "priority": {"base": 100, "effective": 102},
            "tracked": [{"type": "script", "name": "haproxy_check", "up": true}],
        }]});
        let status = Status::from_json(&json).expect("a status");
        assert_eq!(status.describe(), "MASTER 102 = 100 + 2 (haproxy_check up)");
        let json = serde_json::json!({"instances": [{
            "state": "BACKUP", "priority": {"base": 98, "effective": 98}, "tracked": [],
        }]});
        let status = Status::from_json(&json).expect("a status");
        assert_eq!(status.describe(), "BACKUP 98 = 98 + 0");
        assert_eq!(Status::from_json(&serde_json::json!({})), None);
    }
}
