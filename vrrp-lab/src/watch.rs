//! Waiting and timing: polling a condition, and timestamped address events.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Polls `condition` every 5 ms until it holds or `timeout` passes; how long
/// it took, or `None` on timeout. Resolution: the poll interval plus the cost
/// of one `condition` (about 3 ms for an `ip` command).
pub fn wait_for(timeout: Duration, mut condition: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if condition() {
            return Some(start.elapsed());
        }
        if start.elapsed() >= timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether `condition` holds throughout `period` (polled every 20 ms): for
/// "the VIP stays where it is" assertions.
pub fn holds_for(period: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < period {
        if !condition() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

/// An address added to or deleted from an interface, as `ip monitor` saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressEvent {
    /// When `ip` read the netlink notification (microsecond resolution).
    pub at: SystemTime,
    /// Added (`true`) or deleted.
    pub added: bool,
    /// The interface's name.
    pub interface: String,
    /// The address, without prefix length.
    pub address: IpAddr,
}

/// `ip -ts monitor address` in a host's namespace: every address event with
/// the time netlink delivered it, which is sharper than polling and also
/// catches an address that comes and goes between two polls.
pub struct AddressMonitor {
    ns: String,
    child: Child,
    log: PathBuf,
}

/// Monitors started by this process, for unique log names.
static MONITORS: AtomicU32 = AtomicU32::new(0);

/// Added to `lo` and removed again to tell that a new monitor listens.
const PROBE: &str = "198.18.255.254";

impl AddressMonitor {
    /// Starts a monitor in namespace `ns`, logging to a file in `dir`; returns
    /// once the monitor reports events (it has seen a probe address come and
    /// go on `lo`).
    pub(super) fn start(ns: &str, dir: &Path) -> Self {
        let k = MONITORS.fetch_add(1, Ordering::Relaxed);
        let log = dir.join(format!("address-monitor.{k}.log"));
        let file = std::fs::File::create(&log).expect("monitor log");
        let child = Command::new("ip")
            .args(["-n", ns, "-ts", "-o", "monitor", "address"])
            // Timestamps in UTC, so they parse without a time zone database.
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot run ip monitor");
        let monitor = Self {
            ns: ns.to_owned(),
            child,
            log,
        };
        let probe: IpAddr = PROBE.parse().expect("probe address");
        let since = SystemTime::now();
        let seen = wait_for(Duration::from_secs(5), || {
            let _ = Command::new("ip")
                .args(["-n", ns, "addr", "add", &format!("{PROBE}/32"), "dev", "lo"])
                .output();
            let _ = Command::new("ip")
                .args(["-n", ns, "addr", "del", &format!("{PROBE}/32"), "dev", "lo"])
                .output();
            monitor.first(probe, false, since).is_some()
        });
        assert!(seen.is_some(), "ip monitor in {ns} reports nothing");
        monitor
    }

    /// Every event so far, oldest first.
    pub fn events(&self) -> Vec<AddressEvent> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().filter_map(parse_event).collect()
    }

    /// How long after `since` `address` was first added (`added`) or
    /// deleted, if it was.
    pub fn first(&self, address: IpAddr, added: bool, since: SystemTime) -> Option<Duration> {
        self.events()
            .into_iter()
            .filter(|e| e.address == address && e.added == added && e.at >= since)
            .find_map(|e| e.at.duration_since(since).ok())
    }

    /// Waits up to `timeout` (from now) for [`first`](Self::first) to see
    /// the event; how long after `since` it happened.
    pub fn wait(
        &self,
        address: IpAddr,
        added: bool,
        since: SystemTime,
        timeout: Duration,
    ) -> Option<Duration> {
        let mut found = None;
        wait_for(timeout, || {
            found = self.first(address, added, since);
            found.is_some()
        });
        found
    }

    /// The file `ip monitor` writes to.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The namespace watched.
    pub fn ns(&self) -> &str {
        &self.ns
    }
}

impl Drop for AddressMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses `[2026-11-26T16:26:56.897213] [Deleted ]2: eth0    inet
/// 192.0.2.100/24 scope ...`.
fn parse_event(line: &str) -> Option<AddressEvent> {
    let (stamp, rest) = line.strip_prefix('[')?.split_once("] ")?;
    let (added, rest) = match rest.strip_prefix("Deleted ") {
        Some(rest) => (false, rest),
        None => (true, rest),
    };
    let mut words = rest.split_whitespace();
    let _index = words.next()?;
    let interface = words.next()?.trim_end_matches(':').to_owned();
    let family = words.next()?;
    if family != "inet" && family != "inet6" {
        return None;
    }
    let address = words.next()?.split('/').next()?.parse().ok()?;
    Some(AddressEvent {
        at: parse_utc(stamp)?,
        added,
        interface,
        address,
    })
}

/// `YYYY-MM-DDTHH:MM:SS.ffffff` in UTC.
pub fn parse_utc(stamp: &str) -> Option<SystemTime> {
    let (date, time) = stamp.split_once('T')?;
    let mut ymd = date.splitn(3, '-').map(str::parse::<i64>);
    let (y, m, d) = (ymd.next()?.ok()?, ymd.next()?.ok()?, ymd.next()?.ok()?);
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut hms = hms.splitn(3, ':').map(str::parse::<i64>);
    let (hh, mm, ss) = (hms.next()?.ok()?, hms.next()?.ok()?, hms.next()?.ok()?);
    let micros: u32 = format!("{fraction:0<6}").get(..6)?.parse().ok()?;
    let secs = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss;
    let secs = u64::try_from(secs).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::new(secs, micros * 1000))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[test]
fn parses_ip_monitor_lines() {
    let added = "[2026-11-26T16:26:56.897213] 2: eth0    inet 192.0.2.100/24 scope global \
                 secondary eth0\\       valid_lft forever preferred_lft forever";
    let event = parse_event(added).expect("an event");
    assert!(event.added);
    assert_eq!(event.interface, "eth0");
    assert_eq!(event.address, IpAddr::from([192, 0, 2, 100]));
    let since_epoch = event.at.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    assert_eq!(since_epoch, Duration::new(1_795_710_416, 897_213_000));

    let deleted = "[2026-01-01T00:00:00.5] Deleted 3: eth0    inet6 2001:db8::100/64 scope global";
    let event = parse_event(deleted).expect("an event");
    assert!(!event.added);
    assert_eq!(event.address, "2001:db8::100".parse::<IpAddr>().unwrap());
    let since_epoch = event.at.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    assert_eq!(since_epoch, Duration::new(1_767_225_600, 500_000_000));

    assert_eq!(
        parse_event("[2026-01-01T00:00:00.0] 2: eth0    link/ether"),
        None
    );
}

/// The intervals in which `vip` was on the host, from its address events
/// (an interval still open ends at `now`).
pub fn held(
    events: &[AddressEvent],
    vip: IpAddr,
    now: SystemTime,
) -> Vec<(SystemTime, SystemTime)> {
    let mut intervals = Vec::new();
    let mut since = None;
    for event in events.iter().filter(|e| e.address == vip) {
        match (event.added, since) {
            (true, None) => since = Some(event.at),
            (false, Some(start)) => {
                intervals.push((start, event.at));
                since = None;
            }
            _ => {}
        }
    }
    if let Some(start) = since {
        intervals.push((start, now));
    }
    intervals
}
