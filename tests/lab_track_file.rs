//! `track_file` end to end in the lab (`vrrp-lab`): an operator writes 1
//! into the maintenance file on the Master and the VIP moves to the Backup;
//! writing 0 back brings it home by preemption. Both hosts run the same
//! keepalived.conf (the file's weight -60 exceeds the gap of 50), one our
//! daemon and one keepalived, both ways. A client pings the VIP and
//! connects to HAProxy behind it every 10 ms: the test reports what it
//! lost and checks who answers. Needs root and keepalived.

use vrrp_lab as lab;

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use lab::keepalived::{Config, Instance};
use lab::probe::Probes;
use lab::watch::wait_for;
use lab::{Daemon, Host, Lab, haproxy, say};

const VIP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 100));
const PORT: u16 = 8080;

/// How long until `check` holds, at most `timeout`; panics naming `what`.
fn time_until(what: &str, timeout: Duration, check: impl FnMut() -> bool) -> Duration {
    wait_for(timeout, check).unwrap_or_else(|| panic!("timed out after {timeout:?}: {what}"))
}

/// The host's keepalived.conf: its maintenance file in its own directory
/// (the lab's hosts share the file system), created as 0 by `init_file`.
fn config(host: &Host<'_>, priority: u8) -> String {
    let file = host.dir().join("maint");
    let instance = Instance::new("VI_1", 51)
        .priority(priority)
        .vip("192.0.2.100/24")
        .line("track_file {\n        maint\n    }");
    format!(
        "track_file maint {{\n    file {}\n    weight -60\n    init_file\n}}\n{}",
        file.display(),
        Config::new(host.name()).instance(instance)
    )
}

/// Who answers HTTP on the VIP, as the client sees it.
fn answers(client: &Host<'_>) -> Option<String> {
    client
        .http_get(VIP, PORT)
        .map(|body| body.trim().to_owned())
}

fn maintenance(test: &str, on_master: &Daemon, on_backup: &Daemon) {
    let Some(lab) = Lab::new(test) else {
        return;
    };
    let master = lab.host("master", &["192.0.2.2/24"]);
    let backup = lab.host("backup", &["192.0.2.3/24"]);
    let client = lab.host("client", &["192.0.2.10/24"]);
    let _haproxy = (haproxy::start(&master, PORT), haproxy::start(&backup, PORT));
    let maint = master.dir().join("maint");
    let master_daemon = on_master.start(&master, &config(&master, 150));
    let _b = on_backup.start(&backup, &config(&backup, 100));
    time_until("the VIP on the master", Duration::from_secs(10), || {
        master.has_address(VIP) && !backup.has_address(VIP)
    });
    assert_eq!(
        std::fs::read_to_string(&maint).unwrap(),
        "0\n",
        "init_file creates the file with 0"
    );
    time_until(
        "HAProxy on the master answering",
        Duration::from_secs(5),
        || answers(&client).as_deref() == Some("master"),
    );
    let probes = Probes::start(&client, VIP, PORT);
    std::thread::sleep(Duration::from_millis(500));

    // Master 150 - 60 = 90 < 100: the Backup takes over once its
    // Master_Down_Interval passes without a higher advert.
    let written = SystemTime::now();
    std::fs::write(&maint, "1\n").unwrap();
    let moved = time_until("the VIP on the backup", Duration::from_secs(8), || {
        backup.has_address(VIP) && !master.has_address(VIP)
    });
    time_until(
        "HAProxy on the backup answering",
        Duration::from_secs(3),
        || answers(&client).as_deref() == Some("backup"),
    );
    std::thread::sleep(Duration::from_millis(500));
    if !on_master.is_keepalived() {
        // The status dump shows the file, its value and its effect.
        let status = lab::daemon::status(&master, &master_daemon);
        let instance = &status["instances"][0];
        assert_eq!(instance["priority"]["effective"], 90, "{status:#}");
        let tracked = &instance["tracked"][0];
        assert_eq!(
            (
                &tracked["type"],
                &tracked["name"],
                &tracked["value"],
                &tracked["up"]
            ),
            (&"file".into(), &"maint".into(), &1.into(), &false.into()),
            "{status:#}"
        );
    }
    let (lost_out, pings_out) = probes.lost_pings(written, SystemTime::now());
    let (failed_out, connects_out) = probes.failed_connections(written, SystemTime::now());

    // 0 again: 150 > 100, and the Master preempts.
    let cleared = SystemTime::now();
    std::fs::write(&maint, "0\n").unwrap();
    let back = time_until("the VIP back on the master", Duration::from_secs(8), || {
        master.has_address(VIP) && !backup.has_address(VIP)
    });
    time_until(
        "HAProxy on the master answering",
        Duration::from_secs(3),
        || answers(&client).as_deref() == Some("master"),
    );
    std::thread::sleep(Duration::from_millis(500));
    let (lost_back, pings_back) = probes.lost_pings(cleared, SystemTime::now());
    let (failed_back, connects_back) = probes.failed_connections(cleared, SystemTime::now());
    drop(probes);

    say(&format!(
        "MEASURED: track_file, master {} / backup {}: 1 written -> VIP on the backup in \
         {moved:?} (client: {lost_out}/{pings_out} pings lost, {failed_out}/{connects_out} \
         connections failed); 0 written -> back in {back:?} ({lost_back}/{pings_back} pings \
         lost, {failed_back}/{connects_back} connections failed)",
        on_master.name(),
        on_backup.name()
    ));
    // Bounds: the next advert with the lower priority (1 s) plus the
    // Backup's Master_Down_Interval (3 s + Skew_Time), and CI slack.
    assert!(moved < Duration::from_secs(6), "moved after {moved:?}");
    assert!(back < Duration::from_secs(6), "back after {back:?}");
    // A planned move: the old Master keeps the VIP until it hears the new
    // one, so the client loses at most a moment, never seconds.
    for (what, lost, of) in [
        ("pings lost moving out", lost_out, pings_out),
        ("connections failed moving out", failed_out, connects_out),
        ("pings lost moving back", lost_back, pings_back),
        ("connections failed moving back", failed_back, connects_back),
    ] {
        assert!(of > 100, "{what}: only {of} probes");
        assert!(lost <= 50, "{what}: {lost} of {of} (over 0.5 s)");
    }
}

#[test]
fn ours_master_keepalived_backup() {
    maintenance(
        "track_file_ours_master_keepalived_backup",
        &Daemon::ours(),
        &Daemon::Keepalived,
    );
}

#[test]
fn keepalived_243_master_ours_backup() {
    let Some(keepalived) = Daemon::keepalived_243() else {
        return;
    };
    maintenance(
        "track_file_keepalived_243_master_ours_backup",
        &keepalived,
        &Daemon::ours(),
    );
}
