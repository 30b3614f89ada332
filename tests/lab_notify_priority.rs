//! `notify_priority_changes` end to end in the lab (`vrrp-lab`): a tracked
//! file moves an instance's effective priority (weight -60) while it is
//! Backup and then Master; the notify FIFO's reader records every line.
//! keepalived 2.4.3 writes `INSTANCE "NAME" BACKUP_PRIORITY 90` /
//! `MASTER_PRIORITY 150` for the instance that asks (and nothing for the
//! one that does not); our daemon must write the same lines in the same
//! order. Needs root; keepalived 2.4.3 where it can be had.

use vrrp_lab as lab;

use std::path::Path;
use std::time::Duration;

use lab::keepalived::{Config, Instance, with_global};
use lab::notify_fifo::NotifyFifo;
use lab::{Daemon, Host, Lab};

/// VI_1 (vrid 51, priority 150) asks for priority notifications; VI_2
/// (vrid 52, priority 100) does not. Both track the file `maint`.
fn config(host: &Host<'_>) -> String {
    let dir = host.dir();
    let fifo = NotifyFifo::in_dir(dir);
    fifo.write_reader();
    let track = "track_file {\n        maint\n    }";
    let text = Config::new(host.name())
        .instance(
            Instance::new("VI_1", 51)
                .priority(150)
                .vip("192.0.2.100/24")
                .line(track)
                .line("notify_priority_changes"),
        )
        .instance(
            Instance::new("VI_2", 52)
                .priority(100)
                .vip("192.0.2.101/24")
                .line(track),
        )
        .to_string();
    let globals = format!(
        "vrrp_notify_fifo {}\nvrrp_notify_fifo_script {}",
        fifo.path().display(),
        fifo.reader().display()
    );
    format!(
        "track_file maint {{\n    file {}\n    weight -60\n    init_file\n}}\n{}",
        dir.join("maint").display(),
        with_global(&text, &globals)
    )
}

fn write(path: &Path, value: &str) {
    std::fs::write(path, format!("{value}\n")).unwrap();
}

/// Runs the scenario with `daemon`; returns VI_1's and VI_2's lines.
fn scenario(test: &str, daemon: &Daemon) -> Option<(Vec<String>, Vec<String>)> {
    let lab = Lab::new(test)?;
    let host = lab.host("node", &["192.0.2.2/24"]);
    let maint = host.dir().join("maint");
    let _proc = daemon.start(&host, &config(&host));
    let fifo = NotifyFifo::in_dir(host.dir());
    // Backup for a Master_Down_Interval (3.4 s at 150): the file drops it.
    fifo.wait_line("INSTANCE \"VI_1\" BACKUP 150", Duration::from_secs(5));
    write(&maint, "1");
    fifo.wait_line(
        "INSTANCE \"VI_1\" BACKUP_PRIORITY 90",
        Duration::from_secs(2),
    );
    fifo.wait_line("INSTANCE \"VI_1\" MASTER 90", Duration::from_secs(8));
    write(&maint, "0");
    fifo.wait_line(
        "INSTANCE \"VI_1\" MASTER_PRIORITY 150",
        Duration::from_secs(3),
    );
    // VI_2 changed twice too; give its lines, were there any, time to come.
    std::thread::sleep(Duration::from_millis(500));
    let text = fifo.recorded();
    let of = |name: &str| -> Vec<String> {
        let prefix = format!("INSTANCE \"{name}\" ");
        text.lines()
            .filter(|l| l.starts_with(&prefix))
            .map(str::to_owned)
            .collect()
    };
    Some((of("VI_1"), of("VI_2")))
}

fn expected_vi_1() -> Vec<String> {
    [
        "BACKUP 150",
        "BACKUP_PRIORITY 90",
        "MASTER 90",
        "MASTER_PRIORITY 150",
    ]
    .iter()
    .map(|l| format!("INSTANCE \"VI_1\" {l}"))
    .collect()
}

fn check(daemon: &Daemon, vi_1: &[String], vi_2: &[String]) {
    assert_eq!(vi_1, expected_vi_1(), "{}: VI_1's lines", daemon.name());
    assert!(
        !vi_2.iter().any(|l| l.contains("_PRIORITY")),
        "{}: VI_2 did not ask: {vi_2:?}",
        daemon.name()
    );
}

#[test]
fn ours_writes_keepalived_lines_on_priority_changes() {
    let daemon = Daemon::ours();
    if let Some((vi_1, vi_2)) = scenario("notify_priority_ours", &daemon) {
        check(&daemon, &vi_1, &vi_2);
    }
}

#[test]
fn keepalived_243_writes_the_same() {
    let Some(daemon) = Daemon::keepalived_243() else {
        return;
    };
    if let Some((vi_1, vi_2)) = scenario("notify_priority_keepalived_243", &daemon) {
        check(&daemon, &vi_1, &vi_2);
    }
}
