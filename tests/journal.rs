//! Under systemd, our daemon logs to journald with structured fields, so an
//! operator can ask `journalctl -u keepalive-haproxy VRID=51 TO=Master`.
//! The daemon is started as systemd starts it (stderr is the journal
//! stream, `JOURNAL_STREAM` names it), with journald's socket replaced by
//! one this test reads: it checks what journald would file. Needs root.

use vrrp_lab as lab;

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use lab::keepalived::{Config, Instance};
use lab::{Daemon, Lab};
use vrrp::keepalived::journal::{self, parse_entry};

/// The fields of the first entry whose `MESSAGE` starts with `message`,
/// waiting up to `timeout`; the entries seen on the way are collected
/// in `seen`.
fn entry_starting(
    socket: &UnixDatagram,
    message: &str,
    timeout: Duration,
    seen: &mut Vec<Vec<(String, String)>>,
) -> Option<Vec<(String, String)>> {
    let end = Instant::now() + timeout;
    let mut buf = vec![0u8; 65_536];
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .expect("set a read timeout");
        let Ok(len) = socket.recv(&mut buf) else {
            continue;
        };
        let fields = parse_entry(&buf[..len]);
        seen.push(fields.clone());
        if fields
            .iter()
            .any(|(name, value)| name == "MESSAGE" && value.starts_with(message))
        {
            return Some(fields);
        }
    }
    None
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {fields:?}"))
}

#[test]
fn a_state_change_reaches_journald_with_its_fields() {
    let Some(lab) = Lab::new("a_state_change_reaches_journald_with_its_fields") else {
        return;
    };
    let host = lab.host("jrnl", &["192.0.2.2/24"]);
    let socket_path = host.dir().join("journal.socket");
    let journald = UnixDatagram::bind(&socket_path).expect("bind the stand-in journald socket");
    let config = Config::new("jrnl").instance(
        Instance::new("VI_JOURNAL", 51)
            .version(3)
            .priority(150)
            .advert_int(Duration::from_millis(100))
            .vip("192.0.2.100/24"),
    );
    let ours = Daemon::ours();
    let config_path = ours.config_path(&host);
    std::fs::write(&config_path, config.to_string()).expect("write the config");
    // As systemd starts a service whose stderr is the journal: JOURNAL_STREAM
    // is stderr's device and inode.
    let argv = ours.argv(&config_path, host.dir()).join(" ");
    let script = format!(
        "export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); export {}={}; exec {argv}",
        journal::SOCKET_ENV,
        socket_path.display()
    );
    let daemon = host.spawn(ours.name(), &["sh", "-c", &script]);
    let mut seen = Vec::new();
    let change = entry_starting(
        &journald,
        "state changed",
        Duration::from_secs(15),
        &mut seen,
    );
    let Some(fields) = change else {
        panic!(
            "no state change reached journald within 15 s; entries: {seen:?}; stderr:\n{}",
            daemon.log()
        );
    };
    assert_eq!(field(&fields, "SYSLOG_IDENTIFIER"), journal::IDENTIFIER);
    assert_eq!(field(&fields, "PRIORITY"), "6", "info");
    assert_eq!(field(&fields, "INSTANCE"), "VI_JOURNAL");
    assert_eq!(field(&fields, "VRID"), "51");
    assert_eq!(field(&fields, "VRRP_PRIORITY"), "150");
    let to = field(&fields, "TO");
    assert!(to == "Backup" || to == "Master", "TO={to}");
    let message = field(&fields, "MESSAGE");
    assert!(
        message.contains("instance=VI_JOURNAL") && message.contains("vrid=51"),
        "MESSAGE is the stderr line: {message}"
    );
    assert!(
        entry_starting(
            &journald,
            "state changed",
            Duration::from_secs(15),
            &mut seen
        )
        .is_some_and(|fields| field(&fields, "TO") == "Master")
            || to == "Master",
        "alone on its segment it becomes Master; entries: {seen:?}"
    );
    assert!(
        !daemon.log().contains("state changed"),
        "the state changes went to journald, not to stderr as well:\n{}",
        daemon.log()
    );
}
