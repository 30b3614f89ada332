//! Who held the VIP while in which state: our daemon's `state changed` log
//! lines against the host's netlink address events, both stamped by the
//! system clock (microseconds).

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::lab::watch::parse_utc;

/// One state change of one instance, from a daemon's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub at: SystemTime,
    pub instance: String,
    /// `Initialize`, `Backup`, `Master`, `Fault`.
    pub to: String,
}

/// Parses `2026-11-26T17:39:27.405342Z  INFO state changed instance=VI_51
/// vrid=51 from=Backup to=Master reason=...`.
pub fn parse_change(line: &str) -> Option<Change> {
    if !line.contains(" state changed ") {
        return None;
    }
    let stamp = line.split_whitespace().next()?;
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .map(str::to_owned)
    };
    Some(Change {
        at: parse_utc(stamp)?,
        instance: field("instance=")?,
        to: field("to=")?,
    })
}

/// Every state change in the daemon logs (`vrrp-rs.*.log`) under `dir`,
/// oldest first.
pub fn changes(dir: &Path) -> Vec<Change> {
    let mut all: Vec<Change> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vrrp-rs.") && n.ends_with(".log"))
        })
        .flat_map(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            text.lines().filter_map(parse_change).collect::<Vec<_>>()
        })
        .collect();
    all.sort_by_key(|c| c.at);
    all
}

/// The longest stretch within `[from, to)` in which the host held the VIP
/// while its (live) daemon said `instance` was not Master, and when it
/// began. `dead` lists the windows without a running daemon (killed, not
/// yet restarted): a VIP left then is a crash's, not a Backup's.
pub fn longest_vip_outside_master(
    held: &[(SystemTime, SystemTime)],
    changes: &[Change],
    instance: &str,
    dead: &[(SystemTime, SystemTime)],
    from: SystemTime,
) -> Option<(SystemTime, Duration)> {
    let changes: Vec<&Change> = changes.iter().filter(|c| c.instance == instance).collect();
    let mut worst: Option<(SystemTime, Duration)> = None;
    for &(start, end) in held {
        let start = start.max(from);
        if start >= end {
            continue;
        }
        // Cut [start, end) at every state change and daemon death inside it.
        let mut points = vec![start];
        let deaths = dead.iter().flat_map(|&(d0, d1)| [d0, d1]);
        let cuts = changes.iter().map(|c| c.at).chain(deaths);
        points.extend(cuts.filter(|&t| t > start && t < end));
        points.sort();
        points.push(end);
        let mut run: Option<SystemTime> = None;
        for pair in points.windows(2) {
            let a = pair[0];
            let state = changes
                .iter()
                .rev()
                .find(|c| c.at <= a)
                .map(|c| c.to.as_str());
            let live = !dead.iter().any(|&(d0, d1)| a >= d0 && a < d1);
            let bad = live && state.is_some_and(|s| s != "Master");
            match (bad, run) {
                (true, None) => run = Some(a),
                (false, Some(r)) => {
                    note(&mut worst, r, a);
                    run = None;
                }
                _ => {}
            }
            if let (Some(r), true) = (run, pair[1] == end) {
                note(&mut worst, r, end);
            }
        }
    }
    worst
}

fn note(worst: &mut Option<(SystemTime, Duration)>, from: SystemTime, to: SystemTime) {
    let d = to.duration_since(from).unwrap_or_default();
    if worst.is_none_or(|(_, w)| d > w) {
        *worst = Some((from, d));
    }
}

#[test]
fn a_vip_held_as_backup_is_measured() {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
    let ms = |n: u64| t0 + Duration::from_millis(n);
    let change = |at, to: &str| Change {
        at,
        instance: "V".into(),
        to: to.into(),
    };
    let line = "2026-11-26T17:39:27.405342Z  INFO state changed instance=V vrid=51 from=Backup to=Master \
                reason=MasterNoResponse master=Some(192.0.2.1) priority=150";
    assert_eq!(parse_change(line).map(|c| c.to), Some("Master".into()));
    let changes = [
        change(ms(0), "Backup"),
        change(ms(100), "Master"),
        change(ms(500), "Backup"),
    ];
    // Held from 100 (Master) to 530: 30 ms as a Backup.
    let held = [(ms(100), ms(530))];
    let worst = longest_vip_outside_master(&held, &changes, "V", &[], t0);
    assert_eq!(worst, Some((ms(500), Duration::from_millis(30))));
    // Held from 50: 50 ms as a Backup before it became Master, too.
    let held = [(ms(50), ms(530))];
    let worst = longest_vip_outside_master(&held, &changes, "V", &[], t0);
    assert_eq!(worst, Some((ms(50), Duration::from_millis(50))));
    // A dead daemon's leftover does not count.
    let dead = [(ms(400), ms(600))];
    let worst = longest_vip_outside_master(&held, &changes, "V", &dead, ms(100));
    assert_eq!(worst, None);
}
